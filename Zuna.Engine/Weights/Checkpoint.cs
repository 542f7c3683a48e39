using System.Text.Json;
using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Weights;

/// <summary>One tensor of a checkpoint: the file that holds it and its header entry (key already without "model.").</summary>
public sealed record CheckpointTensor(string Key, SafeTensorsFile File, SafeTensorEntry Entry);

/// <summary>
/// A ZUNA checkpoint directory as Hugging Face ships it: config.json plus
/// model-00001-of-00001.safetensors, model.safetensors, or shards listed in model.safetensors.index.json.
/// The files stay memory-mapped; nothing is read until a tensor is copied.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private const string Prefix = "model.";
    private readonly List<SafeTensorsFile> _files = [];

    public string Directory { get; }
    /// <summary>config.json read with the defaults of <see cref="Generation"/>.</summary>
    public ZunaConfig Config { get; }
    /// <summary>ZUNA 1.0 or 1.1, from the tensor names (docs/zuna11.md §2.4).</summary>
    public ModelGeneration Generation => Config.Generation;
    public IReadOnlyList<string> WeightFiles { get; }
    public IReadOnlyDictionary<string, CheckpointTensor> Tensors { get; }

    private Checkpoint(string directory, ZunaConfig config, IReadOnlyList<string> weightFiles, Dictionary<string, CheckpointTensor> tensors, List<SafeTensorsFile> files)
    {
        Directory = directory;
        Config = config;
        WeightFiles = weightFiles;
        Tensors = tensors;
        _files = files;
    }

    /// <summary>
    /// Maps the weight files of <paramref name="directory"/>, tells the generation from the tensor names and reads
    /// config.json with that generation's defaults (a missing config means all defaults).
    /// </summary>
    public static Checkpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new ModelLoadException($"model directory not found: {directory}");
        var weightFiles = FindWeightFiles(directory);

        var files = new List<SafeTensorsFile>();
        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        try
        {
            foreach (string path in weightFiles)
            {
                SafeTensorsFile file;
                try { file = SafeTensorsFile.Open(path); }
                catch (Exception e) when (e is SafeTensorsFormatException or IOException or UnauthorizedAccessException)
                {
                    throw new ModelLoadException($"cannot read weights {path}: {e.Message}", e);
                }
                files.Add(file);
                foreach (var (name, entry) in file.Tensors)
                {
                    string key = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name;
                    if (!tensors.TryAdd(key, new CheckpointTensor(key, file, entry)))
                        throw new ModelLoadException($"{path}: tensor '{key}' appears twice in the checkpoint.");
                }
            }
            var generation = ModelGenerations.Detect(tensors.Keys, directory);
            string configPath = Path.Combine(directory, "config.json");
            var config = File.Exists(configPath) ? ZunaConfig.FromFile(configPath, generation) : ZunaConfig.FromJson("{}", configPath, generation);
            return new Checkpoint(directory, config, weightFiles, tensors, files);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static List<string> FindWeightFiles(string directory)
    {
        string index = Path.Combine(directory, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(index));
                var shards = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                    .Select(p => p.Value.GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                    .Select(name => Path.Combine(directory, name)).ToList();
                foreach (var shard in shards)
                    if (!File.Exists(shard)) throw new ModelLoadException($"{index}: shard {Path.GetFileName(shard)} is missing.");
                if (shards.Count == 0) throw new ModelLoadException($"{index}: weight_map is empty.");
                return shards;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new ModelLoadException($"{index}: not a valid safetensors index ({e.Message}).", e);
            }
        }
        foreach (string name in new[] { "model-00001-of-00001.safetensors", "model.safetensors" })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return [path];
        }
        var any = System.IO.Directory.GetFiles(directory, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (any.Count == 1) return any;
        throw new ModelLoadException(any.Count == 0
            ? $"no model-00001-of-00001.safetensors, model.safetensors or model.safetensors.index.json in {directory}"
            : $"{directory} holds {any.Count} .safetensors files and no model.safetensors.index.json; which is the model is ambiguous.");
    }

    /// <summary>n_heads from config.json, else the rows of the first encoder wq divided by head_dim (the released JSON omits it).</summary>
    public ZunaConfig ResolvedConfig()
    {
        if (Config.NHeads is not null) return Config;
        const string wq = "encoder.layers.0.attention.wq.weight";
        if (!Tensors.TryGetValue(wq, out var t) || t.Entry.Shape.Length != 2)
            throw new ModelLoadException($"checkpoint has no 2-D '{wq}' to derive n_heads from (config.json has no n_heads).");
        long rows = t.Entry.Shape[0];
        if (rows % Config.HeadDim != 0)
            throw new ModelLoadException($"'{wq}' has {rows} rows, not a multiple of head_dim {Config.HeadDim}.");
        return Config with { NHeads = (int)(rows / Config.HeadDim) };
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
