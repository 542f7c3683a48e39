using System.Diagnostics;
using Microsoft.Extensions.Options;
using Zuna.Api.Errors;
using Zuna.Api.Options;
using Zuna.Api.Queue;
using Zuna.Api.Telemetry;
using Zuna.Engine;
using Zuna.Engine.Inference;

namespace Zuna.Api.Backend;

public enum ModelState { Loading, Ready, Failed, Draining, Stopped }

/// <summary>
/// Owns the model and the one inference thread that uses it: load, readiness, drain. Start-up returns at once and
/// loads in the background (so /health/live answers while weights load); /health/ready turns 200 after the warm-up
/// forward. The thread takes batches from the <see cref="InferenceQueue"/> and runs them; the queue knows nothing of it.
/// On shutdown readiness turns false first, the queue is closed, queued work drains within
/// Zuna:Limits:ShutdownTimeoutSeconds, and whatever is left then is cancelled.
/// </summary>
public sealed class ModelHost : IHostedService, IDisposable
{
    private readonly IModelLoader _loader;
    private readonly InferenceQueue _queue;
    private readonly ZunaOptions _options;
    private readonly ZunaTelemetry _telemetry;
    private readonly ILogger<ModelHost> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _workerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _worker;
    private volatile ModelState _state = ModelState.Loading;

    public ModelHost(IModelLoader loader, InferenceQueue queue, IOptions<ZunaOptions> options, ZunaTelemetry telemetry,
        IHostApplicationLifetime lifetime, ILogger<ModelHost> logger)
    {
        _loader = loader;
        _queue = queue;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        _lifetime = lifetime;
        // Readiness flips on SIGTERM, before any hosted service is asked to stop.
        lifetime.ApplicationStopping.Register(BeginDraining);
    }

    public ModelState State => _state;
    public ModelInfo? Info { get; private set; }
    public string? FailureMessage { get; private set; }
    public bool IsReady => _state == ModelState.Ready;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Before any upload is preprocessed, so every request's signal code takes the same (libtorch) FFT path.
        TorchRuntime.Initialise(_options.Model.Threads);
        _worker = new Thread(WorkerMain) { IsBackground = true, Name = "zuna-inference" };
        _worker.Start();
        return Task.CompletedTask;
    }

    /// <summary>Throws unless the model is loaded and serving work already accepted (ready, or draining what it accepted).</summary>
    public void EnsureServing()
    {
        if (_state != ModelState.Draining) EnsureReady();
    }

    /// <summary>Throws unless the model is loaded and the service is not draining.</summary>
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

    private void BeginDraining()
    {
        if (_state is ModelState.Ready or ModelState.Loading) _state = ModelState.Draining;
        _queue.Close();
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
            _queue.Close(force: true);
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
            while (_queue.NextBatch(_abort.Token) is { } batch) runner.Run(batch);
        }
        catch (Exception e)
        {
            FailureMessage = e.Message;
            if (_state != ModelState.Draining) _state = ModelState.Failed;
            _logger.LogError(e, "The inference worker stopped: {Message}", e.Message);
        }
        finally
        {
            _queue.FailRemaining(new ServiceNotReadyException("The service stopped before this request ran."));
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
            // Stopping from a pool thread lets the host finish its own "Application started" callbacks first, so the
            // lifecycle lines appear in order.
            _lifetime.ApplicationStarted.Register(() => Task.Run(_lifetime.StopApplication));
        }
    }

    private IZunaModel Load()
    {
        using var span = ZunaTelemetry.Source.StartActivity("model.load");
        var start = Stopwatch.GetTimestamp();
        var m = _options.Model;
        var resolved = _loader.ResolveAsync(m, _abort.Token).GetAwaiter().GetResult();
        _logger.LogInformation("Loading the model from {Directory} ({Device}, {Dtype}).", resolved.Directory, m.Device, m.Dtype);
        var model = _loader.Load(resolved, m.Device, m.Dtype, m.Threads);
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
