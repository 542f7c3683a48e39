namespace Zuna.Api.Tests.TestSupport;

/// <summary>Tests that must not share the process with others while they run (xunit runs this collection alone).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExclusiveCollection
{
    public const string Name = "Exclusive";
}
