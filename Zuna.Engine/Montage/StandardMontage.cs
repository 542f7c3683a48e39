using System.Globalization;

namespace Zuna.Engine.Montage;

/// <summary>An electrode position in metres.</summary>
public readonly record struct Position3(double X, double Y, double Z);

/// <summary>One electrode of a standard montage, in the montage's own frame and in MNE's head frame.</summary>
public sealed record MontageElectrode(string Name, Position3 Mri, Position3 Head);

/// <summary>
/// MNE's standard_1005 montage (343 electrodes), shipped as the embedded standard_1005.tsv generated once from
/// <c>mne.channels.make_standard_montage('standard_1005')</c> by bench/preprocess/make_standard_1005.py.
/// <see cref="MontageElectrode.Mri"/> is the montage's own 'mri' (fsaverage) frame, what ZUNA uses for channels it
/// adds; <see cref="MontageElectrode.Head"/> is what <c>raw.set_montage</c> stores (fiducial-based head frame).
/// Names match case-insensitively with spaces removed, as ZUNA matches channel names.
/// </summary>
public sealed class StandardMontage
{
    private const string ResourceSuffix = "standard_1005.tsv";
    private static readonly Lazy<StandardMontage> Instance = new(Load);

    private readonly Dictionary<string, MontageElectrode> _byKey;

    public static StandardMontage Standard1005 => Instance.Value;

    /// <summary>All electrodes in the montage's order.</summary>
    public IReadOnlyList<MontageElectrode> Electrodes { get; }

    /// <summary>The header line naming where the table came from.</summary>
    public string SourceNote { get; }

    private StandardMontage(List<MontageElectrode> electrodes, string sourceNote)
    {
        Electrodes = electrodes;
        SourceNote = sourceNote;
        _byKey = new Dictionary<string, MontageElectrode>(StringComparer.Ordinal);
        foreach (var e in electrodes) _byKey.TryAdd(Key(e.Name), e);
    }

    /// <summary>The matching key: lower case, spaces removed.</summary>
    public static string Key(string name) => name.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    public bool TryGet(string name, out MontageElectrode electrode) => _byKey.TryGetValue(Key(name), out electrode!);

    public MontageElectrode? Find(string name) => TryGet(name, out var e) ? e : null;

    /// <summary>Head-frame position (what a recording gets from raw.set_montage), or null for an unknown name.</summary>
    public Position3? HeadPosition(string name) => TryGet(name, out var e) ? e.Head : null;

    private static StandardMontage Load()
    {
        var assembly = typeof(StandardMontage).Assembly;
        string resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(ResourceSuffix, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    internal static StandardMontage Parse(TextReader reader)
    {
        var electrodes = new List<MontageElectrode>();
        string sourceNote = "";
        bool headerSeen = false;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length == 0) continue;
            if (line.StartsWith('#')) { sourceNote = line.TrimStart('#', ' '); continue; }
            string[] f = line.Split('\t');
            if (!headerSeen) { headerSeen = true; continue; } // column names
            if (f.Length != 7) throw new InvalidDataException($"montage table: expected 7 columns, got {f.Length} in '{line}'");
            double D(int i) => double.Parse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            electrodes.Add(new MontageElectrode(f[0], new Position3(D(1), D(2), D(3)), new Position3(D(4), D(5), D(6))));
        }
        return new StandardMontage(electrodes, sourceNote);
    }
}
