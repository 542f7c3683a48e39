using Zuna.Api.Cli;

if (CliApp.IsVerb(args)) return await CliApp.RunAsync(args);

// No verb: serve HTTP. The host composition lands with the service issue.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
await app.RunAsync();
return 0;
