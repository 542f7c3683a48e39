using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Zuna.Api.Options;

namespace Zuna.Api.Composition;

/// <summary>
/// When API keys are configured, the document declares the bearer scheme and requires it on every /v1 operation, so
/// Swagger UI shows its Authorize button and sends the key with "Try it out".
/// </summary>
internal static class OpenApiSecurity
{
    public static Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken _)
    {
        var auth = context.ApplicationServices.GetRequiredService<IOptions<ZunaOptions>>().Value.Auth;
        if (auth.ApiKeys.Length == 0) return Task.CompletedTask;

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "One of the keys in Zuna:Auth:ApiKeys, sent as `Authorization: Bearer <key>` on /v1/*.",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyHandler.SchemeName, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/v1/", StringComparison.Ordinal) || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values) operation.Security = [requirement];
        }
        return Task.CompletedTask;
    }
}
