using System.Text.Json;
using Zuna.Api.Tests.TestSupport;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Formats;

/// <summary>One data/formats/reference/*.ref.npz (MNE 1.3's reading and ZUNA chain of one corpus file), loaded once.</summary>
public sealed class FormatCase
{
    private static readonly Dictionary<string, FormatCase> Cache = [];

    public required string Name { get; init; }
    public required Dictionary<string, NpyArray> Arrays { get; init; }
    public required JsonElement Meta { get; init; }

    public static FormatCase Load(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var c)) return c;
            var arrays = Npz.Load(SharedData.Path($"data/formats/reference/{name}.ref.npz"));
            c = new FormatCase { Name = name, Arrays = arrays, Meta = JsonDocument.Parse(arrays["meta"].Strings![0]).RootElement.Clone() };
            Cache[name] = c;
            return c;
        }
    }

    /// <summary>Reference names of one format ("edf", "bdf", …), from the files present.</summary>
    public static IEnumerable<object[]> Of(params string[] formats) =>
        Directory.GetFiles(SharedData.Path("data/formats/reference"), "*.ref.npz")
            .Select(f => Path.GetFileName(f)[..^".ref.npz".Length])
            .Where(n => formats.Any(f => n.StartsWith(f + "__", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n });

    public string InputPath => SharedData.Path("data/formats/" + Meta.GetProperty("input").GetString());
    public double SampleRate => Arrays["sfreq_in"].Values[0];
    public string[] RawNames => Arrays["raw_ch_names"].Strings!;
    public string[] RawTypes => Arrays["raw_ch_types"].Strings!;
    public bool HasChainOutput => Arrays.ContainsKey("epochs");

    /// <summary>The recording as our registry reads it from disk.</summary>
    public RecordingContent Read()
    {
        var source = RecordingSource.FromFile(InputPath);
        return RecordingLoader.Default.Detect(source).Read(source);
    }

    public RawRecording ReadRaw() => Assert.IsType<RecordingContent.Continuous>(Read()).Recording;

    public static string TypeName(FifChannel channel) => (FifChannelKind)channel.Kind switch
    {
        FifChannelKind.Eeg => "eeg",
        FifChannelKind.Stim => "stim",
        FifChannelKind.Eog => "eog",
        FifChannelKind.Ecg => "ecg",
        FifChannelKind.Misc => "misc",
        FifChannelKind.Emg => "emg",
        _ => ((FifChannelKind)channel.Kind).ToString().ToLowerInvariant(),
    };
}
