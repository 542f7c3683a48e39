using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Zuna.Api.Jobs;
using Zuna.Api.Jobs.Store;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// Upload and result chunks skip PostgreSQL's compression (EEG samples barely compress; trying cost milliseconds per
/// chunk), in a new database and in one created by an earlier version, whose chunk column allowed compression.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresChunkStorageTests(PostgresServer server)
{
    [Fact]
    public async Task Chunks_are_stored_uncompressed_also_in_a_database_created_by_an_earlier_version()
    {
        string database = await server.CreateDatabaseAsync();
        await (await OpenAsync(database)).DisposeAsync();
        Assert.Equal("e", await ScalarAsync(database, StorageOfChunks));

        // What an earlier version created: the default storage, compressed when it pays.
        await ScalarAsync(database, "ALTER TABLE zuna_blobs ALTER COLUMN data SET STORAGE EXTENDED");
        Assert.Equal("x", await ScalarAsync(database, StorageOfChunks));
        await using var store = await OpenAsync(database);
        Assert.Equal("e", await ScalarAsync(database, StorageOfChunks));

        // Zeros would shrink to almost nothing under pglz: stored whole, they were not compressed.
        var upload = new byte[200_000];
        var id = (await store.SubmitAsync([new NewJob(Guid.NewGuid(), "embeddings", "safetensors", "z.fif", """{"Operation":1}""", "fp",
            () => new MemoryStream(upload))], null, null, default)).Jobs[0].Id;
        long stored = Convert.ToInt64(await ScalarAsync(database, $"SELECT pg_column_size(data) FROM zuna_blobs WHERE job_id = '{id}'"));
        Assert.InRange(stored, upload.Length, upload.Length + 16);
    }

    private const string StorageOfChunks =
        "SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'zuna_blobs'::regclass AND attname = 'data'";

    private static async Task<SqlJobStore> OpenAsync(string database)
    {
        var telemetry = new ZunaTelemetry(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        var options = new JobsOptions { LeaseSeconds = 10, MaxAttempts = 3, MaxResultBytes = 1L << 30, ResultTtlMinutes = 60 };
        var store = new SqlJobStore(new PostgresDialect(database), options, new ManualClock(), telemetry);
        await store.InitializeAsync(default);
        return store;
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
