using System.Diagnostics;
using System.Globalization;

namespace Zuna.Api.Cli.Bench;

/// <summary>The process's peak resident memory (Linux VmHWM), resettable so that one phase's peak can be read on its own.</summary>
internal static class PeakMemory
{
    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux ≥ 4.0); elsewhere the peak stays since process start.</summary>
    public static void Reset()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Peak RSS in bytes since the last <see cref="Reset"/>.</summary>
    public static long Bytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
