using Spectre.Console;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// A live bar on stderr (Spectre.Console): files done/total with elapsed time and ETA, the current recording with its
/// phase (encode epochs k/N, decode step k/N) and the one being read ahead. Finished recordings, warnings and
/// failures print above the bar as lines, so the terminal keeps a record when the bar is gone.
/// </summary>
internal sealed class FolderProgressBar : IFolderProgress
{
    private readonly IAnsiConsole _console;
    private readonly Lock _gate = new();
    private ProgressTask? _files, _current, _next;
    private int _finished, _total;

    public FolderProgressBar(TextWriter error)
    {
        // Forced on: the caller decided stderr is a terminal (or asked for the bar), whatever Spectre would detect.
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(error),
        });
        Log = new LineWriter(WriteAbove);
    }

    public TextWriter Log { get; }

    public void Run(int total, Action body)
    {
        _total = total;
        _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                lock (_gate)
                {
                    _files = context.AddTask(FilesLabel(), maxValue: total);
                    _current = context.AddTask("starting", maxValue: 1);
                    _next = context.AddTask("next: -", maxValue: 1).IsIndeterminate();
                }
                body();
                lock (_gate)
                {
                    _current.Description("done").Value(1);
                    _next.Description("next: -").IsIndeterminate(false).Value(1);
                }
            });
    }

    public void Preparing(FolderItem item, string phase)
    {
        lock (_gate) _next?.Description(Markup.Escape($"next: {item.Relative} ({phase})"));
    }

    public void Working(FolderItem item, string phase, double fraction)
    {
        lock (_gate)
        {
            _current?.Description(Markup.Escape($"{item.Relative}: {phase}")).Value(fraction);
            _files?.Value(_finished + fraction); // the part of the current file counts, so the ETA moves smoothly
        }
    }

    public void Finished(FolderItem item, string line, bool failed)
    {
        WriteAbove(line);
        lock (_gate)
        {
            _finished++;
            _files?.Description(FilesLabel()).Value(_finished);
            _current?.Value(0);
        }
    }

    private string FilesLabel() => $"files {_finished}/{_total}";

    private void WriteAbove(string line)
    {
        lock (_gate) _console.WriteLine(line);
    }

    /// <summary>A text writer that hands over whole lines (warnings written with WriteLine) to print above the bar.</summary>
    private sealed class LineWriter(Action<string> writeLine) : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_line)
            {
                if (value == '\n')
                {
                    writeLine(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }
        }
    }
}
