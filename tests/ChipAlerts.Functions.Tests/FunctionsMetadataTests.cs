using System.Text.Json;
using ChipAlerts.Core.Tests.Support;

namespace ChipAlerts.Functions.Tests;

/// <summary>functions.metadata is what the Functions host loads: every function, its trigger, queues, schedule.</summary>
public sealed class FunctionsMetadataTests
{
    [Fact]
    public void Metadata_DeclaresEveryFunctionWithItsBindings()
    {
        // The test runs from tests/<project>/bin/<Configuration>/<tfm>/; the app was built with the same configuration.
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var path = Path.Combine(TestPaths.RepoRoot, "src", "ChipAlerts.Functions", "bin", output.Parent!.Name, output.Name, "functions.metadata");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));

        var functions = metadata.RootElement.EnumerateArray()
            .Select(f => $"{f.GetProperty("name").GetString()}: " + string.Join(", ", f.GetProperty("bindings").EnumerateArray().Select(Describe)))
            .Order();

        Assert.Equal(
        [
            "DeliverAlert: in queueTrigger alerts",
            "DeliverDue: in timerTrigger %ChipAlerts:DeliverySchedule%",
            "Health: in httpTrigger GET health (Anonymous), out http ",
            "HealthDetails: in httpTrigger GET health/details (Function), out http ",
            "PollFeed: in queueTrigger feeds-to-poll, out queue alerts",
            "PollFeeds: in timerTrigger %ChipAlerts:PollSchedule%, out queue feeds-to-poll",
            "PollNow: in httpTrigger POST poll (Function), out queue feeds-to-poll, out http ",
            "Unsubscribe: in httpTrigger GET,POST unsubscribe (Anonymous), out http ",
            "WebSubCallback: in httpTrigger GET,POST websub/{token} (Anonymous), out queue alerts, out http ",
        ], functions);
        Assert.All(metadata.RootElement.EnumerateArray(), f => Assert.Equal("dotnet-isolated", f.GetProperty("language").GetString()));
    }

    private static string Describe(JsonElement binding)
    {
        var target = binding.TryGetProperty("queueName", out var queue) ? queue.GetString()
            : binding.TryGetProperty("schedule", out var schedule) ? schedule.GetString()
            : binding.TryGetProperty("route", out var route)
                ? $"{string.Join(',', binding.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()))} {route.GetString()} ({binding.GetProperty("authLevel").GetString()})"
                : "";
        return $"{binding.GetProperty("direction").GetString()!.ToLowerInvariant()} {binding.GetProperty("type").GetString()} {target}";
    }
}
