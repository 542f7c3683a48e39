namespace Zuna.Api.Tests.Fif;

/// <summary>A theory that compares with MNE-Python (Debian's python3-mne); skipped, saying why, where it is missing.</summary>
public sealed class PythonMneTheoryAttribute : TheoryAttribute
{
    public PythonMneTheoryAttribute()
    {
        if (new PythonMneFactAttribute().Skip is { } reason) Skip = reason;
    }
}
