using Zuna.Engine.Fif;

namespace Zuna.Engine.Outputs;

/// <summary>The channel records of an output FIF: EEG electrodes in volts at their head-frame positions (metres).</summary>
internal static class EegChannelList
{
    private const int CoilEeg = 1, UnitVolt = 107;

    /// <summary>FIFFV_COORD_HEAD: the frame every written position is in.</summary>
    public const int CoordHead = 4;

    /// <param name="positions">[C, 3] metres.</param>
    public static List<FifChannel> Create(IReadOnlyList<string> names, float[] positions) =>
        Create(names, ch => [positions[ch * 3], positions[ch * 3 + 1], positions[ch * 3 + 2], 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    /// <param name="location">The 12 FIFF loc values of channel <c>ch</c> (position first, head frame).</param>
    public static List<FifChannel> Create(IReadOnlyList<string> names, Func<int, float[]> location) =>
        [.. Enumerable.Range(0, names.Count).Select(ch => new FifChannel(
            Name: names[ch], ScanNumber: ch + 1, LogicalNumber: ch + 1, Kind: (int)FifChannelKind.Eeg,
            Range: 1f, Cal: 1f, CoilType: CoilEeg, Location: location(ch),
            Unit: UnitVolt, UnitMultiplier: 0, CoordFrame: CoordHead))];
}
