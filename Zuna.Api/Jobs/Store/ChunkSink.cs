namespace Zuna.Api.Jobs.Store;

/// <summary>
/// A write-only stream that cuts what is written into chunks of <see cref="JobSchema.ChunkBytes"/> and hands each full one
/// to <c>flush</c> as it fills, so a result of any size holds one chunk in memory. The last, partial chunk stays in
/// <see cref="Tail"/> for the caller to store with the outcome. Writing past <c>limit</c> bytes throws
/// <see cref="TooLargeException"/> before anything past the limit is stored.
/// </summary>
internal sealed class ChunkSink(long limit, Func<int, byte[], CancellationToken, Task> flush) : Stream
{
    private readonly byte[] _buffer = new byte[JobSchema.ChunkBytes];
    private int _filled;

    /// <summary>Full chunks handed to flush so far (their sequence numbers are 0 … Flushed − 1).</summary>
    public int Flushed { get; private set; }

    /// <summary>Bytes written so far.</summary>
    public long Total { get; private set; }

    /// <summary>The bytes after the last full chunk.</summary>
    public ReadOnlyMemory<byte> Tail => _buffer.AsMemory(0, _filled);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Total;
    public override long Position { get => Total; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Total + buffer.Length > limit) throw new TooLargeException(Total + buffer.Length);
        while (buffer.Length > 0)
        {
            int n = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            Total += n;
            buffer = buffer[n..];
            if (_filled == _buffer.Length)
            {
                await flush(Flushed, _buffer, cancellationToken);
                Flushed++;
                _filled = 0;
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous writers (a serializer without an async path) block on the chunk insert; the result writers here are async.
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The result passed Zuna:Jobs:MaxResultBytes.</summary>
    public sealed class TooLargeException(long bytes) : Exception($"the result passed {bytes} bytes")
    {
        public long Bytes { get; } = bytes;
    }
}
