namespace ChipAlerts.Cli.Tests.Support;

/// <summary>Tests that change environment variables run alone, since every command reads them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "environment";
}
