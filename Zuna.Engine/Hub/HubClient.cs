using System.Net;
using System.Net.Http.Headers;

namespace Zuna.Engine.Hub;

/// <summary>What the hub says about one file before it is downloaded.</summary>
/// <param name="File">Repository file name.</param>
/// <param name="Commit">Commit sha the revision resolved to (<c>X-Repo-Commit</c>).</param>
/// <param name="Etag">Git blob sha1, or the LFS sha256 for large files (<c>X-Linked-Etag</c> / <c>ETag</c>).</param>
/// <param name="Size">Content size (<c>X-Linked-Size</c> / <c>Content-Length</c>).</param>
/// <param name="Location">Where the content is fetched (the redirect target for LFS files).</param>
internal sealed record RemoteFile(string File, string Commit, string Etag, long Size, Uri Location);

/// <summary>
/// The two requests huggingface_hub makes per file: a HEAD on <c>{endpoint}/{repo}/resolve/{revision}/{file}</c>
/// that stops at the first absolute redirect (the hub puts the metadata on that 302) and a GET that follows every
/// redirect. The token goes only to the hub's own host, never to a CDN a redirect points at.
/// </summary>
internal sealed class HubClient(HttpClient http, HubOptions options)
{
    private const int MaxRedirects = 10;
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(30);
    private readonly Uri _endpoint = new(options.Endpoint.TrimEnd('/') + "/");

    public async Task<RemoteFile> GetMetadataAsync(string revision, string file, CancellationToken ct)
    {
        var url = ResolveUrl(revision, file);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(MetadataTimeout);
        using var response = await SendAsync(HttpMethod.Head, url, rangeStart: 0, followAbsoluteRedirects: false, timeout.Token, ct);
        ThrowForStatus(response, revision, file);

        var headers = response.Headers;
        bool redirected = (int)response.StatusCode is >= 300 and < 400;
        string? commit = Header(headers, "X-Repo-Commit");
        string? etag = NormalizeEtag(Header(headers, "X-Linked-Etag") ?? Header(headers, "ETag"));
        long? size = long.TryParse(Header(headers, "X-Linked-Size"), out long linked) ? linked
            : redirected ? null : response.Content.Headers.ContentLength;
        Uri location = redirected && headers.Location is { } target ? new Uri(response.RequestMessage!.RequestUri!, target)
            : response.RequestMessage!.RequestUri!;

        if (commit is null || etag is null || size is null)
        {
            string missing = string.Join(", ", new[] { commit is null ? "X-Repo-Commit" : null, etag is null ? "ETag" : null,
                size is null ? "size" : null }.OfType<string>());
            throw new ModelLoadException(
                $"{options.Endpoint} does not answer like a Hugging Face hub: no {missing} for {url}. Check HF_ENDPOINT " +
                "(a proxy or firewall may be answering instead).");
        }
        return new RemoteFile(file, commit, etag, size.Value, location);
    }

    /// <summary>GET of the content from <paramref name="rangeStart"/> on (a Range request when above zero).</summary>
    public async Task<HttpResponseMessage> GetContentAsync(RemoteFile remote, long rangeStart, CancellationToken ct)
    {
        var response = await SendAsync(HttpMethod.Get, remote.Location, rangeStart, followAbsoluteRedirects: true, ct, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return response;
        try
        {
            ThrowForStatus(response, options.Revision, remote.File);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        return response;
    }

    private Uri ResolveUrl(string revision, string file)
    {
        // Same quoting as huggingface_hub: the revision as one segment ("refs/pr/1" → "refs%2Fpr%2F1"), the file path
        // segment by segment.
        string path = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return new Uri(_endpoint, $"{options.RepoId}/resolve/{Uri.EscapeDataString(revision)}/{path}");
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, Uri url, long rangeStart, bool followAbsoluteRedirects, CancellationToken requestToken,
        CancellationToken callerToken)
    {
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.UserAgent.ParseAdd($"zuna/{typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "0"}");
            // Identity encoding: Content-Length must be the file size, and resumed offsets must be byte offsets.
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (rangeStart > 0) request.Headers.Range = new RangeHeaderValue(rangeStart, null);
            if (options.Token is { } token && SameAuthority(url, _endpoint))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, requestToken);
            }
            catch (OperationCanceledException) when (callerToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                throw Unreachable(url, e);
            }

            int status = (int)response.StatusCode;
            if (status is < 300 or >= 400 || response.Headers.Location is not { } location) return response;
            var next = new Uri(url, location);
            // HEAD stops at an absolute redirect: the hub's 302 to its CDN carries X-Linked-Etag and X-Linked-Size.
            if (!followAbsoluteRedirects && location.IsAbsoluteUri) return response;
            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new ModelLoadException($"Too many redirects while fetching {url}.");
            }
            response.Dispose();
            url = next;
        }
    }

    /// <summary>Maps hub error answers to messages a user can act on (huggingface_hub's X-Error-Code taxonomy).</summary>
    private void ThrowForStatus(HttpResponseMessage response, string revision, string file)
    {
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 400) return;
        string? code = Header(response.Headers, "X-Error-Code");
        string? serverMessage = Header(response.Headers, "X-Error-Message");
        string detail = $"(HTTP {status}{(serverMessage is null ? "" : ": " + serverMessage)})";
        string repo = $"'{options.RepoId}'";
        string tokenHint = options.Token is null
            ? "no token was given (set HF_TOKEN or log in with `hf auth login`)"
            : "the token in use has no access to it";

        string message = code switch
        {
            "RepoNotFound" => $"Repository {repo} was not found at {options.Endpoint}, or it is private or gated and {tokenHint} {detail}.",
            "RevisionNotFound" => $"Revision '{revision}' does not exist in {repo} {detail}.",
            "EntryNotFound" => $"File '{file}' does not exist in {repo} at revision '{revision}' {detail}.",
            "GatedRepo" => $"Repository {repo} is gated: accept its conditions at {options.Endpoint}/{options.RepoId} and use a token with access; {tokenHint} {detail}.",
            _ => status switch
            {
                401 => $"The hub refused access to {repo} at {options.Endpoint}: {tokenHint} {detail}.",
                403 => $"Access to {repo} is forbidden: it may be gated or private, and {tokenHint} {detail}.",
                404 => $"'{file}' of {repo} at revision '{revision}' was not found at {response.RequestMessage?.RequestUri} {detail}: check the repository id, revision and file name.",
                _ => $"The hub answered HTTP {status} {response.ReasonPhrase} for '{file}' of {repo} {detail}.",
            },
        };
        throw new ModelLoadException(message);
    }

    private ModelLoadException Unreachable(Uri url, Exception e) => new(
        $"Could not reach the Hugging Face hub at {options.Endpoint} ({url.GetLeftPart(UriPartial.Path)}: {e.Message}). " +
        "Check the network or HF_ENDPOINT; set HF_HUB_OFFLINE=1 to use the cache only, or point --model-dir (Zuna__Model__Path) at a local model folder.",
        e);

    private static bool SameAuthority(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary><c>W/"abc"</c> or <c>"abc"</c> → <c>abc</c>; the result names the blob file.</summary>
    internal static string? NormalizeEtag(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag)) return null;
        string value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        // The etag becomes a file name: refuse anything that could leave the blobs folder.
        return value.Length == 0 || value.IndexOfAny(['/', '\\']) >= 0 || value is "." or ".." ? null : value;
    }
}
