using System.Globalization;
using System.Text.RegularExpressions;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.BrainVision;

/// <summary>One channel of a .vhdr: MNE's name, type, factor from stored value to volts (resolution × unit) and position.</summary>
internal sealed record BrainVisionChannel(string Name, FifChannelKind Kind, double Factor, float[] Location);

/// <summary>
/// A BrainVision header (.vhdr, Core Data Format 1.0/2.0) read as MNE 1.3's <c>_get_hdr_info</c> does: sample rate
/// 1e6 / SamplingInterval; per channel resolution × unit factor (missing/empty unit = µV; non-voltage units make the
/// channel misc); HEOGL/HEOGR/VEOGb are EOG, `STI 014` stim; [Coordinates] (radius, theta, phi in degrees; radius 1
/// = a 95-mm sphere; mm) become head-frame positions in metres, a channel at the origin becomes misc.
/// </summary>
internal sealed partial record BrainVisionHeader(
    double SampleRate,
    bool Vectorized,
    string SampleFormat,
    string DataFile,
    string MarkerFile,
    IReadOnlyList<BrainVisionChannel> Channels)
{
    public int BytesPerSample => SampleFormat == "INT_16" ? 2 : 4;

    private static readonly Dictionary<string, double> UnitFactors = new(StringComparer.Ordinal)
    {
        ["V"] = 1, ["µV"] = 1e-6, ["uV"] = 1e-6, ["mV"] = 1e-3, ["nV"] = 1e-9, ["µS"] = 1e-6, ["uS"] = 1e-6,
    };

    private static readonly HashSet<string> VoltageUnits = new(StringComparer.Ordinal) { "V", "mV", "µV", "uV", "nV" };
    private static readonly HashSet<string> EogNames = new(StringComparer.Ordinal) { "HEOGL", "HEOGR", "VEOGb" };
    private const double IdealisedHeadRadiusMm = 95; // MNE's HEAD_SIZE_DEFAULT, 0.095 m

    public static BrainVisionHeader Parse(byte[] bytes, string name, ICollection<string> warnings)
    {
        var (first, rest) = BrainVisionText.Decode(bytes);
        if (!BrainVisionText.IsHeaderLine(first))
            warnings.Add($"the header's first line is not a BrainVision version line ('{Shorten(first)}').");
        int comment = rest.IndexOf("[Comment]", StringComparison.Ordinal);
        var ini = new IniText(comment >= 0 ? rest[..comment] : rest);
        string common = ini.HasSection("Common Infos") ? "Common Infos" : "Common infos";
        if (!ini.HasSection(common)) throw new RecordingFormatException($"{name}: the header has no [Common Infos] section.");

        double interval = Number(ini, common, "SamplingInterval", name);
        if (!(interval > 0) || !double.IsFinite(interval))
            throw new RecordingFormatException($"{name}: the sampling interval {interval} µs is not positive.");
        string orientation = Required(ini, common, "DataOrientation", name);
        if (orientation is not ("MULTIPLEXED" or "VECTORIZED"))
            throw new RecordingFormatException($"{name}: data orientation '{orientation}' is not supported (MULTIPLEXED or VECTORIZED).");
        string dataFormat = Required(ini, common, "DataFormat", name);
        if (dataFormat != "BINARY")
            throw new RecordingFormatException($"{name}: {dataFormat} data are not supported; only BINARY BrainVision data are read.");
        string format = Required(ini, "Binary Infos", "BinaryFormat", name);
        if (format is not ("INT_16" or "INT_32" or "IEEE_FLOAT_32"))
            throw new RecordingFormatException($"{name}: binary format '{format}' is not supported (INT_16, INT_32 or IEEE_FLOAT_32).");
        string dataFile = Required(ini, common, "DataFile", name);
        string markerFile = Required(ini, common, "MarkerFile", name);
        double count = Number(ini, common, "NumberOfChannels", name);
        if (count < 1 || count > bytes.Length || count != Math.Floor(count))
            throw new RecordingFormatException($"{name}: NumberOfChannels {count} does not fit the header.");
        int n = (int)count;

        var names = new string?[n];
        var factors = new double[n];
        var kinds = new FifChannelKind[n];
        var keyToIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in ini.Items("Channel Infos"))
        {
            int index = ChannelIndex(key, n, name);
            var props = value.Split(',').ToList();
            if (props.Count < 3) throw new RecordingFormatException($"{name}: [Channel Infos] entry '{key}' is not 'name,reference,resolution[,unit]'.");
            if (props.Count < 4) props.Add("µV");
            else if (props[3].Length == 0) props[3] = "µV";
            string channel = props[0].Replace(@"\1", ",", StringComparison.Ordinal);
            string resolutionText = props[2], unit = props[3].Replace("\u00c2", "", StringComparison.Ordinal);
            double resolution = resolutionText.Length == 0 ? (unit.Length == 0 ? 1e-6 : 1) : ParseDouble(resolutionText, $"resolution of {key}", name);
            names[index] = channel;
            keyToIndex[key] = index;
            factors[index] = resolution * UnitFactors.GetValueOrDefault(unit, 1);
            kinds[index] = VoltageUnits.Contains(unit) ? FifChannelKind.Eeg : FifChannelKind.Misc;
        }
        int missing = Array.IndexOf(names, null);
        if (missing >= 0) throw new RecordingFormatException($"{name}: channel {missing + 1} of {n} is missing from [Channel Infos].");

        var locations = Enumerable.Range(0, n).Select(_ => Enumerable.Repeat(float.NaN, 12).ToArray()).ToArray();
        foreach (var (key, value) in ini.Items("Coordinates"))
        {
            // By the entry's channel number, not by name: a later entry for the same number (found by fuzzing: "Ch1(")
            // may have renamed the channel, and a name search then found nothing.
            if (!keyToIndex.TryGetValue(key, out int index))
                throw new RecordingFormatException($"{name}: [Coordinates] names '{key}', which is not in [Channel Infos].");
            string channel = names[index]!;
            var parts = value.Split(',');
            if (parts.Length != 3) throw new RecordingFormatException($"{name}: coordinates of {key} are not 'radius,theta,phi'.");
            double radius = ParseDouble(parts[0], $"radius of {key}", name);
            double polar = ParseDouble(parts[1], $"theta of {key}", name) * Math.PI / 180;
            double azimuth = ParseDouble(parts[2], $"phi of {key}", name) * Math.PI / 180;
            if (radius == 1) radius *= IdealisedHeadRadiusMm;
            double z = radius * Math.Cos(polar), xy = radius * Math.Sin(polar);
            double x = xy * Math.Cos(azimuth), y = xy * Math.Sin(azimuth);
            // A channel at the origin has no position: MNE makes it misc (unless it is already EOG or misc).
            if (x == 0 && y == 0 && z == 0 && !EogNames.Contains(channel) && kinds[index] != FifChannelKind.Misc)
            {
                kinds[index] = FifChannelKind.Misc;
                warnings.Add($"channel {channel} has no coordinates (0, 0, 0) and is treated as misc.");
            }
            locations[index][0] = (float)(x / 1e3);
            locations[index][1] = (float)(y / 1e3);
            locations[index][2] = (float)(z / 1e3);
        }

        var channels = new BrainVisionChannel[n];
        for (int i = 0; i < n; i++)
        {
            var kind = EogNames.Contains(names[i]!) ? FifChannelKind.Eog
                : kinds[i] == FifChannelKind.Misc ? FifChannelKind.Misc
                : names[i] == "STI 014" ? FifChannelKind.Stim
                : FifChannelKind.Eeg;
            channels[i] = new BrainVisionChannel(names[i]!, kind, factors[i], locations[i]);
        }
        return new BrainVisionHeader(1e6 / interval, orientation == "VECTORIZED", format, dataFile, markerFile, channels);
    }

    private static int ChannelIndex(string key, int count, string name)
    {
        var match = ChannelKey().Match(key);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1 || number > count)
            throw new RecordingFormatException($"{name}: [Channel Infos] entry '{key}' is not a channel 1..{count}.");
        return number - 1;
    }

    [GeneratedRegex(@"ch(\d+)")]
    private static partial Regex ChannelKey();

    private static string Required(IniText ini, string section, string key, string name) =>
        ini.Get(section, key) ?? throw new RecordingFormatException($"{name}: the header has no {key} in [{section}].");

    private static double Number(IniText ini, string section, string key, string name) =>
        ParseDouble(Required(ini, section, key, name), key, name);

    private static double ParseDouble(string text, string what, string name) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new RecordingFormatException($"{name}: the {what} is not a number ('{Shorten(text)}').");

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
