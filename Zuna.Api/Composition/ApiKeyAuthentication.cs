using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Zuna.Api.Options;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Composition;

/// <summary>
/// Bearer API keys from Zuna:Auth:ApiKeys (<c>Authorization: Bearer &lt;key&gt;</c>). The caller's identity is
/// "key-N" (its position in the list), never the key itself, so logs and rate-limit partitions do not leak it.
/// </summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<ZunaOptions> zuna,
    ZunaTelemetry telemetry) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    private readonly byte[][] _keyHashes = zuna.Value.Auth.ApiKeys.Select(Hash).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());

        // Compare fixed-length hashes in constant time, so timing says nothing about how much of a key matched nor
        // about its length; every configured key is compared, so it says nothing about which one matched either.
        // The failure message never carries the presented value (the framework logs it).
        byte[] presented = Hash(header["Bearer ".Length..].Trim());
        int match = -1;
        for (int i = 0; i < _keyHashes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, _keyHashes[i]) && match < 0) match = i;
        }
        if (match < 0) return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"key-{match + 1}")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        telemetry.RecordRejected("unauthorized");
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.StatusCode = StatusCodes.Status401Unauthorized; // body written by the status-code-pages problem details
        return Task.CompletedTask;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
