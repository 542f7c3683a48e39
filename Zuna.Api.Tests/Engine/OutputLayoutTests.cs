using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Engine;

public sealed class OutputLayoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-layout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static Preprocessed Input() => new(
        Enumerable.Range(0, 2 * 3 * 64).Select(i => (float)Math.Sin(i * 0.1)).ToArray(), 2, 3, 64,
        [0.07f, 0, 0, 0, 0.07f, 0, 0, 0, 0.07f], ["Cz", "Pz", "Oz"], 250.0, 1e-7, 2e-5);

    internal static ModelInfo Model() => new("Zyphra/ZUNA", "abc123", "f00d", "cpu", "float32", 64, 2, 2, 1000);

    private static readonly SamplerOptions Sampler = new() { Steps = 3, Cfg = 1.5f, DataNorm = 10f };

    private static (float[] Latents, long[] TokIdx) Embeddings(Preprocessed input)
    {
        int tokens = input.ChannelCount * (input.EpochSamples / 32);
        var latents = Enumerable.Range(0, input.EpochCount * tokens * 32).Select(i => i * 0.25f).ToArray();
        return (latents, Tokenizer.TokenIndex(input.ChannelPositions, input.ChannelCount, input.EpochSamples));
    }

    public static TheoryData<string> Layouts => ["preprocess", "embeddings", "reconstructions"];

    private static OutputLayout Layout(string kind)
    {
        var input = Input();
        var (latents, tokIdx) = Embeddings(input);
        return kind switch
        {
            "preprocess" => PreprocessedFile.Layout(input),
            "embeddings" => EmbeddingFile.Layout(input, latents, tokIdx, Model()),
            _ => ReconstructionFile.Layout(input, input.Epochs.Select(v => -v).ToArray(), Model(), Sampler, seed: 9),
        };
    }

    [Theory, MemberData(nameof(Layouts))]
    public async Task A_layout_gives_the_same_bytes_written_to_a_path_or_a_stream(string kind)
    {
        var layout = Layout(kind);
        string path = Path.Combine(_dir, kind + ".safetensors");
        SafeTensorsWriter.From(layout).Write(path);
        var stream = new AsyncOnlyStream();
        await SafeTensorsWriter.From(layout).WriteAsync(stream);
        Assert.Equal(await File.ReadAllBytesAsync(path), stream.Written);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(layout.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(layout.Metadata.ToDictionary(e => e.Key, e => e.Value), file.Metadata);
        Assert.Equal(OperationNames.Name(kind switch { "preprocess" => Operation.Preprocess, "embeddings" => Operation.Embed, _ => Operation.Reconstruct }),
            file.Metadata["operation"]);
    }

    [Fact]
    public void Embedding_layout_has_the_documented_tensors_and_reads_its_values_from_the_arrays()
    {
        var input = Input();
        var (latents, tokIdx) = Embeddings(input);
        var layout = EmbeddingFile.Layout(input, latents, tokIdx, Model());

        Assert.Equal(["latents", "tok_idx", "chan_pos"], layout.Tensors.Select(t => t.Name));
        Assert.Equal([2L, 6, 32], layout.Tensor("latents").Shape);
        Assert.Equal("F32", layout.Tensor("latents").Dtype);
        Assert.Equal([6L, 4], layout.Tensor("tok_idx").Shape);
        Assert.Equal("I64", layout.Tensor("tok_idx").Dtype);
        Assert.Equal([3L, 3], layout.Tensor("chan_pos").Shape);
        Assert.Equal(latents, layout.Tensor("latents").AsFloat32().ToArray());
        Assert.Equal(tokIdx, layout.Tensor("tok_idx").AsInt64().ToArray());
        Assert.Throws<InvalidOperationException>(() => layout.Tensor("tok_idx").AsFloat32().Length);
        Assert.Throws<ArgumentException>(() => layout.Tensor("reconstruction"));

        Assert.Equal(["format", "operation", "channel_names", "n_epochs", "sfreq", "sfreq_in", "global_mean", "global_std",
            "model_id", "model_revision", "model_sha256", "model_generation", "token_order"], layout.Metadata.Select(e => e.Key));
        Assert.Contains(("operation", "embeddings"), layout.Metadata);
        Assert.Contains(("model_sha256", "f00d"), layout.Metadata);
    }

    [Fact]
    public void Reconstruction_layout_adds_the_sampler_settings()
    {
        var layout = Layout("reconstructions");
        Assert.Equal(["reconstruction", "chan_pos"], layout.Tensors.Select(t => t.Name));
        Assert.Equal([2L, 3, 64], layout.Tensor("reconstruction").Shape);
        var metadata = layout.Metadata.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(("reconstructions", "9", "3", "1.5", "10", "z"),
            (metadata["operation"], metadata["seed"], metadata["steps"], metadata["cfg"], metadata["data_norm"], metadata["units"]));
        Assert.Equal("250", metadata["sfreq_in"]);
        Assert.Equal("1E-07", metadata["global_mean"]);
    }

    [Fact]
    public void Layouts_reference_the_arrays_they_are_built_from()
    {
        // Building a layout must not copy: a change made afterwards is what the file holds.
        var input = Input();
        var (latents, tokIdx) = Embeddings(input);
        var writer = SafeTensorsWriter.From(EmbeddingFile.Layout(input, latents, tokIdx, Model()));
        latents[5] = 1234.5f;
        tokIdx[0] = 99;
        input.ChannelPositions[8] = 0.5f;
        using var file = SafeTensorsFile.FromBytes(writer.ToArray());
        Assert.Equal(1234.5f, file.ReadFloat32("latents")[5]);
        Assert.Equal(99, file.ReadInt64("tok_idx")[0]);
        Assert.Equal(0.5f, file.ReadFloat32("chan_pos")[8]);
    }

    [Fact]
    public void A_layout_whose_data_does_not_fit_the_input_names_the_tensor()
    {
        var input = Input();
        var (latents, tokIdx) = Embeddings(input);
        var e = Assert.Throws<ArgumentException>(() => EmbeddingFile.Layout(input, latents[..^32], tokIdx, Model()));
        Assert.Contains("'latents'", e.Message);
        e = Assert.Throws<ArgumentException>(() => ReconstructionFile.Layout(input, new float[10], Model(), Sampler, 0));
        Assert.Contains("'reconstruction'", e.Message);
    }

    [Fact]
    public void Reconstruction_in_volts_scales_by_the_global_statistics()
    {
        var input = Input();
        var z = input.Epochs.Select(v => v * 2).ToArray();
        var recording = ReconstructionFile.ToRecording(input, z);
        Assert.Equal(256.0, recording.SampleRate);
        Assert.Equal(2 * 64, recording.SampleCount);
        Assert.Equal(input.ChannelNames, recording.Channels.Select(c => c.Name));
        // Channel 1, epoch 1, sample 5: epochs are concatenated per channel.
        Assert.Equal((float)(z[(1 * 3 + 1) * 64 + 5] * 2e-5 + 1e-7), recording.Data[1][64 + 5]);
    }
}
