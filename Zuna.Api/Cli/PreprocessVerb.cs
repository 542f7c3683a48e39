using System.CommandLine;
using Zuna.Engine;
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
        var outDir = new Option<DirectoryInfo?>("--out-dir") { Description = "For a folder or glob of recordings: where to write one <name>.safetensors per recording." };
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
            input, output, outDir, noHighPass, noAverageReference, badChannels, epochSamples,
        };
        var arrays = new ArrayInputOptions();
        arrays.AddTo(command);
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
            var source = parse.GetValue(input)!;
            var inputOptions = new InputOptions(options, TargetChannels.None) { Arrays = arrays.Parse(parse) };
            string PreprocessOne(string recording, string target)
            {
                var result = RecordingLoader.Default.Load(RecordingSource.FromFile(recording), inputOptions, cancellationToken: cancellationToken);
                CliWarnings.Write(parse, Path.GetFileName(recording), result);
                SafeTensorsWriter.From(PreprocessedFile.Layout(result)).Write(target);
                return $"{result.EpochCount} epochs × {result.ChannelCount} channels × {result.EpochSamples} samples " +
                    $"(at {result.SampleRateIn:0.###} Hz; global mean {result.GlobalMean:E3}, std {result.GlobalStd:E3})";
            }

            var io = parse.InvocationConfiguration;
            if (FolderRun.IsBatch(parse.GetResult(input)!.Tokens[0].Value))
            {
                var folder = parse.GetValue(outDir) ?? throw new InvalidOptionException("a folder or glob of recordings needs --out-dir.");
                var inputs = FolderRun.Inputs(parse.GetResult(input)!.Tokens[0].Value);
                return Task.FromResult(FolderRun.Run(inputs, folder.FullName, ".safetensors", PreprocessOne, io.Output, io.Error, cancellationToken));
            }
            var file = parse.GetValue(output) ?? throw new InvalidOptionException("--out is required for one recording (or give a folder and --out-dir).");
            OutputPath.Checked(file, "--out");
            io.Output.WriteLine($"{file.Name}: {PreprocessOne(source.FullName, file.FullName)} from {source.Name}");
            return Task.FromResult(CliApp.ExitCodes.Ok);
        });
        return command;
    }
}
