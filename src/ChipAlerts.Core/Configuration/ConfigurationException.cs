namespace ChipAlerts.Core.Configuration;

/// <summary>One problem in the configuration: where (a JSON path such as <c>watchLists[2].terms[0]</c>) and how to fix it.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The configuration is invalid; <see cref="Errors"/> lists every problem found, not just the first.</summary>
public sealed class ConfigurationException(string source, IReadOnlyList<ConfigError> errors)
    : Exception($"{source} is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public string ConfigSource { get; } = source;
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
