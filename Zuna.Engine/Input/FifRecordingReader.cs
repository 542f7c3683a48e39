using Zuna.Engine.Fif;

namespace Zuna.Engine.Input;

/// <summary>
/// FIF files (MNE, Elekta/MEGIN): raw recordings, gzip-compressed or split (split parts are followed only from disk),
/// and MNE epochs files (-epo.fif), told apart by whether the tree holds an epochs block.
/// </summary>
public sealed class FifRecordingReader : IRecordingReader
{
    public string Format => "FIF";

    public IReadOnlyList<string> Extensions { get; } = [".fif", ".fif.gz"];

    /// <summary>A FIF file opens with the FIFF_FILE_ID tag (kind 100, big-endian); gzip's magic is 1f 8b.</summary>
    public bool Recognises(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && ((head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 100) || (head[0] == 0x1f && head[1] == 0x8b));

    public RecordingContent Read(RecordingSource source)
    {
        if (Epochs.FifEpochsFile.TryRead(source) is { } epochs) return new RecordingContent.RawEpochs(epochs);
        if (source.Path is { } path) return new RecordingContent.Continuous(FifReader.Read(path));
        using var stream = source.Open();
        return new RecordingContent.Continuous(FifReader.Read(stream, source.Name));
    }
}
