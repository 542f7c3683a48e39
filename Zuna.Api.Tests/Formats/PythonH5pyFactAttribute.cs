using System.Diagnostics;
using Zuna.Api.Tests.Fif;

namespace Zuna.Api.Tests.Formats;

/// <summary>A test that writes MAT v7.3 files with h5py and compares with MNE (Debian's python3-h5py, python3-mne); skipped, saying why, where either is missing.</summary>
public sealed class PythonH5pyFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!File.Exists(PythonMneFactAttribute.Python)) return false;
        using var probe = Process.Start(new ProcessStartInfo(PythonMneFactAttribute.Python, ["-c", "import mne, h5py"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        return probe.ExitCode == 0;
    });

    public PythonH5pyFactAttribute()
    {
        if (!Available.Value) Skip = $"{PythonMneFactAttribute.Python} cannot import mne and h5py: install Debian's python3-mne and python3-h5py to write MAT v7.3 test files.";
    }
}
