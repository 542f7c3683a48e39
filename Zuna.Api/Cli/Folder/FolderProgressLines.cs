namespace Zuna.Api.Cli.Folder;

/// <summary>
/// Progress for logs: one line per recording on stdout when it is done, failures and warnings on stderr, nothing
/// that redraws. Chosen when stderr is not a terminal (CI, pipes) or with --progress plain.
/// </summary>
internal sealed class FolderProgressLines(TextWriter output, TextWriter error) : IFolderProgress
{
    private readonly TextWriter _output = TextWriter.Synchronized(output);

    // Warnings come from the read-ahead thread while failures come from the model thread: one writer, one lock.
    public TextWriter Log { get; } = TextWriter.Synchronized(error);

    public void Run(int total, Action body) => body();

    public void Preparing(FolderItem item, string phase) { }

    public void Working(FolderItem item, string phase, double fraction) { }

    public void Finished(FolderItem item, string line, bool failed) => (failed ? Log : _output).WriteLine(line);
}
