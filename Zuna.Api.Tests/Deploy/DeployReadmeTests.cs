using System.Text.RegularExpressions;

namespace Zuna.Api.Tests.Deploy;

public sealed partial class DeployReadmeTests
{
    [Fact]
    public void Every_repository_path_the_readme_names_exists()
    {
        string readme = RepoFiles.Text("deploy/README.md");
        var paths = RepoPath().Matches(readme).Select(m => m.Value.TrimEnd('.', ',', ')')).Distinct().ToList();
        Assert.Contains("docker-compose.cpu.yml", paths);
        Assert.Contains("deploy/k8s", paths);
        Assert.All(paths, p => Assert.True(RepoFiles.Exists(p), $"README names {p}, which does not exist"));

        // Paths given relative to deploy/k8s (e.g. optional/hpa-prometheus-adapter.yaml).
        foreach (Match m in K8sRelative().Matches(readme))
            Assert.True(RepoFiles.Exists("deploy/k8s/" + m.Value), $"README names deploy/k8s/{m.Value}, which does not exist");
    }

    [GeneratedRegex(@"(?<![\w/.-])(?:deploy/[\w./-]+|docker-compose[\w.]*\.yml|Dockerfile)(?![\w-])")]
    private static partial Regex RepoPath();

    [GeneratedRegex(@"(?<![\w/.-])(?:optional/[\w.-]+\.yaml|[\w-]+-(?:scaledobject|job)\.yaml|(?:configmap|deployment|service|pvc|kustomization)\.yaml)")]
    private static partial Regex K8sRelative();
}
