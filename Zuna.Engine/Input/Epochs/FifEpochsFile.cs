using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Epochs;

/// <summary>Opens a FIF upload or file as an epochs file when it is one (uncompressed FIF only; raw files are left to <see cref="FifReader"/>).</summary>
internal static class FifEpochsFile
{
    /// <summary>The epochs, or null when the file is not an uncompressed FIF holding an epochs block.</summary>
    public static EpochedRecording? TryRead(RecordingSource source)
    {
        var head = source.Head(2);
        if (head.Length < 2 || (head[0] == 0x1f && head[1] == 0x8b)) return null;
        if (source.Path is { } path)
        {
            using var file = new FileFifSource(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read)) { Name = source.Name };
            return FifEpochsReader.HoldsEpochs(file) ? FifEpochsReader.Read(file) : null;
        }
        using var stream = source.Open();
        using var upload = new SeekableStreamFifSource(stream) { Name = source.Name };
        return FifEpochsReader.HoldsEpochs(upload) ? FifEpochsReader.Read(upload) : null;
    }
}
