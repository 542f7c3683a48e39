#:project ../../Zuna.Engine/Zuna.Engine.csproj
// Coverage-less mutation fuzzing of the one input door, RecordingLoader.Default (FIF reader + preprocessed-safetensors
// reader), seeded from real files. Every input must either load or fail with a typed ZunaInputException; anything else
// (IndexOutOfRange, OutOfMemory, NullReference, ...) is a crash, saved under bench/fuzz/crashes/ with its stack.
//   dotnet run bench/fuzz/fuzz.cs -- <seconds> <seed files...>      (see bench/fuzz/run.sh)
using System.Diagnostics;
using Zuna.Engine;
using Zuna.Engine.Input;

int seconds = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var seeds = args.Skip(1).Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).ToArray();
string crashDir = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "crashes");
var random = new Random(12345);
var outcomes = new Dictionary<string, int>();
var clock = Stopwatch.StartNew();
long executions = 0, crashes = 0;
double slowest = 0;

while (clock.Elapsed.TotalSeconds < seconds)
{
    var seed = seeds[random.Next(seeds.Length)];
    byte[] input = Mutate(seed.Bytes, random);
    var one = Stopwatch.StartNew();
    string outcome;
    try
    {
        RecordingLoader.Default.Load(RecordingSource.FromStream(new MemoryStream(input), seed.Name), InputOptions.Default);
        outcome = "loaded";
    }
    catch (ZunaInputException e) { outcome = e.GetType().Name; }
    catch (Exception e)
    {
        outcome = "CRASH " + e.GetType().Name;
        crashes++;
        Directory.CreateDirectory(crashDir);
        string file = Path.Combine(crashDir, $"crash-{executions}-{seed.Name}");
        File.WriteAllBytes(file, input);
        File.WriteAllText(file + ".txt", e.ToString());
    }
    slowest = Math.Max(slowest, one.Elapsed.TotalMilliseconds);
    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
    executions++;
}

Console.WriteLine($"{executions} executions in {clock.Elapsed.TotalSeconds:F0} s from {seeds.Length} seeds, {crashes} crashes, slowest input {slowest:F0} ms");
foreach (var (outcome, count) in outcomes.OrderByDescending(o => o.Value)) Console.WriteLine($"  {count,8}  {outcome}");
return crashes == 0 ? 0 : 1;

// 1-8 of: flip a bit, write an interesting value (0, 0xFF, 0x7F, 0x80, big int32), cut the tail, repeat a chunk.
static byte[] Mutate(byte[] seed, Random random)
{
    var data = new List<byte>(seed);
    int count = random.Next(1, 9);
    for (int i = 0; i < count && data.Count > 0; i++)
    {
        int at = random.Next(data.Count);
        switch (random.Next(5))
        {
            case 0: data[at] ^= (byte)(1 << random.Next(8)); break;
            case 1: data[at] = new byte[] { 0, 0xFF, 0x7F, 0x80 }[random.Next(4)]; break;
            case 2:
                byte[] big = BitConverter.GetBytes(new[] { int.MaxValue, int.MinValue, -1, 0x7FFFFFF0 }[random.Next(4)]);
                for (int k = 0; k < 4 && at + k < data.Count; k++) data[at + k] = big[k];
                break;
            case 3: data.RemoveRange(at, data.Count - at); break;
            default:
                int length = Math.Min(random.Next(1, 256), data.Count - at);
                data.InsertRange(at, data.GetRange(at, length));
                break;
        }
    }
    return [.. data];
}
