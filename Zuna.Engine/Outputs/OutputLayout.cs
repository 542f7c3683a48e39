using Zuna.Engine.SafeTensors;

namespace Zuna.Engine.Outputs;

/// <summary>
/// What one output file holds, independent of its format: the tensors (name, dtype, shape and the array they are
/// read from) in file order, and the metadata entries in order. <see cref="SafeTensorsWriter.From"/> writes it as
/// safetensors; a writer of another format (JSON) enumerates the same tensors and entries, so every format carries
/// the same names. The tensors reference the caller's arrays: build the layout when the data is final.
/// </summary>
public sealed record OutputLayout(IReadOnlyList<TensorToWrite> Tensors, IReadOnlyList<(string Key, string Value)> Metadata)
{
    /// <summary>The tensor called <paramref name="name"/>; an <see cref="ArgumentException"/> naming it when there is none.</summary>
    public TensorToWrite Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"this output has no tensor '{name}' (it has {string.Join(", ", Tensors.Select(t => t.Name))}).", nameof(name));
}
