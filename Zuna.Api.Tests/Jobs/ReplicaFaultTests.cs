using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// Crashes and fleets with real processes: the built service started as child processes on loopback ports, killed with
/// SIGKILL mid-job; SQLite in a temporary directory, or a real PostgreSQL shared by two replicas. Nothing accepted is lost.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplicaFaultTests(PostgresServer postgres) : IDisposable
{
    private const int Steps = 60; // long enough on the tiny model to be caught mid-job
    private const long Seed = 11;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("zuna-replicas-");

    private static async Task<Uri> SubmitAsync(HttpClient client, int steps = Steps)
    {
        var response = await client.PostAsync("/v1/jobs", ZunaServer.SampleUpload(
            ("operation", "reconstructions"), ("steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!;
    }

    private static Task<JsonElement> UntilAsync(HttpClient client, Uri job, Func<JsonElement, bool> done) =>
        BatchTests.UntilAsync(client, job.ToString(), done);

    private static bool Status(JsonElement job, string status) => job.GetProperty("status").GetString() == status;

    private static bool MidJob(JsonElement job) =>
        Status(job, "running") && job.GetProperty("progress").GetProperty("steps_done").GetInt32() > 0;

    private static Dictionary<string, string> Sqlite(string directory) => new()
    {
        ["Zuna__Jobs__Store"] = "sqlite",
        ["Zuna__Jobs__Directory"] = directory,
        ["Zuna__Jobs__MaxConcurrent"] = "1",
    };

    private Dictionary<string, string> Postgres(string connectionString) => new()
    {
        ["Zuna__Jobs__Store"] = "postgres",
        ["Zuna__Jobs__ConnectionString"] = connectionString,
        ["Zuna__Jobs__LeaseSeconds"] = "3",
        ["Zuna__Jobs__MaxConcurrent"] = "1",
    };

    /// <summary>Two replicas started together on a fresh PostgreSQL database.</summary>
    private async Task<(string Database, ZunaProcess A, ZunaProcess B)> TwoReplicasAsync()
    {
        string database = await postgres.CreateDatabaseAsync();
        var replicas = await Task.WhenAll(
            new ZunaProcess(_directory.FullName, Postgres(database)).StartAsync(),
            new ZunaProcess(_directory.FullName, Postgres(database)).StartAsync());
        return (database, replicas[0], replicas[1]);
    }

    /// <summary>The process id in the lease owner of a job ("machine:pid:…").</summary>
    private static async Task<int> RunnerPidAsync(string connectionString, Uri job)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT owner FROM zuna_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", job.ToString().Split('/')[^1]);
        return int.Parse(((string)(await command.ExecuteScalarAsync())!).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Sqlite_server_killed_mid_job_finishes_it_after_restart_and_loses_nothing_queued()
    {
        string jobs = Path.Combine(_directory.FullName, "jobs");
        Uri running, queued;
        await using (var first = await new ZunaProcess(_directory.FullName, Sqlite(jobs)).StartAsync())
        {
            running = await SubmitAsync(first.Client);
            queued = await SubmitAsync(first.Client, steps: 2);
            await UntilAsync(first.Client, running, MidJob);
            first.Kill();
        }

        await using var second = await new ZunaProcess(_directory.FullName, Sqlite(jobs)).StartAsync();
        var done = await UntilAsync(second.Client, running, j => Status(j, "succeeded"));
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        await UntilAsync(second.Client, queued, j => Status(j, "succeeded"));

        await AssertIsTheEnginesReconstructionAsync(second, running);
    }

    [Fact]
    public async Task Two_replicas_on_one_postgres_submit_on_one_and_poll_stream_fetch_and_cancel_on_the_other()
    {
        var (database, a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;

        var job = await SubmitAsync(a.Client, steps: 4);
        using (var events = await b.Client.GetAsync($"{job}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            var statuses = new List<string>();
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line)
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                    statuses.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("status").GetString()!);
            Assert.Equal("succeeded", statuses[^1]);
        }
        var polled = await b.Client.GetFromJsonAsync<JsonElement>(job);
        Assert.Equal(3, polled.GetProperty("progress").GetProperty("epochs_done").GetInt32());
        var fromB = await b.Client.GetByteArrayAsync($"{job}/result");
        Assert.Equal(await a.Client.GetByteArrayAsync($"{job}/result"), fromB);
        Assert.Equal(polled.GetProperty("result_bytes").GetInt64(), fromB.Length);

        // Cancel from the replica that is not running the job: the runner learns it at its next lease renewal.
        var slow = await SubmitAsync(b.Client);
        await UntilAsync(a.Client, slow, j => Status(j, "running"));
        int runner = await RunnerPidAsync(database, slow);
        var other = runner == a.Pid ? b : a;
        Assert.Equal(HttpStatusCode.Accepted, (await other.Client.DeleteAsync(slow)).StatusCode);
        await UntilAsync(other.Client, slow, j => Status(j, "canceled"));
        Assert.Equal(HttpStatusCode.Conflict, (await (runner == a.Pid ? a : b).Client.GetAsync($"{slow}/result")).StatusCode);
    }

    [Fact]
    public async Task Killing_one_of_two_replicas_mid_job_lets_the_other_finish_it()
    {
        var (database, a, b) = await TwoReplicasAsync();
        await using var _ = a;
        await using var __ = b;

        var job = await SubmitAsync(a.Client);
        await UntilAsync(a.Client, job, j => Status(j, "running"));
        int runner = await RunnerPidAsync(database, job);
        var (victim, survivor) = runner == a.Pid ? (a, b) : (b, a);
        await UntilAsync(victim.Client, job, MidJob);
        victim.Kill();

        var done = await UntilAsync(survivor.Client, job, j => Status(j, "succeeded"));
        Assert.True(done.GetProperty("attempts").GetInt32() >= 2);
        await AssertIsTheEnginesReconstructionAsync(survivor, job);
    }

    /// <summary>The engine's own reconstruction of the sample (seed and steps of the jobs above), computed once.</summary>
    private static readonly Lazy<float[]> Expected = new(() => EngineReference.Reconstruct(EngineReference.Sample(), Seed, Steps));

    private static async Task AssertIsTheEnginesReconstructionAsync(ZunaProcess server, Uri job)
    {
        using var tensors = EngineReference.Tensors(await server.Client.GetByteArrayAsync($"{job}/result"));
        Assert.True(EngineReference.MaxAbsDiff(tensors.ReadFloat32("reconstruction"), Expected.Value) <= 1e-4);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
