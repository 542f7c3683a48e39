using Zuna.Engine.Inference;
using Zuna.Engine.Weights;

namespace Zuna.Engine.Repair;

/// <summary>
/// The one place that decides whether a loaded model can repair and in which token order it takes noise. The repair
/// pipeline is ZUNA1.1's (100 position bins, time-major tokens, windows up to 32 s); a 1.0 model is refused with a
/// clear message rather than run with 1.0 tokenisation, whose results would not be the original's.
/// </summary>
public static class RepairModelGate
{
    public const string Requirement = "repair needs a ZUNA1.1 model; set Zuna__Model__RepoId=Zyphra/ZUNA1.1 (or --model-dir to a ZUNA1.1 checkpoint)";

    /// <summary>True for a ZUNA1.1 model, as the loaded model reports its generation (told apart by its tensor names).</summary>
    public static bool IsZuna11(ModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Generation == ModelGenerations.Name(ModelGeneration.Zuna11);
    }

    /// <summary>Throws <see cref="ModelGenerationException"/> unless <paramref name="info"/> is a ZUNA1.1 model.</summary>
    public static void EnsureZuna11(ModelInfo info)
    {
        if (!IsZuna11(info)) throw new ModelGenerationException($"{Requirement} (the loaded model {info.ModelId} is ZUNA 1.0).");
    }

    /// <summary>Whether the model numbers tokens time-major (ZUNA1.1) or channel-major (1.0): the order its noise comes in.</summary>
    public static bool TakesTimeMajorTokens(ModelInfo info) => IsZuna11(info);
}

/// <summary>The loaded model is of the wrong generation for the operation (HTTP 422, CLI exit 3).</summary>
public sealed class ModelGenerationException(string message) : ZunaInputException(message);
