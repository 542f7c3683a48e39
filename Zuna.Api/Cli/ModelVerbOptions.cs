using System.CommandLine;
using Zuna.Engine;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli;

/// <summary>Options shared by the verbs that run the model (embed, reconstruct), and how they are turned into engine calls.</summary>
internal sealed class ModelVerbOptions
{
    public Argument<FileInfo> Input { get; } = new("input") { Description = "A FIF recording (.fif, .fif.gz, split files by their first part) or a file written by `zuna preprocess`." };
    public Option<string?> ModelDir { get; } = new("--model-dir") { Description = "Checkpoint folder (config.json + safetensors). Default: the Hugging Face cache, else download Zyphra/ZUNA1.1 (Zuna__Model__RepoId=Zyphra/ZUNA pins 1.0)." };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "auto" };
    public Option<string> Dtype { get; } = new("--dtype")
    {
        Description = "auto (bfloat16 only where a cached start-up probe finds it faster than float32 here), float32 or bfloat16. Default: $Zuna__Model__Dtype, else auto.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Zuna__Model__Dtype") is { Length: > 0 } configured ? configured : "auto",
    };
    public Option<int> Threads { get; } = new("--threads") { Description = "libtorch intra-op threads (0 = all cores).", DefaultValueFactory = _ => 0 };
    public Option<int> BatchEpochs { get; } = new("--batch-epochs") { Description = "Epochs per model batch; results do not depend on it.", DefaultValueFactory = _ => 16 };
    public Option<string?> BadChannels { get; } = new("--bad-channels") { Description = "Comma-separated channels to zero and reconstruct." };
    public Option<string?> TargetChannels { get; } = new("--target-channels") { Description = "10-05 electrodes to add (Cz,Pz,...) or a total channel count (e.g. 64)." };
    public Option<bool> HeadFrame { get; } = new("--target-head-frame") { Description = "Place added electrodes in the head frame (the original uses the montage's 'mri' frame)." };
    public Option<bool> NoHighPass { get; } = new("--no-highpass") { Description = "Skip the 0.5 Hz high-pass." };
    public Option<bool> NoAverageReference { get; } = new("--no-average-reference") { Description = "Skip the average reference." };
    public ArrayInputOptions Arrays { get; } = new();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Input);
        foreach (var option in new Option[] { ModelDir, Device, Dtype, Threads, BatchEpochs, BadChannels, TargetChannels, HeadFrame, NoHighPass, NoAverageReference })
            command.Options.Add(option);
        Arrays.AddTo(command);
    }

    /// <summary>The options that concern the model and the recording only (for verbs with their own preprocessing, like repair).</summary>
    public void AddModelOptionsTo(Command command)
    {
        command.Arguments.Add(Input);
        foreach (var option in new Option[] { ModelDir, Device, Dtype, Threads, BatchEpochs, TargetChannels })
            command.Options.Add(option);
        Arrays.AddTo(command);
    }

    /// <summary>
    /// Reads and preprocesses the input argument, or <paramref name="path"/> (a folder run's recording) with its phases
    /// timed and its warnings on <paramref name="log"/> (stderr by default).
    /// </summary>
    public Preprocessed LoadInput(ParseResult parse, string? path = null, IPhaseTimer? phases = null, TextWriter? log = null)
    {
        // These verbs load the model anyway: set libtorch up first so preprocessing uses it too, as the service does.
        TorchRuntime.Initialise(parse.GetValue(Threads));
        var options = new PreprocessOptions
        {
            HighPass = !parse.GetValue(NoHighPass),
            AverageReference = !parse.GetValue(NoAverageReference),
            BadChannels = SplitList(parse.GetValue(BadChannels)),
        };
        options.Validate();
        var targets = Engine.Preprocessing.TargetChannels.Parse(parse.GetValue(TargetChannels), parse.GetValue(HeadFrame));
        string input = path ?? parse.GetValue(Input)!.FullName;
        var result = RecordingLoader.Default.Load(RecordingSource.FromFile(input), new InputOptions(options, targets) { Arrays = Arrays.Parse(parse) }, phases);
        CliWarnings.Write(log ?? parse.InvocationConfiguration.Error, Path.GetFileName(input), result);
        return result;
    }

    public async Task<ZunaEngine> LoadModelAsync(ParseResult parse, TextWriter log, CancellationToken cancellationToken)
    {
        var hub = HubOptions.FromEnvironment() with { ModelDirectory = parse.GetValue(ModelDir) };
        var progress = new ThrottledProgress(log);
        var resolved = await ModelResolver.ResolveAsync(hub, progress, cancellationToken);
        TorchRuntime.Initialise(parse.GetValue(Threads));
        var engine = ZunaEngine.Load(resolved, parse.GetValue(Device)!, parse.GetValue(Dtype)!);
        string identity = resolved.Source == ModelSource.Explicit ? $"folder {resolved.Directory}" : $"{resolved.RepoId}@{resolved.Revision} ({resolved.Source.ToString().ToLowerInvariant()})";
        log.WriteLine($"zuna: model {identity} on {engine.Info.Device} ({engine.Info.Dtype}; {engine.Info.DtypeReason}), loaded in {engine.LoadTime.TotalSeconds:F1} s");
        return engine;
    }

    public int BatchSize(ParseResult parse) =>
        parse.GetValue(BatchEpochs) is var b and > 0 ? b : throw new InvalidOptionException("--batch-epochs must be positive.");

    public static IReadOnlyList<string> SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Epochs [first, first+count) of a recording as one model batch.</summary>
    public static EpochBatch Slice(Preprocessed p, int first, int count)
    {
        int perEpoch = p.ChannelCount * p.EpochSamples;
        var signals = p.Epochs.AsSpan(first * perEpoch, count * perEpoch).ToArray();
        return new EpochBatch(signals, count, p.ChannelCount, p.EpochSamples, p.ChannelPositions);
    }

    /// <summary>Download progress on stderr, at most every 5 %.</summary>
    private sealed class ThrottledProgress(TextWriter log) : IProgress<DownloadProgress>
    {
        private int _lastPercent = -5;

        public void Report(DownloadProgress value)
        {
            if (value.BytesTotal is not long total || total <= 0) return;
            int percent = (int)(100 * value.BytesDone / total);
            if (percent - _lastPercent < 5 && value.BytesDone != total) return;
            _lastPercent = percent;
            log.WriteLine($"zuna: downloading {value.File}: {percent}% of {total / 1e6:F0} MB");
        }
    }
}
