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
    private readonly List<(string Sql, bool Scalar, (string, object?)[] Parameters)> _statements = [];

    /// <summary>Adds a statement whose rows are not read.</summary>
    public SqlBatch Execute(string sql, params (string, object?)[] parameters)
    {
        _statements.Add((sql, false, parameters));
        return this;
    }

    /// <summary>Adds a statement whose first column of its first row is returned (null when it returns no row).</summary>
    public SqlBatch Scalar(string sql, params (string, object?)[] parameters)
    {
        _statements.Add((sql, true, parameters));
        return this;
    }

    /// <summary>Runs the statements in order; returns one value per <see cref="Scalar"/> statement, in the order added.</summary>
    public async Task<object?[]> RunAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var values = new object?[_statements.Count(s => s.Scalar)];
        if (!connection.CanCreateBatch)
        {
            int index = 0;
            foreach (var (sql, scalar, parameters) in _statements)
            {
                await using var command = Sql.Command(connection, transaction, sql, parameters);
                if (scalar) values[index++] = Value(await command.ExecuteScalarAsync(cancellationToken));
                else await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return values;
        }

        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (sql, _, parameters) in _statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Only statements that return rows (SELECT, RETURNING) show up as result sets with columns; they are the scalars, in order.
        int next = 0;
        do
        {
            if (reader.FieldCount == 0) continue;
            if (next == values.Length) throw new InvalidOperationException("A batch statement not marked as scalar returned rows.");
            values[next++] = await reader.ReadAsync(cancellationToken) ? Value(reader.GetValue(0)) : null;
        }
        while (await reader.NextResultAsync(cancellationToken));
        return values;
    }

    private static object? Value(object? value) => value is DBNull ? null : value;
}
