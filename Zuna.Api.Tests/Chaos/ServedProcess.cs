using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Chaos;

/// <summary>
/// The built service (<c>dotnet zuna.dll</c>) serving the tiny model on a free loopback port as its own process, for what
/// only a process shows: signals, its resident memory, its whole log. Killed on dispose if still running.
/// </summary>
internal sealed class ServedProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    public Process Process { get; }

    public int Port { get; }

    private ServedProcess(IReadOnlyDictionary<string, string> settings)
    {
        Port = FreePort();
        var start = new ProcessStartInfo("dotnet", [ZunaProcess.Dll, "--urls", $"http://127.0.0.1:{Port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["Zuna__Model__Path"] = ZunaServer.TinyModel;
        // A throwaway job store: the default SQLite directory would be shared with other child processes (one owner only).
        start.Environment["Zuna__Jobs__Store"] = "memory";
        start.Environment["Zuna__Model__Device"] = "cpu";
        foreach (var (key, value) in settings) start.Environment[key] = value;
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    /// <summary>Starts the service with these environment settings (on top of the tiny model, CPU, memory job store) and waits until ready.</summary>
    public static async Task<ServedProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var served = new ServedProcess(settings);
        using var client = served.Client();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            try { if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return served; }
            catch (HttpRequestException) { } // not listening yet
            if (served.Process.HasExited) break;
            await Task.Delay(200);
        }
        await served.DisposeAsync();
        throw new TimeoutException($"the child service did not become ready within 120 s:\n{served.Output}");
    }

    public HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromMinutes(3) };

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The process's resident set (VmRSS) or its peak (VmHWM) in bytes, from /proc.</summary>
    public long MemoryBytes(string field = "VmRSS")
    {
        string line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    public ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
        Process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
