using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Zuna.Engine.Weights;

/// <summary>
/// Copies checkpoint tensors into a module's parameters and buffers, straight from the memory-mapped file.
/// Every key and shape is checked before a single byte is copied; the first problem is named in a
/// <see cref="ModelLoadException"/>. After each tensor the mapped pages are dropped from this process
/// (madvise DONTNEED; they stay in the page cache), so peak RSS is about the parameters alone.
/// </summary>
public static class WeightLoader
{
    private static readonly HashSet<string> FloatDtypes = ["F32", "BF16", "F16"];

    /// <summary>Checks that <paramref name="checkpoint"/> holds exactly the tensors of <paramref name="module"/>, with equal shapes.</summary>
    public static void Validate(nn.Module module, Checkpoint checkpoint)
    {
        var expected = module.state_dict();
        foreach (var (key, target) in expected)
        {
            if (!checkpoint.Tensors.TryGetValue(key, out var source))
                throw new ModelLoadException($"checkpoint {checkpoint.Directory} has no tensor '{key}' (expected shape [{string.Join(", ", target.shape)}] for {ModelGenerations.Name(checkpoint.Generation)}).");
            if (!source.Entry.Shape.SequenceEqual(target.shape))
                throw new ModelLoadException($"checkpoint tensor '{key}' has shape [{string.Join(", ", source.Entry.Shape)}], the model expects [{string.Join(", ", target.shape)}].");
            if (!FloatDtypes.Contains(source.Entry.Dtype))
                throw new ModelLoadException($"checkpoint tensor '{key}' is {source.Entry.Dtype}; only F32, BF16 and F16 are supported.");
        }
        foreach (var key in checkpoint.Tensors.Keys.Order(StringComparer.Ordinal))
        {
            if (expected.ContainsKey(key)) continue;
            throw new ModelLoadException($"checkpoint tensor '{key}' is not part of the {ModelGenerations.Name(checkpoint.Generation)} model (generation told from the tensor names).");
        }
    }

    /// <summary>
    /// Validates, then copies every tensor into <paramref name="module"/> (dtype converted on the way).
    /// Tensors are copied by a few threads at once: the cost is page faults and memcpy, which scale with cores.
    /// </summary>
    public static void Load(nn.Module module, Checkpoint checkpoint)
    {
        Validate(module, checkpoint);
        var work = module.state_dict().Select(kv => (Target: kv.Value, Source: checkpoint.Tensors[kv.Key]))
            .OrderByDescending(w => w.Source.Entry.Length).ToList();   // big tensors first: even load across threads
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4) };
        Parallel.ForEach(work, parallel, w =>
        {
            // Parameters never require grad here, so copy_ needs no no_grad guard (which is thread-local anyway).
            var bytes = w.Source.File.Bytes(w.Source.Entry.Name);
            Copy(bytes, w.Source.Entry, w.Target);
            ReleasePages(bytes);
        });
    }

    private static void Copy(ReadOnlySpan<byte> bytes, SafeTensors.SafeTensorEntry entry, Tensor target)
    {
        bool direct = target.device_type == DeviceType.CPU && target.is_contiguous();
        if (direct && entry.Dtype == "F32" && target.dtype == ScalarType.Float32)
        {
            bytes.CopyTo(target.bytes);
            return;
        }
        if (direct && entry.Dtype == "BF16" && target.dtype == ScalarType.BFloat16)
        {
            bytes.CopyTo(target.bytes);
            return;
        }
        if (direct && entry.Dtype == "F32" && target.dtype == ScalarType.BFloat16)
        {
            FloatToBFloat16(MemoryMarshal.Cast<byte, float>(bytes), MemoryMarshal.Cast<byte, ushort>(target.bytes));
            return;
        }
        // Anything else (F16, BF16 → F32, a CUDA target): stage this one tensor on the CPU and let copy_ convert.
        var sourceType = entry.Dtype switch { "F32" => ScalarType.Float32, "BF16" => ScalarType.BFloat16, _ => ScalarType.Float16 };
        using var staging = empty(entry.Shape, sourceType);
        bytes.CopyTo(staging.bytes);
        target.copy_(staging);
    }

    /// <summary>Round-to-nearest-even float32 → bfloat16, as torch's .to(bfloat16) does (NaN kept as a quiet NaN).</summary>
    private static void FloatToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            if (float.IsNaN(source[i])) { destination[i] = (ushort)((bits >> 16) | 0x40); continue; }
            uint rounding = 0x7FFF + ((bits >> 16) & 1);
            destination[i] = (ushort)((bits + rounding) >> 16);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(IntPtr address, UIntPtr length, int advice);

    private const int MadvDontNeed = 4;

    /// <summary>Drops the mapped pages of a tensor already copied (Linux; elsewhere a no-op).</summary>
    private static unsafe void ReleasePages(ReadOnlySpan<byte> bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes.Length == 0) return;
        fixed (byte* p = bytes)
        {
            long page = Environment.SystemPageSize;
            long start = (long)p & ~(page - 1);
            long end = (long)p + bytes.Length;
            _ = madvise((IntPtr)start, (UIntPtr)(ulong)(end - start), MadvDontNeed);
        }
    }
}
