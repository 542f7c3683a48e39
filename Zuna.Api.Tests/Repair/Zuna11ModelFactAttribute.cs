using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// A test that needs the ZUNA1.1 fixture model (fixtures/zuna11) running in this build's engine. Skipped, with the
/// reason, only when the engine cannot load that checkpoint as a 1.1 model; the checkpoint itself is checked to be
/// 1.1 by its tensor names (QK-norm and sandwich-norm keys), so a missing or wrong fixture fails instead of skipping.
/// </summary>
public sealed class Zuna11ModelFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(Probe);

    public Zuna11ModelFactAttribute()
    {
        if (SkipReason.Value is { } reason) Skip = reason;
    }

    /// <summary>The fixture model, loaded once (tests using it take <see cref="Lock"/>: engines are not thread-safe).</summary>
    public static ZunaEngine Engine => LazyEngine.Value;
    public static readonly object Lock = new();
    private static readonly Lazy<ZunaEngine> LazyEngine = new(() => ZunaEngine.Load(RepairFixture.Directory));

    private static string? Probe()
    {
        using (var weights = SafeTensorsFile.Open(Path.Combine(RepairFixture.Directory, "model.safetensors")))
        {
            bool zuna11 = weights.Tensors.ContainsKey("model.encoder.layers.0.attention.q_norm.norm.weight")
                && weights.Tensors.ContainsKey("model.encoder.layers.0.attention_norm_post.norm.weight");
            if (!zuna11) return null;   // not a 1.1 checkpoint: let the test run and fail loudly
        }
        try
        {
            return RepairModelGate.IsZuna11(Engine.Info) ? null : "the engine of this build does not run ZUNA1.1 models yet (RepairModelGate.IsZuna11 is false)";
        }
        catch (ModelLoadException e)
        {
            return $"the engine of this build cannot load the ZUNA1.1 fixture checkpoint yet: {e.Message}";
        }
    }
}
