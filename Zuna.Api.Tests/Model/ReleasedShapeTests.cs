using Zuna.Engine.Weights;

namespace Zuna.Api.Tests.Model;

/// <summary>The full-size module tree (built on the meta device, no memory) against docs/zuna-model.md §1.2–§2.</summary>
public sealed class ReleasedShapeTests
{
    [Fact]
    public void Released_config_gives_463_tensors_and_382M_parameters_with_the_documented_shapes()
    {
        // config.json of the release omits n_heads; the loader derives it from wq (512 rows / 64).
        var config = new ZunaConfig() with { NHeads = 512 / 64 };
        var tensors = CheckpointWriter.ExpectedTensors(config).ToDictionary(t => t.Key, t => t.Shape);
        Assert.Equal(463, tensors.Count);
        long parameters = tensors.Where(t => t.Key != "decoder.t_embedder.weight").Sum(t => t.Value.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(382_018_656, parameters);
        Assert.Equal(2816, config.FfnHidden);
        Assert.Equal(new long[] { 512, 1024 }, tensors["encoder.layers.15.attention.wq.weight"]);
        Assert.Equal(new long[] { 1024, 512 }, tensors["decoder.layers.0.cross_attention.wo.weight"]);
        Assert.Equal(new long[] { 1024, 64 }, tensors["decoder.layers.3.cross_attention_y_norm.weight.weight"]);
        Assert.Equal(new long[] { 32, 1 }, tensors["decoder.t_embedder.weight"]);
        Assert.Equal(new long[] { 1, 32 }, tensors["encoder.registers"]);
        Assert.Equal(new long[] { 1024 }, tensors["decoder.norm.weight.bias"]);
        Assert.Equal(new long[] { 2816, 1024 }, tensors["decoder.layers.15.feed_forward.w3.weight"]);
    }

    [Fact]
    public void Config_json_defaults_apply_to_absent_keys()
    {
        var config = ZunaConfig.FromJson("""{"model": {"dim": 1024, "n_layers": 16, "head_dim": 64, "rope_theta": 10000.0, "huber_c": null}}""");
        Assert.Equal((1024, 16, 64, 64, 50, 1e-5, 0.1, 8), (config.Dim, config.NLayers, config.HeadDim, config.TDim, config.MaxSeqLen, config.NormEps, config.StftGlobalSigma, config.Heads));
        Assert.Null(config.NHeads);
        Assert.Throws<Zuna.Engine.ModelLoadException>(() => ZunaConfig.FromJson("""{"model": {"rope_dim": 1}}"""));
        Assert.Throws<Zuna.Engine.ModelLoadException>(() => ZunaConfig.FromJson("not json"));
    }
}
