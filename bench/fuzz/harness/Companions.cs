using System.Text;

namespace Zuna.Fuzz;

/// <summary>
/// Fixed companion files for formats whose main file names others: a BrainVision header is fuzzed as a single file
/// with a generated data file <c>fuzz.eeg</c> and marker file <c>fuzz.vmrk</c> beside it (the seeds name those); an
/// EEGLAB .set with a generated <c>fuzz.fdt</c>; a .npy array with its <c>fuzz.json</c> sidecar.
/// </summary>
public sealed class Companions
{
    private readonly IReadOnlyDictionary<string, byte[]> _files;

    private Companions(IReadOnlyDictionary<string, byte[]> files) => _files = files;

    public bool IsEmpty => _files.Count == 0;

    public long TotalBytes => _files.Values.Sum(f => (long)f.Length);

    public IReadOnlyDictionary<string, Stream> Open() =>
        _files.ToDictionary(f => f.Key, f => (Stream)new MemoryStream(f.Value, writable: false));

    public static Companions For(string extension) => extension switch
    {
        ".vhdr" => new Companions(new Dictionary<string, byte[]> { ["fuzz.eeg"] = DataFile(), ["fuzz.vmrk"] = Encoding.ASCII.GetBytes(MarkerFile) }),
        // EEGLAB: the .fdt a .set names is looked for by that name, then by the .set's own stem (fuzz.fdt).
        ".set" => new Companions(new Dictionary<string, byte[]> { ["fuzz.fdt"] = FdtFile() }),
        // .npy: channel names, rate and units come from the sidecar named after it.
        ".npy" => new Companions(new Dictionary<string, byte[]> { ["fuzz.json"] = Encoding.UTF8.GetBytes(NpySidecar) }),
        _ => new Companions(new Dictionary<string, byte[]>()),
    };

    /// <summary>10,240 bytes of float32 µV: 4 channels × 640 samples, the size the small seeds' headers name (set_seeds.py).</summary>
    private static byte[] FdtFile()
    {
        var values = new float[4 * 640];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(20 * Math.Sin(i * 0.013) + i % 4);
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    public const string NpySidecar = """{"channel_names": ["Fp1", "Fp2", "Cz", "Pz"], "sfreq": 256, "units": "uV"}""";

    /// <summary>4,800 bytes: a whole number of samples for 1–24 channels of 2 or 4 bytes (a slow ramp, no NaN as float32).</summary>
    private static byte[] DataFile()
    {
        var bytes = new byte[4800];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)((i % 2 == 0) ? i / 2 % 64 : 0);
        return bytes;
    }

    private const string MarkerFile =
        "Brain Vision Data Exchange Marker File, Version 1.0\r\n[Common Infos]\r\nCodepage=UTF-8\r\nDataFile=fuzz.eeg\r\n" +
        "[Marker Infos]\r\nMk1=New Segment,,1,1,0,20200102030405678901\r\nMk2=Stimulus,S  1,10,1,0\r\nMk3=Comment,note,20,5,0\r\n";
}
