using System.Text.Json;
using Zuna.Api.Errors;

namespace Zuna.Api.Jobs;

/// <summary>A failed job's problem, stored as JSON so any replica can answer with it.</summary>
public static class ErrorJson
{
    public static string Of(Exception exception) => JsonSerializer.Serialize(ErrorMapping.ToProblem(exception));
}
