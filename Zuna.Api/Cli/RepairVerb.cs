using System.CommandLine;
using Zuna.Api.Cli.Folder;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Input;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>
/// `zuna repair`: ZUNA1.1's reconstruct_fif. Repairs bad channels and bad time spans, adds electrodes, writes the
/// hybrid recording (the original signal except on repaired cells) and, on request, the full reconstruction.
/// </summary>
public static class RepairVerb
{
    public static Command Create()
    {
        var common = new ModelVerbOptions();
        var output = new Option<FileInfo?>("--out") { Description = "Output: a .fif (the hybrid recording) or a .safetensors (hybrid, full_reconstruction, preprocessed, mask, chan_pos)." };
        var fullOut = new Option<FileInfo?>("--full-out") { Description = "Also write the full reconstruction (model output everywhere) to this .fif." };
        var segment = new Option<double>("--segment-sec") { Description = "Window length in seconds (at most 32); the last, shorter window is kept.", DefaultValueFactory = _ => 5.0 };
        var highPass = new Option<double>("--highpass-hz") { Description = "High-pass cut-off in Hz (FIR, as MNE).", DefaultValueFactory = _ => 0.5 };
        var repair = new Option<string?>("--repair-channels") { Description = "Comma-separated channels to repair over the whole recording (e.g. O1,C3)." };
        var segments = new Option<string?>("--bad-segments") { Description = "Bad spans in seconds from the first sample: start-stop[:channel], comma-separated (e.g. 10.0-10.7,2.2-2.3:C4)." };
        var overlap = new Option<double>("--bad-token-overlap") { Description = "A 0.125-s token is repaired when more than this fraction of it is bad (0 = any overlap).", DefaultValueFactory = _ => 0.0 };
        var noAnnotations = new Option<bool>("--no-fif-annotations") { Description = "Ignore the recording's BAD* annotations." };
        var steps = new Option<int>("--steps") { Description = "Steps of the sampler (decoder evaluations: euler and dpm2m N, heun 2N−1, midpoint 2N).", DefaultValueFactory = _ => 50 };
        var solver = new Option<string>("--sampler") { Description = "ODE solver: euler (the original's), heun, midpoint or dpm2m.", DefaultValueFactory = _ => "euler" };
        solver.AcceptOnlyFromAmong([.. SamplerKinds.Names]);
        var cfg = new Option<float>("--cfg") { Description = "Classifier-free guidance (1 = off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<long>("--seed") { Description = "Noise seed; window k always gets the draws of (seed, k).", DefaultValueFactory = _ => 0 };
        var initNoise = new Option<FileInfo?>("--init-noise") { Description = "Safetensors with eps.0, eps.1, … [S_window, 32] (time-major tokens) to start each window from (z0 = 0.1·eps)." };

        var command = new Command("repair", "Repair a recording with ZUNA1.1: infill bad channels and bad time spans, add electrodes; writes a hybrid and a full reconstruction.");
        common.AddModelOptionsTo(command);
        foreach (var option in new Option[] { output, fullOut, segment, highPass, repair, segments, overlap, noAnnotations, steps, solver, cfg, seed, initNoise })
            command.Options.Add(option);
        var folder = new FolderOptions();
        folder.AddTo(command, common.Input, output);

        // The repair settings the options give (the same for one recording and for each of a folder).
        RepairOptions Options(ParseResult parse) =>
            new()
            {
                SegmentSeconds = parse.GetValue(segment),
                HighPassHz = parse.GetValue(highPass),
                RepairChannels = ModelVerbOptions.SplitList(parse.GetValue(repair)),
                BadSegments = BadSegment.ParseList(parse.GetValue(segments)),
                BadTokenOverlap = parse.GetValue(overlap),
                UseFifAnnotations = !parse.GetValue(noAnnotations),
                Targets = TargetChannels.Parse(parse.GetValue(common.TargetChannels)),
                Sampler = new() { Steps = parse.GetValue(steps), Cfg = parse.GetValue(cfg), Sampler = SamplerKinds.Parse(parse.GetValue(solver)!) },
                Seed = parse.GetValue(seed),
                Arrays = common.Arrays.Parse(parse),
            };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = parse.InvocationConfiguration.Error;
            string source = parse.GetResult(common.Input)!.Tokens[0].Value;
            if (folder.IsFolderMode(parse, source))
            {
                if (parse.GetValue(fullOut) is not null || parse.GetValue(initNoise) is not null)
                    throw new InvalidOptionException("--full-out and --init-noise name one recording's files; they cannot be used with a folder.");
                var settings = folder.Settings(parse, output);
                var folderOptions = Options(parse);
                folderOptions.Validate(); // once, before the model loads, rather than once per recording
                return await ModelFolderRun.RunAsync(parse, common, settings, source, ".fif",
                    (item, phases) => Prepare(item, folderOptions, phases),
                    engine => RepairModelGate.EnsureZuna11(engine.Info),
                    (engine, item, plan, work) => RepairOne(engine, plan, folderOptions, common.BatchSize(parse), work, cancellationToken),
                    cancellationToken);
            }
            string outPath = parse.GetValue(output)!.FullName;
            bool asFif = IsFif(outPath);
            if (!asFif && !outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOptionException($"--out must end in .fif or .safetensors: {outPath}");
            string? fullPath = parse.GetValue(fullOut)?.FullName;
            if (fullPath is not null && !IsFif(fullPath)) throw new InvalidOptionException($"--full-out must end in .fif: {fullPath}");

            var options = Options(parse);
            var warnings = new List<string>();
            var plan = RepairPipeline.Plan(RecordingLoader.Default, RecordingSource.FromFile(parse.GetValue(common.Input)!.FullName), options, warnings);
            foreach (string warning in warnings) log.WriteLine($"zuna: warning: {warning}");
            using var noiseFile = parse.GetValue(initNoise) is { } noisePath ? SafeTensorsFile.Open(noisePath.FullName) : null;
            var noise = noiseFile is null ? RepairNoise.FromSeed(options.Seed) : RepairNoise.FromFile(noiseFile, plan);
            log.WriteLine($"zuna: {plan.Prepared.ChannelCount} channels, {plan.Windows.Count} window(s), {plan.Mask.Sum(r => r.Count(m => m))} repaired token(s)");

            using var engine = await common.LoadModelAsync(parse, log, cancellationToken);
            RepairModelGate.EnsureZuna11(engine.Info);
            var progress = new StepProgress(log);
            var result = RepairPipeline.Run(engine, plan, noise, common.BatchSize(parse), progress, cancellationToken);

            if (asFif) FifWriter.Write(outPath, RepairFile.ToRecording(result, RepairFile.Signal.Hybrid));
            else SafeTensorsWriter.From(RepairFile.Layout(result, engine.Info, options, noise)).Write(outPath);
            log.WriteLine($"zuna: wrote {outPath}");
            if (fullPath is not null)
            {
                FifWriter.Write(fullPath, RepairFile.ToRecording(result, RepairFile.Signal.Full));
                log.WriteLine($"zuna: wrote {fullPath}");
            }
            return CliApp.ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A folder run's read step: the recording read and prepared as repair prepares it, warnings on the display's log.</summary>
    private static RepairPlan Prepare(FolderItem item, RepairOptions options, FolderPhases phases)
    {
        var warnings = new List<string>();
        var plan = RepairPipeline.Plan(RecordingLoader.Default, RecordingSource.FromFile(item.Path), options, warnings, phases);
        foreach (string warning in warnings) phases.Log.WriteLine($"zuna: warning: {item.Relative}: {warning}");
        return plan;
    }

    /// <summary>A folder run's model step: the hybrid recording (the original except on repaired cells) as a .fif.</summary>
    private static string RepairOne(ZunaEngine engine, RepairPlan plan, RepairOptions options, int batchSize, FolderWork work, CancellationToken cancellationToken)
    {
        RepairResult result;
        work.Report("repair", 0);
        using (work.Times.Measure("model"))
            result = RepairPipeline.Run(engine, plan, RepairNoise.FromSeed(options.Seed), batchSize,
                new FolderSteps(work), cancellationToken);
        using (work.Times.Measure("write")) FifWriter.Write(work.Temporary, RepairFile.ToRecording(result, RepairFile.Signal.Hybrid));
        return $"{plan.Prepared.ChannelCount} channels, {plan.Windows.Count} window(s), {plan.Mask.Sum(r => r.Count(m => m))} repaired token(s)";
    }

    /// <summary>Each diffusion step of a folder run's current recording, for the progress display.</summary>
    private sealed class FolderSteps(FolderWork work) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) =>
            work.Report($"repair {value}", (double)value.StepsDone / value.StepsTotal);
    }

    /// <summary>One stderr line per solver step with the decoder evaluations so far, written as it happens.</summary>
    private sealed class StepProgress(TextWriter log) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) => log.WriteLine($"zuna: {value}");
    }

    private static bool IsFif(string path) =>
        path.EndsWith(".fif", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".fif.gz", StringComparison.OrdinalIgnoreCase);
}
