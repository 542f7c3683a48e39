using Zuna.Engine;
using Zuna.Engine.Input;

namespace Zuna.Fuzz;

/// <summary>
/// One reader of <see cref="RecordingLoader.Default"/>, chosen by name, fed through the registry's own door (unpack,
/// detect, read) under a file name with that reader's extension. Every input must load or fail with a typed
/// <see cref="ZunaInputException"/>; any other exception escapes and SharpFuzz reports it to libFuzzer as a crash.
/// </summary>
public sealed class FuzzTarget
{
    /// <summary>Allowed managed allocation per input: a fixed allowance plus this many bytes per input byte.</summary>
    public const long FixedAllocationBytes = 64L << 20;
    public const long AllocationBytesPerInputByte = 64;

    private readonly RecordingLoader _loader = RecordingLoader.Default;
    private readonly string _fileName;
    private readonly Companions _companions;

    private FuzzTarget(string fileName, Companions companions)
    {
        _fileName = fileName;
        _companions = companions;
    }

    /// <summary>
    /// The reader whose format name or one of whose extensions (without the dot) is <paramref name="name"/>, so a reader
    /// added to the registry is fuzzed by its name without code here.
    /// </summary>
    public static FuzzTarget For(string name)
    {
        string wanted = name.Trim().TrimStart('.').ToLowerInvariant();
        foreach (var reader in RecordingLoader.Default.Readers)
        {
            string? extension = reader.Extensions.FirstOrDefault(e => e.TrimStart('.') == wanted)
                ?? (reader.Format.Equals(name, StringComparison.OrdinalIgnoreCase) ? reader.Extensions[0] : null);
            if (extension is not null) return new FuzzTarget("fuzz" + extension, Companions.For(extension));
        }
        throw new ArgumentException($"no reader '{name}'; readers: " +
            string.Join("; ", RecordingLoader.Default.Readers.Select(r => $"{r.Format} ({string.Join(" ", r.Extensions)})")));
    }

    /// <summary>Why the last input was refused, or null when it was read (for the corpus timer).</summary>
    public string? LastRefusal { get; private set; }

    public void RunOne(ReadOnlySpan<byte> data)
    {
        LastRefusal = null;
        byte[] input = data.ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var source = _companions.IsEmpty
                ? RecordingSource.FromStream(new MemoryStream(input, writable: false), _fileName)
                : RecordingSource.FromParts(new MemoryStream(input, writable: false), _fileName, _companions.Open());
            source = _loader.Unpack(source);
            _loader.Detect(source).Read(source);
        }
        catch (ZunaInputException e)
        {
            LastRefusal = e.Message;   // the expected answer to a bad input
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = FixedAllocationBytes + (AllocationBytesPerInputByte * (input.Length + _companions.TotalBytes));
        if (allocated > bound)
            throw new AllocationBoundException($"{allocated:N0} bytes allocated for a {input.Length:N0}-byte input (bound {bound:N0})");
    }
}

/// <summary>An input made the reader allocate beyond the input-proportional bound: reported as a crash.</summary>
public sealed class AllocationBoundException(string message) : Exception(message);
