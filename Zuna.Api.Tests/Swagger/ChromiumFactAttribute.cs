namespace Zuna.Api.Tests.Swagger;

/// <summary>
/// A test that drives Debian's Chromium through Playwright (no browser download); skipped, saying why, where the
/// chromium package is missing (.ci/run installs it).
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath)) Skip = $"{ExecutablePath} not found: install Debian's chromium package (apt-get install chromium).";
    }
}
