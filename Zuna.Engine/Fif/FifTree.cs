using System.Buffers.Binary;

namespace Zuna.Engine.Fif;

/// <summary>One tag of the file: its 16-byte header fields and the absolute position of the header (spec §A2).</summary>
internal readonly record struct FifTagEntry(int Kind, int Type, int Size, long Position)
{
    /// <summary>Absolute position of the payload.</summary>
    public long PayloadPosition => Position + FifConst.TagHeaderSize;
}

/// <summary>A FIFF_BLOCK_START … FIFF_BLOCK_END block: its own tags (not its children's) and child blocks (spec §A4).</summary>
internal sealed class FifNode
{
    /// <summary>FIFFB_* value; 0 for the file root (as in MNE's tree).</summary>
    public int Block { get; init; }
    public List<FifTagEntry> Entries { get; } = [];
    public List<FifNode> Children { get; } = [];
    /// <summary>FIFF_BLOCK_ID of the block (FIFF_FILE_ID for the root), null when absent.</summary>
    public FifId? Id { get; set; }
    public FifId? ParentId { get; set; }

    /// <summary>This node and all nodes below it whose block kind is <paramref name="block"/>, depth first (MNE's dir_tree_find).</summary>
    public List<FifNode> FindAll(int block)
    {
        var found = new List<FifNode>();
        var stack = new Stack<FifNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Block == block) found.Add(node);
            for (int i = node.Children.Count - 1; i >= 0; i--) stack.Push(node.Children[i]);
        }
        return found;
    }

    public FifTagEntry? First(int kind)
    {
        foreach (var e in Entries) if (e.Kind == kind) return e;
        return null;
    }
}

/// <summary>FIFF id struct (type 31): version, machine id, and a time stamp MNE uses as a measurement-date fallback.</summary>
internal readonly record struct FifId(int Version, int MachineId0, int MachineId1, int Seconds, int Microseconds);

/// <summary>Reads the tag list of a file (from its FIFF_DIR when valid, otherwise by a sequential scan) and builds the block tree.</summary>
internal static class FifTreeReader
{
    public static (List<FifTagEntry> Tags, FifNode Root) Read(FifSource src)
    {
        if (src.Length == 0) throw new FifFormatException($"{src.Name}: the file is empty.");
        if (src.Length < 2 * FifConst.TagHeaderSize + 20)
            throw new FifFormatException($"{src.Name}: {src.Length} bytes is too short for a FIF file header.");
        // Look at the first tag's kind before trusting its size, so any other file type is called what it is.
        Span<byte> kind = stackalloc byte[4];
        src.ReadExactly(0, kind);
        if (BinaryPrimitives.ReadInt32BigEndian(kind) != FifConst.FileId)
            throw new FifFormatException($"{src.Name}: not a FIF file (it does not start with a FIFF_FILE_ID tag).");
        var first = ReadHeader(src, 0);
        if (first.Kind != FifConst.FileId || first.Type != FifConst.TypeIdStruct || first.Size != 20)
            throw new FifFormatException($"{src.Name}: not a FIF file (the first tag must be FIFF_FILE_ID, got kind {first.Kind}, type {first.Type}, size {first.Size}).");
        var second = ReadHeader(src, FifConst.TagHeaderSize + 20);
        if (second.Kind != FifConst.DirPointer)
            throw new FifFormatException($"{src.Name}: not a FIF file (the second tag must be FIFF_DIR_POINTER, got kind {second.Kind}).");

        List<FifTagEntry>? tags = null;
        if (second.Size >= 4)
        {
            int dirPos = FifPayload.ReadInt(src, second);
            if (dirPos > 0) tags = TryReadDirectory(src, dirPos);
        }
        tags ??= Scan(src);
        return (tags, BuildTree(src, tags));
    }

    public static FifTagEntry ReadHeader(FifSource src, long pos)
    {
        src.CheckRange(pos, FifConst.TagHeaderSize, "tag header");
        Span<byte> h = stackalloc byte[FifConst.TagHeaderSize];
        src.ReadExactly(pos, h);
        int size = BinaryPrimitives.ReadInt32BigEndian(h[8..]);
        var tag = new FifTagEntry(BinaryPrimitives.ReadInt32BigEndian(h), BinaryPrimitives.ReadInt32BigEndian(h[4..]), size, pos);
        if (size < 0) throw new FifFormatException($"{src.Name}: tag kind {tag.Kind} at byte {pos} has a negative size ({size}).");
        src.CheckRange(tag.PayloadPosition, size, $"payload of tag kind {tag.Kind}");
        return tag;
    }

    /// <summary>The ordered tag list by following each header's "next" field (spec §A3); loops and overruns are errors.</summary>
    private static List<FifTagEntry> Scan(FifSource src)
    {
        var tags = new List<FifTagEntry>();
        var visited = new HashSet<long>();
        long pos = 0;
        Span<byte> nextField = stackalloc byte[4];
        while (pos < src.Length)
        {
            if (src.Length - pos < FifConst.TagHeaderSize)
                throw new FifFormatException($"{src.Name}: the file ends inside a tag header at byte {pos}; it is truncated.");
            if (!visited.Add(pos)) throw new FifFormatException($"{src.Name}: the tag chain loops back to byte {pos}; the file is corrupt.");
            var tag = ReadHeader(src, pos);
            tags.Add(tag);
            src.ReadExactly(pos + 12, nextField);
            int next = BinaryPrimitives.ReadInt32BigEndian(nextField);
            if (next == -1) break;
            if (next == 0) pos = tag.PayloadPosition + tag.Size;
            else if (next > 0)
            {
                if (next >= src.Length) throw new FifFormatException($"{src.Name}: tag at byte {pos} points to byte {next}, past the end of the file ({src.Length} bytes).");
                // Tags never overlap: a pointer back into earlier bytes would loop or count the same bytes twice.
                if (next < tag.PayloadPosition + tag.Size)
                    throw new FifFormatException($"{src.Name}: tag at byte {pos} points back to byte {next} (a loop or overlapping tags); the file is corrupt.");
                pos = next;
            }
            else throw new FifFormatException($"{src.Name}: tag at byte {pos} has an invalid next-tag field ({next}).");
        }
        return tags;
    }

    /// <summary>The FIFF_DIR entries, or null when the directory is unusable (MNE then scans; so do we).</summary>
    private static List<FifTagEntry>? TryReadDirectory(FifSource src, int dirPos)
    {
        if (dirPos > src.Length - FifConst.TagHeaderSize) return null;
        FifTagEntry dir;
        try { dir = ReadHeader(src, dirPos); }
        catch (FifFormatException) { return null; }
        if (dir.Kind != FifConst.Dir || dir.Type != FifConst.TypeDirEntryStruct || dir.Size % 16 != 0) return null;
        var raw = new byte[dir.Size];
        src.ReadExactly(dir.PayloadPosition, raw);
        var tags = new List<FifTagEntry>(dir.Size / 16);
        Span<byte> header = stackalloc byte[FifConst.TagHeaderSize];
        long endOfPrevious = 0;
        for (int off = 0; off < raw.Length; off += 16)
        {
            var e = raw.AsSpan(off, 16);
            int kind = BinaryPrimitives.ReadInt32BigEndian(e), type = BinaryPrimitives.ReadInt32BigEndian(e[4..]);
            int size = BinaryPrimitives.ReadInt32BigEndian(e[8..]), pos = BinaryPrimitives.ReadInt32BigEndian(e[12..]);
            if (kind == -1 && pos == -1) continue; // sentinel
            if (size < 0 || pos < 0 || (long)pos + FifConst.TagHeaderSize + size > src.Length) return null;
            // The header at pos must agree with the entry (MNE reads the header there); otherwise trust the scan instead.
            src.ReadExactly(pos, header);
            if (BinaryPrimitives.ReadInt32BigEndian(header) != kind || BinaryPrimitives.ReadInt32BigEndian(header[4..]) != type ||
                BinaryPrimitives.ReadInt32BigEndian(header[8..]) != size) return null;
            // Entries must be in file order and must not overlap, or a forged directory could count the same buffer many times.
            if (pos < endOfPrevious) return null;
            endOfPrevious = (long)pos + FifConst.TagHeaderSize + size;
            tags.Add(new FifTagEntry(kind, type, size, pos));
        }
        return tags.Count > 0 && tags[0].Kind == FifConst.FileId ? tags : null;
    }

    /// <summary>Stack-based nesting like MNE's make_dir_tree: an unmatched BLOCK_END closes the current block, a missing one runs to the end.</summary>
    private static FifNode BuildTree(FifSource src, List<FifTagEntry> tags)
    {
        var root = new FifNode { Block = 0 };
        var stack = new Stack<FifNode>();
        var current = root;
        foreach (var tag in tags)
        {
            switch (tag.Kind)
            {
                case FifConst.BlockStart:
                    if (stack.Count > 10_000) throw new FifFormatException($"{src.Name}: blocks nested more than 10000 deep; the file is corrupt.");
                    var child = new FifNode { Block = tag.Size >= 4 ? FifPayload.ReadInt(src, tag) : -1 };
                    current.Children.Add(child);
                    stack.Push(current);
                    current = child;
                    break;
                case FifConst.BlockEnd:
                    if (stack.Count > 0) current = stack.Pop();
                    break;
                default:
                    current.Entries.Add(tag);
                    if (current == root && tag.Kind == FifConst.FileId) current.Id = FifPayload.ReadId(src, tag);
                    else if (current != root && tag.Kind == FifConst.BlockId) current.Id = FifPayload.ReadId(src, tag);
                    else if (current != root && tag.Kind == FifConst.ParentBlockId) current.ParentId = FifPayload.ReadId(src, tag);
                    break;
            }
        }
        if (stack.Count > 0)
            throw new FifFormatException($"{src.Name}: the file ends inside a block (block {current.Block} is never closed); it is truncated.");
        return root;
    }
}
