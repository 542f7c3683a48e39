using System.Text.RegularExpressions;
using Zuna.Api.Tests.Deploy;

namespace Zuna.Api.Tests.Architecture;

/// <summary>
/// The service's folders depend on each other in one direction only (data flows upload → engine door → queue → backend →
/// formatting → response), and the engine knows nothing of ASP.NET. Read from the sources, so a new reference that
/// closes a cycle fails here.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [GeneratedRegex(@"\bZuna\.Api\.([A-Z]\w*)")]
    private static partial Regex ApiNamespace();

    private static Dictionary<string, HashSet<string>> ApiFolderGraph()
    {
        string root = RepoFiles.Path("Zuna.Api");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).ToHashSet();
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var folder in folders)
        {
            var uses = new HashSet<string>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder!), "*.cs", SearchOption.AllDirectories))
                foreach (Match m in ApiNamespace().Matches(File.ReadAllText(file)))
                    if (m.Groups[1].Value != folder && folders.Contains(m.Groups[1].Value)) uses.Add(m.Groups[1].Value);
            graph[folder!] = uses;
        }
        return graph;
    }

    [Fact]
    public void Api_folders_form_no_cycle()
    {
        var graph = ApiFolderGraph();
        var state = new Dictionary<string, int>(); // 1 visiting, 2 done
        var path = new Stack<string>();

        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (var next in graph[node])
            {
                if (state.GetValueOrDefault(next) == 1)
                    Assert.Fail($"folder cycle: {string.Join(" -> ", path.Reverse().SkipWhile(n => n != next))} -> {next}");
                if (state.GetValueOrDefault(next) == 0) Visit(next);
            }
            path.Pop();
            state[node] = 2;
        }

        foreach (var node in graph.Keys) if (state.GetValueOrDefault(node) == 0) Visit(node);
        Assert.Contains("Queue", graph.Keys);
    }

    [Fact]
    public void The_queue_does_not_know_the_backend_and_only_composition_knows_everything()
    {
        var graph = ApiFolderGraph();
        Assert.DoesNotContain("Backend", graph["Queue"]);
        Assert.Contains("Queue", graph["Backend"]);
        foreach (var (folder, uses) in graph)
            if (folder != "Cli") Assert.DoesNotContain("Composition", uses);
    }

    [Fact]
    public void The_engine_has_no_aspnet_and_no_reference_to_the_service()
    {
        foreach (var file in Directory.EnumerateFiles(RepoFiles.Path("Zuna.Engine"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            string text = File.ReadAllText(file);
            Assert.False(text.Contains("Microsoft.AspNetCore", StringComparison.Ordinal), $"{file} uses ASP.NET Core");
            Assert.False(text.Contains("Zuna.Api", StringComparison.Ordinal), $"{file} refers to the service");
        }
    }
}
