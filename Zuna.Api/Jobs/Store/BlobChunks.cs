using System.Data.Common;

namespace Zuna.Api.Jobs.Store;

/// <summary>Writes a stream as chunk rows of <c>zuna_blobs</c>, and reads them back as a stream.</summary>
internal static class BlobChunks
{
    /// <summary>
    /// Copies <paramref name="source"/> into chunk rows numbered from <paramref name="firstSeq"/> inside
    /// <paramref name="transaction"/>; returns the byte count. An empty source stores one empty chunk when it starts the blob
    /// (<paramref name="firstSeq"/> 0) and nothing when it continues one.
    /// </summary>
    public static async Task<long> WriteAsync(DbConnection connection, DbTransaction transaction, Guid jobId, int kind, Stream source,
        int firstSeq, CancellationToken cancellationToken)
    {
        var buffer = new byte[JobSchema.ChunkBytes];
        await using var insert = new ChunkInsert(connection, transaction, jobId, kind);
        long total = 0;
        int seq = firstSeq;
        while (true)
        {
            int filled = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0 && seq > 0) break;
            await insert.RunAsync(seq++, buffer, filled, cancellationToken);
            total += filled;
            if (filled < buffer.Length) break;
        }
        return total;
    }

    /// <summary>Stores one chunk: parameters @job, @kind, @seq and @data.</summary>
    public const string InsertSql = "INSERT INTO zuna_blobs (job_id, kind, seq, data) VALUES (@job, @kind, @seq, @data)";

    /// <summary>
    /// One INSERT of chunk rows, reused for every chunk of a blob (one statement to parse, prepared on PostgreSQL after
    /// its second use).
    /// </summary>
    public sealed class ChunkInsert : IAsyncDisposable
    {
        private readonly DbCommand _command;

        public ChunkInsert(DbConnection connection, DbTransaction? transaction, Guid jobId, int kind) =>
            _command = Sql.Command(connection, transaction, InsertSql, ("job", jobId.ToString()), ("kind", kind), ("seq", 0), ("data", Array.Empty<byte>()));

        /// <summary>Stores the first <paramref name="length"/> bytes of <paramref name="chunk"/> as chunk <paramref name="seq"/>.</summary>
        public Task RunAsync(int seq, byte[] chunk, int length, CancellationToken cancellationToken)
        {
            _command.Parameters["seq"].Value = seq;
            // Both providers send a byte[] whole, so a shorter chunk gets its own array.
            _command.Parameters["data"].Value = length == chunk.Length ? chunk : chunk[..length];
            return _command.ExecuteNonQueryAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => _command.DisposeAsync();
    }

    public static Task<int> DeleteAsync(DbConnection connection, DbTransaction? transaction, Guid jobId, int? kind, CancellationToken cancellationToken) =>
        kind is { } k
            ? Sql.ExecuteAsync(connection, transaction, "DELETE FROM zuna_blobs WHERE job_id = @job AND kind = @kind", cancellationToken,
                ("job", jobId.ToString()), ("kind", k))
            : Sql.ExecuteAsync(connection, transaction, "DELETE FROM zuna_blobs WHERE job_id = @job", cancellationToken, ("job", jobId.ToString()));

    /// <summary>A forward-only stream over the chunks, holding one chunk in memory; owns the connection.</summary>
    public static async Task<Stream> OpenAsync(DbConnection connection, Guid jobId, int kind, CancellationToken cancellationToken)
    {
        var command = Sql.Command(connection, null, "SELECT data FROM zuna_blobs WHERE job_id = @job AND kind = @kind ORDER BY seq",
            ("job", jobId.ToString()), ("kind", kind));
        var reader = await command.ExecuteReaderAsync(cancellationToken);
        return new ChunkStream(connection, command, reader);
    }

    private sealed class ChunkStream(DbConnection connection, DbCommand command, DbDataReader reader) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;
        private bool _done;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _chunk.Length)
            {
                if (_done || !await reader.ReadAsync(cancellationToken))
                {
                    _done = true;
                    return 0;
                }
                _chunk = reader.GetFieldValue<byte[]>(0);
                _offset = 0;
            }
            int n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await connection.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                reader.Dispose();
                command.Dispose();
                connection.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
