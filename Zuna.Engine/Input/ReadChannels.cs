using Zuna.Engine.Fif;

namespace Zuna.Engine.Input;

/// <summary>Helpers the non-FIF readers share to describe what they read in the recording model.</summary>
public static class ReadChannels
{
    /// <summary>A channel as MNE's readers make one: volts, calibration 1, head frame; no position unless given.</summary>
    public static FifChannel Create(string name, int index, FifChannelKind kind, float[]? location = null) =>
        new(name, index + 1, index + 1, (int)kind, 1, 1, 0, location ?? Enumerable.Repeat(float.NaN, 12).ToArray(), 0, 0, 4);

    /// <summary>The float copy of double volts that <see cref="RawRecording.Data"/> holds.</summary>
    public static float[][] ToFloat(double[][] volts) => volts.Select(d => Array.ConvertAll(d, v => (float)v)).ToArray();
}
