using Zuna.Engine;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

internal static class FifTestFiles
{
    /// <summary>The real (not derived) files of shared/data/fif.</summary>
    public static readonly string[] Real =
    [
        "zuna__sample1_raw.fif",
        "bsl-datasets__resting_state_short-raw.fif",
        "mne-python__brainvision_test_bin_raw.fif",
        "fif_export__test_data-raw.fif",
    ];

    public static string PathOf(string name) => SharedData.Path("data/fif/" + name);

    /// <summary>The tag list of a FIF image, via the reader's own scan (used to aim corruptions at real header fields).</summary>
    public static List<FifTagEntry> Tags(byte[] bytes) =>
        FifTreeReader.Read(new MemoryFifSource(bytes) { Name = "test" }).Tags;

    /// <summary>Runs a read on the thread pool and fails if it takes more than 10 s (a hang).</summary>
    public static Exception? ReadWithTimeout(byte[] bytes, string name)
    {
        var task = Task.Run(() =>
        {
            using var ms = new MemoryStream(bytes, writable: false);
            FifReader.Read(ms, name);
        });
        try
        {
            Assert.True(task.Wait(TimeSpan.FromSeconds(10)), $"{name}: reading did not finish within 10 s");
            return null;
        }
        catch (AggregateException e)
        {
            return e.InnerException;
        }
    }

    public static void AssertFormatError(byte[] bytes, string name)
    {
        var error = ReadWithTimeout(bytes, name);
        Assert.True(error is not null, $"{name}: expected FifFormatException, but the file was read");
        Assert.True(error is FifFormatException, $"{name}: expected FifFormatException, got {error!.GetType().Name}: {error.Message}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
