using Zuna.Api.Cli;

namespace Zuna.Api.Tests.Cli;

/// <summary>The first hour on the command line: typos are usage errors with a suggestion, cheap checks come before the model.</summary>
public sealed class CliUsageTests : IDisposable
{
    private static readonly string Recording = SharedData.Path("data/fif/zuna__sample1_raw.fif");
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-usage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Stderr)> Run(params string[] args)
    {
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, new StringWriter(), stderr);
        return (code, stderr.ToString());
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:9" }, false)]
    [InlineData(new[] { "--model-dir", "/models/zuna" }, false)]
    [InlineData(new[] { "embedd", "x.fif" }, true)]
    [InlineData(new[] { "embed", "x.fif" }, true)]
    [InlineData(new[] { "--help" }, true)]
    public void Only_no_arguments_or_options_only_serve(string[] args, bool cli) => Assert.Equal(cli, CliApp.IsVerb(args));

    [Fact]
    public async Task A_mistyped_verb_is_a_usage_error_with_a_suggestion()
    {
        var (code, stderr) = await Run("embedd", Recording);
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("did you mean 'embed'?", stderr);
    }

    [Fact]
    public async Task A_mistyped_option_is_a_usage_error_with_a_suggestion()
    {
        var (code, stderr) = await Run("embed", Recording, "--modeldir", "/x", "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(CliApp.ExitCodes.Usage, code);
        Assert.Contains("did you mean '--model-dir'?", stderr);
    }

    [Theory]
    [InlineData(new[] { "--modeldir", "/x" }, "unknown option '--modeldir' (did you mean '--model-dir'?)")]
    [InlineData(new[] { "--urls" }, "option '--urls' needs a value")]
    public void Serving_options_are_checked_before_the_host_starts(string[] args, string problem) =>
        Assert.StartsWith(problem, ServeArguments.Problem(args));

    [Fact]
    public void Known_serving_options_and_configuration_keys_pass() =>
        Assert.Null(ServeArguments.Problem(["--urls", "http://0.0.0.0:8080", "--model-dir", "/m", "--Zuna:Queue:Capacity=3", "--Zuna:Limits:MaxSteps", "9"]));

    [Fact]
    public async Task A_missing_output_folder_fails_before_the_model_is_looked_for()
    {
        var (code, stderr) = await Run("reconstruct", Recording, "--model-dir", "/nonexistent/model", "--out", "/nonexistent-folder/x_raw.fif");
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("the folder /nonexistent-folder does not exist", stderr);
    }

    [Fact]
    public async Task Sampler_settings_are_checked_before_the_model_is_looked_for()
    {
        var (code, stderr) = await Run("reconstruct", Recording, "--model-dir", "/nonexistent/model", "--steps", "0",
            "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("steps must be 1..1000 (got 0)", stderr);
    }

    [Fact]
    public async Task The_model_line_names_the_local_folder()
    {
        string tiny = SharedData.Path("fixtures/tiny");
        var (code, stderr) = await Run("embed", Recording, "--model-dir", tiny, "--device", "cpu", "--out", Path.Combine(_dir, "x.safetensors"));
        Assert.True(code == 0, stderr);
        Assert.Contains($"zuna: model folder {tiny} on cpu", stderr);
    }
}
