using System.CommandLine;
using Zuna.Api.Cli.Figures;
using Zuna.Api.Cli.Folder;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli;

/// <summary>`zuna embed`: encoder latents of every epoch of a recording, or of every recording of a folder (--out-dir).</summary>
public static class EmbedVerb
{
    public static Command Create()
    {
        var common = new ModelVerbOptions();
        var output = new Option<FileInfo?>("--out") { Description = "Output .safetensors: latents [E, S, 32], tok_idx [S, 4], chan_pos [C, 3]." };
        var figures = FigureOutput.CreateOption();
        var folder = new FolderOptions();
        var command = new Command("embed", "Encode a recording into ZUNA latents (one 32-d vector per channel per 0.125 s).");
        common.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(figures);
        folder.AddTo(command, common.Input, output);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var log = parse.InvocationConfiguration.Error;
            string source = parse.GetResult(common.Input)!.Tokens[0].Value;
            if (folder.IsFolderMode(parse, source))
                return await EmbedFolderAsync(parse, common, folder.Settings(parse, output), source, parse.GetValue(figures), cancellationToken);
            var outFile = parse.GetValue(output)!; // the folder options' validator insists on --out here
            string outPath = OutputPath.Checked(outFile, "--out"); // before any work
            int batchSize = common.BatchSize(parse);
            var times = new PhaseTimes();
            Preprocessed input;
            using (times.Measure("load input")) input = common.LoadInput(parse);
            var loadModel = times.Measure("load model");
            using var engine = await common.LoadModelAsync(parse, log, cancellationToken);
            loadModel.Dispose();

            float[] latents;
            using (times.Measure("model"))
                latents = EmbedWork.Encode(engine, input, batchSize, (done, total) => log.WriteLine($"zuna: encoded {done}/{total} epochs"), cancellationToken);
            using (times.Measure("write")) EmbedWork.Write(outPath, engine, input, latents);
            log.WriteLine($"zuna: wrote {outPath}");
            FigureOutput.WriteEmbeddings(parse.GetValue(figures), log, latents, engine.Config.InputDim, times);
            return CliApp.ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Every recording of a folder or glob: one &lt;name&gt;.safetensors each.</summary>
    private static Task<int> EmbedFolderAsync(ParseResult parse, ModelVerbOptions common, FolderSettings settings, string source,
        DirectoryInfo? figures, CancellationToken cancellationToken)
    {
        int batchSize = common.BatchSize(parse);
        return ModelFolderRun.RunAsync(parse, common, settings, source, (engine, item, input, work) =>
        {
            float[] latents;
            work.Report("encode", 0);
            using (work.Times.Measure("model"))
                latents = EmbedWork.Encode(engine, input, batchSize, (done, total) => work.Report($"encode epochs {done}/{total}", (double)done / total), cancellationToken);
            using (work.Times.Measure("write")) EmbedWork.Write(work.Temporary, engine, input, latents);
            FigureOutput.WriteEmbeddings(item.FiguresFolder(figures), work.Log, latents, engine.Config.InputDim, work.Times);
            return $"{input.EpochCount} epochs × {input.ChannelCount} channels encoded";
        }, cancellationToken);
    }
}
