namespace Zuna.Api.Endpoints;

/// <summary>What a form field holds, as the OpenAPI document shows it (the property itself is text or a file).</summary>
public enum FormFieldType { Text, Integer, Number, Boolean, Binary }

/// <summary>
/// The OpenAPI face of one form field: its type, an example (shown, never pre-filled: Swagger UI would send it),
/// the allowed values of a choice, and whether it is required. Read by the OpenAPI form transformer in Composition.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormFieldAttribute(FormFieldType type) : Attribute
{
    public FormFieldType Type { get; } = type;
    public bool Required { get; init; }
    public string? Example { get; init; }
    public string? Format { get; init; }
    public string[] Allowed { get; init; } = [];
    /// <summary>What the service assumes when a boolean field is absent (Swagger UI sends the default it is shown).</summary>
    public bool BooleanDefault { get; init; }
}
