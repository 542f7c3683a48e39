using Zuna.Engine.Inference;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Repair;

/// <summary>
/// Settings of the ZUNA1.1 repair pipeline (zuna.reconstruct_fif, docs/zuna11.md §5), with the original's defaults:
/// 5-s windows, 0.5 Hz high-pass, FIF BAD* annotations used, any overlap masks a token, 50 steps, cfg 1.
/// </summary>
public sealed record RepairOptions
{
    /// <summary>Longest window the 1.1 RoPE table takes: 256 tokens of 32 samples (32 s).</summary>
    public const int MaxWindowSamples = 8192;

    /// <summary>Window length in seconds; rounded down to whole 32-sample tokens (at least one), at most 32 s.</summary>
    public double SegmentSeconds { get; init; } = 5.0;
    /// <summary>High-pass cut-off in Hz (MNE firwin design); the original cannot switch it off, neither can we.</summary>
    public double HighPassHz { get; init; } = 0.5;
    /// <summary>Channels to repair over the whole recording (case-insensitive; names not in the recording are ignored with a warning).</summary>
    public IReadOnlyList<string> RepairChannels { get; init; } = [];
    /// <summary>Manual bad spans in seconds from the first sample, on all channels or one.</summary>
    public IReadOnlyList<BadSegment> BadSegments { get; init; } = [];
    /// <summary>A token is masked when more than this fraction of its 32 samples is bad (strictly greater; 0 = any overlap).</summary>
    public double BadTokenOverlap { get; init; }
    /// <summary>Whether annotations whose description starts with BAD (any case) mark cells to repair.</summary>
    public bool UseFifAnnotations { get; init; } = true;
    /// <summary>Whether the outputs get one ZUNA1.1_infilled annotation per repaired span.</summary>
    public bool AnnotateInfill { get; init; } = true;
    /// <summary>Electrodes to add (by total count: farthest from the recorded ones; or by name).</summary>
    public TargetChannels Targets { get; init; } = TargetChannels.None;
    /// <summary>Sampler steps and guidance (data_norm stays 10).</summary>
    public SamplerOptions Sampler { get; init; } = new();
    /// <summary>Seed of the per-window noise when no explicit noise is given: window k draws from (Seed, k).</summary>
    public long Seed { get; init; }

    /// <summary>Sample rate and units of a plain-array recording (CSV/TSV, .npy, safetensors array); an error for other formats.</summary>
    public Input.Arrays.ArrayOptions Arrays { get; init; } = Input.Arrays.ArrayOptions.None;

    public static RepairOptions Default { get; } = new();

    /// <summary>Window length in samples at 256 Hz: max(32, ⌊round(segment·256)/32⌋·32).</summary>
    public int WindowSamples => Math.Max(32, (int)(Math.Round(SegmentSeconds * 256, MidpointRounding.ToEven) / 32) * 32);

    /// <summary>Throws <see cref="InvalidOptionException"/> for values the pipeline cannot take.</summary>
    public void Validate()
    {
        if (!double.IsFinite(SegmentSeconds) || SegmentSeconds <= 0 || WindowSamples > MaxWindowSamples)
            throw new InvalidOptionException($"segment length must be more than 0 and at most 32 s (got {SegmentSeconds} s).");
        if (!double.IsFinite(HighPassHz) || HighPassHz <= 0 || HighPassHz >= 128)
            throw new InvalidOptionException($"high-pass cut-off must be between 0 and 128 Hz (got {HighPassHz}).");
        if (!double.IsFinite(BadTokenOverlap) || BadTokenOverlap < 0 || BadTokenOverlap >= 1)
            throw new InvalidOptionException($"bad token overlap must be in [0, 1) (got {BadTokenOverlap}).");
        if (Sampler.Steps < 1 || Sampler.Steps > 1000) throw new InvalidOptionException($"steps must be 1..1000 (got {Sampler.Steps}).");
        if (!float.IsFinite(Sampler.Cfg)) throw new InvalidOptionException($"cfg must be a finite number (got {Sampler.Cfg}).");
        foreach (var name in RepairChannels)
            if (string.IsNullOrWhiteSpace(name)) throw new InvalidOptionException("repair channel names must not be empty.");
    }
}
