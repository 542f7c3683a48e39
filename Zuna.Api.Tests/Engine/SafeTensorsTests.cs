using System.Runtime.InteropServices;
using Zuna.Engine.Inference;
using Zuna.Engine.SafeTensors;
using Zuna.Engine.Weights;

namespace Zuna.Api.Tests.Engine;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathFor(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Round_trips_every_dtype_and_the_metadata_through_a_file()
    {
        var halves = new[] { (Half)1.5f, (Half)(-0.25f) };
        var bfloats = new[] { 2.5f, -3f }.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
        var int32s = new[] { -5, 6, 7 };
        new SafeTensorsWriter()
            .Add(TensorToWrite.Of("f32", new float[] { 1.5f, -2f, 3.25f, 4f, 5f, 6f }, 1, 2, 3))
            .Add(TensorToWrite.Of("f64", new double[] { 1e-7, -2.5e300 }, 2))
            .Add(TensorToWrite.Of("i64", new long[] { 7, -8, long.MaxValue }, 3, 1))
            .Add(TensorToWrite.OfBytes("u8", "U8", new byte[] { 0, 1, 254, 255 }, 2, 2))
            .Add(TensorToWrite.OfBytes("f16", "F16", MemoryMarshal.AsBytes(halves.AsSpan()).ToArray(), 2))
            .Add(TensorToWrite.OfBytes("bf16", "BF16", MemoryMarshal.AsBytes(bfloats.AsSpan()).ToArray(), 2))
            .Add(TensorToWrite.OfBytes("i32", "I32", MemoryMarshal.AsBytes(int32s.AsSpan()).ToArray(), 3))
            .Add(TensorToWrite.Of("empty", Array.Empty<float>(), 0, 4))
            .Metadata("channel_names", "[\"Cz\",\"Pz\"]")
            .Metadata("note", "Öz \"quoted\"")
            .Write(PathFor("all.safetensors"));

        using var file = SafeTensorsFile.Open(PathFor("all.safetensors"));
        Assert.Equal(new long[] { 1, 2, 3 }, file.Entry("f32").Shape);
        Assert.Equal(new float[] { 1.5f, -2f, 3.25f, 4f, 5f, 6f }, file.ReadFloat32("f32"));
        Assert.Equal(new double[] { 1e-7, -2.5e300 }, file.ReadFloat64("f64"));
        Assert.Equal(new long[] { 7, -8, long.MaxValue }, file.ReadInt64("i64"));
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, file.Bytes("u8").ToArray());
        Assert.Equal(new float[] { 1.5f, -0.25f }, file.ReadFloat32("f16"));
        Assert.Equal(new float[] { 2.5f, -3f }, file.ReadFloat32("bf16"));
        Assert.Equal(new long[] { -5, 6, 7 }, file.ReadInt64("i32"));
        Assert.Equal(new long[] { 0, 4 }, file.Entry("empty").Shape);
        Assert.Equal(["F32", "F64", "I64", "U8", "F16", "BF16", "I32", "F32"],
            new[] { "f32", "f64", "i64", "u8", "f16", "bf16", "i32", "empty" }.Select(n => file.Entry(n).Dtype));
        Assert.Equal("[\"Cz\",\"Pz\"]", file.Metadata["channel_names"]);
        Assert.Equal("Öz \"quoted\"", file.Metadata["note"]);
    }

    [Fact]
    public void Header_is_padded_with_spaces_so_the_data_starts_8_byte_aligned()
    {
        // Names of several lengths move the JSON length through every remainder mod 8.
        for (int length = 1; length <= 8; length++)
        {
            byte[] bytes = new SafeTensorsWriter().Add(new string('x', length), new float[] { 1f }, 1).ToArray();
            long headerLength = BitConverter.ToInt64(bytes, 0);
            Assert.Equal(0, headerLength % 8);
            string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
            string json = header.TrimEnd(' ');
            Assert.EndsWith("}", json);
            Assert.InRange(header.Length - json.Length, 0, 7);
            Assert.Equal(8 + headerLength + 4, bytes.Length);
        }
    }

    [Fact]
    public void An_array_region_writes_only_that_region()
    {
        var values = new float[] { 9, 9, 1, 2, 3, 9 };
        var longs = new long[] { 0, 5, 6, 0 };
        byte[] bytes = new SafeTensorsWriter()
            .Add(TensorToWrite.Of("middle", new ArraySegment<float>(values, 2, 3), 3))
            .Add(TensorToWrite.Of("pair", new ArraySegment<long>(longs, 1, 2), 2))
            .ToArray();
        using var file = SafeTensorsFile.FromBytes(bytes);
        Assert.Equal(new float[] { 1, 2, 3 }, file.ReadFloat32("middle"));
        Assert.Equal(new long[] { 5, 6 }, file.ReadInt64("pair"));
    }

    [Fact]
    public void The_source_array_is_read_when_the_file_is_written_not_copied_when_added()
    {
        // A copy taken by Add would hold the values before the change; the file must hold the values after it.
        var values = new float[] { 1, 2, 3, 4 };
        var indices = new long[] { 10, 20 };
        var writer = new SafeTensorsWriter().Add("v", values, 2, 2).Add("i", indices, 2);
        values[3] = 40;
        indices[0] = -10;
        using (var file = SafeTensorsFile.FromBytes(writer.ToArray()))
        {
            Assert.Equal(new float[] { 1, 2, 3, 40 }, file.ReadFloat32("v"));
            Assert.Equal(new long[] { -10, 20 }, file.ReadInt64("i"));
        }

        values[0] = -1;
        writer.Write(PathFor("later.safetensors"));
        using var later = SafeTensorsFile.Open(PathFor("later.safetensors"));
        Assert.Equal(new float[] { -1, 2, 3, 40 }, later.ReadFloat32("v"));
    }

    [Fact]
    public async Task WriteAsync_writes_to_a_non_seekable_stream_without_a_synchronous_write()
    {
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        var writer = new SafeTensorsWriter()
            .Add("v", values, 10, 100)
            .Add(TensorToWrite.Generated("g", "I64", [3], bytes => MemoryMarshal.Cast<byte, long>(bytes).Fill(7)))
            .Metadata("k", "v");
        var stream = new AsyncOnlyStream();
        await writer.WriteAsync(stream);
        Assert.True(stream.AsyncWrites >= 3);   // header, array, generated chunk
        Assert.Equal(writer.ToArray(), stream.Written);
        using var file = SafeTensorsFile.FromBytes(stream.Written);
        Assert.Equal(values, file.ReadFloat32("v"));
        Assert.Equal(new long[] { 7, 7, 7 }, file.ReadInt64("g"));
    }

    [Fact]
    public void Generated_tensors_are_filled_in_bounded_chunks_that_continue_in_order()
    {
        const int count = 700_000;   // 2.8 MB of F32: three chunks
        int next = 0, largestChunk = 0;
        var writer = new SafeTensorsWriter().Add(TensorToWrite.Generated("ramp", "F32", [count], bytes =>
        {
            largestChunk = Math.Max(largestChunk, bytes.Length);
            foreach (ref float v in MemoryMarshal.Cast<byte, float>(bytes)) v = next++;
        }));
        writer.Write(PathFor("ramp.safetensors"));
        using var file = SafeTensorsFile.Open(PathFor("ramp.safetensors"));
        float[] ramp = file.ReadFloat32("ramp");
        Assert.Equal(count, ramp.Length);
        Assert.All(new[] { 0, 1, 262_143, 262_144, 699_999 }, i => Assert.Equal(i, ramp[i]));
        Assert.InRange(largestChunk, 1, 1 << 20);
    }

    [Fact]
    public async Task Random_checkpoint_is_deterministic_and_loads_as_a_model()
    {
        var config = new ZunaConfig { Dim = 64, NLayers = 2, HeadDim = 16, NHeads = 2 };   // the tiny fixture's sizes
        string a = CheckpointWriter.WriteRandom(PathFor("a"), config, seed: 42, writeNHeads: true);
        string b = CheckpointWriter.WriteRandom(PathFor("b"), config, seed: 42, writeNHeads: true);
        Assert.Equal(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));

        using (var file = SafeTensorsFile.Open(a))
        {
            var expected = CheckpointWriter.ExpectedTensors(config);
            Assert.Equal(expected.Select(e => "model." + e.Key).Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, shape) in expected)
            {
                Assert.Equal(shape, file.Entry("model." + key).Shape);
                Assert.All(file.ReadFloat32("model." + key), v => Assert.InRange(v, -2f, 2f));
            }
            Assert.NotEqual(0f, file.ReadFloat32("model.encoder.layers.0.attention.wq.weight").Select(MathF.Abs).Max());
        }
        using var engine = ZunaEngine.Load(PathFor("a"));
        Assert.Equal(2, engine.Config.NLayers);
    }

    [Fact]
    public void Write_replaces_a_file_only_once_complete_and_leaves_no_temporary_file()
    {
        string path = PathFor("out.safetensors");
        new SafeTensorsWriter().Add("old", new float[] { 1 }, 1).Write(path);
        byte[] before = File.ReadAllBytes(path);

        var failing = new SafeTensorsWriter().Add(TensorToWrite.Generated("boom", "F32", [4], _ => throw new IOException("disk full")));
        Assert.Throws<IOException>(() => failing.Write(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));

        new SafeTensorsWriter().Add("new", new float[] { 2 }, 1).Write(path);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(new float[] { 2 }, file.ReadFloat32("new"));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void Shape_size_and_name_mistakes_are_argument_errors_naming_the_tensor()
    {
        Assert.Contains("'latents'", Assert.Throws<ArgumentException>(() => TensorToWrite.Of("latents", new float[6], 2, 4)).Message);
        Assert.Contains("'raw'", Assert.Throws<ArgumentException>(() => TensorToWrite.OfBytes("raw", "BF16", new byte[3], 2)).Message);
        Assert.Contains("'neg'", Assert.Throws<ArgumentException>(() => TensorToWrite.Generated("neg", "F32", [-1], _ => { })).Message);
        Assert.Contains("'odd'", Assert.Throws<ArgumentException>(() => TensorToWrite.Generated("odd", "F31", [1], _ => { })).Message);
        Assert.Contains("'huge'", Assert.Throws<ArgumentException>(() => TensorToWrite.Generated("huge", "F64", [long.MaxValue / 2, 4], _ => { })).Message);
        Assert.Throws<ArgumentException>(() => TensorToWrite.Of("__metadata__", new float[1], 1));
        var writer = new SafeTensorsWriter().Add("twice", new float[1], 1);
        Assert.Contains("'twice'", Assert.Throws<ArgumentException>(() => writer.Add("twice", new float[1], 1)).Message);
    }

    [Fact]
    public void Reads_the_fixture_model_header()
    {
        using var file = SafeTensorsFile.Open(SharedData.Path("fixtures/tiny/model.safetensors"));
        Assert.Equal(71, file.Tensors.Count);
        Assert.All(file.Tensors.Keys, k => Assert.StartsWith("model.", k));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 255, 255, 255, 255, 0, 0, 0, 0, (byte)'{' })]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'}', (byte)' ' })]
    public void Rejects_garbage_with_a_typed_error(byte[] bytes)
    {
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.FromBytes(bytes).Dispose());
    }
}

/// <summary>
/// A write-only, non-seekable stream that fails every synchronous write or flush, as Kestrel's response body does
/// (AllowSynchronousIO off); what was written asynchronously is kept in <see cref="Written"/>.
/// </summary>
internal sealed class AsyncOnlyStream : Stream
{
    private readonly MemoryStream _written = new();

    public int AsyncWrites { get; private set; }
    public byte[] Written => _written.ToArray();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");
    public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("synchronous write");
    public override void WriteByte(byte value) => throw new InvalidOperationException("synchronous write");
    public override void Flush() => throw new InvalidOperationException("synchronous flush");
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();   // complete asynchronously, as a network write would: the caller must not use the memory meanwhile
        AsyncWrites++;
        _written.Write(buffer.Span);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
