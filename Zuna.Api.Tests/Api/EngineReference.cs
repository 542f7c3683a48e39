using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Api;

/// <summary>
/// What the engine computes for the sample file when called directly (no HTTP, no queue, no batching across
/// requests): the yardstick for "the HTTP result equals the engine's result for the same input and seed".
/// </summary>
public static class EngineReference
{
    private static readonly Lock Gate = new();
    private static ZunaEngine? _engine;

    public static Preprocessed Sample(params string[] badChannels) =>
        Preprocessor.Run(FifReader.Read(ZunaServer.SamplePath), new PreprocessOptions { BadChannels = badChannels });

    public static EpochBatch Batch(Preprocessed p) =>
        new(p.Epochs, p.EpochCount, p.ChannelCount, p.EpochSamples, p.ChannelPositions);

    public static float[] Embed(Preprocessed p)
    {
        lock (Gate) return Engine().Embed(Batch(p));
    }

    public static float[] Reconstruct(Preprocessed p, long seed, int steps, float cfg = 1f)
    {
        var noise = Enumerable.Range(0, p.EpochCount).Select(e => new NoiseKey(seed, e)).ToArray();
        lock (Gate) return Engine().Reconstruct(Batch(p), new SamplerOptions { Steps = steps, Cfg = cfg }, noise);
    }

    public static ModelInfo Info()
    {
        lock (Gate) return Engine().Info;
    }

    private static ZunaEngine Engine() => _engine ??= ZunaEngine.Load(ZunaServer.TinyModel, "cpu", "float32",
        // Named as the service names a model given by folder: its full path, revision "local".
        new Zuna.Engine.Hub.ModelIdentity(Path.GetFullPath(ZunaServer.TinyModel), "local"));

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    public static SafeTensorsFile Tensors(byte[] body) => SafeTensorsFile.FromBytes(body, "response");
}
