using System.CommandLine;
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
        var input = new Argument<FileInfo>("recording") { Description = "A recording (FIF .fif/.fif.gz, split parts followed) or a file written by `zuna preprocess`." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the preprocessed .safetensors file.", Required = true };
        var noHighPass = new Option<bool>("--no-highpass") { Description = "Skip the 0.5 Hz FIR high-pass." };
        var noAverageReference = new Option<bool>("--no-average-reference") { Description = "Skip the average reference." };
        var badChannels = new Option<string?>("--bad-channels") { Description = "Comma-separated channels to zero (reconstructed by the model), e.g. C3,O2." };
        var epochSamples = new Option<int>("--epoch-samples")
        {
            Description = "Samples per epoch at 256 Hz: a multiple of 32, at most 1600.",
            DefaultValueFactory = _ => PreprocessOptions.Default.EpochSamples,
        };

        var command = new Command("preprocess", "Resample to 256 Hz, high-pass, re-reference, z-score and cut 5-s epochs, as ZUNA's Python preprocessing does.")
        {
            input, output, noHighPass, noAverageReference, badChannels, epochSamples,
        };
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
            var target = parse.GetValue(output)!;
            var result = RecordingLoader.Default.Load(RecordingSource.FromFile(source.FullName), new InputOptions(options, TargetChannels.None),
                cancellationToken: cancellationToken);
            CliWarnings.Write(parse, source.Name, result);
            SafeTensorsWriter.From(PreprocessedFile.Layout(result)).Write(target.FullName);
            parse.InvocationConfiguration.Output.WriteLine(
                $"{target.Name}: {result.EpochCount} epochs × {result.ChannelCount} channels × {result.EpochSamples} samples " +
                $"(from {source.Name} at {result.SampleRateIn:0.###} Hz; global mean {result.GlobalMean:E3}, std {result.GlobalStd:E3})");
            return Task.FromResult(CliApp.ExitCodes.Ok);
        });
        return command;
    }
}
