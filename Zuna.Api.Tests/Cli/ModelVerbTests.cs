using System.Text.Json;
using Zuna.Api.Cli;
using Zuna.Engine.Fif;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Cli;

/// <summary>
/// The embed and reconstruct verbs end to end: a real FIF file through the real preprocessing chain and the
/// real tiny fixture model, checked against the original implementation's outputs for epoch 1 of sample1 (case c12).
/// </summary>
public sealed class ModelVerbTests : IDisposable
{
    private static readonly string Recording = SharedData.Path("data/fif/zuna__sample1_raw.fif");
    private static readonly string TinyModel = SharedData.Path("fixtures/tiny");
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-verbs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Stderr)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public async Task Embed_gives_the_original_latents_for_epoch_1()
    {
        string output = Path.Combine(_dir, "latents.safetensors");
        var (code, stderr) = await Run("embed", Recording, "--model-dir", TinyModel, "--device", "cpu", "--out", output);
        Assert.True(code == 0, stderr);

        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/tiny/cases.safetensors"));
        using var result = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, 480, 32 }, result.Entry("latents").Shape);
        Assert.Equal(golden.ReadInt64("c12.tok_idx"), result.ReadInt64("tok_idx"));
        var expected = golden.ReadFloat32("c12.latents");
        var actual = result.ReadFloat32("latents").AsSpan(480 * 32, 480 * 32);
        Assert.True(MaxAbsDiff(expected, actual) <= 5e-5, $"max |latents − golden| = {MaxAbsDiff(expected, actual)}");
        Assert.Equal(["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8"],
            JsonSerializer.Deserialize<string[]>(result.Metadata["channel_names"])!);
    }

    [Fact]
    public async Task Reconstruct_from_the_fixture_noise_matches_the_original_sampler()
    {
        using var golden = SafeTensorsFile.Open(SharedData.Path("fixtures/tiny/cases.safetensors"));
        // Epoch 1 starts from the fixture's noise; epochs 0 and 2 from arbitrary draws.
        var eps = new float[3 * 480 * 32];
        var random = new Random(7);
        for (int i = 0; i < eps.Length; i++) eps[i] = (float)(random.NextDouble() * 2 - 1);
        golden.ReadFloat32("c12.sample.eps").CopyTo(eps, 480 * 32);
        string noise = Path.Combine(_dir, "noise.safetensors");
        new SafeTensorsWriter().Add("eps", eps, 3, 480, 32).Write(noise);

        string output = Path.Combine(_dir, "recon.safetensors");
        var (code, stderr) = await Run("reconstruct", Recording, "--model-dir", TinyModel, "--device", "cpu",
            "--steps", "4", "--cfg", "1", "--init-noise", noise, "--batch-epochs", "2", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("step 4/4", stderr);

        using var result = SafeTensorsFile.Open(output);
        var expected = golden.ReadFloat32("c12.s4_cfg1.recon");
        var actual = result.ReadFloat32("reconstruction").AsSpan(12 * 1280, 12 * 1280);
        Assert.True(MaxAbsDiff(expected, actual) <= 5e-4, $"max |recon − golden| = {MaxAbsDiff(expected, actual)}");
    }

    [Fact]
    public async Task Reconstruct_to_fif_writes_volts_with_added_channels()
    {
        string zUnits = Path.Combine(_dir, "recon.safetensors");
        string fif = Path.Combine(_dir, "recon_raw.fif");
        string[] common = ["--model-dir", TinyModel, "--device", "cpu", "--steps", "2", "--seed", "11", "--target-channels", "Cz,Pz"];
        Assert.Equal(0, (await Run(["reconstruct", Recording, "--out", zUnits, .. common])).Code);
        Assert.Equal(0, (await Run(["reconstruct", Recording, "--out", fif, .. common])).Code);

        using var z = SafeTensorsFile.Open(zUnits);
        double mean = double.Parse(z.Metadata["global_mean"], System.Globalization.CultureInfo.InvariantCulture);
        double std = double.Parse(z.Metadata["global_std"], System.Globalization.CultureInfo.InvariantCulture);
        var recon = z.ReadFloat32("reconstruction");                      // [3, 14, 1280]
        var raw = FifReader.Read(fif);
        Assert.Equal(256.0, raw.SampleRate);
        Assert.Equal(3 * 1280, raw.SampleCount);
        Assert.Equal(["Cz", "Pz"], raw.Channels.Skip(12).Select(c => c.Name));
        for (int c = 0; c < 14; c += 13)
            for (int t = 0; t < 3 * 1280; t += 97)
            {
                double expectedVolts = recon[((t / 1280) * 14 + c) * 1280 + t % 1280] * std + mean;
                Assert.Equal(expectedVolts, raw.Data[c][t], 1e-6 * Math.Abs(expectedVolts) + 1e-12);
            }
    }

    [Fact]
    public async Task Same_seed_same_result_whatever_the_batch_size()
    {
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors");
        string[] common = [Recording, "--model-dir", TinyModel, "--device", "cpu", "--steps", "2", "--seed", "5"];
        Assert.Equal(0, (await Run(["reconstruct", .. common, "--batch-epochs", "1", "--out", a])).Code);
        Assert.Equal(0, (await Run(["reconstruct", .. common, "--batch-epochs", "3", "--out", b])).Code);
        using var fa = SafeTensorsFile.Open(a);
        using var fb = SafeTensorsFile.Open(b);
        Assert.True(MaxAbsDiff(fa.ReadFloat32("reconstruction"), fb.ReadFloat32("reconstruction")) <= 1e-5);
    }

    [Theory]
    [InlineData("embed", "data/fif/PROVENANCE.md", 3, "not a recording in a format Zuna reads")]
    [InlineData("embed", "data/fif/missing.fif", 3, "not found")]
    [InlineData("reconstruct", "data/fif/zuna__sample1_raw.fif", 3, "--out must end")]
    public async Task Bad_input_gives_one_line_and_an_exit_code(string verb, string input, int expectedCode, string fragment)
    {
        string output = Path.Combine(_dir, verb == "reconstruct" ? "x.txt" : "x.safetensors");
        var (code, stderr) = await Run(verb, SharedData.Path(input), "--model-dir", TinyModel, "--device", "cpu", "--out", output);
        Assert.Equal(expectedCode, code);
        Assert.Contains(fragment, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Missing_arguments_are_a_usage_error_in_one_line()
    {
        var (code, stderr) = await Run("embed", Recording);
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("--out", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
