namespace ChipAlerts.Core;

/// <summary>
/// Chance, injected like time (Polly's Randomizer): jitter on poll and retry times. Tests pass their own
/// to make a run exact; the default draws from the shared generator, the one place that does.
/// </summary>
public class RandomSource
{
    public static readonly RandomSource System = new();

    /// <summary>A number in [0, 1).</summary>
    public virtual double NextDouble() => Random.Shared.NextDouble();
}
