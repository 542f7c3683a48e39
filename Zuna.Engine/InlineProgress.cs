namespace Zuna.Engine;

/// <summary>
/// IProgress that reports on the calling thread. Progress&lt;T&gt; would post to the thread pool, so reports could arrive
/// out of order or after the work ended.
/// </summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
