using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;
using Zuna.Api.Tests.Api;
using Zuna.Engine;
using Zuna.Engine.Inference;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>dtype=auto: the probe's verdict is honoured, cached per machine, overridden by an explicit dtype, and reported.</summary>
public sealed class DtypeAutoTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-dtype-").FullName;
    private string CacheFile => Path.Combine(_dir, "dtype-probe.tsv");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_probe_measures_both_rates_and_a_second_choice_reads_them_from_the_cache()
    {
        TorchRuntime.Initialise();
        int threads = get_num_threads();
        var first = DtypeAuto.Choose(CPU, CacheFile, minCoreShare: 0);   // cached even when the parallel tests crowd the probe
        Assert.Equal(threads, get_num_threads());   // the one-thread probe gives the threads back
        output.WriteLine(first.Reason);
        Assert.Contains("probed now", first.Reason);
        Assert.Contains(first.Dtype, new[] { "float32", "bfloat16" });
        string line = Assert.Single(File.ReadAllLines(CacheFile));
        Assert.StartsWith(DtypeAuto.MachineKey(CPU) + "\t", line);
        Assert.True(DtypeProbeCache.TryRead(CacheFile, DtypeAuto.MachineKey(CPU), out var rates));
        Assert.True(rates.Float32Gflops > 0, $"{rates}");

        var second = DtypeAuto.Choose(CPU, CacheFile);
        Assert.Equal(first.Dtype, second.Dtype);
        Assert.Contains("cached", second.Reason);
    }

    [Fact]
    public void A_probe_crowded_off_its_core_decides_this_run_only_and_is_not_cached()
    {
        TorchRuntime.Initialise();
        using var stop = new CancellationTokenSource();
        // Four busy threads per core: the probing thread gets about a fifth of a core.
        var spinners = Enumerable.Range(0, 4 * Environment.ProcessorCount)
            .Select(_ => new Thread(() => { while (!stop.IsCancellationRequested) Thread.SpinWait(1000); }) { IsBackground = true }).ToList();
        spinners.ForEach(t => t.Start());
        DtypeChoice choice;
        try { choice = DtypeAuto.Choose(CPU, CacheFile); }
        finally { stop.Cancel(); spinners.ForEach(t => t.Join()); }
        output.WriteLine(choice.Reason);
        Assert.Contains("probed now; the probe got", choice.Reason);
        Assert.Contains("not cached", choice.Reason);
        Assert.False(File.Exists(CacheFile));
        Assert.True(DtypeAuto.Choose(CPU, CacheFile, minCoreShare: 0).Reason.Contains("probed now", StringComparison.Ordinal));   // probed again
    }

    [Theory]
    [InlineData(100.0, 300.0, "bfloat16")]   // bf16 3× faster (EPYC-like): chosen
    [InlineData(278.0, 161.0, "float32")]    // bf16 slower (Xeon without AMX): not chosen
    [InlineData(100.0, 110.0, "float32")]    // within the margin: float32
    [InlineData(100.0, 0.0, "float32")]      // bf16 failed to run
    public void The_cached_rates_decide_with_a_margin(double fp32, double bf16, string expected)
    {
        TorchRuntime.Initialise();
        DtypeProbeCache.Write(CacheFile, DtypeAuto.MachineKey(CPU), new DtypeRates(fp32, bf16));
        var choice = DtypeAuto.Choose(CPU, CacheFile);
        Assert.Equal(expected, choice.Dtype);
        Assert.Contains($"float32 {fp32:F0} GFLOP/s, bfloat16 {bf16:F0} GFLOP/s, cached", choice.Reason);
    }

    [Fact]
    public void Another_machine_key_in_the_cache_is_not_used_and_a_damaged_line_is_ignored()
    {
        TorchRuntime.Initialise();
        File.WriteAllLines(CacheFile, ["some other cpu | libtorch 0 | threads 99\t100\t900", "garbage line", "x\tnot\ta number"]);
        var choice = DtypeAuto.Choose(CPU, CacheFile, minCoreShare: 0);   // cached even when the parallel tests crowd the probe
        Assert.Contains("probed now", choice.Reason);
        var lines = File.ReadAllLines(CacheFile);
        Assert.Contains(lines, l => l.StartsWith("some other cpu", StringComparison.Ordinal));   // other machines' entries are kept
        Assert.Contains(lines, l => l.StartsWith(DtypeAuto.MachineKey(CPU), StringComparison.Ordinal));
    }

    [Theory, InlineData("float32", "float32"), InlineData("fp32", "float32"), InlineData("bfloat16", "bfloat16"), InlineData("BF16", "bfloat16")]
    public void An_explicit_dtype_overrides_auto_without_probing(string requested, string expected)
    {
        DtypeProbeCache.Write(CacheFile, DtypeAuto.MachineKey(CPU), new DtypeRates(100, 900));   // would say bfloat16
        var choice = DtypeAuto.Resolve(requested, CPU, CacheFile);
        Assert.Equal(new DtypeChoice(expected, "requested"), choice);
        Assert.Throws<InvalidOptionException>(() => DtypeAuto.Resolve("float16", CPU, CacheFile));
    }

    [Fact]
    public void A_model_loaded_with_auto_runs_in_the_chosen_dtype_and_says_why()
    {
        TorchRuntime.Initialise();
        using var engine = ZunaEngine.Load(FixtureSet.Get("tiny").Directory, "cpu", "auto");
        Assert.Equal(engine.Info.DtypeReason.Contains("bfloat16 beats", StringComparison.Ordinal) ? "bfloat16" : "float32", engine.Info.Dtype);
        Assert.Equal(engine.Info.Dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32, engine.Network.decoder.output.weight.dtype);
        Assert.StartsWith("auto: ", engine.Info.DtypeReason);
        using var explicitly = ZunaEngine.Load(FixtureSet.Get("tiny").Directory, "cpu", "float32");
        Assert.Equal(("float32", "requested"), (explicitly.Info.Dtype, explicitly.Info.DtypeReason));
    }

    [Fact]
    public async Task Info_reports_what_auto_chose_and_why()
    {
        using var server = new ZunaServer(new() { ["Zuna:Model:Dtype"] = "auto" });
        var client = await server.ReadyClientAsync();
        var info = await client.GetFromJsonAsync<JsonElement>("/v1/info");
        Assert.Equal("auto", info.GetProperty("configured_dtype").GetString());
        var model = info.GetProperty("model");
        string reason = model.GetProperty("dtype_reason").GetString()!;
        output.WriteLine($"{model.GetProperty("dtype").GetString()}: {reason}");
        Assert.StartsWith("auto: ", reason);
        Assert.Contains(model.GetProperty("dtype").GetString(), new[] { "float32", "bfloat16" });
        Assert.Contains("GFLOP/s", reason);
    }
}
