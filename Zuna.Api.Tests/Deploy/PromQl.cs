using System.Text.RegularExpressions;

namespace Zuna.Api.Tests.Deploy;

/// <summary>
/// Pulls metric names and grouping labels out of PromQL expressions, enough to check dashboards
/// and autoscaler queries against the metric names the app exports. Not a full PromQL parser:
/// it removes strings, label matchers, ranges and grouping clauses, then every identifier that is
/// not a function call or an operator keyword is a metric name.
/// </summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords =
        ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"];

    public static HashSet<string> MetricNames(string expr)
    {
        string s = StringLiteral().Replace(expr, "\"\"");
        s = Braces().Replace(s, " ");
        s = Brackets().Replace(s, " ");
        s = Grouping().Replace(s, " ");
        s = GrafanaVariable().Replace(s, " ");
        var names = new HashSet<string>();
        foreach (Match m in Identifier().Matches(s))
        {
            string word = m.Groups["id"].Value;
            bool isCall = m.Groups["call"].Success;
            if (!isCall && !Keywords.Contains(word.ToLowerInvariant())) names.Add(word);
        }
        return names;
    }

    /// <summary>Label names used in by/without/on/ignoring clauses and in label matchers.</summary>
    public static HashSet<string> LabelNames(string expr)
    {
        string s = StringLiteral().Replace(expr, "\"\"");
        var labels = new HashSet<string>();
        foreach (Match g in Grouping().Matches(s))
            foreach (string label in g.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                labels.Add(label);
        foreach (Match b in Braces().Matches(s))
            foreach (Match m in Matcher().Matches(b.Value)) labels.Add(m.Groups["label"].Value);
        return labels;
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\((?<labels>[^)]*)\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"(?<![\w.])(?<id>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex Matcher();
}
