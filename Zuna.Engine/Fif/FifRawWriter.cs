using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Zuna.Engine.Fif;

/// <summary>What goes into the FIF header of a written recording. Data are written in volts (range = cal = 1).</summary>
public sealed record FifWriteHeader(IReadOnlyList<FifChannel> Channels, double SampleRate)
{
    public long FirstSample { get; init; }
    public DateTimeOffset? MeasurementDate { get; init; }
    public IReadOnlyList<string> BadChannels { get; init; } = [];
    /// <summary>Onsets in seconds from the first written sample (the reader's convention).</summary>
    public IReadOnlyList<FifAnnotation> Annotations { get; init; } = [];
    /// <summary>Digitiser points to store; when empty, one EEG point per positioned EEG channel is written so MNE's get_montage() works.</summary>
    public IReadOnlyList<FifDigPoint> DigPoints { get; init; } = [];
    public double HighPass { get; init; }
    /// <summary>0 or NaN means "unknown": sfreq / 2 is written, as MNE assumes.</summary>
    public double LowPass { get; init; }
    public double? LineFrequency { get; init; }
    /// <summary>True when the data were re-referenced (e.g. average reference): MNE's info["custom_ref_applied"], FIFF_MNE_CUSTOM_REF.</summary>
    public bool CustomReferenceApplied { get; init; }
    /// <summary>Length of each FIFF_DATA_BUFFER (MNE's buffer_size_sec, default 1 s).</summary>
    public double BufferSeconds { get; init; } = 1.0;

    public static FifWriteHeader From(RawRecording r) => new(r.Channels, r.SampleRate)
    {
        FirstSample = r.FirstSample, MeasurementDate = r.MeasurementDate, BadChannels = r.BadChannels,
        Annotations = r.Annotations, DigPoints = r.DigPoints, HighPass = r.HighPass, LowPass = r.LowPass,
        LineFrequency = r.LineFrequency, CustomReferenceApplied = r.CustomReferenceApplied,
    };
}

/// <summary>
/// Streams a continuous recording to a FIF file that MNE-Python reads with read_raw_fif: the header first, then
/// float32 data buffers of <see cref="FifWriteHeader.BufferSeconds"/> as samples are appended, then the closing tags.
/// Holds one buffer in memory, so an hour of 64-channel data can be produced chunk by chunk. The stream is not disposed.
/// </summary>
public sealed class FifRawWriter
{
    private const int MaxBufferBytes = 16 << 20;
    private readonly Stream _stream;
    private readonly int _nchan;
    private readonly FifTagWriter _tags = new();
    private readonly byte[] _dataTag;        // 16-byte tag header + row-major float32 payload of one buffer
    private readonly int _bufferSamples;
    private int _filled;                     // samples staged in _dataTag
    private bool _completed;

    public FifRawWriter(Stream stream, FifWriteHeader header)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        Validate(header);
        _stream = stream;
        _nchan = header.Channels.Count;
        long perBuffer = (long)Math.Ceiling(header.BufferSeconds * header.SampleRate);
        _bufferSamples = (int)Math.Clamp(perBuffer, 1, MaxBufferBytes / (4L * _nchan));
        _dataTag = new byte[FifConst.TagHeaderSize + 4L * _nchan * _bufferSamples];
        WriteHeader(header);
    }

    /// <summary>Samples written so far (including staged ones).</summary>
    public long SamplesWritten { get; private set; }

    /// <summary>Appends samples [start, start + count) of every channel (data[channel][sample], volts).</summary>
    public void Append(float[][] data, int start, int count)
    {
        CheckAppend(data, start, count);
        if (_tags.Length > 0) { _stream.Write(_tags.Pending.Span); _tags.Clear(); }
        while (count > 0)
        {
            int n = Stage(data, start, count);
            start += n; count -= n;
            if (_filled == _bufferSamples) _stream.Write(SealBuffer());
        }
    }

    public async ValueTask AppendAsync(float[][] data, int start, int count, CancellationToken cancellationToken = default)
    {
        CheckAppend(data, start, count);
        if (_tags.Length > 0) { await _stream.WriteAsync(_tags.Pending, cancellationToken).ConfigureAwait(false); _tags.Clear(); }
        while (count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Stage(data, start, count);
            start += n; count -= n;
            if (_filled == _bufferSamples) await _stream.WriteAsync(SealBufferMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the last partial buffer and the closing tags.</summary>
    public void Complete()
    {
        if (_completed) return;
        if (_tags.Length > 0) { _stream.Write(_tags.Pending.Span); _tags.Clear(); }
        if (_filled > 0) _stream.Write(SealBuffer());
        WriteTrailer();
        _stream.Write(_tags.Pending.Span);
        _tags.Clear();
        _stream.Flush();
        _completed = true;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed) return;
        if (_tags.Length > 0) { await _stream.WriteAsync(_tags.Pending, cancellationToken).ConfigureAwait(false); _tags.Clear(); }
        if (_filled > 0) await _stream.WriteAsync(SealBufferMemory(), cancellationToken).ConfigureAwait(false);
        WriteTrailer();
        await _stream.WriteAsync(_tags.Pending, cancellationToken).ConfigureAwait(false);
        _tags.Clear();
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    private void CheckAppend(float[][] data, int start, int count)
    {
        if (_completed) throw new InvalidOperationException("The FIF file was already completed.");
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != _nchan) throw new ArgumentException($"expected {_nchan} channel arrays, got {data.Length}", nameof(data));
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        foreach (var ch in data)
            if (ch is null || (long)start + count > ch.Length) throw new ArgumentException("a channel array is shorter than start + count", nameof(data));
    }

    /// <summary>Copies up to one buffer's worth of samples into the row-major staging payload (native floats, swapped when sealed).</summary>
    private int Stage(float[][] data, int start, int count)
    {
        int n = Math.Min(count, _bufferSamples - _filled);
        var payload = MemoryMarshal.Cast<byte, float>(_dataTag.AsSpan(FifConst.TagHeaderSize));
        for (int c = 0; c < _nchan; c++)
        {
            var src = data[c].AsSpan(start, n);
            for (int s = 0, i = _filled * _nchan + c; s < n; s++, i += _nchan) payload[i] = src[s];
        }
        _filled += n;
        SamplesWritten += n;
        return n;
    }

    private ReadOnlySpan<byte> SealBuffer() => SealBufferMemory().Span;

    /// <summary>Turns the staged samples into one big-endian FIFF_DATA_BUFFER tag and resets the staging area.</summary>
    private ReadOnlyMemory<byte> SealBufferMemory()
    {
        int payloadBytes = 4 * _nchan * _filled;
        var h = _dataTag.AsSpan(0, FifConst.TagHeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(h, FifConst.DataBuffer);
        BinaryPrimitives.WriteInt32BigEndian(h[4..], FifConst.TypeFloat);
        BinaryPrimitives.WriteInt32BigEndian(h[8..], payloadBytes);
        BinaryPrimitives.WriteInt32BigEndian(h[12..], 0);
        if (BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<byte, int>(_dataTag.AsSpan(FifConst.TagHeaderSize, payloadBytes));
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        _filled = 0;
        return _dataTag.AsMemory(0, FifConst.TagHeaderSize + payloadBytes);
    }

    private static void Validate(FifWriteHeader h)
    {
        if (h.Channels.Count == 0) throw new ArgumentException("a FIF recording needs at least one channel");
        if (!(h.SampleRate > 0 && h.SampleRate <= FifMeasInfoReader.MaxSampleRate)) throw new ArgumentException($"invalid sampling rate {h.SampleRate}");
        if (h.FirstSample is < 0 or > int.MaxValue) throw new ArgumentException($"first sample {h.FirstSample} does not fit FIFF_FIRST_SAMPLE");
        if (!(h.BufferSeconds > 0)) throw new ArgumentException("BufferSeconds must be positive");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ch in h.Channels)
            if (!names.Add(ch.Name)) throw new ArgumentException($"duplicate channel name '{ch.Name}'");
    }

    private void WriteHeader(FifWriteHeader h)
    {
        var id = NewId();
        _tags.Id(FifConst.FileId, id);
        _tags.Int(FifConst.DirPointer, -1);
        _tags.Int(FifConst.FreeList, -1);
        _tags.StartBlock(FifConst.BlockMeas);
        _tags.Id(FifConst.BlockId, id);
        WriteMeasInfo(h);
        WriteAnnotations(h);
        _tags.StartBlock(FifConst.BlockRawData);
        if (h.FirstSample != 0) _tags.Int(FifConst.FirstSample, (int)h.FirstSample);
    }

    private void WriteTrailer()
    {
        _tags.EndBlock(FifConst.BlockRawData);
        _tags.EndBlock(FifConst.BlockMeas);
        _tags.BeginTag(FifConst.Nop, FifConst.TypeVoid, 0, next: -1);
    }

    private void WriteMeasInfo(FifWriteHeader h)
    {
        _tags.StartBlock(FifConst.BlockMeasInfo);
        var dig = h.DigPoints.Count > 0 ? h.DigPoints : SynthesizeEegDig(h.Channels);
        if (dig.Count > 0)
        {
            _tags.StartBlock(FifConst.BlockIsotrak);
            if (dig[0].CoordFrame != FifConst.CoordHead && dig[0].CoordFrame != FifConst.CoordUnknown)
                _tags.Int(FifConst.MneCoordFrame, dig[0].CoordFrame);
            foreach (var d in dig) _tags.DigPoint(d);
            _tags.EndBlock(FifConst.BlockIsotrak);
        }
        var structNames = StructNames(h.Channels);
        var known = new HashSet<string>(h.Channels.Select(c => c.Name), StringComparer.Ordinal);
        var bads = h.BadChannels.Where(known.Contains).Select(b => structNames[IndexOf(h.Channels, b)]).ToList();
        if (bads.Count > 0)
        {
            _tags.StartBlock(FifConst.BlockMneBadChannels);
            _tags.String(FifConst.MneChNameList, JoinNames(bads));
            _tags.EndBlock(FifConst.BlockMneBadChannels);
        }
        if (h.MeasurementDate is { } date)
        {
            long ticks = (date - DateTimeOffset.UnixEpoch).Ticks;
            _tags.Ints(FifConst.MeasDate, checked((int)Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem)), (int)(rem / 10));
        }
        else
        {
            _tags.Ints(FifConst.MeasDate, FifConst.DateNoneSecs, FifConst.DateNoneUsecs); // explicit "no date" so ids are not used instead
        }
        _tags.Int(FifConst.NChan, h.Channels.Count);
        _tags.Float(FifConst.SFreq, (float)h.SampleRate);
        _tags.Float(FifConst.LowPass, (float)(h.LowPass > 0 ? h.LowPass : h.SampleRate / 2));
        _tags.Float(FifConst.HighPass, (float)(double.IsNaN(h.HighPass) ? 0 : h.HighPass));
        if (h.LineFrequency is { } line) _tags.Float(FifConst.LineFreq, (float)line);
        if (h.CustomReferenceApplied) _tags.Int(FifConst.MneCustomRef, FifConst.MneCustomRefOn);
        _tags.Int(FifConst.DataPack, FifConst.TypeFloat);
        for (int i = 0; i < h.Channels.Count; i++)
            _tags.Channel(h.Channels[i], i + 1, structNames[i], 1f, 1f);
        if (structNames.Where((n, i) => n != h.Channels[i].Name).Any())
        {
            // Names over 15 bytes: MNE's extended channel info, one block per channel with the full name.
            foreach (var ch in h.Channels)
            {
                _tags.StartBlock(FifConst.BlockChInfo);
                _tags.String(FifConst.ChDacqName, ch.Name);
                _tags.EndBlock(FifConst.BlockChInfo);
            }
        }
        _tags.EndBlock(FifConst.BlockMeasInfo);
    }

    private void WriteAnnotations(FifWriteHeader h)
    {
        if (h.Annotations.Count == 0) return;
        // Stored onsets count from meas_date (or, without a date, from FIFF_FIRST_SAMPLE); both mean adding first_samp / sfreq.
        double shift = h.FirstSample / h.SampleRate;
        var onsets = h.Annotations.Select(a => (float)(a.Onset + shift)).ToArray();
        var ends = h.Annotations.Select(a => (float)(a.Onset + shift + a.Duration)).ToArray();
        _tags.StartBlock(FifConst.BlockMneAnnotations);
        _tags.Floats(FifConst.MneBaselineMin, onsets);
        _tags.Floats(FifConst.MneBaselineMax, ends);
        _tags.String(FifConst.Comment, JoinNames(h.Annotations.Select(a => a.Description)));
        if (h.MeasurementDate is { } date)
        {
            long ticks = (date - DateTimeOffset.UnixEpoch).Ticks;
            _tags.Doubles(FifConst.MeasDate, Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem), rem / 10);
        }
        // MNE writes the per-annotation channel lists (JSON of a tuple of tuples) only when some annotation has one.
        if (h.Annotations.Any(a => a.ChannelNames.Count > 0))
            _tags.String(FifConst.MneEpochsDropLog, System.Text.Json.JsonSerializer.Serialize(h.Annotations.Select(a => a.ChannelNames)));
        _tags.EndBlock(FifConst.BlockMneAnnotations);
    }

    private static int IndexOf(IReadOnlyList<FifChannel> chs, string name)
    {
        for (int i = 0; i < chs.Count; i++) if (chs[i].Name == name) return i;
        return -1;
    }

    private static string JoinNames(IEnumerable<string> names) =>
        string.Join(':', names.Select(n => n.Replace(":", "{COLON}", StringComparison.Ordinal)));

    /// <summary>The 16-byte struct holds ≤ 15 UTF-8 bytes; longer names are cut at a character boundary and made unique.</summary>
    private static string[] StructNames(IReadOnlyList<FifChannel> chs)
    {
        var result = new string[chs.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < chs.Count; i++)
        {
            string name = chs[i].Name;
            if (Encoding.UTF8.GetByteCount(name) > 15)
            {
                string cut = Truncate(name, 15);
                if (used.Contains(cut)) cut = Truncate(name, 15 - 1 - i.ToString(System.Globalization.CultureInfo.InvariantCulture).Length) + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                name = cut;
            }
            used.Add(name);
            result[i] = name;
        }
        return result;
    }

    private static string Truncate(string s, int maxBytes)
    {
        int len = s.Length;
        while (Encoding.UTF8.GetByteCount(s.AsSpan(0, len)) > maxBytes) len--;
        if (len > 0 && char.IsHighSurrogate(s[len - 1])) len--;
        return s[..len];
    }

    private static List<FifDigPoint> SynthesizeEegDig(IReadOnlyList<FifChannel> chs)
    {
        var dig = new List<FifDigPoint>();
        foreach (var ch in chs)
        {
            if (!ch.IsEeg || ch.Location.Length < 3) continue;
            float x = ch.Location[0], y = ch.Location[1], z = ch.Location[2];
            if (!float.IsFinite(x) || !float.IsFinite(y) || !float.IsFinite(z) || (x == 0 && y == 0 && z == 0)) continue;
            dig.Add(new FifDigPoint(FifConst.DigKindEeg, dig.Count + 1, x, y, z, FifConst.CoordHead));
        }
        return dig;
    }

    private static FifId NewId()
    {
        var now = DateTimeOffset.UtcNow;
        long ticks = (now - DateTimeOffset.UnixEpoch).Ticks;
        Span<int> machine = stackalloc int[2];
        RandomNumberGenerator.Fill(MemoryMarshal.AsBytes(machine));
        return new FifId((1 << 16) | 3, machine[0], machine[1], (int)(ticks / TimeSpan.TicksPerSecond), (int)(ticks % TimeSpan.TicksPerSecond / 10));
    }
}
