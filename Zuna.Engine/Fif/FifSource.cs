using Microsoft.Win32.SafeHandles;

namespace Zuna.Engine.Fif;

/// <summary>
/// Random-access bytes of one FIF file. Files on disk are read positionally (no full copy in memory);
/// decompressed .gz files and uploads live in one byte array, as MNE does with preload.
/// </summary>
internal abstract class FifSource : IDisposable
{
    public abstract long Length { get; }
    public required string Name { get; init; }

    /// <summary>Whether <see cref="ReadExactly"/> may be called from several threads at once (positional reads).</summary>
    public virtual bool SupportsConcurrentReads => true;

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; the caller has checked the range.</summary>
    public abstract void ReadExactly(long offset, Span<byte> destination);

    public virtual void Dispose() { }

    public void CheckRange(long offset, long count, string what)
    {
        if (offset < 0 || count < 0 || offset > Length || count > Length - offset)
            throw new FifFormatException($"{Name}: {what} at byte {offset} (+{count} bytes) runs past the end of the file ({Length} bytes); the file is truncated or corrupt.");
    }
}

internal sealed class FileFifSource : FifSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;

    public FileFifSource(SafeFileHandle handle)
    {
        _handle = handle;
        _length = RandomAccess.GetLength(handle);
    }

    public override long Length => _length;

    public override void ReadExactly(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_handle, destination, offset);
            if (n <= 0) throw new FifFormatException($"{Name}: unexpected end of file at byte {offset}.");
            destination = destination[n..];
            offset += n;
        }
    }

    public override void Dispose() => _handle.Dispose();
}

internal sealed class MemoryFifSource(ReadOnlyMemory<byte> bytes) : FifSource
{
    public override long Length => bytes.Length;

    public override void ReadExactly(long offset, Span<byte> destination) =>
        bytes.Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);
}

/// <summary>A seekable stream that is not a MemoryStream (e.g. a FileStream handed in by a caller).</summary>
internal sealed class SeekableStreamFifSource(Stream stream) : FifSource
{
    private readonly long _length = stream.Length;

    public override bool SupportsConcurrentReads => false; // one stream position
    public override long Length => _length;

    public override void ReadExactly(long offset, Span<byte> destination)
    {
        stream.Position = offset;
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new FifFormatException($"{Name}: unexpected end of stream at byte {offset}.", e);
        }
    }
}
