using System.Diagnostics;
using System.Net;
using System.Text;
using Zuna.Api.Tests.Api;

namespace Zuna.Api.Tests.Jobs;

/// <summary>
/// The built service (zuna.dll beside the tests) as a real child process on a loopback port, with the tiny model.
/// <see cref="Kill"/> is SIGKILL: no shutdown code runs, as when a node dies. Output is kept for failure messages.
/// </summary>
public sealed class ZunaProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly string _workingDirectory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ZunaProcess(string workingDirectory, Dictionary<string, string> settings)
    {
        _workingDirectory = workingDirectory;
        Port = PostgresServer.FreePort();
        _environment = new Dictionary<string, string>
        {
            ["Zuna__Model__Path"] = ZunaServer.TinyModel,
            ["Zuna__Model__Device"] = "cpu",
            ["Zuna__Model__Threads"] = "1",
            ["Zuna__Batching__MaxBatchDelayMs"] = "0",
            ["Zuna__Jobs__PollMilliseconds"] = "100",
            ["Serilog__MinimumLevel__Default"] = "Warning",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (k, v) in settings) _environment[k] = v;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Port { get; }
    public int Pid => _process!.Id;
    public HttpClient Client { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the process and waits until /health/ready answers 200.</summary>
    public async Task<ZunaProcess> StartAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "zuna.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{Port}");
        foreach (var (k, v) in _environment) start.Environment[k] = v;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"zuna exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return this;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"zuna did not become ready within 120 s:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public void Kill()
    {
        _process!.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) Kill();
        _process?.Dispose();
        Client.Dispose();
        await Task.CompletedTask;
    }
}
