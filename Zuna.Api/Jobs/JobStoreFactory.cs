using Zuna.Api.Jobs.Store;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Jobs;

/// <summary>Builds the store Zuna:Jobs:Store names and creates its tables before the service takes requests.</summary>
public static class JobStoreFactory
{
    public static IJobStore Create(JobsOptions options, TimeProvider clock, ZunaTelemetry telemetry)
    {
        SqlDialect dialect = options.Store switch
        {
            "postgres" => new PostgresDialect(options.ConnectionString),
            "memory" => SqliteDialect.InMemory(),
            _ => SqliteDialect.InDirectory(options.Directory),
        };
        var store = new SqlJobStore(dialect, options, clock, telemetry);
        // At start-up, once: a store that cannot be reached or created stops the service with the reason.
        store.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }
}
