using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Outputs;

/// <summary>
/// The embeddings output: <c>latents</c> F32 [E, S, 32] (one 32-d vector per token, S = C·T/32, tokens in the model's
/// order: ZUNA 1.0 channel-major, ZUNA1.1 time-major; metadata <c>token_order</c>), <c>tok_idx</c> I64 [S, 4] (each
/// token's discretised x, y, z and time index, same order) and <c>chan_pos</c> F32 [C, 3]; metadata from
/// <see cref="OutputMetadata"/>.
/// </summary>
public static class EmbeddingFile
{
    public const string LatentsTensor = "latents";
    public const string TokenIndexTensor = "tok_idx";
    public const int LatentWidth = 32;

    public static OutputLayout Layout(Preprocessed input, float[] latents, long[] tokIdx, ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(model);
        long tokens = (long)input.ChannelCount * (input.EpochSamples / 32);
        return new OutputLayout(
            [
                TensorToWrite.Of(LatentsTensor, latents, input.EpochCount, tokens, LatentWidth),
                TensorToWrite.Of(TokenIndexTensor, tokIdx, tokens, 4),
                TensorToWrite.Of(PreprocessedFile.PositionsTensor, input.ChannelPositions, input.ChannelCount, 3),
            ],
            OutputMetadata.Describe(Operation.Embed, input, model));
    }
}
