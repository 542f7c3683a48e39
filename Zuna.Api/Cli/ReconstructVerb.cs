using System.CommandLine;
using Zuna.Api.Cli.Figures;
using Zuna.Api.Cli.Folder;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>`zuna reconstruct`: encoder, then the rectified-flow decoder; denoises observed channels and fills zeroed or added ones.</summary>
public static class ReconstructVerb
{
    public static Command Create()
    {
        var common = new ModelVerbOptions();
        var output = new Option<FileInfo?>("--out") { Description = "Output: .safetensors (reconstruction [E, C, T] in z-units) or .fif (volts, 256 Hz, with positions)." };
        var steps = new Option<int>("--steps") { Description = "Solver steps (decoder evaluations: euler and dpm2m N, heun 2N-1, midpoint 2N).", DefaultValueFactory = _ => 50 };
        var solver = new Option<string>("--sampler") { Description = "ODE solver: euler (the original's), heun, midpoint or dpm2m.", DefaultValueFactory = _ => "euler" };
        solver.AcceptOnlyFromAmong([.. SamplerKinds.Names]);
        var cfg = new Option<float>("--cfg") { Description = "Classifier-free guidance (1 = off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<long>("--seed") { Description = "Noise seed; epoch e always gets the draws of (seed, e).", DefaultValueFactory = _ => 0 };
        var dataNorm = new Option<float>("--data-norm") { Description = "Input is clamp(x / data_norm, -1, 1).", DefaultValueFactory = _ => 10f };
        var initNoise = new Option<FileInfo?>("--init-noise") { Description = "Safetensors with `eps` [E, S, 32] standard-normal draws to start from (z0 = 0.1·eps), for reproducibility checks." };
        var figures = FigureOutput.CreateOption();

        var command = new Command("reconstruct", "Reconstruct a recording through ZUNA: denoise observed channels, fill in bad or added ones.");
        common.AddTo(command);
        foreach (var option in new Option[] { output, steps, solver, cfg, seed, dataNorm, initNoise, figures }) command.Options.Add(option);
        var folder = new FolderOptions();
        folder.AddTo(command, common.Input, output);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = parse.InvocationConfiguration.Error;
            // Everything that can be checked without the recording or the model is checked first.
            string source = parse.GetResult(common.Input)!.Tokens[0].Value;
            bool folderMode = folder.IsFolderMode(parse, source);
            if (folderMode && parse.GetValue(initNoise) is not null) throw new InvalidOptionException("--init-noise fits one recording's shape; it cannot be used with a folder.");
            var sampler = new SamplerOptions { Steps = parse.GetValue(steps), Cfg = parse.GetValue(cfg), DataNorm = parse.GetValue(dataNorm),
                Sampler = SamplerKinds.Parse(parse.GetValue(solver)!) };
            ZunaEngine.ValidateOptions(sampler);
            int batchSize = common.BatchSize(parse);
            long seedValue = parse.GetValue(seed);
            var badChannels = ModelVerbOptions.SplitList(parse.GetValue(common.BadChannels));
            if (folderMode)
            {
                var figureRoot = parse.GetValue(figures);
                return await ModelFolderRun.RunAsync(parse, common, folder.Settings(parse, output), source, (engine, item, input, work) =>
                {
                    float[] reconstruction;
                    work.Report("encode + decode", 0);
                    using (work.Times.Measure("model"))
                        reconstruction = ReconstructWork.Sample(engine, input, sampler, seedValue, null, batchSize, step => work.Report(
                            $"decode {step.Progress}, epochs {step.First + 1}-{step.First + step.Count} of {step.Total}",
                            step.Fraction), cancellationToken);
                    using (work.Times.Measure("write")) ReconstructWork.Write(work.Temporary, false, engine, input, reconstruction, sampler, seedValue);
                    FigureOutput.WriteReconstruction(item.FiguresFolder(figureRoot), work.Log, input, reconstruction, badChannels, work.Times);
                    return $"{input.EpochCount} epochs × {input.ChannelCount} channels reconstructed in {sampler.Steps} steps";
                }, cancellationToken);
            }

            var outFile = parse.GetValue(output)!; // the folder options' validator insists on --out here
            string outPath = OutputPath.Checked(outFile, "--out");
            bool asFif = outPath.EndsWith(".fif", StringComparison.OrdinalIgnoreCase);
            if (!asFif && !outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOptionException($"--out must end in .safetensors or .fif: {outPath}");

            var times = new PhaseTimes();
            Preprocessed input;
            using (times.Measure("load input")) input = common.LoadInput(parse);
            if (asFif) ReconstructionFile.EnsureVoltsScale(input); // before the model runs, not after
            int s = input.ChannelCount * (input.EpochSamples / 32);
            float[]? eps = parse.GetValue(initNoise) is { } noiseFile ? ReadNoise(noiseFile.FullName, input.EpochCount, s) : null;
            var loadModel = times.Measure("load model");
            using var engine = await common.LoadModelAsync(parse, log, cancellationToken);
            loadModel.Dispose();

            float[] reconstruction;
            using (times.Measure("model"))
                reconstruction = ReconstructWork.Sample(engine, input, sampler, seedValue, eps, batchSize, step =>
                    log.WriteLine($"zuna: epochs {step.First + 1}-{step.First + step.Count} of {step.Total}: {step.Progress}"),
                    cancellationToken);
            using (times.Measure("write")) ReconstructWork.Write(outPath, asFif, engine, input, reconstruction, sampler, seedValue);
            log.WriteLine($"zuna: wrote {outPath}");
            FigureOutput.WriteReconstruction(parse.GetValue(figures), log, input, reconstruction, badChannels, times);
            return CliApp.ExitCodes.Ok;
        });
        return command;
    }

    private static float[] ReadNoise(string path, int epochs, int tokens)
    {
        using var file = SafeTensorsFile.Open(path);
        var entry = file.Entry("eps");
        long[] expected = [epochs, tokens, 32];
        if (!entry.Shape.SequenceEqual(expected))
            throw new InvalidOptionException($"--init-noise: eps is [{string.Join(", ", entry.Shape)}], this input needs [{string.Join(", ", expected)}].");
        return file.ReadFloat32("eps");
    }
}
