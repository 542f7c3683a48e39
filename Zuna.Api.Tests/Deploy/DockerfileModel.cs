using System.Text.Json;
using System.Text.RegularExpressions;

namespace Zuna.Api.Tests.Deploy;

/// <summary>One Dockerfile instruction: keyword, its argument text, and the stage it belongs to (null before the first FROM).</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, string? Stage);

/// <summary>
/// A Dockerfile split into instructions (comments dropped, backslash continuations joined). No
/// parser package for Dockerfiles exists among our dependencies, and the grammar needed here is
/// line-based: keyword, then arguments.
/// </summary>
internal sealed partial class DockerfileModel
{
    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public DockerfileModel(string text)
    {
        var list = new List<DockerInstruction>();
        string? stage = null;
        var pending = new System.Text.StringBuilder();
        foreach (string raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#'))) continue;
            if (pending.Length > 0 && line.StartsWith('#')) continue; // comment inside a continuation
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }
            pending.Append(line);
            string full = pending.ToString().Trim();
            pending.Clear();
            int space = full.IndexOf(' ');
            string keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            string arguments = space < 0 ? "" : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                Match named = FromAs().Match(arguments);
                stage = named.Success ? named.Groups["name"].Value : arguments;
            }
            list.Add(new DockerInstruction(keyword, arguments, stage));
        }
        Instructions = list;
    }

    public static DockerfileModel Load() => new(RepoFiles.Text("Dockerfile"));

    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public IEnumerable<DockerInstruction> InStage(string stage) => Instructions.Where(i => i.Stage == stage);

    /// <summary>Stage name → base image of each FROM.</summary>
    public Dictionary<string, string> Stages() => All("FROM").ToDictionary(
        i => i.Stage!, i => FromAs().Match(i.Arguments) is { Success: true } m ? m.Groups["image"].Value : i.Arguments);

    /// <summary>KEY=VALUE pairs of the ENV instructions of a stage and of the stages it is built on.</summary>
    public Dictionary<string, string> Env(string stage)
    {
        var env = new Dictionary<string, string>();
        foreach (string s in Lineage(stage))
            foreach (var i in InStage(s).Where(i => i.Keyword == "ENV"))
                foreach (Match m in EnvPair().Matches(i.Arguments)) env[m.Groups["key"].Value] = m.Groups["value"].Value;
        return env;
    }

    /// <summary>The stage, its base stage, and so on down to an external image (base first).</summary>
    public List<string> Lineage(string stage)
    {
        var stages = Stages();
        var chain = new List<string>();
        for (string? s = stage; s is not null && stages.ContainsKey(s); s = stages[s])
        {
            chain.Insert(0, s);
            if (chain.Count > 20) throw new InvalidOperationException("stage cycle");
        }
        return chain;
    }

    /// <summary>The exec-form (JSON array) command of the HEALTHCHECK, and its --options.</summary>
    public (string[] Command, Dictionary<string, string> Options) Healthcheck()
    {
        DockerInstruction hc = Assert.Single(All("HEALTHCHECK"));
        int cmd = hc.Arguments.IndexOf("CMD ", StringComparison.Ordinal);
        Assert.True(cmd > 0, "HEALTHCHECK must use CMD after its options");
        var options = Regex.Matches(hc.Arguments[..cmd], @"--(?<k>[a-z-]+)=(?<v>\S+)")
            .ToDictionary(m => m.Groups["k"].Value, m => m.Groups["v"].Value);
        string[] command = JsonSerializer.Deserialize<string[]>(hc.Arguments[(cmd + 4)..].Trim())
            ?? throw new Xunit.Sdk.XunitException("HEALTHCHECK CMD is not a JSON array (exec form)");
        return (command, options);
    }

    [GeneratedRegex(@"^(?<image>\S+)\s+AS\s+(?<name>\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex FromAs();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S+)")]
    private static partial Regex EnvPair();
}
