namespace Zuna.Api.Tests.Jobs;

/// <summary>The system clock moved forward by <see cref="Offset"/>: lets tests pass lease and retention deadlines without waiting.</summary>
public sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
