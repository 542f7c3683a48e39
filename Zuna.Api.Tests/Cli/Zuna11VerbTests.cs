using Zuna.Api.Tests.Model;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Cli;

/// <summary>
/// `zuna embed` and `zuna reconstruct` with the ZUNA1.1 fixture model on the tutorial FIF: epoch 1 of sample1 is the
/// fixtures' case c12, so latents, time-major tok_idx and the reconstruction from the given noise must equal the
/// original 1.1 code's outputs.
/// </summary>
public sealed class Zuna11VerbTests : IDisposable
{
    private static readonly string Recording = SharedData.Path("data/fif/zuna__sample1_raw.fif");
    private static readonly string Model = SharedData.Path("fixtures/zuna11");
    private const int Tokens = 480;
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna11-verbs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Stderr)> Run(params string[] args)
    {
        var (code, _, stderr) = await CliRun.Run(args);
        return (code, stderr);
    }

    [Fact]
    public async Task Embed_gives_the_original_1_1_latents_and_token_index_for_epoch_1()
    {
        string output = Path.Combine(_dir, "latents.safetensors");
        var (code, stderr) = await Run("embed", Recording, "--model-dir", Model, "--device", "cpu", "--out", output);
        Assert.True(code == 0, stderr);
        var golden = FixtureSet.Get(FixtureSet.Zuna11);
        using var result = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, Tokens, 32 }, result.Entry("latents").Shape);
        Assert.Equal(golden.I64("c12.tok_idx"), result.ReadInt64("tok_idx"));
        Compare.Close("epoch 1 latents", result.ReadFloat32("latents").AsSpan(Tokens * 32, Tokens * 32), golden.F32("c12.latents"), 5e-5);
    }

    [Fact]
    public async Task Reconstruct_from_the_fixture_noise_matches_the_original_1_1_sampler()
    {
        var golden = FixtureSet.Get(FixtureSet.Zuna11);
        var eps = new float[3 * Tokens * 32];
        var random = new Random(3);
        for (int i = 0; i < eps.Length; i++) eps[i] = (float)(random.NextDouble() * 2 - 1);
        golden.F32("c12.sample.eps").CopyTo(eps, Tokens * 32);   // time-major tokens, as the fixture stores them
        string noise = Path.Combine(_dir, "noise.safetensors");
        new SafeTensorsWriter().Add("eps", eps, 3, Tokens, 32).Write(noise);

        string output = Path.Combine(_dir, "recon.safetensors");
        var (code, stderr) = await Run("reconstruct", Recording, "--model-dir", Model, "--device", "cpu",
            "--steps", "3", "--cfg", "2", "--init-noise", noise, "--batch-epochs", "2", "--out", output);
        Assert.True(code == 0, stderr);
        using var result = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, 12, 1280 }, result.Entry("reconstruction").Shape);
        Compare.Close("epoch 1 recon", result.ReadFloat32("reconstruction").AsSpan(12 * 1280, 12 * 1280), golden.F32("c12.s3_cfg2.recon"), 5e-4);
    }
}
