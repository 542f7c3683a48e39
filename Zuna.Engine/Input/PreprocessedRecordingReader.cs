using Zuna.Engine.Input.Arrays;
using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Input;

/// <summary>
/// Safetensors files: the layout written by `zuna preprocess` and POST /v1/preprocess (epochs the model can take as
/// they are), or a recording as a named array (<see cref="SafeTensorsArray"/>), told apart by their tensors.
/// </summary>
public sealed class PreprocessedRecordingReader : IArrayReader
{
    public string Format => "safetensors (ZUNA preprocessed layout, or a named [channels, samples] array)";

    public IReadOnlyList<string> Extensions { get; } = [".safetensors"];

    public bool Recognises(ReadOnlySpan<byte> head) => SafeTensorsFile.LooksLikeSafeTensors(head);

    public RecordingContent Read(RecordingSource source)
    {
        using var file = source.Path is { } path ? SafeTensorsFile.Open(path) : SafeTensorsFile.FromBytes(ReadAll(source), source.Name);
        if (SafeTensorsArray.Matches(file)) return SafeTensorsArray.Read(file, source);
        if (!source.Arrays.IsEmpty)
            throw new InvalidOptionException($"sfreq and units apply to plain arrays only; {source.Name} holds preprocessed epochs (256 Hz, z-units).");
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
