using System.CommandLine;
using Zuna.Api.Cli.Folder;
using Zuna.Engine.Input;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>
/// `zuna preprocess recording.fif --out x.safetensors`: the ZUNA preprocessing chain, written as a preprocessed
/// safetensors file (see PreprocessedFile) that the embed/reconstruct verbs and the service accept as input.
/// </summary>
public static class PreprocessVerb
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("recording") { Description = "A recording (FIF, EDF/BDF, BrainVision .vhdr, CSV/TSV, a zip of one recording, or a file written by `zuna preprocess`), or a folder or glob of them (with --out-dir)." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the preprocessed .safetensors file (one recording)." };
        var noHighPass = new Option<bool>("--no-highpass") { Description = "Skip the 0.5 Hz FIR high-pass." };
        var noAverageReference = new Option<bool>("--no-average-reference") { Description = "Skip the average reference." };
        var badChannels = new Option<string?>("--bad-channels") { Description = "Comma-separated channels to zero (reconstructed by the model), e.g. C3,O2." };
        var epochSamples = new Option<int>("--epoch-samples")
        {
            Description = "Samples per epoch at 256 Hz: a multiple of 32, at most 8192 for ZUNA1.1 (1600 for ZUNA 1.0).",
            DefaultValueFactory = _ => PreprocessOptions.Default.EpochSamples,
        };

        var command = new Command("preprocess", "Resample to 256 Hz, high-pass, re-reference, z-score and cut 5-s epochs, as ZUNA's Python preprocessing does.")
        {
            input, output, noHighPass, noAverageReference, badChannels, epochSamples,
        };
        var arrays = new ArrayInputOptions();
        arrays.AddTo(command);
        var folder = new FolderOptions();
        folder.AddTo(command, input, output);
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new PreprocessOptions
            {
                HighPass = !parse.GetValue(noHighPass),
                AverageReference = !parse.GetValue(noAverageReference),
                BadChannels = ModelVerbOptions.SplitList(parse.GetValue(badChannels)),
                EpochSamples = parse.GetValue(epochSamples),
            };
            options.Validate();
            var inputOptions = new InputOptions(options, TargetChannels.None) { Arrays = arrays.Parse(parse) };
            Preprocessed Load(string recording, IPhaseTimer? phases, TextWriter log)
            {
                var result = RecordingLoader.Default.Load(RecordingSource.FromFile(recording), inputOptions, phases, cancellationToken);
                CliWarnings.Write(log, Path.GetFileName(recording), result);
                return result;
            }

            var io = parse.InvocationConfiguration;
            string source = parse.GetResult(input)!.Tokens[0].Value;
            if (folder.IsFolderMode(parse, source))
            {
                var settings = folder.Settings(parse, output);
                var plan = FolderPlan.Create(source, settings, ".safetensors");
                return Task.FromResult(FolderRun.Run(plan, settings, (item, phases) => Load(item.Path, phases, phases.Log), (_, result, work) =>
                {
                    work.Report("write", 0);
                    using (work.Times.Measure("write")) return Write(result, work.Temporary);
                }, io.Output, io.Error, cancellationToken));
            }
            var file = parse.GetValue(output)!; // the folder options' validator insists on --out here
            OutputPath.Checked(file, "--out");
            var recording = parse.GetValue(input)!;
            io.Output.WriteLine($"{file.Name}: {Write(Load(recording.FullName, null, io.Error), file.FullName)} from {recording.Name}");
            return Task.FromResult(CliApp.ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Writes the preprocessed file and returns the one-line summary of what it holds.</summary>
    private static string Write(Preprocessed result, string target)
    {
        SafeTensorsWriter.From(PreprocessedFile.Layout(result)).Write(target);
        return $"{result.EpochCount} epochs × {result.ChannelCount} channels × {result.EpochSamples} samples " +
            $"(at {result.SampleRateIn:0.###} Hz; global mean {result.GlobalMean:E3}, std {result.GlobalStd:E3})";
    }
}
