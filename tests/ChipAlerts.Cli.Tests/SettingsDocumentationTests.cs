using System.Reflection;
using System.Text.Json;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Feeds;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Cli.Tests;

/// <summary>local.settings.sample.json and the README's settings table name every setting the code binds, and nothing else.</summary>
public sealed class SettingsDocumentationTests
{
    /// <summary>Settings read by name rather than bound to an options class.</summary>
    private static readonly string[] ReadByName =
    [
        ConfigLoader.PollScheduleSetting, "ChipAlerts:DeliverySchedule", "ChipAlerts:Storage", CliHost.LogFormatSetting,
    ];

    private static IEnumerable<string> Bound() =>
        // Every options class of the core (each names its section in a constant), so a new one cannot be missed.
        typeof(FetchOptions).Assembly.GetTypes()
        .Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal))
        .Select(t => (Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string, Options: t))
        .Where(o => o.Section is not null)
        .SelectMany(o => o.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .Select(p => $"{o.Section}:{p.Name}"))
        .Concat(ReadByName);

    [Fact]
    public void SampleSettings_ListEveryBoundSetting_AndOnlyThose()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "local.settings.sample.json")));
        var listed = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name)
            .Where(n => n.StartsWith("ChipAlerts:", StringComparison.Ordinal))
            .Select(n => string.Join(':', n.Split(':').Take(3))) // MessagesPerSecond:slack → MessagesPerSecond
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(Bound().Except(listed));
        Assert.Empty(listed.Except(Bound()));
    }

    [Fact]
    public void Readme_DocumentsEveryBoundSetting()
    {
        var rows = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md")).Where(l => l.StartsWith("| `ChipAlerts:", StringComparison.Ordinal)).ToList();

        // A row names a setting in full, or after another of its section: "`ChipAlerts:Delivery:RetryDelay` / `MaxRetryDelay`".
        var missing = Bound().Where(key =>
        {
            var section = key[..key.LastIndexOf(':')];
            var name = key[(key.LastIndexOf(':') + 1)..];
            return !rows.Any(r => r.Contains($"`{key}`", StringComparison.Ordinal) || r.Contains($"`{key}:", StringComparison.Ordinal)
                || r.StartsWith($"| `{section}:", StringComparison.Ordinal) && r.Contains($"`{name}`", StringComparison.Ordinal));
        });

        Assert.Empty(missing);
    }
}
