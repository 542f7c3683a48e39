using Zuna.Engine.Fif;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// What a FIF output needs to know about the recording the epochs came from, carried through preprocessing so a
/// reconstruction written as FIF keeps what MNE users expect. Times are at 256 Hz: <see cref="FirstSample"/> is the
/// absolute index (MNE's first_samp) of sample 0 of the continuous preprocessed signal; annotation onsets count in
/// seconds from that sample; <see cref="EpochStarts"/> are the samples where the kept epochs begin.
/// </summary>
public sealed record RecordingOrigin(
    DateTimeOffset? MeasurementDate,
    long FirstSample,
    IReadOnlyList<FifAnnotation> Annotations,
    IReadOnlyList<FifDigPoint> DigPoints,
    double HighPass,
    double LowPass,
    bool AverageReference,
    double? LineFrequency,
    IReadOnlyList<int> EpochStarts);
