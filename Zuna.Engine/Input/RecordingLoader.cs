using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Input;

/// <summary>
/// The one way a recording becomes model input, for every caller: the format is told by content (then by extension)
/// through the registered readers, a continuous recording runs through the preprocessing chain, bad channels are
/// zeroed and target electrodes appended — each in exactly one place.
/// </summary>
public sealed class RecordingLoader(IReadOnlyList<IRecordingReader> readers)
{
    /// <summary>Bytes read from the start of a file to recognise its format.</summary>
    public const int HeadBytes = 64;

    /// <summary>The readers of this build, most specific content checks first.</summary>
    public static RecordingLoader Default { get; } = new([new FifRecordingReader(), new PreprocessedRecordingReader(), new Edf.EdfRecordingReader(), new BrainVision.BrainVisionRecordingReader(), new Arrays.CsvRecordingReader(), new Eeglab.EeglabRecordingReader(), new Arrays.NpyRecordingReader()]);

    public IReadOnlyList<IRecordingReader> Readers { get; } = readers;

    /// <summary>Reads and preprocesses a recording; <paramref name="phases"/> times "parse" and "preprocess".</summary>
    public Preprocessed Load(RecordingSource source, InputOptions options, IPhaseTimer? phases = null, CancellationToken cancellationToken = default)
    {
        options.Preprocess.Validate();
        source = Unpack(source).With(options.Arrays);
        var reader = Detect(source);
        CheckArrayOptions(reader, source);
        RecordingContent content;
        using (phases?.Measure("parse"))
            content = reader.Read(source);
        cancellationToken.ThrowIfCancellationRequested();
        using (phases?.Measure("preprocess"))
        {
            var epochs = content switch
            {
                RecordingContent.Continuous c => Preprocessor.Run(c.Recording, options.Preprocess),
                RecordingContent.Epochs e => ChannelEditing.ZeroChannels(e.Preprocessed, options.BadChannels),
                RecordingContent.RawEpochs r => Epochs.EpochsPreprocessor.Run(r.Recording, options.Preprocess),
                _ => throw new InvalidOperationException($"unknown content {content.GetType().Name}"),
            };
            return ChannelEditing.AddTargetChannels(epochs, options.Targets);
        }
    }

    /// <summary>A zip upload becomes its main recording with the other entries as companions; anything else is returned as is.</summary>
    public RecordingSource Unpack(RecordingSource source) =>
        ZipUpload.IsZip(source.Head(HeadBytes)) ? ZipUpload.Expand(source, Readers) : source;

    /// <summary>
    /// Reads a continuous recording as it is, without the preprocessing chain (the repair pipeline prepares it its own
    /// way); a file that holds epochs already is refused.
    /// </summary>
    public Fif.RawRecording ReadContinuous(RecordingSource source, IPhaseTimer? phases = null)
    {
        var reader = Detect(source);
        CheckArrayOptions(reader, source);
        RecordingContent content;
        using (phases?.Measure("parse"))
            content = reader.Read(source);
        return content is RecordingContent.Continuous c
            ? c.Recording
            : throw new InvalidRecordingException($"{source.Name} holds epochs; this operation needs a continuous recording such as FIF.");
    }

    /// <summary>Sample rate and units are for plain arrays; for a format that states its own, giving them is a mistake worth naming.</summary>
    private static void CheckArrayOptions(IRecordingReader reader, RecordingSource source)
    {
        if (!source.Arrays.IsEmpty && reader is not Arrays.IArrayReader)
            throw new InvalidOptionException(
                $"sfreq and units apply to plain arrays only (CSV/TSV, .npy, safetensors arrays); {source.Name} is {reader.Format}, which states its own.");
    }

    /// <summary>The reader for this file: the first that recognises its first bytes, else the first that takes its extension.</summary>
    public IRecordingReader Detect(RecordingSource source)
    {
        byte[] head = source.Head(HeadBytes);
        if (head.Length == 0) throw new InvalidRecordingException($"{source.Name} is empty.");
        foreach (var reader in Readers)
            if (reader.Recognises(head)) return reader;
        string name = source.Name.ToLowerInvariant();
        foreach (var reader in Readers)
            if (reader.Extensions.Any(e => name.EndsWith(e, StringComparison.Ordinal))) return reader;
        throw new InvalidRecordingException(
            $"{source.Name} is not a recording in a format Zuna reads ({string.Join(", ", Readers.Select(r => r.Format))}).");
    }
}
