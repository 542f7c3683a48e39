using Zuna.Api.Options;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Hub;
using Zuna.Engine.Inference;
using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Hosting;

/// <summary>Forwards to the Zuna.Engine pieces (see <see cref="IEnginePipeline"/>).</summary>
public sealed class EnginePipeline(ILogger<EnginePipeline> logger) : IEnginePipeline
{
    public async Task<string> ResolveModelDirectoryAsync(ModelOptions options, CancellationToken cancellationToken)
    {
        var hub = HubOptions.FromEnvironment() with
        {
            ModelDirectory = options.Path.Length > 0 ? options.Path : null,
            RepoId = options.RepoId,
            Revision = options.Revision,
        };
        long lastLogged = 0;
        var progress = new InlineProgress<DownloadProgress>(p =>
        {
            if (p.BytesDone - lastLogged < 64L << 20 && p.BytesDone != p.BytesTotal) return;
            lastLogged = p.BytesDone;
            logger.LogInformation("Downloading {File}: {Done} of {Total} bytes", p.File, p.BytesDone, p.BytesTotal);
        });
        var resolved = await ModelResolver.ResolveAsync(hub, progress, cancellationToken);
        logger.LogInformation("Model {RepoId}@{Revision} from {Source}: {Directory}", resolved.RepoId, resolved.Revision, resolved.Source, resolved.Directory);
        return resolved.Directory;
    }

    public IZunaModel LoadModel(string directory, string device, string dtype, int threads)
    {
        TorchRuntime.Initialise(threads);
        return ZunaEngine.Load(directory, device, dtype);
    }

    public RawRecording ReadFif(Stream content, string name) => FifReader.Read(content, name);

    public Preprocessed Preprocess(RawRecording recording, InputOptions options)
    {
        var preprocessed = Preprocessor.Run(recording, new PreprocessOptions { BadChannels = options.BadChannels });
        return AddTargetChannels(preprocessed, options.TargetChannels);
    }

    public Preprocessed ReadPreprocessed(Stream content, InputOptions options)
    {
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        using var file = SafeTensorsFile.FromBytes(copy.ToArray(), "upload");
        var preprocessed = ZeroChannels(PreprocessedFile.Read(file), options.BadChannels);
        return AddTargetChannels(preprocessed, options.TargetChannels);
    }

    public Task WritePreprocessedAsync(Preprocessed preprocessed, Stream destination, CancellationToken cancellationToken) =>
        PreprocessedFile.WriteAsync(preprocessed, destination, cancellationToken);

    public Task WriteFifAsync(Preprocessed input, float[] reconstruction, Stream destination, CancellationToken cancellationToken) =>
        FifWriter.WriteAsync(destination, ReconstructionRecording.ToVolts(input, reconstruction), cancellationToken);

    /// <summary>
    /// Zeroes user-named bad channels of an already preprocessed upload (the FIF path does this inside the
    /// chain, where the zeroed channels also enter the global z-score). Unknown names are an error.
    /// </summary>
    private static Preprocessed ZeroChannels(Preprocessed p, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return p;
        var epochs = (float[])p.Epochs.Clone();
        foreach (var name in names)
        {
            int c = Array.FindIndex(p.ChannelNames, n => StandardMontage.Key(n) == StandardMontage.Key(name));
            if (c < 0) throw new InvalidOptionException($"bad channel '{name}' is not a channel of the recording ({string.Join(", ", p.ChannelNames)}).");
            for (int e = 0; e < p.EpochCount; e++)
                Array.Clear(epochs, (e * p.ChannelCount + c) * p.EpochSamples, p.EpochSamples);
        }
        return p with { Epochs = epochs };
    }

    /// <summary>
    /// Appends 10-05 electrodes as all-zero channels, so the model interpolates them (ZUNA's target_channel_count
    /// list mode). As in the reference, their positions are the montage's own (fsaverage 'mri') frame; names already
    /// present are skipped; names not in the montage are an error here (the reference skips them silently).
    /// </summary>
    private static Preprocessed AddTargetChannels(Preprocessed p, IReadOnlyList<string> targets)
    {
        if (targets.Count == 0) return p;
        var montage = StandardMontage.Standard1005;
        var present = new HashSet<string>(p.ChannelNames.Select(StandardMontage.Key));
        var added = new List<MontageElectrode>();
        foreach (var name in targets)
        {
            if (!montage.TryGet(name, out var electrode))
                throw new InvalidOptionException($"target channel '{name}' is not a standard 10-05 electrode.");
            if (present.Add(StandardMontage.Key(name))) added.Add(electrode);
        }
        if (added.Count == 0) return p;

        int c0 = p.ChannelCount, c1 = c0 + added.Count, t = p.EpochSamples;
        var epochs = new float[p.EpochCount * c1 * t];
        for (int e = 0; e < p.EpochCount; e++)
            Array.Copy(p.Epochs, e * c0 * t, epochs, e * c1 * t, c0 * t);      // [E, C0, T] -> [E, C1, T], new rows stay 0
        var positions = new float[c1 * 3];
        Array.Copy(p.ChannelPositions, positions, c0 * 3);
        for (int i = 0; i < added.Count; i++)
        {
            var m = added[i].Mri;
            positions[(c0 + i) * 3] = (float)m.X;
            positions[(c0 + i) * 3 + 1] = (float)m.Y;
            positions[(c0 + i) * 3 + 2] = (float)m.Z;
        }
        return p with
        {
            Epochs = epochs,
            ChannelCount = c1,
            ChannelPositions = positions,
            ChannelNames = [.. p.ChannelNames, .. added.Select(a => a.Name)],
        };
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>A reconstruction [E, C, T] in z-units as a continuous recording in volts (what zuna.pt_to_fif writes).</summary>
public static class ReconstructionRecording
{
    public static RawRecording ToVolts(Preprocessed input, float[] reconstruction)
    {
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples;
        var data = new float[c][];
        for (int ch = 0; ch < c; ch++)
        {
            var channel = data[ch] = new float[e * t];
            for (int ep = 0; ep < e; ep++)
            {
                var source = reconstruction.AsSpan((ep * c + ch) * t, t);
                for (int i = 0; i < t; i++)
                    channel[ep * t + i] = (float)(source[i] * input.GlobalStd + input.GlobalMean);
            }
        }
        var channels = Enumerable.Range(0, c).Select(ch => new FifChannel(
            Name: input.ChannelNames[ch], ScanNumber: ch + 1, LogicalNumber: ch + 1, Kind: (int)FifChannelKind.Eeg,
            Range: 1f, Cal: 1f, CoilType: 1 /* FIFFV_COIL_EEG */,
            Location: [input.ChannelPositions[ch * 3], input.ChannelPositions[ch * 3 + 1], input.ChannelPositions[ch * 3 + 2], 0, 0, 0, 0, 0, 0, 0, 0, 0],
            Unit: 107 /* FIFF_UNIT_V */, UnitMultiplier: 0, CoordFrame: 4 /* FIFFV_COORD_HEAD */)).ToList();
        return new RawRecording
        {
            Channels = channels,
            SampleRate = Preprocessed.SampleRate,
            SampleCount = e * t,
            Data = data,
            Source = "zuna reconstruction",
        };
    }
}
