namespace Zuna.Engine.Input.Eeglab;

/// <summary>MAT-file v7.3: a 512-byte MAT header followed by an HDF5 file.</summary>
public static class Mat73Reader
{
    private static readonly byte[] HdfSignature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    public static bool IsMat73(ReadOnlySpan<byte> file) =>
        file.Length >= 520 && file[..10].SequenceEqual("MATLAB 7.3"u8) && file[512..520].SequenceEqual(HdfSignature);

    public static Dictionary<string, MatValue> Read(byte[] file, string name) =>
        throw new RecordingFormatException($"{name}: MAT v7.3 (HDF5) .set files are not read yet; save it as MAT v5 (EEGLAB: File > Save as, v7 format).");
}
