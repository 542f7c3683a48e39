namespace Zuna.Engine;

/// <summary>
/// Input a user can fix: a corrupt or unsupported file, a recording the pipeline cannot use, an invalid option.
/// The service answers 422 (or 400 for options), the CLI exits with code 3; the message is shown as is.
/// </summary>
public class ZunaInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The bytes are not a readable FIF file (truncated, wrong magic, sizes past the end, loops, ...).</summary>
public sealed class FifFormatException(string message, Exception? inner = null) : ZunaInputException(message, inner);

/// <summary>A readable recording the ZUNA pipeline cannot use (no EEG channels, too short, unknown channel names, ...).</summary>
public sealed class InvalidRecordingException(string message) : ZunaInputException(message);

/// <summary>An option value out of range or inconsistent with the input (steps ≤ 0, unknown target channel, ...).</summary>
public sealed class InvalidOptionException(string message) : ZunaInputException(message);

/// <summary>The model could not be found, downloaded or loaded (missing key, wrong shape, unreadable file).</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
