namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// A MATLAB value as an EEGLAB .set file stores it (MAT v5 or v7.3), reduced to what the reader needs. Shapes are
/// MATLAB's (column-major); <see cref="Count"/> is their product.
/// </summary>
public abstract record MatValue(int[] Dims)
{
    public long Count => Dims.Aggregate(1L, (a, d) => a * d);

    public bool IsEmpty => Count == 0;
}

/// <summary>A numeric or logical array, every class widened to double (complex parts dropped, as EEGLAB never stores any).</summary>
public sealed record MatNumeric(int[] Dims, double[] Values, bool IsFloatingPoint) : MatValue(Dims)
{
    /// <summary>
    /// The value as Python's str() prints what scipy.io.loadmat(squeeze_me=True) returns: a float for one double or
    /// single element ("1.0"), an int for one integer element ("1"), "[]" when empty.
    /// </summary>
    public string ToPythonText()
    {
        if (Values.Length == 0) return "[]";
        if (Values.Length > 1) return "[" + string.Join(" ", Values.Select(v => Format(v, IsFloatingPoint))) + "]";
        return Format(Values[0], IsFloatingPoint);
    }

    private static string Format(double v, bool floating)
    {
        if (!floating) return ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.Floor(v) && Math.Abs(v) < 1e16) return ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".0";
        string r = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return r.Replace("E-0", "e-0", StringComparison.Ordinal).Replace("E+", "e+", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
    }
}

/// <summary>A char array; one row is a string, several rows (MATLAB char matrices) are read row by row.</summary>
public sealed record MatChar(int[] Dims, string[] Rows) : MatValue(Dims)
{
    public string Text => Rows.Length == 0 ? "" : Rows[0];
}

/// <summary>A struct array: one field → value map per element, in MATLAB's (column-major) element order.</summary>
public sealed record MatStruct(int[] Dims, IReadOnlyList<string> FieldNames, IReadOnlyList<IReadOnlyDictionary<string, MatValue>> Elements) : MatValue(Dims)
{
    public MatValue? Field(string name, int element = 0) =>
        element < Elements.Count && Elements[element].TryGetValue(name, out var v) ? v : null;

    public bool HasField(string name) => FieldNames.Contains(name, StringComparer.Ordinal);
}

/// <summary>A cell array.</summary>
public sealed record MatCell(int[] Dims, IReadOnlyList<MatValue> Items) : MatValue(Dims);

/// <summary>Anything EEGLAB's reader never looks into (sparse matrices, function handles, objects): kept only so that it can be skipped.</summary>
public sealed record MatOther(int[] Dims, string Kind) : MatValue(Dims);
