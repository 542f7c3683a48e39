using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// Repair jobs across the model gate and a crash: a ZUNA 1.0 model refuses them at submission (422) when it is loaded, and
/// fails them with the same problem when it was not loaded yet; a SQLite-backed process killed mid-repair finishes the job
/// after a restart with the result the synchronous endpoint gives.
/// </summary>
public sealed class RepairJobDurabilityTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("zuna-repair-jobs-");

    [Fact]
    public async Task A_zuna10_model_refuses_a_repair_job_at_submission_with_the_422_of_the_repair_endpoint()
    {
        await using var server = new ZunaServer();
        var client = await server.ReadyClientAsync();
        var response = await client.PostAsync("/v1/jobs", RepairJobTests.Upload([("operation", "repairs"), .. RepairJobTests.RepairFields]));
        var problem = await ErrorResponseTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("repair needs a ZUNA1.1 model; set Zuna__Model__RepoId=Zyphra/ZUNA1.1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_repair_job_submitted_before_a_zuna10_model_loaded_fails_with_that_422()
    {
        await using var server = new ZunaServer(gated: true);
        var client = server.Client();
        var response = await client.PostAsync("/v1/jobs", RepairJobTests.Upload([("operation", "repairs"), .. RepairJobTests.RepairFields]));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        server.Gate!.OpenLoad();
        server.Gate.OpenBatches();
        var job = await BatchTests.UntilAsync(client, response.Headers.Location!.ToString(), j => j.GetProperty("status").GetString() == "failed");
        var error = job.GetProperty("error");
        Assert.Equal(422, error.GetProperty("status").GetInt32());
        Assert.Contains("repair needs a ZUNA1.1 model", error.GetProperty("detail").GetString());
        var result = await client.GetAsync($"{response.Headers.Location}/result");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.StatusCode);
    }

    [Fact]
    public async Task A_sqlite_server_killed_mid_repair_finishes_it_after_restart_with_the_synchronous_result()
    {
        var settings = new Dictionary<string, string>
        {
            ["Zuna__Model__Path"] = SharedData.Path("fixtures/zuna11"),
            ["Zuna__Jobs__Store"] = "sqlite",
            ["Zuna__Jobs__Directory"] = Path.Combine(_directory.FullName, "jobs"),
            ["Zuna__Jobs__MaxConcurrent"] = "1",
        };
        // Enough steps on the tiny model to be caught between two of them.
        (string, string)[] fields = [("operation", "repairs"), ("repair_channels", "fp1"), ("bad_segments", "13.0-13.2"), ("steps", "30"), ("seed", "3")];
        Uri job;
        await using (var first = await new ZunaProcess(_directory.FullName, settings).StartAsync())
        {
            var response = await first.Client.PostAsync("/v1/jobs", RepairJobTests.Upload(fields));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            job = response.Headers.Location!;
            await BatchTests.UntilAsync(first.Client, job.ToString(), j =>
                j.GetProperty("status").GetString() == "running" && j.GetProperty("progress").GetProperty("steps_done").GetInt32() > 0);
            first.Kill();
        }

        await using var second = await new ZunaProcess(_directory.FullName, settings).StartAsync();
        var done = await BatchTests.UntilAsync(second.Client, job.ToString(), j => j.GetProperty("status").GetString() is "succeeded" or "failed");
        Assert.Equal(("succeeded", 2), (done.GetProperty("status").GetString(), done.GetProperty("attempts").GetInt32()));
        var repaired = await second.Client.GetByteArrayAsync($"{job}/result");
        var synchronous = await second.Client.PostAsync("/v1/repairs", RepairJobTests.Upload(fields[1..]));
        Assert.Equal(await synchronous.Content.ReadAsByteArrayAsync(), repaired);
        var info = await second.Client.GetFromJsonAsync<JsonElement>("/v1/info");
        Assert.Equal("sqlite", info.GetProperty("job_store").GetString());
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
