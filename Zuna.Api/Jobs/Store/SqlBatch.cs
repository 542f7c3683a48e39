using System.Data.Common;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// Several statements of one transaction sent together. On PostgreSQL they travel in one round trip (Npgsql's
/// <see cref="DbBatch"/>), which is what a step of the job store costs on a busy machine: each round trip waits for the
/// server's process and then the client's to be scheduled. SQLite runs in-process and has no batch support, so there the
/// statements simply run one after another; the result is the same.
/// </summary>
internal sealed class SqlBatch
{
    private readonly List<(string Sql, Action<DbDataReader>? ReadRow, (string, object?)[] Parameters)> _statements = [];
    private readonly List<object?> _scalars = [];

    /// <summary>Adds a statement whose rows are not read.</summary>
    public SqlBatch Execute(string sql, params (string, object?)[] parameters)
    {
        _statements.Add((sql, null, parameters));
        return this;
    }

    /// <summary>Adds a statement that returns rows (SELECT, RETURNING); <paramref name="readRow"/> is called on each.</summary>
    public SqlBatch Query(string sql, Action<DbDataReader> readRow, params (string, object?)[] parameters)
    {
        _statements.Add((sql, readRow, parameters));
        return this;
    }

    /// <summary>
    /// Adds a statement whose first column of its first row is returned by <see cref="RunAsync"/> (null when it returns
    /// no row), in the order the scalars were added.
    /// </summary>
    public SqlBatch Scalar(string sql, params (string, object?)[] parameters)
    {
        int index = _scalars.Count;
        _scalars.Add(null);
        return Query(sql, r => _scalars[index] ??= r.IsDBNull(0) ? null : r.GetValue(0), parameters);
    }

    /// <summary>Runs the statements in order; returns the values of the <see cref="Scalar"/> statements.</summary>
    public async Task<object?[]> RunAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (!connection.CanCreateBatch)
        {
            foreach (var (sql, readRow, parameters) in _statements)
            {
                await using var command = Sql.Command(connection, transaction, sql, parameters);
                if (readRow is null)
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    continue;
                }
                await using var rows = await command.ExecuteReaderAsync(cancellationToken);
                while (await rows.ReadAsync(cancellationToken)) readRow(rows);
            }
            return [.. _scalars];
        }

        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (sql, _, parameters) in _statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            Sql.Bind(command.Parameters, command.CreateParameter, parameters);
            batch.BatchCommands.Add(command);
        }
        var readers = _statements.Where(s => s.ReadRow is not null).Select(s => s.ReadRow!).ToList();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Only statements that return rows show up as result sets with columns; they are the queries, in order.
        int next = 0;
        do
        {
            if (reader.FieldCount == 0) continue;
            if (next == readers.Count) throw new InvalidOperationException("A batch statement added with Execute returned rows.");
            var readRow = readers[next++];
            while (await reader.ReadAsync(cancellationToken)) readRow(reader);
        }
        while (await reader.NextResultAsync(cancellationToken));
        return [.. _scalars];
    }
}
