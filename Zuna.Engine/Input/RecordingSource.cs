using Zuna.Engine.Input.Arrays;

namespace Zuna.Engine.Input;

/// <summary>
/// A recording as a caller hands it over: a file on disk (the CLI) or an upload (HTTP). Readers open the main file through
/// <see cref="Open"/>; formats made of several files (split FIF parts beside the first) find the others through
/// <see cref="Path"/>, which only a file on disk has.
/// </summary>
public sealed class RecordingSource
{
    private readonly Func<Stream> _open;
    private readonly IReadOnlyDictionary<string, Func<Stream>> _parts;

    private RecordingSource(string name, string? path, Func<Stream> open, IReadOnlyDictionary<string, Func<Stream>>? parts = null)
    {
        Name = name;
        Path = path;
        _open = open;
        _parts = parts ?? new Dictionary<string, Func<Stream>>();
    }

    /// <summary>What the caller said about a plain array (sample rate, units); only array readers look at it.</summary>
    public ArrayOptions Arrays { get; private init; } = ArrayOptions.None;

    /// <summary>The same recording with the caller's array options attached.</summary>
    public RecordingSource With(ArrayOptions arrays) => new(Name, Path, _open, _parts) { Arrays = arrays };

    /// <summary>Names of the companion files an upload carries besides the main file.</summary>
    public IEnumerable<string> PartNames => _parts.Keys;

    /// <summary>
    /// A companion file the main file names (BrainVision .eeg/.vmrk, EEGLAB .fdt): beside the file on disk, or among an
    /// upload's other parts by file name (case-insensitive, folders ignored). Null when there is none.
    /// </summary>
    public Stream? OpenCompanion(string fileName)
    {
        string bare = System.IO.Path.GetFileName(fileName.Replace('\\', '/'));
        if (Path is not null)
        {
            string beside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, fileName);
            if (File.Exists(beside)) return new FileStream(beside, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
            string flat = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, bare);
            return File.Exists(flat) ? new FileStream(flat, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess) : null;
        }
        foreach (var (name, open) in _parts)
            if (string.Equals(System.IO.Path.GetFileName(name), bare, StringComparison.OrdinalIgnoreCase)) return open();
        return null;
    }

    /// <summary>
    /// An upload made of several files: <paramref name="content"/> is the main one (a BrainVision .vhdr, an EEGLAB
    /// .set), <paramref name="companions"/> the others by file name. Streams follow the rules of <see cref="FromStream"/>.
    /// </summary>
    public static RecordingSource FromParts(Stream content, string name, IReadOnlyDictionary<string, Stream> companions)
    {
        var main = FromStream(content, name);
        var parts = companions.ToDictionary(p => p.Key, p => Reopen(p.Value), StringComparer.OrdinalIgnoreCase);
        return new RecordingSource(main.Name, null, main._open, parts);
    }

    private static Func<Stream> Reopen(Stream content)
    {
        var seekable = content.CanSeek ? content : Buffer(content);
        long start = seekable.Position;
        return () =>
        {
            seekable.Position = start;
            return new NonClosingStream(seekable);
        };
    }

    /// <summary>The file name as the user gave it (used in messages and to tell formats apart by extension).</summary>
    public string Name { get; }

    /// <summary>Full path when the recording is on disk; null for an upload.</summary>
    public string? Path { get; }

    /// <summary>A file on disk; a missing file fails here, before any format is guessed.</summary>
    public static RecordingSource FromFile(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"input file not found: {path}", path);
        return new RecordingSource(System.IO.Path.GetFileName(full), full,
            () => new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess));
    }

    /// <summary>
    /// An upload. The stream must be seekable (ASP.NET buffers form files; a forward-only body is copied once here) and is
    /// read in place, never disposed by the readers.
    /// </summary>
    public static RecordingSource FromStream(Stream content, string name)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new RecordingSource(string.IsNullOrEmpty(name) ? "upload" : name, null, Reopen(content));
    }

    /// <summary>The main file from its first byte; dispose it when done.</summary>
    public Stream Open() => _open();

    /// <summary>Up to <paramref name="count"/> bytes from the start, for telling formats apart by content.</summary>
    public byte[] Head(int count)
    {
        using var stream = Open();
        var head = new byte[count];
        int read = stream.ReadAtLeast(head, count, throwOnEndOfStream: false);
        return read == count ? head : head[..read];
    }

    private static MemoryStream Buffer(Stream content)
    {
        var copy = new MemoryStream();
        content.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    /// <summary>Lets a reader dispose what it opened without closing the caller's upload stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
