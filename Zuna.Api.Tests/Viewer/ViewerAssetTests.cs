using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Zuna.Api.Composition;
using Zuna.Api.Tests.Api;
using Zuna.Api.Tests.Deploy;

namespace Zuna.Api.Tests.Viewer;

/// <summary>The committed page and bundle: built from the current viewer/ sources, small, offline, served with the CSP.</summary>
public sealed class ViewerAssetTests
{
    private const string Bundle = "Zuna.Api/wwwroot/viewer.js";

    [Fact]
    public void The_committed_bundle_was_built_from_the_current_sources()
    {
        // The same digest as viewer/build.mjs: each file's path and LF-normalised text, sources in ordinal order.
        string folder = RepoFiles.Path("viewer");
        var files = new[] { "package-lock.json", "build.mjs", "tsconfig.json" }
            .Concat(Directory.GetFiles(Path.Combine(folder, "src")).Select(f => "src/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            hash.AppendData(Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(folder, file)).ReplaceLineEndings("\n") + "\n"));
        }
        string expected = Convert.ToHexStringLower(hash.GetHashAndReset());
        string stamp = File.ReadLines(RepoFiles.Path(Bundle)).First();
        Assert.True(stamp.Contains(expected, StringComparison.Ordinal),
            $"{Bundle} is stale ({stamp}); rebuild it: cd viewer && npm ci && npm run build");
    }

    [Fact]
    public void The_page_loads_nothing_from_elsewhere_and_has_no_inline_script()
    {
        Assert.True(new FileInfo(RepoFiles.Path(Bundle)).Length < 500_000, "the bundle should stay under 500 KB");
        foreach (string file in new[] { "index.html", "viewer.css", "viewer.js" })
            Assert.DoesNotMatch(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", RepoFiles.Text($"Zuna.Api/wwwroot/{file}").Replace("http://www.w3.org/", "", StringComparison.Ordinal));
        string html = RepoFiles.Text("Zuna.Api/wwwroot/index.html");
        Assert.DoesNotMatch(new Regex(@"<script(?![^>]*\ssrc=)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"\sstyle\s*=", RegexOptions.IgnoreCase), html);
    }

    [Fact]
    public async Task The_page_and_its_script_are_served_with_a_policy_that_forbids_inline_script()
    {
        await using var server = new ZunaServer();
        var client = server.Client();
        foreach (var (path, type) in new[] { ("/", "text/html"), ("/viewer.js", "text/javascript"), ("/viewer.css", "text/css") })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            string policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Equal(ViewerHosting.ContentSecurityPolicy, policy);
            Assert.Contains("script-src 'self';", policy);
            Assert.DoesNotContain("unsafe", policy);
        }
        Assert.Contains("<title>ZUNA viewer</title>", await client.GetStringAsync("/"));
    }
}
