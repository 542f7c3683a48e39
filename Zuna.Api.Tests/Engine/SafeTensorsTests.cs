using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Engine;

public sealed class SafeTensorsTests
{
    [Fact]
    public void Round_trips_tensors_and_metadata_through_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zuna-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            new SafeTensorsWriter()
                .Add("eeg", new float[] { 1.5f, -2f, 3.25f, 4f, 5f, 6f }, 1, 2, 3)
                .Add("idx", new long[] { 7, -8 }, 2)
                .Add("mu", new double[] { 1e-7 }, 1)
                .Metadata("channel_names", "[\"Cz\",\"Pz\"]")
                .Write(path);
            using var file = SafeTensorsFile.Open(path);
            Assert.Equal(new long[] { 1, 2, 3 }, file.Entry("eeg").Shape);
            Assert.Equal(new float[] { 1.5f, -2f, 3.25f, 4f, 5f, 6f }, file.ReadFloat32("eeg"));
            Assert.Equal(new long[] { 7, -8 }, file.ReadInt64("idx"));
            Assert.Equal(1e-7, file.ReadFloat64("mu")[0]);
            Assert.Equal("[\"Cz\",\"Pz\"]", file.Metadata["channel_names"]);
        }
        finally { File.Delete(path); }
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
