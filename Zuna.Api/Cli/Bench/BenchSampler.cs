using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Zuna.Engine;
using Zuna.Engine.Inference;
using Zuna.Engine.Weights;
using static TorchSharp.torch;

namespace Zuna.Api.Cli.Bench;

/// <summary>
/// `zuna bench sampler`: steps × solver → decoder evaluations (NFE), error against a 200-step Euler reference started
/// from the same noise, and time; then the smallest NFE at which some solver is as close to the reference as the
/// original's 50-step Euler. Runs on full-size random weights and on the fixture models (one epoch each).
/// </summary>
public static class BenchSampler
{
    /// <summary>Default plan: a few step counts per solver around NFE 8–16, plus Euler 50 (the original's, the error to reach).</summary>
    private const string DefaultPlan = "euler:50,16,8;heun:4,6,8;midpoint:4,8;dpm2m:8,12,16";

    public static Command Create()
    {
        var channels = new Option<int>("--channels") { Description = "channels of the one epoch (5 s at 256 Hz)", DefaultValueFactory = _ => 12 };
        var threads = new Option<int>("--threads") { Description = "intra-op threads", DefaultValueFactory = _ => 2 };
        var plan = new Option<string>("--plan") { Description = "solver:steps,steps;… (euler:50 is always added: its error is the target)", DefaultValueFactory = _ => DefaultPlan };
        var reference = new Option<int>("--reference-steps") { Description = "Euler steps of the reference trajectory", DefaultValueFactory = _ => 200 };
        var models = new Option<string>("--models") { Description = "comma-separated: random (full-size ZUNA1.1, random weights), fixture names under shared/fixtures (tiny, mid, zuna11) or checkpoint folders", DefaultValueFactory = _ => "tiny,mid,zuna11,random" };
        var layers = new Option<int>("--layers") { Description = "layers per stack of the random model (16 = the released size)", DefaultValueFactory = _ => 16 };
        var dtype = new Option<string>("--dtype") { Description = "float32, bfloat16 or auto", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N]", DefaultValueFactory = _ => "cpu" };
        var command = new Command("sampler", "Solver accuracy vs decoder evaluations: error against a 200-step Euler reference from the same noise.");
        foreach (var o in new Option[] { channels, threads, plan, reference, models, layers, dtype, device }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var runs = ParsePlan(parse.GetValue(plan)!);
            var settings = new Settings(parse.GetValue(channels), parse.GetValue(threads), runs, parse.GetValue(reference),
                ModelVerbOptions.SplitList(parse.GetValue(models)), parse.GetValue(layers), parse.GetValue(dtype)!, parse.GetValue(device)!);
            Run(settings, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private sealed record Settings(int Channels, int Threads, IReadOnlyList<(SamplerKind Kind, int Steps)> Runs, int ReferenceSteps,
        IReadOnlyList<string> Models, int Layers, string Dtype, string Device);

    private sealed record Row(SamplerKind Kind, int Steps, int Evaluations, double Error, double Seconds);

    /// <summary>"euler:50,16;heun:8" → (euler, 50), (euler, 16), (heun, 8); Euler 50 is added when missing.</summary>
    internal static List<(SamplerKind Kind, int Steps)> ParsePlan(string text)
    {
        var runs = new List<(SamplerKind, int)>();
        foreach (string part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kindAndSteps = part.Split(':', 2);
            if (kindAndSteps.Length != 2) throw new InvalidOptionException($"--plan entries are solver:steps,steps (got '{part}').");
            var kind = SamplerKinds.Parse(kindAndSteps[0]);
            foreach (string steps in ModelVerbOptions.SplitList(kindAndSteps[1]))
                runs.Add((kind, int.TryParse(steps, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 1000
                    ? n : throw new InvalidOptionException($"--plan steps must be 1..1000 (got '{steps}').")));
        }
        if (!runs.Contains((SamplerKind.Euler, 50))) runs.Insert(0, (SamplerKind.Euler, 50));
        return runs;
    }

    private static void Run(Settings settings, TextWriter output)
    {
        TorchRuntime.Initialise(settings.Threads);
        torch.set_num_threads(settings.Threads);
        output.WriteLine($"# zuna bench sampler — {settings.Channels} channels × 1280 samples, one epoch, cfg 1, {settings.Dtype} on {settings.Device}, {settings.Threads} threads, libtorch {BenchModel.TorchVersion()}");
        output.WriteLine($"error = ‖z_N − z_ref‖ / ‖z_ref‖ over the final state, z_ref = Euler {settings.ReferenceSteps} steps from the same noise; NFE = decoder evaluations.");
        foreach (string model in settings.Models)
        {
            string? temporary = null;
            try
            {
                string dir = model switch
                {
                    "random" => temporary = WriteRandom(settings.Layers),
                    "tiny" or "mid" or "zuna11" => FixtureDirectory(model),
                    _ => model,
                };
                using var engine = ZunaEngine.Load(dir, settings.Device, settings.Dtype);
                output.WriteLine();
                output.WriteLine($"## {(model == "random" ? $"full-size {engine.Info.Generation}, random weights ({engine.Info.ParameterCount / 1e6:F0} M parameters)" : $"{model} ({engine.Info.Generation}, dim {engine.Config.Dim}, {engine.Config.NLayers} layers)")}");
                output.WriteLine();
                WriteTable(Measure(engine, settings), output);
            }
            finally
            {
                if (temporary is not null && Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static List<Row> Measure(ZunaEngine engine, Settings settings)
    {
        var batch = BenchModel.RandomBatch(settings.Channels, 1280, seed: settings.Channels);
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var (tokens, tokIdx) = engine.Tokens(batch, 10f);
        var latents = engine.Encode(tokens, tokIdx);
        using var rope = engine.DecoderRope(tokIdx);
        var z0 = NoiseSource.Draw([new NoiseKey(2026, 0)], batch.TokenCount, engine.Config.InputDim).Times((float)engine.Config.StftGlobalSigma).to(engine.Device);
        Tensor Solve(SamplerKind kind, int steps) =>
            RectifiedFlowSampler.Sample(engine.Network.decoder, latents, z0, rope, new SamplerOptions { Steps = steps, Sampler = kind });
        var reference = Solve(SamplerKind.Euler, settings.ReferenceSteps);
        double referenceNorm = reference.norm().item<float>();
        var rows = new List<Row>();
        foreach (var (kind, steps) in settings.Runs)
        {
            using var runScope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var z = Solve(kind, steps);
            double error = z.Minus(reference).norm().cpu().item<float>() / referenceNorm;
            rows.Add(new Row(kind, steps, kind.Evaluations(steps), error, clock.Elapsed.TotalSeconds));
        }
        return rows;
    }

    private static void WriteTable(List<Row> rows, TextWriter output)
    {
        double target = rows.First(r => r.Kind == SamplerKind.Euler && r.Steps == 50).Error;
        output.WriteLine("| solver | steps | NFE | error vs reference | × Euler-50 error | time s |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in rows.OrderBy(r => r.Kind).ThenBy(r => r.Evaluations))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Kind.Name()} | {r.Steps} | {r.Evaluations} | {r.Error:E2} | {r.Error / target:F2} | {r.Seconds:F2} |"));
        var best = rows.Where(r => r.Error <= target).OrderBy(r => r.Evaluations).ThenBy(r => r.Error).First();
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smallest NFE reaching 50-step Euler's error ({target:E2}): {best.Kind.Name()} {best.Steps} steps, NFE {best.Evaluations} ({best.Error:E2}); {50.0 / best.Evaluations:F1}× fewer decoder evaluations."));
    }

    private static string WriteRandom(int layers)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"zuna-bench-sampler-{Environment.ProcessId}");
        CheckpointWriter.WriteRandom(dir, ZunaConfig.Released(ModelGeneration.Zuna11) with { NLayers = layers }, seed: 20260301);
        return dir;
    }

    /// <summary>shared/fixtures/&lt;name&gt; beside the repository or under $ZUNA_SHARED_DIR.</summary>
    private static string FixtureDirectory(string name)
    {
        string? root = Environment.GetEnvironmentVariable("ZUNA_SHARED_DIR");
        foreach (string? candidate in new[] { root, "../shared", "shared", "/work/shared" })
            if (candidate is not null && Directory.Exists(Path.Combine(candidate, "fixtures", name))) return Path.Combine(candidate, "fixtures", name);
        throw new InvalidOptionException($"fixture model '{name}' not found: set ZUNA_SHARED_DIR to the folder holding fixtures/.");
    }
}
