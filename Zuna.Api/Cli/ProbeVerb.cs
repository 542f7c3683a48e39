using System.CommandLine;

namespace Zuna.Api.Cli;

/// <summary>
/// `zuna probe [--url U] [--timeout-seconds N]`: one HTTP GET, exit 0 on a 2xx answer and 1 otherwise.
/// It exists for container healthchecks: the ASP.NET runtime image has no curl or wget, and the
/// zuna executable is already in the image. It runs before any host or model is built (Program.cs
/// hands verbs to the CLI first), so one probe costs a runtime start and a request, nothing more.
/// </summary>
public static class ProbeVerb
{
    public const string DefaultUrl = "http://127.0.0.1:8080/health/ready";
    public const int DefaultTimeoutSeconds = 5;

    public static Command Create()
    {
        // A string, checked here: System.CommandLine has no parser for Uri.
        var url = new Option<string>("--url")
        {
            Description = "Absolute http(s) URL to GET.",
            DefaultValueFactory = _ => DefaultUrl,
        };
        url.Validators.Add(result =>
        {
            if (ParseHttpUrl(result.GetValueOrDefault<string>()) is null)
                result.AddError("--url must be an absolute http:// or https:// URL.");
        });

        var timeout = new Option<int>("--timeout-seconds")
        {
            Description = "Give up (exit 1) when no answer arrives within this many seconds.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 600) result.AddError("--timeout-seconds must be between 1 and 600.");
        });

        var probe = new Command("probe", "GET a URL (by default the readiness endpoint); exit 0 on 2xx, 1 otherwise. For healthchecks.");
        probe.Options.Add(url);
        probe.Options.Add(timeout);
        probe.SetAction(async (parse, cancel) =>
        {
            Uri target = ParseHttpUrl(parse.GetValue(url))!;
            TimeSpan limit = TimeSpan.FromSeconds(parse.GetValue(timeout));
            string? failure = await ProbeAsync(target, limit, cancel);
            if (failure is null) return CliApp.ExitCodes.Ok;
            parse.InvocationConfiguration.Error.WriteLine($"zuna: probe {target}: {failure}");
            return CliApp.ExitCodes.Failure;
        });
        return probe;
    }

    private static Uri? ParseHttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : null;

    /// <summary>Returns null when the URL answered 2xx within the limit, else why not (one line).</summary>
    public static async Task<string?> ProbeAsync(Uri target, TimeSpan limit, CancellationToken cancel = default)
    {
        // A fresh handler per call is fine here: the process makes exactly one request and exits.
        // No proxy: a healthcheck must reach this container itself, whatever HTTP(S)_PROXY says.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(limit);
        try
        {
            // Headers only: a health body is never needed to decide, and a large body must not stall us.
            using var response = await http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            int code = (int)response.StatusCode;
            return code is >= 200 and < 300 ? null : $"answered {code} {response.ReasonPhrase}".TrimEnd();
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return $"no answer within {limit.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException e)
        {
            return (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" ");
        }
    }
}
