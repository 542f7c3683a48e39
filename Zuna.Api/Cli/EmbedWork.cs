using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>The model part of `zuna embed` for one recording, shared by the one-file and the folder forms.</summary>
internal static class EmbedWork
{
    /// <summary>Latents [E, S, 32] of every epoch, in batches of <paramref name="batchSize"/>; <paramref name="epochsDone"/>(k, E) after each.</summary>
    public static float[] Encode(ZunaEngine engine, Preprocessed input, int batchSize, Action<int, int> epochsDone, CancellationToken cancellationToken)
    {
        int s = input.ChannelCount * (input.EpochSamples / 32), width = engine.Config.InputDim;
        var latents = new float[(long)input.EpochCount * s * width];
        for (int first = 0; first < input.EpochCount; first += batchSize)
        {
            int count = Math.Min(batchSize, input.EpochCount - first);
            var part = engine.Embed(ModelVerbOptions.Slice(input, first, count), cancellationToken);
            part.CopyTo(latents, (long)first * s * width);
            epochsDone(first + count, input.EpochCount);
        }
        return latents;
    }

    /// <summary>Writes the embedding file (latents, tok_idx, chan_pos and metadata) to <paramref name="path"/>.</summary>
    public static void Write(string path, ZunaEngine engine, Preprocessed input, float[] latents)
    {
        var tokIdx = engine.TokenIndex(ModelVerbOptions.Slice(input, 0, Math.Min(1, input.EpochCount)));
        SafeTensorsWriter.From(EmbeddingFile.Layout(input, latents, tokIdx, engine.Info)).Write(path);
    }
}
