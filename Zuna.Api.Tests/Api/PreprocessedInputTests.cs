using System.Net;
using System.Text.Json;
using Zuna.Api.Cli;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Api;

/// <summary>
/// Epochs a user brings from numpy: the preprocessed layout without sfreq_in, global_mean and global_std. Embeddings and
/// z-unit reconstructions work; volts (FIF) are refused, naming what is missing, before the model runs.
/// </summary>
public sealed class PreprocessedInputTests(SharedServer shared) : IClassFixture<SharedServer>, IDisposable
{
    private readonly HttpClient _client = shared.Client;
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-epochs-").FullName;

    private static byte[] EpochsWithoutVoltsScale()
    {
        var p = EngineReference.Sample();
        return new SafeTensorsWriter()
            .Add("eeg", p.Epochs, p.EpochCount, p.ChannelCount, p.EpochSamples)
            .Add("chan_pos", p.ChannelPositions, p.ChannelCount, 3)
            .Metadata("channel_names", JsonSerializer.Serialize(p.ChannelNames))
            .ToArray();
    }

    [Fact]
    public async Task Embeddings_and_z_unit_reconstructions_accept_epochs_without_global_statistics()
    {
        var embed = await _client.PostAsync("/v1/embeddings", ZunaServer.Upload(EpochsWithoutVoltsScale(), "epochs.safetensors"));
        Assert.Equal(HttpStatusCode.OK, embed.StatusCode);
        using var latents = EngineReference.Tensors(await embed.Content.ReadAsByteArrayAsync());
        Assert.True(EngineReference.MaxAbsDiff(latents.ReadFloat32("latents"), EngineReference.Embed(EngineReference.Sample())) <= 1e-5);
        Assert.False(latents.Metadata.ContainsKey("global_mean"));

        var recon = await _client.PostAsync("/v1/reconstructions",
            ZunaServer.Upload(EpochsWithoutVoltsScale(), "epochs.safetensors", ("steps", "1"), ("seed", "3")));
        Assert.Equal(HttpStatusCode.OK, recon.StatusCode);
        using var z = EngineReference.Tensors(await recon.Content.ReadAsByteArrayAsync());
        Assert.Equal([3L, 12, 1280], z.Entry("reconstruction").Shape);
        Assert.Equal("z", z.Metadata["units"]);
    }

    [Fact]
    public async Task Volts_without_global_statistics_are_a_422_naming_them()
    {
        var response = await _client.PostAsync("/v1/reconstructions?format=fif",
            ZunaServer.Upload(EpochsWithoutVoltsScale(), "epochs.safetensors", ("steps", "1")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("global_mean", detail);
        Assert.Contains("global_std", detail);
    }

    [Fact]
    public async Task The_cli_refuses_volts_without_global_statistics_with_exit_3_before_loading_a_model()
    {
        string input = Path.Combine(_dir, "epochs.safetensors");
        await File.WriteAllBytesAsync(input, EpochsWithoutVoltsScale());
        var stderr = new StringWriter();
        // A model folder that does not exist: the refusal must come before any attempt to load it.
        int code = await CliApp.RunAsync(["reconstruct", input, "--model-dir", Path.Combine(_dir, "no-model"), "--device", "cpu",
            "--out", Path.Combine(_dir, "x.fif")], new StringWriter(), stderr);
        Assert.Equal(CliApp.ExitCodes.InvalidInput, code);
        Assert.Contains("global_mean", stderr.ToString());
        Assert.Single(stderr.ToString().Trim().Split('\n'));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
