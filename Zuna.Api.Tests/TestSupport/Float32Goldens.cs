using System.Runtime.CompilerServices;

namespace Zuna.Api.Tests.TestSupport;

/// <summary>
/// The golden outputs are float32, while the default dtype=auto may choose bfloat16 on a CPU where it is faster. Every
/// in-process CLI run and every child process started by the tests reads Zuna__Model__Dtype, so this one setting keeps
/// them comparable to the goldens on any machine; the tests of auto itself ask for it explicitly.
/// </summary>
internal static class Float32Goldens
{
    [ModuleInitializer]
    internal static void PinDtype()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Zuna__Model__Dtype")))
            Environment.SetEnvironmentVariable("Zuna__Model__Dtype", "float32");
    }
}
