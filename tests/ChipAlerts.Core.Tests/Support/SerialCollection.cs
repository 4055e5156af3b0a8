namespace ChipAlerts.Core.Tests.Support;

/// <summary>Tests that measure process-wide figures (allocations) or change process-wide state (the time zone) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
