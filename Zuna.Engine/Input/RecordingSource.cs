namespace Zuna.Engine.Input;

/// <summary>
/// A recording as a caller hands it over: a file on disk (the CLI) or an upload (HTTP). Readers open the main file through
/// <see cref="Open"/>; formats made of several files (split FIF parts beside the first) find the others through
/// <see cref="Path"/>, which only a file on disk has.
/// </summary>
public sealed class RecordingSource
{
    private readonly Func<Stream> _open;

    private RecordingSource(string name, string? path, Func<Stream> open)
    {
        Name = name;
        Path = path;
        _open = open;
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
        var seekable = content.CanSeek ? content : Buffer(content);
        long start = seekable.Position;
        return new RecordingSource(string.IsNullOrEmpty(name) ? "upload" : name, null, () =>
        {
            seekable.Position = start;
            return new NonClosingStream(seekable);
        });
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
