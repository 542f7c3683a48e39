namespace Zuna.Engine.Input.Edf;

/// <summary>EDF, EDF+ (continuous and discontinuous), BDF and BDF+ recordings, read as MNE 1.3's read_raw_edf/read_raw_bdf.</summary>
public sealed class EdfRecordingReader : IRecordingReader
{
    public string Format => "EDF/BDF";

    public IReadOnlyList<string> Extensions { get; } = [".edf", ".bdf"];

    public bool Recognises(ReadOnlySpan<byte> head) => EdfHeader.LooksLikeEdf(head) || EdfHeader.LooksLikeBdf(head);

    public RecordingContent Read(RecordingSource source)
    {
        using var stream = source.Open();
        bool bdfByName = source.Name.EndsWith(".bdf", StringComparison.OrdinalIgnoreCase);
        var header = EdfHeader.Read(stream, stream.Length, bdfByName, source.Name);
        return new RecordingContent.Continuous(EdfData.Read(stream, header, source.Name));
    }
}
