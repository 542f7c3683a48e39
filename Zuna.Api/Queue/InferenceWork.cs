using System.Diagnostics;
using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Queue;

/// <summary>Progress of one request: epochs finished, and diffusion steps of the batch it is in.</summary>
public readonly record struct WorkProgress(int EpochsDone, int EpochsTotal, int StepsDone, int StepsTotal);

/// <summary>Time one request spent in each worker-side phase (seconds).</summary>
public sealed class WorkerTimings
{
    public double QueueSeconds;
    public double EncodeSeconds;
    public double DecodeSeconds;
}

/// <summary>
/// One request on its way through the inference worker. Its epochs may be split over several batches
/// and share batches with other requests; <see cref="Output"/> collects the slices in epoch order.
/// </summary>
public sealed class InferenceWork
{
    public InferenceWork(Operation operation, Preprocessed input, SamplerOptions sampler, long seed,
        CancellationToken cancellationToken, IProgress<WorkProgress>? progress = null)
    {
        Operation = operation;
        Input = input;
        Sampler = sampler;
        Seed = seed;
        CancellationToken = cancellationToken;
        Progress = progress;
        Output = new float[input.EpochCount * OutputPerEpoch];
        Parent = Activity.Current?.Context ?? default;
    }

    public Operation Operation { get; }
    public Preprocessed Input { get; }
    public SamplerOptions Sampler { get; }
    public long Seed { get; }
    /// <summary>Noise index of epoch 0: epoch e starts from the noise of (Seed, FirstNoiseIndex + e). A repair's windows
    /// travel as several works (one per window length) and keep their window index this way.</summary>
    public int FirstNoiseIndex { get; init; }
    public CancellationToken CancellationToken { get; }
    public IProgress<WorkProgress>? Progress { get; }
    public ActivityContext Parent { get; }
    public long EnqueuedAt { get; internal set; }
    public WorkerTimings Timings { get; } = new();

    /// <summary>Embed: latents [E, S, 32]. Reconstruct: [E, C, T] z-units.</summary>
    public float[] Output { get; }
    public int OutputPerEpoch => Operation == Operation.Embed
        ? Input.ChannelCount * (Input.EpochSamples / 32) * 32
        : Input.ChannelCount * Input.EpochSamples;

    /// <summary>First epoch not yet handed to a batch (worker thread only).</summary>
    internal int NextEpoch;
    internal int EpochsDone;
    private int _claimed;

    /// <summary>True for the first caller only: either the worker takes the request, or its cancellation removes it from the queue.</summary>
    internal bool TryClaim() => Interlocked.Exchange(ref _claimed, 1) == 0;

    public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Two requests may share a batch when the model sees the same shapes, positions and sampler settings.</summary>
    public bool CanShareBatchWith(InferenceWork other) =>
        Operation == other.Operation
        && Input.ChannelCount == other.Input.ChannelCount
        && Input.EpochSamples == other.Input.EpochSamples
        && Input.ChannelPositions.AsSpan().SequenceEqual(other.Input.ChannelPositions)
        && (Operation == Operation.Embed || Sampler == other.Sampler);
}
