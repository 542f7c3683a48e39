namespace Zuna.Api.Tests.Deploy;

/// <summary>
/// docker compose for real: zuna and its PostgreSQL job store up from the project's compose files (plus the local
/// override), a job submitted through zuna, the zuna container recreated, and the job with its result still there
/// (deploy/local/compose-up.sh does it all). Shares the image with <see cref="ImageBuildTests"/>, so never beside it.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeUpTests
{
    [DockerFact]
    public void A_job_and_its_result_survive_a_new_zuna_container_because_they_live_in_postgres()
    {
        string stdout = DockerDaemon.RunScript("deploy/local/compose-up.sh", TimeSpan.FromMinutes(15));
        Assert.Matches(@"after recreating zuna \(\w{12} -> \w{12}\): succeeded, result sha256 [0-9a-f]{16}…, rows in postgres zuna_jobs: 1", stdout);
        Assert.EndsWith("compose ok", stdout.Trim());
    }
}

/// <summary>Tests that build and run the image: one after the other (each builds zuna:cpu), in parallel with the rest of the suite.</summary>
[CollectionDefinition(Name)]
public sealed class DockerCollection
{
    public const string Name = "Docker";
}
