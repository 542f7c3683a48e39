using System.Buffers.Binary;
using Zuna.Engine.Fif;
using Zuna.Engine.Signal;

namespace Zuna.Engine.Input.Edf;

/// <summary>
/// The data records of an EDF/BDF file → volts per channel, MNE 1.3's way (<c>_get_info</c> + <c>_read_segment_file</c>):
/// value = (digital × cal + offset) × unit with cal = physical range / digital range; `status`/`trigger` (any case) are
/// stim channels, masked to their low 17 bits (BDF: raw 24-bit integers); signals slower than the fastest non-stim one
/// are upsampled record by record (FFT, no padding) or, for stim, held; the annotation signal becomes annotations.
/// EDF+D gaps are ignored, as MNE does: records are joined as if continuous. Memory is bounded by the file size. Volts are kept in double (as MNE does) besides the float copy.
/// </summary>
internal static class EdfData
{
    /// <summary>MNE reads about 10 MB of records at a time; the order of annotation bytes depends on it when there are several annotation signals.</summary>
    private const long ChunkBytes = 10 * 1024 * 1024;

    /// <summary>Upsampled output may exceed the stored samples by this factor (plus a fixed slack) before we refuse it.</summary>
    private const long MaxGrowth = 16;

    private const int StimMask = (1 << 17) - 1;

    public static RawRecording Read(Stream stream, EdfHeader header, string name)
    {
        var warnings = new List<string>();
        var signals = header.Signals;
        int[] selected = Enumerable.Range(0, signals.Count).Where(i => !signals[i].IsAnnotations).ToArray();
        int[] annotationSignals = Enumerable.Range(0, signals.Count).Where(i => signals[i].IsAnnotations).ToArray();
        if (selected.Length == 0) throw new RecordingFormatException($"{name}: the file holds annotations only, no signals.");
        if (header.RecordCount != header.RecordCountInHeader)
            warnings.Add($"the header says {header.RecordCountInHeader} data records but the file size holds {header.RecordCount}; read {header.RecordCount}.");
        if (header.RecordCount == 0) throw new RecordingFormatException($"{name}: the file holds no complete data record.");

        string[] names = ChannelNames.MakeUnique(selected.Select(i => signals[i].Label).ToList(), warnings);
        var stim = StimChannels(names);
        int[] samplesPer = selected.Select(i => signals[i].SamplesPerRecord).ToArray();
        int[] rateSource = Enumerable.Range(0, selected.Length).Where(c => !stim.Contains(c)).ToArray();
        if (rateSource.Length == 0) rateSource = Enumerable.Range(0, selected.Length).ToArray();
        int maxSamples = rateSource.Max(c => samplesPer[c]);
        double sampleRate = maxSamples / header.RecordDuration;

        long records = header.RecordCount;
        long stored = records * header.SamplesPerRecord;
        long perChannel = records * maxSamples;
        if (perChannel > Array.MaxLength || perChannel * selected.Length > MaxGrowth * stored + (1L << 24))
            throw new RecordingFormatException($"{name}: {selected.Length} channels × {perChannel} samples is far more than the {stored} samples the file stores.");

        var scaling = selected.Select((s, c) => Scaling.For(signals[s], stim.Contains(c), header.IsBdf)).ToArray();
        var data = new double[selected.Length][];
        for (int c = 0; c < data.Length; c++) data[c] = new double[perChannel];
        long[] offsets = new long[signals.Count + 1];
        for (int i = 0; i < signals.Count; i++) offsets[i + 1] = offsets[i] + signals[i].SamplesPerRecord;

        int bps = header.BytesPerSample;
        long recordBytes = header.SamplesPerRecord * bps;
        long perChunk = Math.Max(ChunkBytes / recordBytes, 1);
        var buffer = new byte[Math.Min(perChunk, records) * recordBytes];
        var annotationBytes = new MemoryStream();
        using var scratch = new SignalScratch();
        var record = new double[samplesPer.Max()];
        stream.Position = header.HeaderBytes;
        for (long first = 0; first < records; first += perChunk)
        {
            int count = (int)Math.Min(perChunk, records - first);
            var chunk = buffer.AsSpan(0, (int)(count * recordBytes));
            stream.ReadExactly(chunk);
            foreach (int a in annotationSignals)
                for (int r = 0; r < count; r++)
                    annotationBytes.Write(chunk.Slice((int)((r * header.SamplesPerRecord + offsets[a]) * bps), signals[a].SamplesPerRecord * bps));
            for (int c = 0; c < selected.Length; c++)
            {
                int s = selected[c], n = samplesPer[c];
                bool upsample = n != maxSamples && !stim.Contains(c);
                // A slower signal's records are gathered and upsampled together: one batched transform per chunk,
                // not one per record (thousands of short transforms in an hour of 1-s records).
                double[] rows = upsample ? scratch.Get(SignalScratch.EdfRecords, count * n) : [];
                for (int r = 0; r < count; r++)
                {
                    var raw = chunk.Slice((int)((r * header.SamplesPerRecord + offsets[s]) * bps), n * bps);
                    var values = upsample ? rows.AsSpan(r * n, n) : record.AsSpan(0, n);
                    Decode(raw, header.IsBdf, values);
                    scaling[c].Apply(values);
                    if (upsample) continue;
                    var target = data[c].AsSpan((int)((first + r) * maxSamples), maxSamples);
                    if (n == maxSamples)
                    {
                        if (stim.Contains(c)) Mask(values);
                        values.CopyTo(target);
                    }
                    else HoldZeroOrder(values, target);
                }
                if (upsample)
                    FftResampler.ResampleRowsUnpadded(rows.AsSpan(0, count * n), count, maxSamples,
                        data[c].AsSpan((int)(first * maxSamples), count * maxSamples), scratch);
            }
        }

        var channels = names.Select((n, c) => ReadChannels.Create(n, c, stim.Contains(c) ? FifChannelKind.Stim : FifChannelKind.Eeg)).ToList();
        var annotations = annotationSignals.Length == 0 ? [] : EdfAnnotationList.Parse(annotationBytes.ToArray(), warnings);
        return new RawRecording
        {
            Channels = channels,
            SampleRate = sampleRate,
            SampleCount = (int)perChannel,
            Data = ReadChannels.ToFloat(data),
            DoubleData = data,
            Annotations = AnnotationRange.Crop(annotations, (int)perChannel, sampleRate, warnings),
            MeasurementDate = header.StartDate,
            Source = name,
            OriginalFormat = "int",
            LowPass = sampleRate / 2,
            Warnings = warnings,
        };
    }

    /// <summary>MNE's stim_channel='auto': the first channel named `status` and the first named `trigger`, case-insensitively.</summary>
    private static HashSet<int> StimChannels(string[] names)
    {
        var lower = names.Select(n => n.ToLowerInvariant()).ToList();
        return new[] { "status", "trigger" }.Select(n => lower.IndexOf(n)).Where(i => i >= 0).ToHashSet();
    }

    private static void Decode(ReadOnlySpan<byte> raw, bool bdf, Span<double> values)
    {
        if (bdf)
        {
            for (int k = 0; k < values.Length; k++)
            {
                int v = raw[3 * k] | (raw[3 * k + 1] << 8) | (raw[3 * k + 2] << 16);
                values[k] = v >= 1 << 23 ? v - (1 << 24) : v;
            }
        }
        else
        {
            for (int k = 0; k < values.Length; k++) values[k] = BinaryPrimitives.ReadInt16LittleEndian(raw.Slice(2 * k, 2));
        }
    }

    /// <summary>numpy's astype(int) (truncation) then &amp; (2**17 − 1): BioSemi's high status bits vanish.</summary>
    private static void Mask(Span<double> values)
    {
        for (int k = 0; k < values.Length; k++)
            values[k] = double.IsFinite(values[k]) ? (long)values[k] & StimMask : 0;
    }

    /// <summary>
    /// scipy's interp1d(kind='zero') from linspace(0, 1, n + 1) onto linspace(0, 1, m, endpoint=False), with numpy's
    /// own arithmetic (i·(1/n), j·(1/m)) so that ties fall the same way.
    /// </summary>
    private static void HoldZeroOrder(ReadOnlySpan<double> values, Span<double> target)
    {
        int n = values.Length, m = target.Length;
        double oldStep = 1.0 / n, newStep = 1.0 / m;
        int i = 0;
        for (int j = 0; j < m; j++)
        {
            double t = j * newStep;
            while (i + 1 < n && (i + 1) * oldStep <= t) i++;
            target[j] = values[i];
        }
    }

    /// <summary>Per-signal calibration exactly as MNE computes it, with its fallbacks for undefined ranges.</summary>
    private readonly record struct Scaling(double Cal, double Offset, double Unit)
    {
        public static Scaling For(EdfSignal s, bool stim, bool bdf)
        {
            double digitalRange = s.DigitalMax - s.DigitalMin;
            if (!double.IsFinite(digitalRange) || digitalRange == 0) digitalRange = 1;
            double physicalRange = s.PhysicalMax - s.PhysicalMin;
            if (physicalRange == 0) physicalRange = 1;
            double cal = physicalRange / digitalRange;
            double offset = s.PhysicalMin - s.DigitalMin * cal;
            if (stim) return bdf ? new Scaling(1, 0, 1) : new Scaling(cal, offset, 1);
            return new Scaling(cal, offset, UnitFactor(s.Unit));
        }

        /// <summary>µV in its three spellings (Greek mu, micro sign, Shift-JIS mu read as latin-1) and uV; mV; anything else 1.</summary>
        private static double UnitFactor(string unit) => unit switch
        {
            "\u03BCV" or "\u00B5V" or "\u0083\u00CAV" or "uV" => 1e-6,
            "mV" => 1e-3,
            _ => 1,
        };

        public void Apply(Span<double> values)
        {
            for (int k = 0; k < values.Length; k++) values[k] = (values[k] * Cal + Offset) * Unit;
        }
    }
}
