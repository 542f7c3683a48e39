using Zuna.Engine.Fif;
using Zuna.Engine.Outputs;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// The one way in for a user's input, CLI or HTTP: a FIF recording (.fif, .fif.gz, split) goes through the
/// preprocessing chain; a safetensors file in the `preprocess` layout is taken as it is (bad channels zeroed).
/// Target channels are appended in both cases. The kind is told by content, not by file name.
/// </summary>
public static class RecordingInput
{
    public static Preprocessed Load(string path, PreprocessOptions options, TargetChannels? targets = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
        Span<byte> head = stackalloc byte[16];
        int read;
        using (var probe = File.OpenRead(path)) read = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        Preprocessed p;
        if (SafeTensorsFile.LooksLikeSafeTensors(head[..read]))
        {
            using var file = SafeTensorsFile.Open(path);
            p = ChannelEditing.ZeroChannels(PreprocessedFile.Read(file), options.BadChannels);
        }
        else
        {
            p = Preprocessor.Run(FifReader.Read(path), options);
        }
        return ChannelEditing.AddTargetChannels(p, targets ?? TargetChannels.None);
    }

    public static Preprocessed Load(byte[] content, string name, PreprocessOptions options, TargetChannels? targets = null)
    {
        Preprocessed p;
        if (SafeTensorsFile.LooksLikeSafeTensors(content))
        {
            using var file = SafeTensorsFile.FromBytes(content, name);
            p = ChannelEditing.ZeroChannels(PreprocessedFile.Read(file), options.BadChannels);
        }
        else
        {
            using var stream = new MemoryStream(content, writable: false);
            p = Preprocessor.Run(FifReader.Read(stream, name), options);
        }
        return ChannelEditing.AddTargetChannels(p, targets ?? TargetChannels.None);
    }
}
