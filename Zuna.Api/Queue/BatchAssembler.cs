using System.Threading.Channels;
using Zuna.Api.Options;

namespace Zuna.Api.Queue;

/// <summary>A run of consecutive epochs of one request inside a batch.</summary>
public readonly record struct BatchSlice(InferenceWork Work, int FirstEpoch, int EpochCount);

/// <summary>
/// Forms batches on the inference thread: the oldest waiting request leads; requests whose epochs the model
/// sees with the same shapes (<see cref="InferenceWork.CanShareBatchWith"/>) fill the batch up to
/// MaxBatchEpochs, waiting at most MaxBatchDelayMs for them (0 turns cross-request batching off). A request longer than a batch is split over
/// consecutive batches; requests that do not fit keep their place in line.
/// A request taken off the channel still waits (it keeps its queue slot) until <see cref="Take"/> hands it its
/// first slice: only then does the queue claim it (false: it was cancelled meanwhile).
/// </summary>
internal sealed class BatchAssembler(ChannelReader<InferenceWork> queue, BatchingOptions options, InferenceQueue owner)
{
    public int MaxBatchEpochs => options.MaxBatchEpochs;

    /// <summary>Requests taken off the channel and not yet fully handed to batches, oldest first (waiting ones still count as queued).</summary>
    private readonly List<InferenceWork> _pending = [];

    /// <summary>The next batch, or null once the channel is completed and everything has run.</summary>
    public IReadOnlyList<BatchSlice>? Next(CancellationToken stop)
    {
        var head = NextHead(stop);
        if (head is null) return null;

        var slices = new List<BatchSlice>();
        int room = options.MaxBatchEpochs;
        if (!Take(head, slices, ref room)) return slices; // cancelled just now: an empty batch, the caller asks again
        if (options.MaxBatchDelayMs == 0) return slices; // cross-request batching off: one request per batch

        foreach (var other in _pending.ToArray())
        {
            if (room == 0) break;
            if (other.Completion.Task.IsCompleted) { _pending.Remove(other); continue; }
            if (other.CanShareBatchWith(head)) Take(other, slices, ref room);
        }

        long deadline = Environment.TickCount64 + options.MaxBatchDelayMs;
        while (room > 0 && !stop.IsCancellationRequested)
        {
            if (!queue.TryRead(out var next))
            {
                long wait = deadline - Environment.TickCount64;
                if (wait <= 0 || !WaitToRead(TimeSpan.FromMilliseconds(wait), stop)) break;
                continue;
            }
            if (next.Completion.Task.IsCompleted) continue; // cancelled while in the channel
            _pending.Add(next);
            if (next.CanShareBatchWith(head)) Take(next, slices, ref room);
        }
        return slices;
    }

    /// <summary>Fails everything still waiting (the worker is gone).</summary>
    public void FailRemaining(Exception reason)
    {
        foreach (var work in _pending)
        {
            owner.TryLeave(work);
            work.Completion.TrySetException(reason);
        }
        _pending.Clear();
        while (queue.TryRead(out var work))
            if (owner.TryLeave(work)) work.Completion.TrySetException(reason);
    }

    private InferenceWork? NextHead(CancellationToken stop)
    {
        while (true)
        {
            _pending.RemoveAll(w => w.Completion.Task.IsCompleted);
            if (_pending.Count > 0) return _pending[0];
            if (queue.TryRead(out var work))
            {
                if (!work.Completion.Task.IsCompleted) _pending.Add(work);
                continue;
            }
            if (!WaitToRead(Timeout.InfiniteTimeSpan, stop)) return null;
        }
    }

    /// <summary>Adds the request's next epochs to the batch; false when it was cancelled before its first slice.</summary>
    private bool Take(InferenceWork work, List<BatchSlice> slices, ref int room)
    {
        int count = Math.Min(room, work.Input.EpochCount - work.NextEpoch);
        if (count <= 0) return true;
        if (work.NextEpoch == 0 && !owner.TryStart(work))
        {
            _pending.Remove(work);
            return false;
        }
        slices.Add(new BatchSlice(work, work.NextEpoch, count));
        work.NextEpoch += count;
        room -= count;
        if (work.NextEpoch == work.Input.EpochCount) _pending.Remove(work);
        return true;
    }

    /// <summary>Blocks the inference thread until an item can be read (true), the channel completes, the wait times out or <paramref name="stop"/> fires (false).</summary>
    private bool WaitToRead(TimeSpan timeout, CancellationToken stop)
    {
        var ready = queue.WaitToReadAsync(stop).AsTask();
        try
        {
            return ready.Wait(timeout, stop) && ready.Result;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
            return false;
        }
    }
}
