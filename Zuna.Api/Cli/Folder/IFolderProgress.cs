namespace Zuna.Api.Cli.Folder;

/// <summary>
/// What a folder run shows while it works. <see cref="Preparing"/> is called from the thread that reads ahead,
/// <see cref="Working"/> and <see cref="Finished"/> from the thread that runs the model; implementations are thread-safe.
/// </summary>
internal interface IFolderProgress
{
    /// <summary>Warnings and notes (dropped channels, figures written), kept apart from the progress display.</summary>
    TextWriter Log { get; }

    /// <summary>Runs the whole folder inside the display (the bar's live region).</summary>
    void Run(int total, Action body);

    /// <summary>The recording being read ahead is in <paramref name="phase"/> ("parse", "preprocess").</summary>
    void Preparing(FolderItem item, string phase);

    /// <summary>The current recording is in <paramref name="phase"/>, <paramref name="fraction"/> (0–1) of its work done.</summary>
    void Working(FolderItem item, string phase, double fraction);

    /// <summary>A recording is done (written, skipped or failed); <paramref name="line"/> says which.</summary>
    void Finished(FolderItem item, string line, bool failed);

    /// <summary>The display for <paramref name="mode"/>: Auto picks the bar only when stderr is the process's terminal.</summary>
    public static IFolderProgress Create(FolderProgressMode mode, TextWriter output, TextWriter error)
    {
        bool bar = mode switch
        {
            FolderProgressMode.Bar => true,
            FolderProgressMode.Plain => false,
            _ => ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected,
        };
        return bar ? new FolderProgressBar(error) : new FolderProgressLines(output, error);
    }
}
