using System.Diagnostics;
using System.Threading.Channels;
using Zuna.Api.Cli.Figures;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// Many recordings in one command (see <see cref="FolderInputs"/> for which files count). One output per input, named
/// after it; each is written under a temporary name and renamed when complete, so outputs already complete are skipped
/// on the next run (resumable) and a cut-off run never leaves a half file under the final name. A bad file is reported
/// and the run goes on; the failures are listed at the end and the exit code says whether any failed. With overlap, the
/// next recording is read and preprocessed on another thread while the model runs on the current one; at most two wait
/// ready, so memory stays bounded by about three recordings.
/// </summary>
internal static class FolderRun
{
    /// <summary>
    /// Runs <paramref name="prepare"/> (read + preprocess, possibly ahead on another thread) and then
    /// <paramref name="process"/> (model + write to <see cref="FolderWork.Temporary"/>, returns a one-line summary) for
    /// every recording of <paramref name="plan"/> whose output is not complete. Returns the exit code.
    /// </summary>
    public static int Run<T>(FolderPlan plan, FolderSettings settings, Func<FolderItem, FolderPhases, T> prepare,
        Func<FolderItem, T, FolderWork, string> process, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var progress = IFolderProgress.Create(settings.Progress, output, error);
        var clock = Stopwatch.StartNew();
        var failures = new List<(FolderItem Item, Exception Error)>();
        int written = 0, skipped = 0;

        void Body()
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var (ready, reader) = settings.Overlap
                ? ReadAhead(plan, prepare, progress, stop.Token)
                : (Prepare(plan, prepare, progress, stop.Token), Task.CompletedTask);
            try
            {
                int index = 0;
                foreach (var next in ready)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    string prefix = $"[{++index}/{plan.Items.Count}] {next.Item.Relative}";
                    if (next.Skipped)
                    {
                        skipped++;
                        progress.Finished(next.Item, $"{prefix}: skipped, {Path.GetRelativePath(plan.OutDir, plan.Target(next.Item))} is complete", failed: false);
                        continue;
                    }
                    string summary = "";
                    var failure = next.Error ?? Write(plan, next, process, progress, out summary);
                    if (failure is null)
                    {
                        written++;
                        progress.Finished(next.Item, $"{prefix}: {summary} ({next.Times.Phases.Sum(p => p.Time.TotalSeconds):F1} s)", failed: false);
                    }
                    else
                    {
                        failures.Add((next.Item, failure));
                        progress.Finished(next.Item, $"{prefix}: failed: {CliApp.Describe(failure)}", failed: true);
                    }
                }
            }
            finally
            {
                stop.Cancel();
                // The read-ahead thread may be inside a preprocessing call; wait so no work outlives the command.
                try { reader.Wait(CancellationToken.None); } catch (AggregateException) { }
            }
        }

        progress.Run(plan.Items.Count, Body);
        output.WriteLine($"{written} written, {skipped} already complete, {failures.Count} failed, of {plan.Items.Count} recording{(plan.Items.Count == 1 ? "" : "s")} " +
            $"in {clock.Elapsed.TotalSeconds:F1} s.");
        foreach (var (item, failure) in failures) error.WriteLine($"zuna: failed: {item.Path}: {CliApp.Describe(failure)}");
        if (failures.Count == 0) return CliApp.ExitCodes.Ok;
        return failures.All(f => CliApp.ExitCodeFor(f.Error) == CliApp.ExitCodes.InvalidInput) ? CliApp.ExitCodes.InvalidInput : CliApp.ExitCodes.Failure;
    }

    /// <summary>Runs the model part and moves the output into place; returns the failure, or null when written.</summary>
    private static Exception? Write<T>(FolderPlan plan, Ready<T> next, Func<FolderItem, T, FolderWork, string> process,
        IFolderProgress progress, out string summary)
    {
        summary = "";
        string target = plan.Target(next.Item), temporary = FolderPlan.Temporary(target);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var work = new FolderWork(temporary, next.Times, progress.Log, (phase, fraction) => progress.Working(next.Item, phase, fraction));
            summary = process(next.Item, next.Value!, work);
            File.Move(temporary, target, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e; // a bad file never stops the run, whatever went wrong with it
        }
        finally
        {
            // Cancelled or failed: what was written so far is not an output. After the move there is nothing here.
            File.Delete(temporary);
        }
    }

    /// <summary>Each recording read and preprocessed when the loop asks for it (no overlap).</summary>
    private static IEnumerable<Ready<T>> Prepare<T>(FolderPlan plan, Func<FolderItem, FolderPhases, T> prepare,
        IFolderProgress progress, CancellationToken cancellationToken)
    {
        foreach (var item in plan.Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var times = new PhaseTimes();
            if (plan.IsComplete(item))
            {
                yield return new Ready<T>(item, default, null, times, Skipped: true);
                continue;
            }
            T? value = default;
            Exception? error = null;
            try { value = prepare(item, new FolderPhases(times, progress.Log, phase => progress.Preparing(item, phase))); }
            catch (Exception e) when (e is not OperationCanceledException) { error = e; }
            yield return new Ready<T>(item, value, error, times, Skipped: false);
        }
    }

    /// <summary>
    /// <see cref="Prepare"/> on a thread of its own, handing recordings over through a channel of one: the reader holds at
    /// most one more while it waits, so at most two are ready ahead of the model.
    /// </summary>
    private static (IEnumerable<Ready<T>> Ready, Task Reader) ReadAhead<T>(FolderPlan plan, Func<FolderItem, FolderPhases, T> prepare,
        IFolderProgress progress, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<Ready<T>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                foreach (var ready in Prepare(plan, prepare, progress, cancellationToken))
                    await channel.Writer.WriteAsync(ready, cancellationToken);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        return (channel.Reader.ReadAllAsync(cancellationToken).ToBlockingEnumerable(cancellationToken), reader);
    }

    /// <summary>A recording ready for the model: its preprocessed value, or why it could not be read.</summary>
    private sealed record Ready<T>(FolderItem Item, T? Value, Exception? Error, PhaseTimes Times, bool Skipped);
}
