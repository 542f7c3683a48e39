namespace Zuna.Api.Endpoints;

/// <summary>
/// Lets <see cref="System.IO.Compression.ZipArchive"/> write to a response body that forbids synchronous I/O: the few
/// synchronous writes it still makes (entry headers, data descriptors, the central directory) are held in memory and sent
/// on the next asynchronous write or <see cref="FlushAsync(CancellationToken)"/>; entry data passes straight through.
/// </summary>
internal sealed class ZipResponseStream(Stream body) : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _pending.Write(buffer, offset, count);
        _position += count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await SendPendingAsync(cancellationToken);
        await body.WriteAsync(buffer, cancellationToken);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendPendingAsync(cancellationToken);
        await body.FlushAsync(cancellationToken);
    }

    public override void Flush() { } // sent by the next FlushAsync

    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0) return;
        await body.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
