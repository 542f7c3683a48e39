using Zuna.Engine.Fif;

namespace Zuna.Engine.Input;

/// <summary>FIF raw files (MNE, Elekta/MEGIN), gzip-compressed or split; split parts are followed only from disk.</summary>
public sealed class FifRecordingReader : IRecordingReader
{
    public string Format => "FIF";

    public IReadOnlyList<string> Extensions { get; } = [".fif", ".fif.gz"];

    /// <summary>A FIF file opens with the FIFF_FILE_ID tag (kind 100, big-endian); gzip's magic is 1f 8b.</summary>
    public bool Recognises(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && ((head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 100) || (head[0] == 0x1f && head[1] == 0x8b));

    public RecordingContent Read(RecordingSource source)
    {
        if (source.Path is { } path) return new RecordingContent.Continuous(FifReader.Read(path));
        using var stream = source.Open();
        return new RecordingContent.Continuous(FifReader.Read(stream, source.Name));
    }
}
