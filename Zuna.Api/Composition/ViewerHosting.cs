using Microsoft.Extensions.FileProviders;

namespace Zuna.Api.Composition;

/// <summary>
/// The web viewer at <c>/</c>: the static files of wwwroot (the page, its stylesheet and the bundle built from viewer/),
/// public like the docs, its API calls going through /v1 and its authentication. Every file goes out with a
/// Content-Security-Policy that allows only this origin's own script (no inline script, no eval, nothing from elsewhere),
/// so a channel name that holds markup cannot run even if it were ever inserted as HTML.
/// </summary>
public static class ViewerHosting
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseZunaViewer(this WebApplication app)
    {
        // The files are copied beside the executable (Zuna.Api.csproj), so the page is there whatever the working
        // directory; the content root's wwwroot is the fallback.
        string besideExecutable = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        IFileProvider files = Directory.Exists(besideExecutable) ? new PhysicalFileProvider(besideExecutable) : app.Environment.WebRootFileProvider;
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.CacheControl = "no-cache"; // revalidate: a new service version brings a new bundle
            },
        });
        return app;
    }
}
