using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Input;

/// <summary>
/// What a reader produced: a continuous recording that still goes through the preprocessing chain, recorded epochs
/// that go through the epochs path, or epochs that are already in the model's layout (then only bad channels and
/// targets apply).
/// </summary>
public abstract record RecordingContent
{
    private RecordingContent() { }

    public sealed record Continuous(RawRecording Recording) : RecordingContent;

    public sealed record Epochs(Preprocessed Preprocessed) : RecordingContent;

    /// <summary>Epochs as recorded (an -epo.fif): they go through the original pipeline's epochs path.</summary>
    public sealed record RawEpochs(Input.Epochs.EpochedRecording Recording) : RecordingContent;
}

/// <summary>One file format. Readers are registered in <see cref="RecordingLoader"/>; callers never pick one themselves.</summary>
public interface IRecordingReader
{
    /// <summary>Short name for messages and /v1/info, e.g. "FIF".</summary>
    string Format { get; }

    /// <summary>File name endings this reader takes when no reader recognises the content (lower case, with the dot).</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>True when the first bytes are this format's (<paramref name="head"/> holds at most <see cref="RecordingLoader.HeadBytes"/>).</summary>
    bool Recognises(ReadOnlySpan<byte> head);

    /// <summary>Reads the whole recording; anything unreadable is a <see cref="ZunaInputException"/>.</summary>
    RecordingContent Read(RecordingSource source);
}
