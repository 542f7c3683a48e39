using Zuna.Engine;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Formats;

/// <summary>Runs bytes through the registry as an upload named <c>name</c>; what comes back is the reader's outcome.</summary>
public static class MalformedInput
{
    public static RecordingContent Read(byte[] bytes, string name)
    {
        var source = RecordingSource.FromStream(new MemoryStream(bytes), name);
        return RecordingLoader.Default.Detect(source).Read(source);
    }

    /// <summary>Asserts the bytes are refused with a typed input error (never another exception) and returns its message.</summary>
    public static string Refused(byte[] bytes, string name)
    {
        var error = Assert.ThrowsAny<ZunaInputException>(() => Read(bytes, name));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error.Message;
    }

    /// <summary>
    /// Seeded random mutations of a valid file (byte flips, digits in header fields, truncation, insertions): each must
    /// be read or refused with a <see cref="ZunaInputException"/>; anything else fails the test with the seed and step.
    /// </summary>
    public static void Fuzz(byte[] original, string name, int iterations, int seed, int headerBytes)
    {
        var random = new Random(seed);
        for (int i = 0; i < iterations; i++)
        {
            var bytes = Mutate(original, random, headerBytes);
            try { Read(bytes, name); }
            catch (ZunaInputException) { }
            catch (Exception e)
            {
                Assert.Fail($"{name}: mutation {i} (seed {seed}, {bytes.Length} bytes) threw {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static byte[] Mutate(byte[] original, Random random, int headerBytes)
    {
        var bytes = (byte[])original.Clone();
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int limit = random.Next(4) == 0 ? bytes.Length : Math.Min(headerBytes, bytes.Length);
            if (limit == 0) break;
            int at = random.Next(limit);
            switch (random.Next(5))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes[at] = (byte)"0123456789-+.,e "[random.Next(16)]; break;
                case 2: bytes = bytes[..Math.Max(1, at)]; break;
                case 3: bytes = [.. bytes[..at], .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)), .. bytes[at..]]; break;
                default: bytes[at] = (byte)(bytes[at] ^ (1 << random.Next(8))); break;
            }
        }
        return bytes;
    }
}
