namespace Zuna.Engine.Input;

/// <summary>A file that claims a format Zuna reads (by content or extension) but breaks its rules: truncated, inconsistent, garbage.</summary>
public sealed class RecordingFormatException(string message, Exception? inner = null) : ZunaInputException(message, inner);
