namespace Zuna.Engine.Input.Edf;

/// <summary>One signal of an EDF/BDF header, fields as written (label and unit stripped of surrounding spaces).</summary>
internal sealed record EdfSignal(
    string Label,
    string Unit,
    double PhysicalMin,
    double PhysicalMax,
    double DigitalMin,
    double DigitalMax,
    int SamplesPerRecord)
{
    /// <summary>EDF+ and BDF+ keep their time-stamped annotation lists (TALs) in a signal with one of these labels.</summary>
    public bool IsAnnotations => Label is "EDF Annotations" or "BDF Annotations";
}
