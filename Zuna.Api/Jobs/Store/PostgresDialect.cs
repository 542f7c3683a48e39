using System.Data.Common;
using Npgsql;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// PostgreSQL shared by every replica (<c>Zuna:Jobs:ConnectionString</c>). Commits are durable with the server's defaults
/// (fsync and synchronous_commit on); claims skip rows another replica has locked.
/// </summary>
public sealed class PostgresDialect(string connectionString) : SqlDialect
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public override string Engine => "postgres";
    public override string BlobType => "BYTEA";
    public override string SkipLocked => " FOR UPDATE SKIP LOCKED";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken);

    public override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(727172)"; // any constant: zuna's schema lock
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
