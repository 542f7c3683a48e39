using Zuna.Api.Tests.Deploy;

namespace Zuna.Api.Tests.Viewer;

/// <summary>
/// The README's pictures are made by the tests: with ZUNA_UPDATE_DOCS=1 a test copies the image it made into
/// docs/images (otherwise the committed pictures stay as they are, so an ordinary run leaves the tree clean).
/// </summary>
internal static class DocsImages
{
    public static void Publish(string imagePath, string? name = null)
    {
        if (Environment.GetEnvironmentVariable("ZUNA_UPDATE_DOCS") != "1") return;
        string folder = RepoFiles.Path("docs/images");
        Directory.CreateDirectory(folder);
        File.Copy(imagePath, Path.Combine(folder, name ?? Path.GetFileName(imagePath)), overwrite: true);
    }

    /// <summary>Width and height from a PNG's IHDR chunk; fails when the bytes are not a PNG.</summary>
    public static (int Width, int Height) PngSize(string path)
    {
        byte[] head = File.ReadAllBytes(path)[..24];
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], head[..8]);
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(20)));
    }
}
