using Zuna.Api.Jobs.Store;

namespace Zuna.Api.Tests.Jobs;

public sealed class RecentUploadsTests
{
    [Fact]
    public void Keeps_the_newest_uploads_within_its_bytes_and_gives_each_out_once()
    {
        var kept = new RecentUploads(capacityBytes: 10);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), d = Guid.NewGuid();
        kept.Add(a, [1, 1, 1, 1]);
        kept.Add(b, [2, 2, 2, 2]);
        kept.Add(c, [3, 3, 3, 3]); // 12 bytes: the oldest goes
        Assert.Null(kept.Take(a));
        Assert.Equal([2, 2, 2, 2], kept.Take(b));
        Assert.Null(kept.Take(b)); // given out once
        kept.Add(d, [4, 4, 4, 4, 4, 4]); // 4 + 6 = 10 fits: c stays
        Assert.Equal([3, 3, 3, 3], kept.Take(c));
        kept.Add(Guid.NewGuid(), new byte[11]); // larger than the whole capacity: not kept, nothing evicted
        Assert.Equal([4, 4, 4, 4, 4, 4], kept.Take(d));
    }
}
