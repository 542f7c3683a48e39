using System.Collections.Concurrent;
using System.Text.Json;
using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// The reconstruct_fif cases of fixtures/zuna11 (fifA, fifB, fifC): the input FIF, the call's settings as
/// <see cref="RepairOptions"/>, the expected outputs and per-window intermediates of the original 1.1 code.
/// </summary>
public sealed class RepairFixture
{
    public static readonly string[] Cases = ["fifA", "fifB", "fifC"];
    public static string Directory => SharedData.Path("fixtures/zuna11");

    private static readonly Lazy<SafeTensorsFile> Golden = new(() => SafeTensorsFile.Open(Path.Combine(Directory, "cases.safetensors")));
    private static readonly Lazy<JsonElement> Cases_ = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "cases.json"))).RootElement.GetProperty("pipeline_cases"));
    private static readonly ConcurrentDictionary<string, RepairFixture> Cache = new();

    public string Name { get; }
    public JsonElement Meta { get; }
    public string InputPath { get; }
    public RepairOptions Options { get; }
    public List<string> Warnings { get; } = [];
    public PreparedRecording Prepared { get; }
    public RepairPlan Plan { get; }

    private RepairFixture(string name)
    {
        Name = name;
        Meta = Cases_.Value.GetProperty(name);
        InputPath = Path.Combine(Directory, Meta.GetProperty("input_file").GetString()!);
        Options = OptionsOf(Meta.GetProperty("reconstruct_fif_call"));
        Prepared = RepairPreparation.Prepare(FifReader.Read(InputPath), Options, Warnings);
        Plan = RepairPlan.Create(Prepared, Options);
    }

    public static RepairFixture Get(string name) => Cache.GetOrAdd(name, n => new RepairFixture(n));

    public static SafeTensorsFile Tensors => Golden.Value;
    public float[] F32(string tensor) => Golden.Value.ReadFloat32($"{Name}.{tensor}");
    public long[] I64(string tensor) => Golden.Value.ReadInt64($"{Name}.{tensor}");
    public byte[] U8(string tensor) => Golden.Value.Bytes($"{Name}.{tensor}").ToArray();
    public long[] Shape(string tensor) => Golden.Value.Entry($"{Name}.{tensor}").Shape;

    /// <summary>The fixture's model output per window in z-units (model_out is in model units, ×10).</summary>
    public Dictionary<int, float[]> ModelOutputs() => Plan.Windows.ToDictionary(w => w.Index, w => F32($"seg{w.Index}.model_out").Select(v => v * 10f).ToArray());

    /// <summary>The reconstruct_fif call of cases.json as our options (other settings are the original's defaults).</summary>
    private static RepairOptions OptionsOf(JsonElement call)
    {
        var options = new RepairOptions
        {
            SegmentSeconds = call.GetProperty("segment_sec").GetDouble(),
            HighPassHz = call.GetProperty("highpass_hz").GetDouble(),
            Sampler = new() { Steps = call.GetProperty("sample_steps").GetInt32(), Cfg = call.GetProperty("diffusion_cfg").GetSingle() },
        };
        if (call.TryGetProperty("repair_channels", out var repair))
            options = options with { RepairChannels = [.. repair.EnumerateArray().Select(e => e.GetString()!)] };
        if (call.TryGetProperty("bad_token_overlap", out var overlap))
            options = options with { BadTokenOverlap = overlap.GetDouble() };
        if (call.TryGetProperty("bad_segments", out var segments))
            options = options with
            {
                BadSegments = [.. segments.EnumerateArray().Select(s => new BadSegment(s[0].GetDouble(), s[1].GetDouble(), s.GetArrayLength() > 2 ? s[2].GetString() : null))],
            };
        if (call.TryGetProperty("target_channel_count", out var target))
            options = options with
            {
                Targets = target.ValueKind == JsonValueKind.Number
                    ? new TargetChannels([], target.GetInt32())
                    : new TargetChannels([.. target.EnumerateArray().Select(e => e.GetString()!)]),
            };
        return options;
    }
}
