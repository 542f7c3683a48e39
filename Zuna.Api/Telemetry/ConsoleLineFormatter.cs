using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace Zuna.Api.Telemetry;

/// <summary>
/// The default console log: one human-readable line per event (time, level, source, message). An exception adds its
/// type and message to that line; its stack trace follows only when <paramref name="withStackTraces"/> (Debug logging).
/// </summary>
public sealed class ConsoleLineFormatter(bool withStackTraces) : ITextFormatter
{
    private readonly MessageTemplateTextFormatter _line = new(
        "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}", System.Globalization.CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        _line.Format(logEvent, output);
        if (logEvent.Exception is { } e)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e;
            // Messages usually quote the exception already ("failed: {Message}"); then its type is all that is new.
            bool quoted = logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(inner.Message, StringComparison.Ordinal);
            output.Write(quoted ? $" [{inner.GetType().Name}]" : $" [{inner.GetType().Name}: {inner.Message.ReplaceLineEndings(" ")}]");
            if (withStackTraces)
            {
                output.WriteLine();
                output.Write(e.ToString());
            }
        }
        output.WriteLine();
    }
}
