using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// A real PostgreSQL 15 server for the tests: initdb in a temporary directory, started with pg_ctl on a free loopback
/// port, stopped and deleted at the end. initdb refuses to run as root, so under root it runs as the postgres user
/// (runuser). .ci/run installs the Debian postgresql package when these binaries are missing.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private string _root = "";
    private string DataDirectory => Path.Combine(_root, "data");

    public int Port { get; private set; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=15;Command Timeout=30";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
            throw new InvalidOperationException($"PostgreSQL 15 server binaries are missing in {BinDirectory}: apt-get install postgresql (what .ci/run does).");
        _root = Directory.CreateTempSubdirectory("zuna-pg-").FullName;
        if (Environment.UserName == "root") await RunAsync("chown", "-R", "postgres:postgres", _root);
        await RunAsPostgresAsync("initdb", "-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        Port = FreePort();
        await RunAsPostgresAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -k {_root} -c max_connections=200", "start");
    }

    /// <summary>A new, empty database: each test gets its own.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"zuna_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        if (_root.Length == 0) return;
        try
        {
            await RunAsPostgresAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static Task RunAsPostgresAsync(string tool, params string[] args) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDirectory, tool), .. args])
            : RunAsync(Path.Combine(BinDirectory, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await error}{await output}");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Tests sharing one PostgreSQL server (each with its own database).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
