using Zuna.Api.Cli;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Cli;

/// <summary>`zuna repair` option parsing and its answers before and at the model (a ZUNA 1.0 model is refused).</summary>
public sealed class RepairVerbTests : IDisposable
{
    private static readonly string Recording = SharedData.Path("fixtures/zuna11/pipeline/fifA_raw.fif");
    private static readonly string TinyModel = SharedData.Path("fixtures/tiny");
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-repair-verb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Stderr)> Run(params string[] args)
    {
        var (code, _, stderr) = await CliRun.Run(args);
        return (code, stderr);
    }

    [Fact]
    public void BadSegmentsTakeSpansWithAndWithoutAChannel()
    {
        Assert.Equal(
            [new BadSegment(10.0, 10.7), new BadSegment(2.2, 2.3, "C4"), new BadSegment(10, 11), new BadSegment(0.5, 1, "fp1")],
            BadSegment.ParseList("10.0-10.7,2.2-2.3:C4, 10-11 , 0.5 - 1 : fp1"));
        Assert.Empty(BadSegment.ParseList("  "));
    }

    [Theory]
    [InlineData("5-3")]
    [InlineData("abc")]
    [InlineData("1-2:")]
    [InlineData("-1-2")]
    [InlineData("1")]
    [InlineData("1-x")]
    public void MalformedBadSegmentsAreInvalidOptions(string text)
    {
        var e = Assert.Throws<InvalidOptionException>(() => BadSegment.ParseList(text));
        Assert.Contains("start-stop", e.Message);
    }

    [Fact]
    public async Task AZuna10ModelIsRefusedAfterWarningsForUnknownChannels()
    {
        string output = Path.Combine(_dir, "hybrid_raw.fif");
        var (code, stderr) = await Run("repair", Recording, "--model-dir", TinyModel, "--device", "cpu", "--out", output,
            "--bad-segments", "1-2:XYZ,3-3.5", "--repair-channels", "o1,Nope", "--steps", "2");
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("warning: bad segment 1-2:XYZ: channel 'XYZ' is not in the recording; ignored.", stderr);
        Assert.Contains("warning: repair channel 'Nope'", stderr);
        Assert.Contains("zuna: 12 channels, 3 window(s)", stderr);
        Assert.Contains("repair needs a ZUNA1.1 model; set Zuna__Model__RepoId=Zyphra/ZUNA1.1", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task The_sampler_option_reaches_the_model_and_progress_counts_decoder_evaluations()
    {
        string output = Path.Combine(_dir, "heun.safetensors");
        var (code, stderr) = await Run("repair", Recording, "--model-dir", SharedData.Path("fixtures/zuna11"), "--device", "cpu",
            "--out", output, "--repair-channels", "O1", "--sampler", "heun", "--steps", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("step 2/2, NFE 3/3", stderr);   // Heun: 2N − 1 evaluations
        Assert.DoesNotContain("NFE 4", stderr);
        using var file = SafeTensorsFile.Open(output);
        Assert.Equal(("heun", "2"), (file.Metadata["sampler"], file.Metadata["steps"]));
    }

    [Fact]
    public async Task An_unknown_sampler_is_a_usage_error()
    {
        var (code, stderr) = await Run("repair", Recording, "--out", Path.Combine(_dir, "r.fif"), "--sampler", "rk4");
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("rk4", stderr);
    }

    [Theory]
    [InlineData("--out", "x.txt")]
    [InlineData("--bad-segments", "9-8")]
    [InlineData("--segment-sec", "40")]
    [InlineData("--bad-token-overlap", "1")]
    public async Task InvalidOptionsExitWithCode3BeforeTheModelLoads(string option, string value)
    {
        var args = new List<string> { "repair", Recording, "--model-dir", Path.Combine(_dir, "no-model"), "--out", Path.Combine(_dir, "r.safetensors") };
        args.RemoveRange(args.Count - 2, option == "--out" ? 2 : 0);
        args.AddRange([option, option == "--out" ? Path.Combine(_dir, value) : value]);
        var (code, stderr) = await Run([.. args]);
        Assert.True(code == CliApp.ExitCodes.InvalidInput, stderr);
    }

    [Fact]
    public async Task AnUnknownOptionIsAUsageError()
    {
        var (code, stderr) = await Run("repair", Recording, "--out", Path.Combine(_dir, "r.fif"), "--bad-segmentz", "1-2");
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("--bad-segmentz", stderr);
    }
}
