using Zuna.Engine.Inference;
using Zuna.Engine.Model;
using static TorchSharp.torch;

namespace Zuna.Api.Tests.Model;

/// <summary>The per-model cache of the decoder's time conditioning: same values as computing them per step, reused across requests.</summary>
public sealed class DecoderTimeCacheTests
{
    [Theory, InlineData("tiny"), InlineData("zuna11")]
    public void Cached_state_is_bit_identical_to_the_state_computed_for_that_t(string set)
    {
        var f = FixtureSet.Get(set);
        var engine = f.Engine();
        lock (engine)
        {
            using var mode = inference_mode();
            var decoder = engine.Network.decoder;
            foreach (float t in new[] { 1f, 0.7f, 0.02f })
            {
                using var fresh = decoder.TimeState(t);
                var cached = decoder.TimeCache.Get(t);
                Assert.Same(cached, decoder.TimeCache.Get(t));   // the second request for t computes nothing
                Assert.Equal(Compare.ToArray(fresh.Embedding), Compare.ToArray(cached.Embedding));
                Assert.Equal(Compare.ToArray(fresh.Final), Compare.ToArray(cached.Final));
                for (int i = 0; i < fresh.Blocks.Count; i++)
                {
                    Assert.Equal(Compare.ToArray(fresh.Blocks[i].X), Compare.ToArray(cached.Blocks[i].X));
                    Assert.Equal(Compare.ToArray(fresh.Blocks[i].Y), Compare.ToArray(cached.Blocks[i].Y));
                    Assert.Equal(Compare.ToArray(fresh.Blocks[i].Attention), Compare.ToArray(cached.Blocks[i].Attention));
                    Assert.Equal(Compare.ToArray(fresh.Blocks[i].Ffn), Compare.ToArray(cached.Blocks[i].Ffn));
                }
            }
        }
    }

    [Fact]
    public void A_second_request_with_the_same_schedule_adds_no_states_and_gives_the_same_output()
    {
        var f = FixtureSet.Get("mid");
        var engine = f.Engine();
        var batch = f.Batch("c3");
        var options = new SamplerOptions { Steps = 7, Sampler = SamplerKind.Heun };
        lock (engine)
        {
            var cache = engine.Network.decoder.TimeCache;
            cache.Clear();
            var first = engine.Reconstruct(batch, options, [new NoiseKey(5, 0)]);
            Assert.Equal(7, cache.Count);   // Heun on a 7-step grid evaluates at t = 7/7 … 1/7: seven distinct times
            var second = engine.Reconstruct(batch, options, [new NoiseKey(5, 0)]);
            Assert.Equal(7, cache.Count);
            Assert.Equal(first, second);
        }
    }

    [Fact]
    public void The_cache_starts_over_instead_of_growing_past_its_capacity()
    {
        int computed = 0;
        using var cache = new DecoderTimeCache(t => { computed++; return new DecoderTimeState([], full([1], t), full([1], t)); }, capacity: 3);
        foreach (float t in new[] { 0.1f, 0.2f, 0.3f, 0.1f }) cache.Get(t);
        Assert.Equal(3, computed);
        Assert.Equal(3, cache.Count);
        cache.Get(0.4f);   // full: cleared, then 0.4 added
        Assert.Equal(1, cache.Count);
        Assert.Equal(0.4f, cache.Get(0.4f).Final.item<float>());
        Assert.Equal(4, computed);
    }
}
