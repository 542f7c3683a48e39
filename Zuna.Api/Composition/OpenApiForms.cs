using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Zuna.Api.Endpoints;

namespace Zuna.Api.Composition;

/// <summary>
/// Makes the upload endpoints usable from Swagger UI as shipped: one flat multipart schema per form (the generator splits
/// it into allOf parts and shows every field as text), with each field's type, description and examples taken from the
/// form class (<see cref="FormFieldAttribute"/>), the file as binary, and the allowed values of <c>format</c>.
/// </summary>
internal static class OpenApiForms
{
    private const string Multipart = "multipart/form-data";

    public static Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var handler = context.Description.ActionDescriptor.EndpointMetadata.OfType<MethodInfo>().FirstOrDefault();
        var formType = handler?.GetParameters()
            .FirstOrDefault(p => p.GetCustomAttribute<AsParametersAttribute>() is not null && p.ParameterType.IsAssignableTo(typeof(UploadForm)))
            ?.ParameterType;
        if (formType is not null && operation.RequestBody?.Content?.TryGetValue(Multipart, out var media) == true)
            media.Schema = FormSchema(formType);
        bool fifOffered = formType == typeof(ReconstructionForm); // FIF holds a reconstruction in volts, nothing else
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter is not { Name: "format", In: ParameterLocation.Query }) continue;
            string[] formats = fifOffered ? ["safetensors", "json", "fif"] : ["safetensors", "json"];
            parameter.Description = $"Result format: {string.Join(", ", formats)}. Empty: from the Accept header, else safetensors.";
            parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. formats.Select(f => (JsonNode)f)] };
        }
        return Task.CompletedTask;
    }

    /// <summary>The fields of <paramref name="formType"/> in declaration order, base class first (so <c>file</c> leads).</summary>
    private static OpenApiSchema FormSchema(Type formType)
    {
        var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(), Required = new HashSet<string>() };
        var chain = new Stack<Type>();
        for (var t = formType; t is not null && t != typeof(object); t = t.BaseType) chain.Push(t);
        foreach (var type in chain)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (property.GetCustomAttribute<FromFormAttribute>()?.Name is not { } name
                    || property.GetCustomAttribute<FormFieldAttribute>() is not { } field) continue;
                schema.Properties[name] = FieldSchema(field, property.GetCustomAttribute<DescriptionAttribute>()?.Description);
                if (field.Required) schema.Required.Add(name);
            }
        }
        return schema;
    }

    private static OpenApiSchema FieldSchema(FormFieldAttribute field, string? description)
    {
        var schema = new OpenApiSchema
        {
            Type = field.Type switch
            {
                FormFieldType.Integer => JsonSchemaType.Integer,
                FormFieldType.Number => JsonSchemaType.Number,
                FormFieldType.Boolean => JsonSchemaType.Boolean,
                _ => JsonSchemaType.String,
            },
            Format = field.Format ?? field.Type switch { FormFieldType.Binary => "binary", FormFieldType.Integer => "int32", _ => null },
            Description = field.Example is { } example ? $"{description} Example: `{example}`." : description,
        };
        if (field.Allowed.Length > 0) schema.Enum = [.. field.Allowed.Select(a => (JsonNode)a)];
        if (field.Type == FormFieldType.Boolean)
        {
            schema.Default = field.BooleanDefault; // what the service assumes when the field is absent
        }
        else if (field.Type != FormFieldType.Binary && field.Example is { } shown)
        {
            // Swagger UI pre-fills a field with its first example, and sends what it pre-filled. An optional field's first
            // example is therefore "" (not given: the service's default), so Execute with no edits uses the defaults;
            // a required one starts from its real example.
            schema.Examples = field.Required ? [Typed(field.Type, shown)] : ["", Typed(field.Type, shown)];
        }
        return schema;
    }

    private static JsonNode Typed(FormFieldType type, string example) => type switch
    {
        FormFieldType.Integer => long.Parse(example, System.Globalization.CultureInfo.InvariantCulture),
        FormFieldType.Number => double.Parse(example, System.Globalization.CultureInfo.InvariantCulture),
        _ => example,
    };
}
