using Zuna.Api.Backend;
using Zuna.Api.Options;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Api;

/// <summary>
/// Holds the real engine at loading and at each batch until a test opens the gate (and, when asked, each FIF parse). Not a fake: every
/// call still goes to the real ZunaEngine; the gate only decides when. A held batch whose requests are all
/// cancelled is released with their cancellation, as the sampler would between steps.
/// </summary>
public sealed class ModelGate
{
    private readonly ManualResetEventSlim _load = new(false);
    private readonly ManualResetEventSlim _batches = new(false);
    private readonly ManualResetEventSlim _decodes = new(true);
    private int _batchesEntered, _cancelledBatches, _decodesEntered;
    private readonly SemaphoreSlim _entered = new(0);

    public int BatchesEntered => Volatile.Read(ref _batchesEntered);
    public int CancelledBatches => Volatile.Read(ref _cancelledBatches);

    /// <summary>FIF uploads entered the parser so far.</summary>
    public int DecodesEntered => Volatile.Read(ref _decodesEntered);

    /// <summary>From now on each FIF parse waits until <see cref="OpenDecodes"/> (open by default).</summary>
    public void HoldDecodes() => _decodes.Reset();
    public void OpenDecodes() => _decodes.Set();

    internal void WaitDecode()
    {
        Interlocked.Increment(ref _decodesEntered);
        _decodes.Wait();
    }

    public void OpenLoad() => _load.Set();
    public void OpenBatches() => _batches.Set();
    public void CloseBatches() => _batches.Reset();

    /// <summary>Waits until the worker holds a batch at the gate.</summary>
    public Task<bool> BatchEnteredAsync(TimeSpan timeout) => _entered.WaitAsync(timeout);

    internal void WaitLoad() => _load.Wait();

    internal void WaitBatch(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _batchesEntered);
        _entered.Release();
        try
        {
            _batches.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelledBatches);
            throw;
        }
    }
}

/// <summary>The service's model loader with loading and every batch behind a <see cref="ModelGate"/>.</summary>
internal sealed class GatedModelLoader(IModelLoader inner, ModelGate gate) : IModelLoader
{
    public Task<ResolvedModel> ResolveAsync(ModelOptions options, CancellationToken cancellationToken)
    {
        gate.WaitLoad(); // the inference thread resolves synchronously; a missing directory fails only once the gate opens
        return inner.ResolveAsync(options, cancellationToken);
    }

    public IZunaModel Load(ResolvedModel model, string device, string dtype, int threads)
    {
        gate.WaitLoad();
        return new GatedModel(inner.Load(model, device, dtype, threads), gate);
    }

    private sealed class GatedModel(IZunaModel model, ModelGate gate) : IZunaModel
    {
        private int _warmUpCalls;

        public ModelInfo Info => model.Info;

        public float[] Embed(EpochBatch batch, CancellationToken cancellationToken = default)
        {
            Hold(cancellationToken);
            return model.Embed(batch, cancellationToken);
        }

        public float[] Reconstruct(EpochBatch batch, SamplerOptions options, IReadOnlyList<NoiseKey> noise, float[]? initialNoise = null,
            IProgress<SamplerProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            Hold(cancellationToken);
            return model.Reconstruct(batch, options, noise, initialNoise, progress, cancellationToken);
        }

        /// <summary>The warm-up (one embed, one reconstruct) passes; every request batch after it waits at the gate.</summary>
        private void Hold(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _warmUpCalls) <= 2) return;
            gate.WaitBatch(cancellationToken);
        }

        public void Dispose() => model.Dispose();
    }
}

/// <summary>The real FIF reader, waiting at the gate before each parse (the registry is the service's, with this reader first).</summary>
internal sealed class GatedFifReader(ModelGate gate) : IRecordingReader
{
    private readonly FifRecordingReader _inner = new();

    public string Format => _inner.Format;
    public IReadOnlyList<string> Extensions => _inner.Extensions;
    public bool Recognises(ReadOnlySpan<byte> head) => _inner.Recognises(head);

    public RecordingContent Read(RecordingSource source)
    {
        gate.WaitDecode();
        return _inner.Read(source);
    }

    public static RecordingLoader Registry(ModelGate gate) =>
        new([new GatedFifReader(gate), .. RecordingLoader.Default.Readers.Where(r => r is not FifRecordingReader)]);
}
