using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Hosting;

public enum ModelState { Loading, Ready, Failed, Draining, Stopped }

/// <summary>
/// Owns the model and the one inference thread that uses it. Start-up returns at once and loads in the
/// background (so /health/live answers while weights load); /health/ready turns 200 after the warm-up
/// forward. Requests reach the thread through a channel; the count of waiting requests (not the channel, which
/// would keep a cancelled request's slot until the worker reads it) bounds the queue: a full queue is refused (429), never waited on.
/// On shutdown readiness turns false first, queued work drains within Zuna:Limits:ShutdownTimeoutSeconds, and
/// whatever is left then is cancelled.
/// </summary>
public sealed class ModelHost : IHostedService, IDisposable
{
    private readonly IEnginePipeline _engine;
    private readonly ZunaOptions _options;
    private readonly ZunaTelemetry _telemetry;
    private readonly ILogger<ModelHost> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly Channel<InferenceWork> _queue;
    private readonly BatchAssembler _assembler;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _workerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _worker;
    private int _waiting;
    private volatile ModelState _state = ModelState.Loading;

    public ModelHost(IEnginePipeline engine, IOptions<ZunaOptions> options, ZunaTelemetry telemetry,
        IHostApplicationLifetime lifetime, ILogger<ModelHost> logger)
    {
        _engine = engine;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        _lifetime = lifetime;
        // Unbounded: _waiting is the limit. A cancelled request leaves the count at once but stays in the channel until
        // the worker skips it, so a bounded channel would refuse new work while the reported queue is empty.
        _queue = Channel.CreateUnbounded<InferenceWork>(new UnboundedChannelOptions { SingleReader = true });
        _assembler = new BatchAssembler(_queue.Reader, _options.Batching, () => _abort.IsCancellationRequested, TryStart, TryLeaveQueue);
        telemetry.ObserveQueueDepth(() => Volatile.Read(ref _waiting));
        // Readiness flips on SIGTERM, before any hosted service is asked to stop.
        lifetime.ApplicationStopping.Register(BeginDraining);
    }

    public ModelState State => _state;
    public ModelInfo? Info { get; private set; }
    public string? FailureMessage { get; private set; }
    public int QueueDepth => Volatile.Read(ref _waiting);
    public int Capacity => _options.Queue.Capacity;
    public bool IsReady => _state == ModelState.Ready;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _worker = new Thread(WorkerMain) { IsBackground = true, Name = "zuna-inference" };
        _worker.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues a request; the task completes with its output, or faults/cancels. Throws at once when the
    /// service is not ready (<see cref="ServiceNotReadyException"/>) or the queue is full (<see cref="QueueFullException"/>).
    /// </summary>
    public Task<float[]> SubmitAsync(InferenceWork work)
    {
        EnsureReady();
        if (work.Input.EpochCount == 0) throw new InvalidRecordingException("The recording yields no complete 5 s epoch.");
        if (Interlocked.Increment(ref _waiting) > _options.Queue.Capacity)
        {
            Interlocked.Decrement(ref _waiting);
            throw new QueueFullException(_options.Queue.Capacity, RetryAfterSeconds());
        }
        if (!TryWrite(work)) // the channel only refuses once it is completed: draining began after EnsureReady
        {
            Interlocked.Decrement(ref _waiting);
            throw new ServiceNotReadyException("The service is shutting down and accepts no new work.");
        }
        // A request that gives up while waiting leaves the queue at once (its slot is freed for others).
        var registration = work.CancellationToken.Register(static state =>
        {
            var (host, w) = ((ModelHost, InferenceWork))state!;
            if (w.TryClaim()) Interlocked.Decrement(ref host._waiting);
            w.Completion.TrySetCanceled(w.CancellationToken);
        }, (this, work));
        // A job's token lives as long as the job (its whole TTL); left registered, the callback would keep the input
        // epochs and the output alive with it.
        _ = work.Completion.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return work.Completion.Task;
    }

    private bool TryWrite(InferenceWork work)
    {
        work.EnqueuedAt = Stopwatch.GetTimestamp();
        return _queue.Writer.TryWrite(work);
    }

    public void EnsureReady()
    {
        switch (_state)
        {
            case ModelState.Ready: return;
            case ModelState.Loading: throw new ServiceNotReadyException("The model is still loading; retry when /health/ready answers 200.");
            case ModelState.Failed: throw new ModelLoadException($"The model failed to load: {FailureMessage}");
            default: throw new ServiceNotReadyException("The service is shutting down and accepts no new work.");
        }
    }

    /// <summary>
    /// Ready and with a free queue slot right now: checked before parsing and preprocessing an upload, so an
    /// overloaded service answers 429 without spending CPU on work it would refuse anyway. <see cref="SubmitAsync"/>
    /// still makes the binding check.
    /// </summary>
    public void EnsureAccepting()
    {
        EnsureReady();
        if (Volatile.Read(ref _waiting) >= _options.Queue.Capacity)
            throw new QueueFullException(_options.Queue.Capacity, RetryAfterSeconds());
    }

    private int RetryAfterSeconds() => 1 + Volatile.Read(ref _waiting) / Math.Max(1, _options.Batching.MaxBatchEpochs);

    /// <summary>
    /// Called by the assembler when a request gets its first batch slice: only now does it stop waiting, so its
    /// queue slot, its queue time and a job's "running" status all start here. False: it was cancelled meanwhile.
    /// </summary>
    private bool TryStart(InferenceWork work)
    {
        if (!TryLeaveQueue(work)) return false;
        double wait = Stopwatch.GetElapsedTime(work.EnqueuedAt).TotalSeconds;
        work.Timings.QueueSeconds = wait;
        work.Progress?.Report(new WorkProgress(0, work.Input.EpochCount, 0, 0)); // a job turns "running" here
        _telemetry.RecordPhase("queue", wait);
        using var span = ZunaTelemetry.Source.StartActivity("queue", ActivityKind.Internal, work.Parent,
            startTime: DateTimeOffset.UtcNow - TimeSpan.FromSeconds(wait));
        return true;
    }

    /// <summary>Takes a waiting request out of the count (it starts, or the worker gives it up); false when its cancellation already did.</summary>
    private bool TryLeaveQueue(InferenceWork work)
    {
        if (!work.TryClaim()) return false;
        Interlocked.Decrement(ref _waiting);
        return true;
    }

    private void BeginDraining()
    {
        if (_state is ModelState.Ready or ModelState.Loading) _state = ModelState.Draining;
        _queue.Writer.TryComplete();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginDraining();
        var grace = TimeSpan.FromSeconds(_options.Limits.ShutdownTimeoutSeconds);
        try
        {
            await _workerExited.Task.WaitAsync(grace, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("In-flight inference did not finish within {Seconds} s; cancelling it.", grace.TotalSeconds);
            await _abort.CancelAsync();
            try
            {
                await _workerExited.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (TimeoutException)
            {
                // Still inside a non-cancellable call (loading weights); the process exits around it.
                _logger.LogWarning("The inference thread did not stop within 10 s after cancellation.");
            }
        }
        _state = ModelState.Stopped;
    }

    // ---------------------------------------------------------------- inference thread

    private void WorkerMain()
    {
        IZunaModel? model = null;
        try
        {
            model = Load();
            _state = _state == ModelState.Loading ? ModelState.Ready : _state;
            _logger.LogInformation("Model {ModelId} ready on {Device} ({Dtype}).", Info!.ModelId, Info.Device, Info.Dtype);
            var runner = new BatchRunner(model, _telemetry, _abort.Token);
            while (_assembler.Next() is { } batch) runner.Run(batch);
        }
        catch (Exception e)
        {
            FailureMessage = e.Message;
            if (_state != ModelState.Draining) _state = ModelState.Failed;
            _logger.LogError(e, "The inference worker stopped: {Message}", e.Message);
        }
        finally
        {
            _assembler.FailRemaining(new ServiceNotReadyException("The service stopped before this request ran."));
            model?.Dispose();
            _workerExited.TrySetResult();
        }
        if (_state == ModelState.Failed && _options.Model.ExitOnLoadFailure)
        {
            // Live but never ready helps nobody: exit non-zero so `restart: unless-stopped` or Kubernetes acts.
            _logger.LogCritical("Stopping the service: the model could not be loaded (Zuna:Model:ExitOnLoadFailure).");
            Environment.ExitCode = 1;
            // Stop only once the host has started: a load that fails within milliseconds (no network) would
            // otherwise cancel Kestrel's start and end the process with an unhandled exception (exit 134).
            _lifetime.ApplicationStarted.Register(_lifetime.StopApplication);
        }
    }

    private IZunaModel Load()
    {
        using var span = ZunaTelemetry.Source.StartActivity("model.load");
        var start = Stopwatch.GetTimestamp();
        var m = _options.Model;
        string directory = _engine.ResolveModelDirectoryAsync(m, _abort.Token).GetAwaiter().GetResult();
        string device = m.Device == "auto" ? TorchRuntime.DefaultDevice() : m.Device;
        _logger.LogInformation("Loading the model from {Directory} on {Device} ({Dtype}).", directory, device, m.Dtype);
        var model = _engine.LoadModel(directory, device, m.Dtype, m.Threads);
        try
        {
            WarmUp(model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        Info = model.Info;
        _telemetry.RecordPhase("load", Stopwatch.GetElapsedTime(start).TotalSeconds);
        return model;
    }

    /// <summary>One small encode and one single-step reconstruction, so the first request pays no first-call costs.</summary>
    private static void WarmUp(IZunaModel model)
    {
        const int channels = 2, samples = 1280;
        float[] positions = [-0.03f, 0.1f, 0.03f, 0.03f, 0.1f, 0.03f];
        var batch = new EpochBatch(new float[channels * samples], 1, channels, samples, positions);
        model.Embed(batch);
        model.Reconstruct(batch, new SamplerOptions { Steps = 1 }, [new NoiseKey(0, 0)]);
    }

    public void Dispose()
    {
        _abort.Dispose();
    }
}
