using System.CommandLine;
using Zuna.Api.Cli.Figures;
using Zuna.Engine;
using Zuna.Engine.Fif;
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
        var output = new Option<FileInfo>("--out") { Description = "Output: .safetensors (reconstruction [E, C, T] in z-units) or .fif (volts, 256 Hz, with positions).", Required = true };
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
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = parse.InvocationConfiguration.Error;
            // Everything that can be checked without the recording or the model is checked first.
            string outPath = OutputPath.Checked(parse.GetValue(output)!, "--out");
            bool asFif = outPath.EndsWith(".fif", StringComparison.OrdinalIgnoreCase);
            if (!asFif && !outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOptionException($"--out must end in .safetensors or .fif: {outPath}");
            var sampler = new SamplerOptions { Steps = parse.GetValue(steps), Cfg = parse.GetValue(cfg), DataNorm = parse.GetValue(dataNorm),
                Sampler = SamplerKinds.Parse(parse.GetValue(solver)!) };
            ZunaEngine.ValidateOptions(sampler);
            int batchSize = common.BatchSize(parse);

            var times = new PhaseTimes();
            Preprocessed input;
            using (times.Measure("load input")) input = common.LoadInput(parse);
            if (asFif) ReconstructionFile.EnsureVoltsScale(input); // before the model runs, not after
            int s = input.ChannelCount * (input.EpochSamples / 32);
            float[]? eps = parse.GetValue(initNoise) is { } noiseFile ? ReadNoise(noiseFile.FullName, input.EpochCount, s) : null;
            var loadModel = times.Measure("load model");
            using var engine = await common.LoadModelAsync(parse, log, cancellationToken);
            loadModel.Dispose();

            var modelPhase = times.Measure("model");
            long perEpoch = (long)input.ChannelCount * input.EpochSamples;
            var reconstruction = new float[input.EpochCount * perEpoch];
            long seedValue = parse.GetValue(seed);
            for (int first = 0; first < input.EpochCount; first += batchSize)
            {
                int count = Math.Min(batchSize, input.EpochCount - first);
                var keys = Enumerable.Range(first, count).Select(e => new NoiseKey(seedValue, e)).ToArray();
                float[]? batchNoise = eps?.AsSpan(first * s * 32, count * s * 32).ToArray();
                int done = first;
                var progress = new StepProgress(log, done, count, input.EpochCount);
                var part = engine.Reconstruct(ModelVerbOptions.Slice(input, first, count), sampler, keys, batchNoise, progress, cancellationToken);
                part.CopyTo(reconstruction, first * perEpoch);
            }
            modelPhase.Dispose();

            var writePhase = times.Measure("write");
            if (asFif)
            {
                FifWriter.Write(outPath, ReconstructionFile.ToRecording(input, reconstruction));
            }
            else
            {
                SafeTensorsWriter.From(ReconstructionFile.Layout(input, reconstruction, engine.Info, sampler, seedValue)).Write(outPath);
            }
            writePhase.Dispose();
            log.WriteLine($"zuna: wrote {outPath}");
            FigureOutput.WriteReconstruction(parse.GetValue(figures), log, input, reconstruction,
                ModelVerbOptions.SplitList(parse.GetValue(common.BadChannels)), times);
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

    /// <summary>One stderr line per diffusion step: long runs show they are alive.</summary>
    private sealed class StepProgress(TextWriter log, int firstEpoch, int batchEpochs, int totalEpochs) : IProgress<SamplerProgress>
    {
        public void Report(SamplerProgress value) =>
            log.WriteLine($"zuna: epochs {firstEpoch + 1}-{firstEpoch + batchEpochs} of {totalEpochs}: {value}");
    }
}
