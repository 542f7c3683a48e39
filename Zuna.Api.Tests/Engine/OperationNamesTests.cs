using Zuna.Engine.Inference;

namespace Zuna.Api.Tests.Engine;

public sealed class OperationNamesTests
{
    [Theory]
    [InlineData("preprocess", Operation.Preprocess)]
    [InlineData("embeddings", Operation.Embed)]
    [InlineData("reconstructions", Operation.Reconstruct)]
    [InlineData("repairs", Operation.Repair)]
    [InlineData("embed", Operation.Embed)]
    [InlineData("Reconstruct", Operation.Reconstruct)]
    [InlineData("EMBEDDINGS", Operation.Embed)]
    public void Operation_names_parse_case_insensitively_with_the_verb_aliases(string text, Operation expected)
    {
        Assert.True(OperationNames.TryParse(text, out var operation));
        Assert.Equal(expected, operation);
    }

    [Fact]
    public void Each_operation_has_one_canonical_name_and_unknown_names_are_refused()
    {
        Assert.Equal(["preprocess", "embeddings", "reconstructions", "repairs"], Enum.GetValues<Operation>().Select(OperationNames.Name));
        Assert.False(OperationNames.TryParse("dance", out _));
        Assert.False(OperationNames.TryParse(null, out _));
        Assert.False(OperationNames.TryParse(" embed", out _));
    }
}
