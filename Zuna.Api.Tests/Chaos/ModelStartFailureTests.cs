using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Chaos;

/// <summary>A bad model directory at start: the process stops with exit code 1 and says why, instead of staying live but never ready.</summary>
public sealed class ModelStartFailureTests
{
    [Fact]
    public void A_missing_model_directory_exits_1_with_the_reason()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"zuna-missing-{Guid.NewGuid():N}");
        var (code, output) = ZunaProcess.RunUntilExit(Environment(missing), TimeSpan.FromSeconds(90));
        Assert.True(code == 1, $"exit code {code}:\n{output}");
        Assert.Contains(missing, output, StringComparison.Ordinal);
        Assert.Contains("Stopping the service: the model could not be loaded", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_safetensors_exits_1_with_the_reason()
    {
        string dir = Directory.CreateTempSubdirectory("zuna-corrupt-").FullName;
        try
        {
            File.Copy(Path.Combine(ZunaServer.TinyModel, "config.json"), Path.Combine(dir, "config.json"));
            byte[] weights = File.ReadAllBytes(Path.Combine(ZunaServer.TinyModel, "model.safetensors"));
            File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), weights[..(weights.Length / 2)]);

            var (code, output) = ZunaProcess.RunUntilExit(Environment(dir), TimeSpan.FromSeconds(90));
            Assert.True(code == 1, $"exit code {code}:\n{output}");
            Assert.Contains("model.safetensors", output, StringComparison.Ordinal);
            Assert.Contains("Stopping the service: the model could not be loaded", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static Dictionary<string, string> Environment(string modelDir) => new()
    {
        ["Zuna__Model__Path"] = modelDir,
        // A throwaway job store: the default SQLite directory would be shared with other child processes (one owner only).
        ["Zuna__Jobs__Store"] = "memory",
        ["Zuna__Model__Device"] = "cpu",
    };
}
