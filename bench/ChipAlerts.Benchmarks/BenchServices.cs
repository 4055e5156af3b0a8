using System.Text.Json;
using ChipAlerts.Core;
using ChipAlerts.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChipAlerts.Benchmarks;

/// <summary>ChipAlerts' services as a host makes them, on a configuration file and a store in <c>dir</c>.</summary>
internal static class BenchServices
{
    /// <summary>Writes <paramref name="config"/> into <paramref name="dir"/>; settings beside it, then the environment's (as the CLI reads them).</summary>
    public static async Task<ServiceProvider> CreateAsync(string dir, ChipAlertsConfig config, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var configPath = Path.Combine(dir, "chipalerts.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config, ConfigLoader.JsonOptions));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ChipAlerts:ConfigPath"] = configPath,
            ["ChipAlerts:DataPath"] = Path.Combine(dir, "chipalerts.db"),
            ["ChipAlerts:OutboxPath"] = Path.Combine(dir, "outbox"),
        }.Concat(settings)).AddEnvironmentVariables().Build();
        return new ServiceCollection().AddLogging().AddChipAlerts(configuration).BuildServiceProvider();
    }
}
