using Zuna.Api.Cli.Folder;
using Zuna.Engine;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Cli;

/// <summary>
/// The folder run's pieces below the command line: which files count as recordings, and what a cancellation in
/// the middle of writing an output leaves behind (real recordings, the real reader registry and files on disk).
/// </summary>
public sealed class FolderRunPiecesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-folder-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(string relative)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");
        return path;
    }

    [Fact]
    public void Companions_split_parts_hidden_files_and_the_output_folder_are_not_recordings()
    {
        foreach (var name in new[] { "a_raw.fif", "a_raw-1.fif", "a_raw-2.fif", "lone-1.fif", "s/rec.vhdr", "s/rec.vmrk", "s/rec.eeg",
                     "s/set.fdt", "s/.hidden.edf", "s/x.EDF", "s/x.csv", "notes.txt", "out/done.safetensors", "out/x.safetensors.partial" })
            Touch(name);

        var items = FolderInputs.Find(_dir, Path.Combine(_dir, "out"));
        Assert.Equal(["a_raw.fif", "lone-1.fif", "s/rec.vhdr", "s/x.EDF", "s/x.csv"], items.Select(i => i.Relative));
        Assert.Equal(["a_raw", "lone-1", "s/rec", "s/x.EDF", "s/x.csv"], items.Select(i => i.Stem));

        Assert.Equal(["s/x.EDF"], FolderInputs.Find(Path.Combine(_dir, "**", "*.edf"), Path.Combine(_dir, "out")).Select(i => i.Relative));
        Assert.Empty(FolderInputs.Find(Path.Combine(_dir, "*.edf"), Path.Combine(_dir, "out")));
        var error = Assert.Throws<InvalidOptionException>(() => FolderInputs.Find(Path.Combine(_dir, "s*", "*.edf"), Path.Combine(_dir, "out")));
        Assert.Contains("wildcards go in the file name only", error.Message);
    }

    [Fact]
    public void Cancelling_while_an_output_is_written_deletes_its_temporary_file_and_keeps_finished_ones()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "in"));
        File.Copy(SharedData.Path("data/fif/zuna__sample1_raw.fif"), Path.Combine(_dir, "in", "a_raw.fif"));
        File.Copy(SharedData.Path("data/formats/edf/eeglab/test.edf"), Path.Combine(_dir, "in", "b.edf"));
        string outDir = Path.Combine(_dir, "out");
        var settings = new FolderSettings(outDir, Progress: FolderProgressMode.Plain);
        var plan = FolderPlan.Create(Path.Combine(_dir, "in"), settings, ".txt");
        using var cancel = new CancellationTokenSource();
        var temporaries = new List<string>();

        Assert.ThrowsAny<OperationCanceledException>(() => FolderRun.Run(plan, settings,
            (item, phases) => RecordingLoader.Default.Load(RecordingSource.FromFile(item.Path), InputOptions.Default, phases),
            (item, input, work) =>
            {
                temporaries.Add(work.Temporary);
                File.WriteAllText(work.Temporary, $"{input.EpochCount} epochs"); // the first part of an output
                if (item.Stem == "b") cancel.Cancel(); // Ctrl+C arrives while the second output is being written
                cancel.Token.ThrowIfCancellationRequested();
                return "written";
            }, TextWriter.Null, TextWriter.Null, cancel.Token));

        Assert.Equal([Path.Combine(outDir, "a_raw.txt.partial"), Path.Combine(outDir, "b.txt.partial")], temporaries);
        Assert.Equal(["a_raw.txt"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.Equal("3 epochs", File.ReadAllText(Path.Combine(outDir, "a_raw.txt")));
    }
}
