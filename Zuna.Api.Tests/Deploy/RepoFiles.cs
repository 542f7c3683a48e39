using YamlDotNet.RepresentationModel;

namespace Zuna.Api.Tests.Deploy;

/// <summary>Reads files of this repository (the deployment files are not copied to the test output).</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, relative));

    public static bool Exists(string relative) => File.Exists(Path(relative)) || Directory.Exists(Path(relative));

    public static string Text(string relative) => File.ReadAllText(Path(relative));

    /// <summary>All YAML documents of a file, each as its root mapping.</summary>
    public static List<YamlMappingNode> YamlDocuments(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(Text(relative));
        stream.Load(reader);
        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
    }

    public static YamlMappingNode Yaml(string relative) => Assert.Single(YamlDocuments(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Zuna.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Zuna.slnx not found above the test output folder.");
    }
}

/// <summary>Small navigation helpers over YamlDotNet's representation model.</summary>
internal static class YamlNav
{
    /// <summary>The child at a dotted path ("deploy.resources.limits"); null when any step is missing.</summary>
    public static YamlNode? At(this YamlNode node, string path)
    {
        YamlNode? current = node;
        foreach (string step in path.Split('.'))
        {
            if (current is not YamlMappingNode map) return null;
            map = map.Merged();
            current = map.Children.TryGetValue(new YamlScalarNode(step), out YamlNode? child) ? child : null;
        }
        return current;
    }

    public static YamlMappingNode Map(this YamlNode node, string path) =>
        Assert.IsType<YamlMappingNode>(node.At(path) ?? throw new Xunit.Sdk.XunitException($"missing '{path}'"));

    public static YamlSequenceNode Seq(this YamlNode node, string path) =>
        Assert.IsType<YamlSequenceNode>(node.At(path) ?? throw new Xunit.Sdk.XunitException($"missing '{path}'"));

    public static string Str(this YamlNode node, string path) =>
        Assert.IsType<YamlScalarNode>(node.At(path) ?? throw new Xunit.Sdk.XunitException($"missing '{path}'")).Value ?? "";

    public static string? StrOrNull(this YamlNode node, string path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IEnumerable<string> Strings(this YamlSequenceNode seq) =>
        seq.Children.Select(c => Assert.IsType<YamlScalarNode>(c).Value ?? "");

    public static IEnumerable<YamlMappingNode> Maps(this YamlSequenceNode seq) =>
        seq.Children.Select(c => Assert.IsType<YamlMappingNode>(c));

    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlMappingNode map) =>
        map.Merged().Children.Select(kv => new KeyValuePair<string, YamlNode>(((YamlScalarNode)kv.Key).Value!, kv.Value));

    /// <summary>Applies YAML merge keys (`&lt;&lt;: *anchor`), which the representation model keeps as plain keys.</summary>
    public static YamlMappingNode Merged(this YamlMappingNode map)
    {
        var mergeKey = new YamlScalarNode("<<");
        if (!map.Children.TryGetValue(mergeKey, out YamlNode? merged)) return map;
        var result = new YamlMappingNode();
        IEnumerable<YamlNode> sources = merged is YamlSequenceNode many ? many.Children : [merged];
        foreach (YamlMappingNode source in sources.Cast<YamlMappingNode>())
            foreach (var kv in source.Merged().Children) result.Children[kv.Key] = kv.Value;
        foreach (var kv in map.Children.Where(kv => !kv.Key.Equals(mergeKey))) result.Children[kv.Key] = kv.Value;
        return result;
    }
}
