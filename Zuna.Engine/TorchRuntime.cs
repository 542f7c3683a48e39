using TorchSharp;

namespace Zuna.Engine;

/// <summary>Process-wide libtorch set-up: thread counts and device choice, done once.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static volatile bool _initialised;

    /// <summary>True once the model runtime set libtorch up; from then on the signal code sends every FFT to libtorch too.</summary>
    public static bool IsInitialised => _initialised;

    /// <summary>Loads libtorch and sets intra-op threads (0 = leave libtorch's default).</summary>
    public static void Initialise(int intraOpThreads = 0)
    {
        lock (Gate)
        {
            if (_initialised) return;
            if (intraOpThreads > 0) torch.set_num_threads(intraOpThreads);
            _initialised = true;
        }
    }

    /// <summary>"cuda" when a CUDA device is usable, else "cpu".</summary>
    public static string DefaultDevice() => torch.cuda.is_available() ? "cuda" : "cpu";
}
