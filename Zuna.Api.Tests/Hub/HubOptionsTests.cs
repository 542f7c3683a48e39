using Zuna.Engine.Hub;

namespace Zuna.Api.Tests.Hub;

/// <summary>HubOptions.FromEnvironment reads the variables huggingface_hub reads, with the same precedence.</summary>
public sealed class HubOptionsTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "zuna-hub-env", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private static HubOptions From(Dictionary<string, string?> env) => HubOptions.FromEnvironment(name => env.GetValueOrDefault(name));

    [Fact]
    public void Defaults_follow_huggingface_hub_when_nothing_is_set()
    {
        var options = From(new() { ["HOME"] = _home });

        Assert.Null(options.ModelDirectory);
        Assert.Equal("Zyphra/ZUNA1.1", options.RepoId);   // the current release; Zyphra/ZUNA pins 1.0
        Assert.Equal("main", options.Revision);
        Assert.Equal("https://huggingface.co", options.Endpoint);
        Assert.Null(options.Token);
        Assert.False(options.Offline);
        Assert.Equal(Path.Combine(_home, ".cache", "huggingface", "hub"), options.CacheDirectory);
        Assert.Equal(["config.json", "model-00001-of-00001.safetensors"], options.Files);
    }

    [Fact]
    public void Cache_folder_precedence_is_HF_HUB_CACHE_then_HF_HOME_then_XDG_CACHE_HOME()
    {
        Assert.Equal("/x/hub-cache", From(new() { ["HOME"] = _home, ["HF_HUB_CACHE"] = "/x/hub-cache", ["HF_HOME"] = "/x/home" }).CacheDirectory);
        Assert.Equal("/x/legacy", From(new() { ["HOME"] = _home, ["HUGGINGFACE_HUB_CACHE"] = "/x/legacy" }).CacheDirectory);
        Assert.Equal("/x/home/hub", From(new() { ["HOME"] = _home, ["HF_HOME"] = "/x/home", ["XDG_CACHE_HOME"] = "/x/xdg" }).CacheDirectory);
        Assert.Equal("/x/xdg/huggingface/hub", From(new() { ["HOME"] = _home, ["XDG_CACHE_HOME"] = "/x/xdg" }).CacheDirectory);
        Assert.Equal(Path.Combine(_home, "elsewhere"), From(new() { ["HOME"] = _home, ["HF_HUB_CACHE"] = "~/elsewhere" }).CacheDirectory);
    }

    [Fact]
    public void Token_comes_from_HF_TOKEN_else_the_token_file_of_HF_HOME()
    {
        string hfHome = Path.Combine(_home, "hf");
        Directory.CreateDirectory(hfHome);
        File.WriteAllText(Path.Combine(hfHome, "token"), "hf_from_file\n");

        Assert.Equal("hf_from_file", From(new() { ["HOME"] = _home, ["HF_HOME"] = hfHome }).Token);
        Assert.Equal("hf_from_env", From(new() { ["HOME"] = _home, ["HF_HOME"] = hfHome, ["HF_TOKEN"] = "hf_from_env" }).Token);
        Assert.Equal("hf_legacy", From(new() { ["HOME"] = _home, ["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy" }).Token);

        string other = Path.Combine(_home, "other-token");
        File.WriteAllText(other, "  hf_token_path  ");
        Assert.Equal("hf_token_path", From(new() { ["HOME"] = _home, ["HF_HOME"] = hfHome, ["HF_TOKEN_PATH"] = other }).Token);

        File.WriteAllText(Path.Combine(hfHome, "token"), "\n");
        Assert.Null(From(new() { ["HOME"] = _home, ["HF_HOME"] = hfHome }).Token);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void HF_HUB_OFFLINE_accepts_the_same_true_values_as_huggingface_hub(string value, bool offline)
    {
        Assert.Equal(offline, From(new() { ["HOME"] = _home, ["HF_HUB_OFFLINE"] = value }).Offline);
    }

    [Fact]
    public void Endpoint_and_offline_mode_come_from_the_environment()
    {
        var options = From(new()
        {
            ["HOME"] = _home,
            ["HF_ENDPOINT"] = "https://hf-mirror.example/",
            ["TRANSFORMERS_OFFLINE"] = "1",
        });

        Assert.Equal("https://hf-mirror.example", options.Endpoint);
        Assert.Null(options.ModelDirectory);
        Assert.True(options.Offline);
    }
}
