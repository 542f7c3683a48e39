namespace Zuna.Engine.Fif;

/// <summary>The measurement header of one file (FIFFB_MEAS_INFO), spec §A4, §A5, §A7, §A12.</summary>
internal sealed record FifMeasInfo(
    FifNode Meas,
    List<FifChannel> Channels,
    double SampleRate,
    List<string> Bads,
    List<FifDigPoint> Dig,
    DateTimeOffset? MeasDate,
    double HighPass,
    double LowPass,
    double? LineFrequency);

internal static class FifMeasInfoReader
{
    /// <summary>Largest sampling rate accepted; anything above is treated as a corrupt header.</summary>
    public const double MaxSampleRate = 1_000_000;

    public static FifMeasInfo Read(FifSource src, FifNode root)
    {
        var measNodes = root.FindAll(FifConst.BlockMeas);
        if (measNodes.Count == 0) throw new FifFormatException($"{src.Name}: no measurement block (FIFFB_MEAS) found.");
        if (measNodes.Count > 1) throw new FifFormatException($"{src.Name}: more than one measurement block; MNE cannot read such files either.");
        var meas = measNodes[0];
        var infoNodes = meas.FindAll(FifConst.BlockMeasInfo);
        if (infoNodes.Count == 0) throw new FifFormatException($"{src.Name}: no measurement info block (FIFFB_MEAS_INFO) found.");
        if (infoNodes.Count > 1) throw new FifFormatException($"{src.Name}: more than one measurement info block.");
        var info = infoNodes[0];

        int? nchan = null;
        double? sfreq = null, lowpass = null, highpass = null, lineFreq = null;
        int[]? measDate = null;
        var channels = new List<FifChannel>();
        foreach (var tag in info.Entries)
        {
            switch (tag.Kind)
            {
                case FifConst.NChan: nchan = FifPayload.ReadInt(src, tag); break;
                case FifConst.SFreq: sfreq = FifPayload.ReadNumber(src, tag); break;
                case FifConst.ChInfo: channels.Add(FifPayload.ReadChannel(src, tag)); break;
                case FifConst.LowPass: { double v = FifPayload.ReadNumber(src, tag); if (!double.IsNaN(v)) lowpass = v; break; }
                case FifConst.HighPass: { double v = FifPayload.ReadNumber(src, tag); if (!double.IsNaN(v)) highpass = v; break; }
                case FifConst.LineFreq: { double v = FifPayload.ReadNumber(src, tag); if (!double.IsNaN(v)) lineFreq = v; break; }
                case FifConst.MeasDate: measDate = FifPayload.ReadInts(src, tag); break;
            }
        }
        if (nchan is null) throw new FifFormatException($"{src.Name}: the number of channels (FIFF_NCHAN) is missing.");
        if (sfreq is null) throw new FifFormatException($"{src.Name}: the sampling rate (FIFF_SFREQ) is missing.");
        if (nchan <= 0) throw new FifFormatException($"{src.Name}: invalid number of channels {nchan}.");
        if (channels.Count != nchan)
            throw new FifFormatException($"{src.Name}: FIFF_NCHAN says {nchan} channels but {channels.Count} channel descriptions (FIFF_CH_INFO) were found.");
        if (!(sfreq > 0 && sfreq <= MaxSampleRate))
            throw new FifFormatException($"{src.Name}: invalid sampling rate {sfreq} Hz.");

        var nameMap = ApplyExtendedChannelInfo(src, info, channels);
        for (int i = 0; i < channels.Count; i++)
            channels[i] = channels[i] with { CoordFrame = DefaultCoordFrame(channels[i].Kind) };

        MakeNamesUnique(channels);
        var names = new HashSet<string>(channels.Select(c => c.Name), StringComparer.Ordinal);
        var bads = new List<string>();
        foreach (var node in info.FindAll(FifConst.BlockMneBadChannels))
        {
            if (node.First(FifConst.MneChNameList) is not { } list) continue;
            bads = [.. SplitNameList(FifPayload.ReadString(src, list)).Select(n => nameMap.GetValueOrDefault(n, n))];
        }
        bads = [.. bads.Where(names.Contains)]; // MNE's clean_bads: names not in the channel list are dropped

        return new FifMeasInfo(meas, channels, sfreq.Value, bads, ReadDig(src, info),
            ResolveMeasDate(measDate, info, meas, root), highpass ?? 0.0, lowpass ?? sfreq.Value / 2.0, lineFreq);
    }

    /// <summary>MNE renames duplicate channel names on reading: every occurrence gets "-0", "-1", … (or "-a"… if taken).</summary>
    private static void MakeNamesUnique(List<FifChannel> channels)
    {
        var names = channels.Select(c => c.Name).ToList();
        var duplicates = names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        foreach (var stem in duplicates)
        {
            var indices = Enumerable.Range(0, names.Count).Where(i => names[i] == stem).ToList();
            for (int k = 0; k < indices.Count; k++)
            {
                var candidates = new[] { k.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    .Concat(Enumerable.Range('a', 26).Select(ch => ((char)ch).ToString()));
                string? chosen = candidates.Select(suffix => $"{stem}-{suffix}").FirstOrDefault(n => !names.Contains(n));
                names[indices[k]] = chosen ?? throw new FifFormatException($"duplicate channel name {stem} cannot be made unique");
            }
        }
        for (int i = 0; i < channels.Count; i++)
            if (channels[i].Name != names[i]) channels[i] = channels[i] with { Name = names[i] };
    }

    /// <summary>Colon-separated FIFF name list; a literal colon is written as {COLON}.</summary>
    public static IEnumerable<string> SplitNameList(string text) =>
        text.Length == 0 ? [] : text.Split(':').Select(s => s.Replace("{COLON}", ":", StringComparison.Ordinal));

    private static int DefaultCoordFrame(int kind) => kind switch
    {
        1 or 301 => FifConst.CoordDevice,
        2 or 902 or 802 or 803 or 1100 => FifConst.CoordHead,
        _ => FifConst.CoordUnknown,
    };

    /// <summary>FIFFB_CH_INFO blocks (one per channel) override struct fields, notably names longer than 15 characters.</summary>
    private static Dictionary<string, string> ApplyExtendedChannelInfo(FifSource src, FifNode info, List<FifChannel> channels)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var blocks = info.FindAll(FifConst.BlockChInfo);
        if (blocks.Count == 0) return map;
        if (blocks.Count != channels.Count)
            throw new FifFormatException($"{src.Name}: {blocks.Count} extended channel-info blocks for {channels.Count} channels.");
        for (int i = 0; i < channels.Count; i++)
        {
            var ch = channels[i];
            foreach (var tag in blocks[i].Entries)
            {
                ch = tag.Kind switch
                {
                    FifConst.ChDacqName => ch with { Name = FifPayload.ReadString(src, tag) },
                    FifConst.ChScanNo => ch with { ScanNumber = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChLogicalNo => ch with { LogicalNumber = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChKind => ch with { Kind = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChRange => ch with { Range = (float)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChCal => ch with { Cal = (float)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChCoilType => ch with { CoilType = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChUnit => ch with { Unit = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChUnitMul => ch with { UnitMultiplier = (int)FifPayload.ReadNumber(src, tag) },
                    FifConst.ChLoc => ch with { Location = ReadLoc(src, tag) },
                    _ => ch,
                };
            }
            if (ch.Name != channels[i].Name) map[channels[i].Name] = ch.Name;
            channels[i] = ch;
        }
        return map;
    }

    private static float[] ReadLoc(FifSource src, FifTagEntry tag)
    {
        var v = FifPayload.ReadReals(src, tag);
        var loc = new float[12];
        for (int i = 0; i < Math.Min(12, v.Length); i++) loc[i] = (float)v[i];
        return loc;
    }

    private static List<FifDigPoint> ReadDig(FifSource src, FifNode info)
    {
        var isotrak = info.FindAll(FifConst.BlockIsotrak);
        if (isotrak.Count == 0) return [];
        var node = isotrak[0];
        int frame = FifConst.CoordHead;
        if (node.First(FifConst.MneCoordFrame) is { } f) frame = FifPayload.ReadInt(src, f);
        return [.. node.Entries.Where(e => e.Kind == FifConst.DigPoint).Select(e => FifPayload.ReadDigPoint(src, e, frame))];
    }

    /// <summary>FIFF_MEAS_DATE, else the first id in MNE's fallback order (spec §A7); (0, 2^31−1) means none.</summary>
    private static DateTimeOffset? ResolveMeasDate(int[]? measDate, FifNode info, FifNode meas, FifNode root)
    {
        (long secs, long usecs)? date = null;
        if (measDate is { Length: >= 1 }) date = (measDate[0], measDate.Length > 1 ? measDate[1] : 0);
        else
        {
            var id = info.ParentId ?? info.Id ?? meas.Id ?? meas.ParentId ?? root.Id;
            if (id is { } i) date = (i.Seconds, i.Microseconds);
        }
        if (date is not { } d || (d.secs == FifConst.DateNoneSecs && d.usecs == FifConst.DateNoneUsecs)) return null;
        // Fractional microseconds cannot exist; out-of-range values come from corrupt ids and are treated as "no date".
        if (d.usecs < 0 || d.usecs >= 1_000_000) return null;
        return DateTimeOffset.UnixEpoch.AddSeconds(d.secs).AddTicks(d.usecs * 10);
    }
}
