using Zuna.Engine;
using Zuna.Engine.Hub;

namespace Zuna.Api.Tests.Hub;

/// <summary>Resolution against a real HTTP stand-in for the hub, into a fresh temporary cache per test.</summary>
public sealed class ModelResolverTests : IAsyncLifetime
{
    private StandInHub _hub = null!;
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "zuna-hub-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => _hub = await StandInHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    private string RepoFolder => Path.Combine(_cache, "models--Zyphra--ZUNA");
    private string WeightsBlob => Path.Combine(RepoFolder, "blobs", StandInHub.WeightsSha256);

    private HubOptions Options(Func<HubOptions, HubOptions>? change = null)
    {
        var options = new HubOptions { Endpoint = _hub.EndpointText, CacheDirectory = _cache, RepoId = StandInHub.RepoId };
        return change is null ? options : change(options);
    }

    [Fact]
    public async Task Fresh_download_produces_the_huggingface_hub_cache_layout_with_files_equal_to_the_fixture()
    {
        var model = await ModelResolver.ResolveAsync(Options());

        string snapshot = Path.Combine(RepoFolder, "snapshots", StandInHub.Commit);
        Assert.Equal(ModelSource.Download, model.Source);
        Assert.Equal(StandInHub.Commit, model.Revision);
        Assert.Equal(snapshot, model.Directory);
        Assert.Equal(Path.Combine(snapshot, "config.json"), model.ConfigPath);
        Assert.Equal(Path.Combine(snapshot, StandInHub.WeightsFile), model.WeightsPath);

        // refs/main holds the bare sha (huggingface_hub reads it without stripping).
        Assert.Equal(StandInHub.Commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        // Blobs are named by git sha1 (small file) and LFS sha256 (weights); nothing else is left behind.
        Assert.Equal(
            new[] { StandInHub.ConfigGitSha1, StandInHub.WeightsSha256 }.Order(),
            Directory.GetFiles(Path.Combine(RepoFolder, "blobs")).Select(Path.GetFileName).Order());
        Assert.Equal(StandInHub.Config, File.ReadAllBytes(Path.Combine(RepoFolder, "blobs", StandInHub.ConfigGitSha1)));
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(WeightsBlob));
        // Snapshot entries are relative symlinks into blobs/, exactly as huggingface_hub makes them.
        Assert.Equal($"../../blobs/{StandInHub.ConfigGitSha1}", new FileInfo(model.ConfigPath).LinkTarget);
        Assert.Equal($"../../blobs/{StandInHub.WeightsSha256}", new FileInfo(model.WeightsPath).LinkTarget);
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
        Assert.Equal(2, Directory.GetFileSystemEntries(snapshot).Length);
        Assert.True(File.Exists(Path.Combine(_cache, ".locks", "models--Zyphra--ZUNA", StandInHub.WeightsSha256 + ".lock")));
        Assert.True(File.Exists(Path.Combine(_cache, "CACHEDIR.TAG")));
    }

    [Fact]
    public async Task Second_resolve_uses_the_cache_without_any_request()
    {
        await ModelResolver.ResolveAsync(Options());
        int afterDownload = _hub.Requests.Count;
        Assert.True(afterDownload >= 3, $"expected HEAD+GET requests, saw {afterDownload}");

        var again = await ModelResolver.ResolveAsync(Options());

        Assert.Equal(ModelSource.Cache, again.Source);
        Assert.Equal(StandInHub.Commit, again.Revision);
        Assert.Equal(afterDownload, _hub.Requests.Count);
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(again.WeightsPath));
    }

    [Fact]
    public async Task Download_reports_progress_up_to_the_full_size()
    {
        var reports = new List<DownloadProgress>();
        await ModelResolver.ResolveAsync(Options(), new SyncProgress(reports.Add));

        var weights = reports.Where(r => r.File == StandInHub.WeightsFile).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, r => Assert.Equal(StandInHub.Weights.Length, r.BytesTotal));
        Assert.Equal(StandInHub.Weights.Length, weights[^1].BytesDone);
        Assert.Equal(weights.Select(r => r.BytesDone).Order(), weights.Select(r => r.BytesDone)); // never goes back
        Assert.Contains(reports, r => r.File == "config.json" && r.BytesDone == StandInHub.Config.Length);
    }

    [Fact]
    public async Task A_dropped_connection_is_resumed_with_a_Range_request()
    {
        const int cut = 300_000;
        _hub.DropAfterBytes = cut;
        _hub.DropCount = 1;

        var model = await ModelResolver.ResolveAsync(Options());

        var cdnGets = _hub.Requests.Where(r => r.Method == "GET" && r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cdnGets.Count);
        Assert.Null(cdnGets[0].Range);
        long resumedAt = ParseRangeStart(cdnGets[1].Range);
        Assert.InRange(resumedAt, 1, cut); // resumed from what reached the disk, not from zero
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
        Assert.False(File.Exists(WeightsBlob + ".incomplete"));
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed_from_its_length()
    {
        const int partial = 123_457;
        Directory.CreateDirectory(Path.Combine(RepoFolder, "blobs"));
        File.WriteAllBytes(WeightsBlob + ".incomplete", StandInHub.Weights[..partial]);

        var model = await ModelResolver.ResolveAsync(Options());

        var cdnGet = Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.Equal($"bytes={partial}-", cdnGet.Range);
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
    }

    [Fact]
    public async Task Cancelling_mid_download_keeps_the_partial_file_for_the_next_run()
    {
        const int sent = 200_000;
        _hub.StallAfterBytes = sent;
        using var cancel = new CancellationTokenSource();
        var resolving = ModelResolver.ResolveAsync(Options(), null, cancel.Token);
        await _hub.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Wait until everything the server flushed is on disk, then cancel while the client waits for more.
        for (int i = 0; i < 200 && PartialLength() < sent; i++) await Task.Delay(50);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolving);

        long kept = PartialLength();
        Assert.Equal(sent, kept);
        Assert.Equal(StandInHub.Weights[..(int)kept], File.ReadAllBytes(WeightsBlob + ".incomplete"));
        Assert.False(File.Exists(WeightsBlob));

        _hub.StallAfterBytes = 0;
        var model = await ModelResolver.ResolveAsync(Options());
        Assert.Equal($"bytes={kept}-", _hub.Requests.Last(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).Range);
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
    }

    [Fact]
    public async Task A_server_that_ignores_Range_still_yields_the_correct_file()
    {
        Directory.CreateDirectory(Path.Combine(RepoFolder, "blobs"));
        File.WriteAllBytes(WeightsBlob + ".incomplete", StandInHub.Weights[..1000]);
        _hub.IgnoreRange = true;

        var model = await ModelResolver.ResolveAsync(Options());

        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
    }

    [Fact]
    public async Task Sha256_mismatch_fails_and_leaves_no_blob_partial_file_or_ref()
    {
        string wrong = StandInHub.ConfigGitSha1 + new string('0', 24); // 64 hex digits, not the content's hash
        _hub.AdvertisedWeightsSha256 = wrong;

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => ModelResolver.ResolveAsync(Options()));

        Assert.Contains("Checksum mismatch", error.Message);
        Assert.Contains(wrong, error.Message);
        Assert.Contains(StandInHub.WeightsSha256, error.Message); // the hash actually received
        string blobs = Path.Combine(RepoFolder, "blobs");
        Assert.False(File.Exists(Path.Combine(blobs, wrong)));
        Assert.False(File.Exists(Path.Combine(blobs, wrong + ".incomplete")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", StandInHub.Commit, StandInHub.WeightsFile)));
    }

    [Fact]
    public async Task Offline_with_an_empty_cache_fails_clearly_without_any_request()
    {
        var error = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { Offline = true })));

        Assert.Contains("HF_HUB_OFFLINE", error.Message);
        Assert.Contains(_cache, error.Message);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Offline_with_a_populated_cache_resolves_without_any_request()
    {
        await ModelResolver.ResolveAsync(Options());
        int before = _hub.Requests.Count;

        var model = await ModelResolver.ResolveAsync(Options(o => o with { Offline = true }));

        Assert.Equal(ModelSource.Cache, model.Source);
        Assert.Equal(StandInHub.Commit, model.Revision);
        Assert.Equal(StandInHub.Config, File.ReadAllBytes(model.ConfigPath));
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public async Task Offline_with_a_commit_sha_revision_finds_the_snapshot_without_refs()
    {
        await ModelResolver.ResolveAsync(Options());
        File.Delete(Path.Combine(RepoFolder, "refs", "main"));

        var pinned = await ModelResolver.ResolveAsync(Options(o => o with { Offline = true, Revision = StandInHub.Commit }));
        Assert.Equal(StandInHub.Commit, pinned.Revision);
        await Assert.ThrowsAsync<ModelLoadException>(() => ModelResolver.ResolveAsync(Options(o => o with { Offline = true })));
    }

    [Fact]
    public async Task Token_is_sent_as_Bearer_to_the_hub_and_not_to_the_CDN()
    {
        _hub.RequiredToken = "hf_stand_in_token";

        var model = await ModelResolver.ResolveAsync(Options(o => o with { Token = "hf_stand_in_token" }));

        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
        var resolveRequests = _hub.Requests.Where(r => r.Path.Contains("/resolve/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(resolveRequests);
        Assert.All(resolveRequests, r => Assert.Equal("Bearer hf_stand_in_token", r.Authorization));
        Assert.All(_hub.Requests.Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)), r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Missing_token_for_a_protected_repository_gives_a_clear_error()
    {
        _hub.RequiredToken = "hf_stand_in_token";

        var error = await Assert.ThrowsAsync<ModelLoadException>(() => ModelResolver.ResolveAsync(Options()));

        Assert.Contains("Zyphra/ZUNA", error.Message);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains("401", error.Message);
    }

    [Fact]
    public async Task Explicit_model_directory_wins_over_cache_and_hub()
    {
        string tiny = SharedData.Path("fixtures/tiny");

        var model = await ModelResolver.ResolveAsync(Options(o => o with { ModelDirectory = tiny }));

        Assert.Equal(ModelSource.Explicit, model.Source);
        Assert.Equal(Path.GetFullPath(tiny), model.Directory);
        Assert.Equal(Path.Combine(Path.GetFullPath(tiny), "model.safetensors"), model.WeightsPath);
        Assert.Equal(StandInHub.Config, File.ReadAllBytes(model.ConfigPath));
        Assert.Empty(_hub.Requests);
        Assert.False(Directory.Exists(_cache));
    }

    [Fact]
    public async Task Explicit_directory_without_config_or_weights_fails_clearly()
    {
        string folder = Path.Combine(_cache, "manual");
        Directory.CreateDirectory(folder);

        var noConfig = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { ModelDirectory = folder })));
        Assert.Contains("config.json", noConfig.Message);

        File.WriteAllBytes(Path.Combine(folder, "config.json"), StandInHub.Config);
        var noWeights = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { ModelDirectory = folder })));
        Assert.Contains("model-00001-of-00001.safetensors", noWeights.Message);

        var missing = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { ModelDirectory = Path.Combine(folder, "absent") })));
        Assert.Contains("does not exist", missing.Message);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task HF_ENDPOINT_from_the_environment_is_where_files_come_from()
    {
        var env = new Dictionary<string, string?>
        {
            ["HF_ENDPOINT"] = _hub.EndpointText + "/",
            ["HF_HUB_CACHE"] = _cache,
        };
        var options = HubOptions.FromEnvironment(name => env.GetValueOrDefault(name)) with { RepoId = StandInHub.RepoId };

        var model = await ModelResolver.ResolveAsync(options);

        Assert.Equal(_hub.EndpointText, options.Endpoint);
        Assert.Equal(ModelSource.Download, model.Source);
        Assert.Contains(_hub.Requests, r => r.Path == $"/Zyphra/ZUNA/resolve/main/config.json");
        Assert.Equal(StandInHub.Weights, File.ReadAllBytes(model.WeightsPath));
    }

    [Fact]
    public async Task Missing_file_gives_a_clear_not_found_error()
    {
        var error = await Assert.ThrowsAsync<ModelLoadException>(() => ModelResolver.ResolveAsync(
            Options(o => o with { Files = ["config.json", "model-00002-of-00002.safetensors"] })));

        Assert.Contains("'model-00002-of-00002.safetensors' does not exist in 'Zyphra/ZUNA'", error.Message);
        Assert.Contains("404", error.Message);
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")));
    }

    [Fact]
    public async Task Unknown_repository_and_revision_give_clear_errors()
    {
        var repo = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { RepoId = "Zyphra/NOPE" })));
        Assert.Contains("Repository 'Zyphra/NOPE' was not found", repo.Message);

        var revision = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { Revision = "v9" })));
        Assert.Contains("Revision 'v9' does not exist", revision.Message);
    }

    [Fact]
    public async Task Unreachable_hub_gives_a_network_error_that_names_the_way_out()
    {
        string endpoint = _hub.EndpointText;
        await _hub.DisposeAsync(); // nothing listens on the port any more
        _hub = await StandInHub.StartAsync();

        var error = await Assert.ThrowsAsync<ModelLoadException>(
            () => ModelResolver.ResolveAsync(Options(o => o with { Endpoint = endpoint })));

        Assert.Contains("Could not reach the Hugging Face hub", error.Message);
        Assert.Contains("HF_HUB_OFFLINE", error.Message);
    }

    [Fact]
    public async Task Two_concurrent_resolves_share_one_download_and_both_succeed()
    {
        var first = ModelResolver.ResolveAsync(Options());
        var second = ModelResolver.ResolveAsync(Options());
        var models = await Task.WhenAll(first, second);

        Assert.All(models, m => Assert.Equal(StandInHub.Weights, File.ReadAllBytes(m.WeightsPath)));
        // The second waits on the blob lock and finds the blob done: the CDN is hit once.
        Assert.Single(_hub.Requests, r => r.Method == "GET" && r.Path.StartsWith("/cdn/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_options_are_rejected_before_any_request()
    {
        await Assert.ThrowsAsync<InvalidOptionException>(() => ModelResolver.ResolveAsync(Options(o => o with { RepoId = "ZUNA" })));
        await Assert.ThrowsAsync<InvalidOptionException>(() => ModelResolver.ResolveAsync(Options(o => o with { Files = ["config.json", "../x.safetensors"] })));
        await Assert.ThrowsAsync<InvalidOptionException>(() => ModelResolver.ResolveAsync(Options(o => o with { Endpoint = "ftp://hub" })));
        Assert.Empty(_hub.Requests);
    }

    private long PartialLength() => File.Exists(WeightsBlob + ".incomplete") ? new FileInfo(WeightsBlob + ".incomplete").Length : 0;

    private static long ParseRangeStart(string? range)
    {
        Assert.NotNull(range);
        Assert.StartsWith("bytes=", range);
        Assert.EndsWith("-", range);
        return long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
