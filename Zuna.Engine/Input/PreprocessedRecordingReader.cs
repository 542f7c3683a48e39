using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Input;

/// <summary>The safetensors layout written by `zuna preprocess` and POST /v1/preprocess: epochs the model can take as they are.</summary>
public sealed class PreprocessedRecordingReader : IRecordingReader
{
    public string Format => "ZUNA preprocessed safetensors";

    public IReadOnlyList<string> Extensions { get; } = [".safetensors"];

    public bool Recognises(ReadOnlySpan<byte> head) => SafeTensorsFile.LooksLikeSafeTensors(head);

    public RecordingContent Read(RecordingSource source)
    {
        using var file = source.Path is { } path ? SafeTensorsFile.Open(path) : SafeTensorsFile.FromBytes(ReadAll(source), source.Name);
        return new RecordingContent.Epochs(PreprocessedFile.Read(file));
    }

    /// <summary>The upload in one array of its length (one copy, not the two of CopyTo + ToArray).</summary>
    private static byte[] ReadAll(RecordingSource source)
    {
        using var stream = source.Open();
        long length = stream.Length;
        if (length > Array.MaxLength) throw new InvalidRecordingException($"{source.Name}: {length} bytes is too large to read into memory.");
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
