using Zuna.Api.Cli;
using Zuna.Api.Composition;
using Zuna.Api.Telemetry;

if (CliApp.IsVerb(args)) return await CliApp.RunAsync(args);
if (ServeArguments.Problem(args) is { } usage)
{
    Console.Error.WriteLine($"zuna: {usage}");
    return CliApp.ExitCodes.Usage;
}

// No verb: serve HTTP (--model-dir, --device, --dtype, --urls; configuration section "Zuna").
var builder = WebApplication.CreateBuilder(args);
builder.AddZunaOptions(args);
builder.AddZunaTelemetry();
builder.AddZunaInference();

var app = builder.Build();
app.UseZunaPipeline();
app.MapZunaApi();
await app.RunAsync();
return Environment.ExitCode; // 1 when the model failed to load (ModelHost stops the application)

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
