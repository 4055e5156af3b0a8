namespace ChipAlerts.Core.Tests.Support;

/// <summary>Tests that measure process-wide figures (allocations) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
