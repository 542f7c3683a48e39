using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Zuna.Engine.Inference;

/// <summary>
/// <c>dtype=auto</c>: bfloat16 only where it measurably beats float32 on this device. Without AMX a CPU's bf16 GEMM can be
/// 1.6× slower than fp32 (Xeon with AVX-512 BF16 only), with native bf16 paths 3× faster (EPYC): nothing static predicts it,
/// so a short probe (≈ 0.3 s on one idle core) times both. The rates are cached per machine — CPU model, libtorch version, intra-op
/// threads and device make the key — in a small text file under the user's cache folder, so later starts skip the probe.
/// On CUDA the same probe decides (bf16 tensor cores win by far; GPUs without bf16 support fail or lose the probe).
/// </summary>
public static class DtypeAuto
{
    /// <summary>bfloat16 must be at least this much faster: a margin over run-to-run noise, and bf16 costs accuracy.</summary>
    public const double RequiredSpeedup = 1.15;

    // One decoder-sized GEMM: 512 tokens × dim 1024 → FFN hidden 2816 (≈ 3 GFLOP, 15–30 ms on one idle core in fp32).
    private const int Rows = 512, Inner = 1024, Columns = 2816;
    private const int TimedRuns = 3;

    /// <summary>A probe whose thread got less of a core than this (CPU time ÷ wall time) is not cached.</summary>
    public const double MinCoreShare = 0.8;

    /// <summary>Resolves "auto", "float32"/"fp32" or "bfloat16"/"bf16" for <paramref name="device"/>; only "auto" probes.</summary>
    public static DtypeChoice Resolve(string requested, Device device, string? cacheFile = null)
    {
        string d = requested.Trim().ToLowerInvariant();
        return d switch
        {
            "auto" => Choose(device, cacheFile ?? DefaultCacheFile()),
            "float32" or "fp32" or "f32" => DtypeChoice.Requested("float32"),
            "bfloat16" or "bf16" => DtypeChoice.Requested("bfloat16"),
            _ => throw new InvalidOptionException($"unknown dtype '{requested}' (use auto, float32 or bfloat16)."),
        };
    }

    /// <summary>The cached rates of this machine when present, else a probe whose rates are then cached (unless contended).</summary>
    /// <param name="minCoreShare">The share of a core a probe needs to be cached (tests pass 0 to cache any probe).</param>
    public static DtypeChoice Choose(Device device, string cacheFile, double minCoreShare = MinCoreShare)
    {
        string key = MachineKey(device);
        if (DtypeProbeCache.TryRead(cacheFile, key, out var cached)) return DtypeChoice.FromRates(cached, fromCache: true);
        var (rates, share) = Probe(device);
        // A probe that got under MinCoreShare of its core shared it with other work (hyperthread siblings, cache, memory
        // bandwidth) and its ratio may be wrong: under load 50 on an EPYC it once put bf16 below fp32. Use it for this run
        // only, and probe again at the next start rather than keep a wrong verdict for good.
        bool contended = share < minCoreShare;
        if (!contended) DtypeProbeCache.Write(cacheFile, key, rates);
        return DtypeChoice.FromRates(rates, fromCache: false, contended ? share : null);
    }

    /// <summary>$ZUNA_CACHE_DIR, else $XDG_CACHE_HOME/zuna, else ~/.cache/zuna; the file is dtype-probe.tsv.</summary>
    public static string DefaultCacheFile()
    {
        string? dir = Environment.GetEnvironmentVariable("ZUNA_CACHE_DIR");
        if (string.IsNullOrWhiteSpace(dir))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            dir = Path.Combine(string.IsNullOrWhiteSpace(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg, "zuna");
        }
        return Path.Combine(dir, "dtype-probe.tsv");
    }

    /// <summary>What the rates depend on: the processor, the libtorch build, the thread count and the device.</summary>
    public static string MachineKey(Device device) => string.Join(" | ",
        device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : "cpu",
        CpuModel(), $"libtorch {LibtorchVersion()}", $"threads {get_num_threads()}");

    /// <summary>
    /// Best-of rates of float32 and bfloat16 GEMMs, interleaved so that a load spike on a shared machine hits both. On the
    /// CPU the probe runs on one thread and a rate is per CPU time (GFLOP/s per core): on a loaded machine wall time mostly
    /// measures how long our threads waited for a core, and with several threads the CPU time fills with OpenMP threads
    /// spinning at barriers for a descheduled partner. Both misled us under load 50 on an EPYC where bf16 is 3× faster:
    /// wall time put bf16 at 0.8 GFLOP/s against fp32's 16, CPU time ÷ threads at 9 against 59. The ratio of the two
    /// kernels per core is what decides; it carries over to more threads. On CUDA the host's CPU time says nothing: wall.
    /// </summary>
    /// <returns>The rates, and the share of a core the probing thread got (1 on CUDA).</returns>
    public static (DtypeRates Rates, double CoreShare) Probe(Device device)
    {
        bool cpu = device.type != DeviceType.CUDA;
        int threads = get_num_threads();
        if (cpu) set_num_threads(1);
        try { return ProbeOnce(device, cpu); }
        finally { if (cpu) set_num_threads(threads); }
    }

    private static (DtypeRates, double) ProbeOnce(Device device, bool cpu)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var a = randn([Rows, Inner], device: device);
        var w = randn([Columns, Inner], device: device);
        var (a16, w16) = (a.to(ScalarType.BFloat16), w.to(ScalarType.BFloat16));
        bool bf16Works = TryTime(a16, w16, cpu, out _, out _);   // also the warm-up (oneDNN builds its bf16 kernels on first use)
        TryTime(a, w, cpu, out _, out _);
        // The share that matters is that of the runs whose rates are kept (the best of each dtype): the smaller one.
        double best32 = 0, best16 = 0, share32 = 1, share16 = 1;
        for (int i = 0; i < TimedRuns; i++)
        {
            if (TryTime(a, w, cpu, out double rate32, out double s32) && rate32 > best32) (best32, share32) = (rate32, s32);
            if (bf16Works && TryTime(a16, w16, cpu, out double rate16, out double s16) && rate16 > best16) (best16, share16) = (rate16, s16);
        }
        return (new DtypeRates(best32, best16), cpu ? Math.Min(share32, share16) : 1);
    }

    /// <summary>
    /// GFLOP/s of one GEMM, per CPU time of the calling thread (with one intra-op thread libtorch computes on it) or per
    /// wall time; <paramref name="coreShare"/> is CPU ÷ wall. Reading one value back waits for a GPU to finish.
    /// </summary>
    private static bool TryTime(Tensor a, Tensor w, bool perCpuTime, out double gflops, out double coreShare)
    {
        gflops = 0;
        coreShare = 0;
        try
        {
            using var inner = NewDisposeScope();
            double cpuBefore = ThreadCpuSeconds();
            var clock = Stopwatch.StartNew();
            var y = nn.functional.linear(a, w);
            _ = y[0, 0].to(ScalarType.Float32).cpu().item<float>();
            double wall = clock.Elapsed.TotalSeconds;
            double cpuSeconds = ThreadCpuSeconds() - cpuBefore;
            coreShare = cpuSeconds / Math.Max(wall, 1e-9);
            double seconds = perCpuTime ? cpuSeconds : wall;
            gflops = 2.0 * Rows * Inner * Columns / Math.Max(seconds, 1e-9) / 1e9;
            return true;
        }
        catch (ExternalException)
        {
            return false;   // a device without a bf16 GEMM kernel
        }
    }

    /// <summary>
    /// CPU time of the calling thread (clock_gettime CLOCK_THREAD_CPUTIME_ID): the process's total would also count the
    /// JIT, GC and Kestrel threads busy at start-up. Elsewhere than Linux, the process's CPU time.
    /// </summary>
    private static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTime, out var now) == 0) return now.Seconds + now.Nanoseconds * 1e-9;
        return Environment.CpuUsage.TotalTime.TotalSeconds;
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{RuntimeInformation.ProcessArchitecture} ({Environment.ProcessorCount} cores)";
    }

    private static string LibtorchVersion()
    {
        try { return torch.__version__; } catch (ExternalException) { return "?"; }
    }
}
