using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Input;
using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Cli.Bench;

/// <summary>
/// `zuna bench preprocess FILE… [--synthetic DIR]`: wall-clock time of reading (any registered format) and of Preprocessor.Run per file,
/// and the process's peak RSS while handling it (VmHWM, reset per file through /proc/self/clear_refs). A warm-up run on
/// the first file comes first so JIT and libtorch start-up are not counted. CPU ms (all threads, read + preprocess) is
/// steadier than wall clock on a shared machine. bench/preprocess/run.sh runs one file per
/// process and sets these numbers beside MNE's.
/// </summary>
public static class BenchPreprocess
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "FIF recordings to time.", Arity = ArgumentArity.ZeroOrMore };
        var synthetic = new Option<DirectoryInfo?>("--synthetic") { Description = "Also write (untimed) and time a 60-min, 64-channel, 1000-Hz synthetic recording in this folder." };
        var minutes = new Option<int>("--synthetic-minutes") { Description = "Length of the synthetic recording.", DefaultValueFactory = _ => 60 };
        var warmup = new Option<FileInfo?>("--warmup") { Description = "File preprocessed once, untimed, before measuring (default: the first file)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per file instead of a Markdown table." };
        var command = new Command("preprocess", "Time FIF reading and the preprocessing chain; peak memory per file.")
        {
            files, synthetic, minutes, warmup, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var paths = parse.GetValue(files)!.Select(f => f.FullName).ToList();
            var dir = parse.GetValue(synthetic);
            if (dir is not null)
            {
                Directory.CreateDirectory(dir.FullName);
                int m = parse.GetValue(minutes);
                string path = Path.Combine(dir.FullName, $"synthetic_{m}min_64ch_1000hz.fif");
                if (!File.Exists(path)) WriteSynthetic(path, m);
                paths.Add(path);
            }
            if (paths.Count == 0) throw new InvalidOptionException("give at least one FIF file or --synthetic DIR.");

            string warm = parse.GetValue(warmup)?.FullName ?? paths[0];
            try { Measure(warm); } catch (ZunaInputException) { /* a file the chain rejects still warms the reader */ }
            WarmUpNativeFft();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

            var rows = new List<Row>();
            foreach (var p in paths)
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows.Add(Measure(p));
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            if (parse.GetValue(json))
                foreach (var r in rows) output.WriteLine(JsonSerializer.Serialize(r));
            else
                WriteTable(output, rows);
            return Task.FromResult(CliApp.ExitCodes.Ok);
        });
        return command;
    }

    public sealed record Row(string File, int Channels, double SampleRate, int Samples, double Float32Mb,
        double ReadMs, double PreprocessMs, double TotalMs, double PeakRssMb, string Result, double CpuMs = 0);

    private static Row Measure(string path)
    {
        PeakMemory.Reset();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var source = RecordingSource.FromFile(path);
        var content = RecordingLoader.Default.Detect(source).Read(source);
        double readMs = sw.Elapsed.TotalMilliseconds;
        string result;
        sw.Restart();
        try
        {
            // -epo.fif takes the original's epochs path; everything else the continuous chain.
            var p = content switch
            {
                RecordingContent.Continuous c => Preprocessor.Run(c.Recording, PreprocessOptions.Default),
                RecordingContent.RawEpochs e => Engine.Input.Epochs.EpochsPreprocessor.Run(e.Recording, PreprocessOptions.Default),
                _ => throw new InvalidOptionException($"{path} holds preprocessed epochs, not a recording to preprocess."),
            };
            result = $"{p.EpochCount}x{p.ChannelCount}x{p.EpochSamples}";
        }
        catch (ZunaInputException e)
        {
            result = "rejected: " + e.Message.Split(':', 2)[0];
        }
        double prepMs = sw.Elapsed.TotalMilliseconds;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var (channels, rate, samples) = content switch
        {
            RecordingContent.Continuous c => (c.Recording.Channels.Count(ch => ch.IsEeg), c.Recording.SampleRate, c.Recording.SampleCount),
            RecordingContent.RawEpochs e => (e.Recording.Channels.Count(ch => ch.IsEeg), e.Recording.SampleRate, e.Recording.EpochCount * e.Recording.EpochSamples),
            _ => (0, 0.0, 0),
        };
        double float32Mb = (double)channels * samples * 4 / (1 << 20);
        return new Row(Path.GetFileName(path), channels, rate, samples, float32Mb,
            readMs, prepMs, readMs + prepMs, PeakMemory.Bytes() / (1024.0 * 1024), result, cpuMs);
    }

    private static void WriteTable(TextWriter o, List<Row> rows)
    {
        o.WriteLine("| file | EEG ch | Hz | samples | float32 MB | read ms | preprocess ms | total ms | CPU ms | peak RSS MB | result |");
        o.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.File} | {r.Channels} | {r.SampleRate:0.#} | {r.Samples} | {r.Float32Mb:0.0} | {r.ReadMs:0.0} | {r.PreprocessMs:0.0} | {r.TotalMs:0.0} | {r.CpuMs:0} | {r.PeakRssMb:0} | {r.Result} |"));
    }

    /// <summary>Writes a synthetic recording chunk by chunk: 64 standard_1005 electrodes with head positions, pink-ish noise
    /// plus a 10 Hz rhythm and slow drift (so the high-pass has work), 10 µV scale, float32 volts.</summary>
    private static void WriteSynthetic(string path, int minutes)
    {
        const int channels = 64;
        const double rate = 1000;
        var montage = StandardMontage.Standard1005;
        var electrodes = montage.Electrodes.Take(channels).ToArray();
        var chs = electrodes.Select((e, i) => new FifChannel(e.Name, i + 1, i + 1, (int)FifChannelKind.Eeg, 1f, 1f, 1,
            [(float)e.Head.X, (float)e.Head.Y, (float)e.Head.Z, 0, 0, 0, 0, 0, 0, 0, 0, 0], 107, 0, 4)).ToList();
        long total = (long)minutes * 60 * (long)rate;
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var writer = new FifRawWriter(fs, new FifWriteHeader(chs, rate) { MeasurementDate = DateTimeOffset.UnixEpoch.AddYears(50) });
            const int chunk = 10_000;
            var block = Enumerable.Range(0, channels).Select(_ => new float[chunk]).ToArray();
            var rng = new Random(1234);
            var state = new double[channels];
            for (long start = 0; start < total; start += chunk)
            {
                int count = (int)Math.Min(chunk, total - start);
                for (int c = 0; c < channels; c++)
                    for (int i = 0; i < count; i++)
                    {
                        double t = (start + i) / rate;
                        state[c] = 0.99 * state[c] + rng.NextDouble() - 0.5;
                        block[c][i] = (float)(1e-6 * (state[c] + 5 * Math.Sin(2 * Math.PI * 10 * t + c) + 20 * Math.Sin(2 * Math.PI * 0.05 * t)));
                    }
                writer.Append(block, 0, count);
            }
            writer.Complete();
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Loads libtorch and runs each resampling and filtering path once on a short synthetic signal (JIT and
    /// libtorch's first-use set-up), as the warm-up file may be too short or already at 256 Hz to reach them.</summary>
    private static void WarmUpNativeFft()
    {
        var x = new double[Zuna.Engine.Signal.RealFft.NativeThreshold * 2 + 1];
        Zuna.Engine.Signal.RealFft.Inverse(Zuna.Engine.Signal.RealFft.Forward(x, x.Length), x.Length);
        var rng = new Random(1);
        var shortChannel = new float[30_000];
        for (int i = 0; i < shortChannel.Length; i++) shortChannel[i] = (float)(rng.NextDouble() - 0.5);
        var longChannel = new float[1 << 20];
        for (int i = 0; i < longChannel.Length; i++) longChannel[i] = (float)(rng.NextDouble() - 0.5);
        Zuna.Engine.Signal.FftResampler.ResampleAll([shortChannel, shortChannel], 256.0 / 500, [shortChannel.Length]);
        using var scratch = new Zuna.Engine.Signal.SignalScratch();
        var resampled = Zuna.Engine.Signal.FftResampler.Resample(longChannel, 256.0 / 1000, scratch);
        Stages.CreateHighPass().Apply(resampled, scratch);
    }


}
