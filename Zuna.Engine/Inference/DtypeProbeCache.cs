using System.Globalization;

namespace Zuna.Engine.Inference;

/// <summary>
/// The probe's rates per machine key, one tab-separated line each (key, float32 GFLOP/s, bfloat16 GFLOP/s), so a person can
/// read or delete an entry. An unreadable file or line is treated as absent: the probe simply runs again.
/// </summary>
public static class DtypeProbeCache
{
    public static bool TryRead(string file, string key, out DtypeRates rates)
    {
        rates = default;
        foreach (var (lineKey, lineRates) in ReadAll(file))
        {
            if (lineKey != key) continue;
            rates = lineRates;
            return true;
        }
        return false;
    }

    /// <summary>Adds or replaces the entry for <paramref name="key"/>; written to a temporary file and moved into place, so readers never see half a file. Failing to write (read-only home) only costs a probe next time.</summary>
    public static void Write(string file, string key, DtypeRates rates)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            var lines = ReadAll(file).Where(e => e.Key != key).Append((Key: key, Rates: rates))
                .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}\t{e.Rates.Float32Gflops:R}\t{e.Rates.Bfloat16Gflops:R}"));
            string temporary = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllLines(temporary, lines);
            File.Move(temporary, file, overwrite: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static List<(string Key, DtypeRates Rates)> ReadAll(string file)
    {
        var entries = new List<(string, DtypeRates)>();
        string[] lines;
        try { lines = File.Exists(file) ? File.ReadAllLines(file) : []; }
        catch (IOException) { return entries; }
        catch (UnauthorizedAccessException) { return entries; }
        foreach (string line in lines)
        {
            string[] parts = line.Split('\t');
            if (parts.Length == 3
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double fp32) && fp32 > 0
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double bf16) && bf16 >= 0)
                entries.Add((parts[0], new DtypeRates(fp32, bf16)));
        }
        return entries;
    }
}
