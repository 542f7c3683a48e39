using System.Diagnostics;

namespace Zuna.Api.Tests.Fif;

/// <summary>A test that reads our output with MNE-Python (Debian's python3-mne); skipped, saying why, where it is missing.</summary>
public sealed class PythonMneFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!File.Exists(Python)) return false;
        using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import mne"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        return probe.ExitCode == 0;
    });

    public PythonMneFactAttribute()
    {
        if (!Available.Value) Skip = $"{Python} cannot import mne: install Debian's python3-mne to compare our FIF output with MNE.";
    }
}
