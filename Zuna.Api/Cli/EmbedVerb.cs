using System.CommandLine;
using Zuna.Api.Cli.Figures;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Cli;

/// <summary>`zuna embed`: encoder latents of every epoch of a recording.</summary>
public static class EmbedVerb
{
    public static Command Create()
    {
        var common = new ModelVerbOptions();
        var output = new Option<FileInfo>("--out") { Description = "Output .safetensors: latents [E, S, 32], tok_idx [S, 4], chan_pos [C, 3].", Required = true };
        var figures = FigureOutput.CreateOption();
        var command = new Command("embed", "Encode a recording into ZUNA latents (one 32-d vector per channel per 0.125 s).");
        common.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(figures);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = parse.InvocationConfiguration.Error;
            string outPath = OutputPath.Checked(parse.GetValue(output)!, "--out"); // before any work
            int batchSize = common.BatchSize(parse);
            var times = new PhaseTimes();
            Preprocessed input;
            using (times.Measure("load input")) input = common.LoadInput(parse);
            var loadModel = times.Measure("load model");
            using var engine = await common.LoadModelAsync(parse, log, cancellationToken);
            loadModel.Dispose();

            var modelPhase = times.Measure("model");

            int s = input.ChannelCount * (input.EpochSamples / 32), width = engine.Config.InputDim;
            var latents = new float[(long)input.EpochCount * s * width];
            for (int first = 0; first < input.EpochCount; first += batchSize)
            {
                int count = Math.Min(batchSize, input.EpochCount - first);
                var part = engine.Embed(ModelVerbOptions.Slice(input, first, count), cancellationToken);
                part.CopyTo(latents, (long)first * s * width);
                log.WriteLine($"zuna: encoded {first + count}/{input.EpochCount} epochs");
            }
            var tokIdx = engine.TokenIndex(ModelVerbOptions.Slice(input, 0, Math.Min(1, input.EpochCount)));
            modelPhase.Dispose();

            using (times.Measure("write"))
                SafeTensorsWriter.From(EmbeddingFile.Layout(input, latents, tokIdx, engine.Info)).Write(outPath);
            log.WriteLine($"zuna: wrote {outPath}");
            FigureOutput.WriteEmbeddings(parse.GetValue(figures), log, latents, width, times);
            return CliApp.ExitCodes.Ok;
        });
        return command;
    }
}
