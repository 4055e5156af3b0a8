namespace ChipAlerts.Core.Tests.Support;

/// <summary>Two outlets' reports of one event, Nvidia's H20 licences of August 2025 (two items of story-pairs.jsonl), as feeds.</summary>
public static class StoryExample
{
    public const string WireA = """
        <rss version="2.0"><channel><title>Wire A</title>
          <item><title>US issues licenses to Nvidia to export H20 chips to China</title><guid>a-1</guid><link>https://a.example.com/h20</link>
            <description>The Commerce Department has started issuing licenses for Nvidia's H20 exports to China after CEO Jensen Huang met President Trump; other advanced Nvidia AI chips remain restricted under export controls.</description></item>
        </channel></rss>
        """;

    public const string WireB = """
        <rss version="2.0"><channel><title>Wire B</title>
          <item><title>US licenses Nvidia H20 chip exports to China</title><guid>b-1</guid><link>https://b.example.com/story/77</link>
            <description>The U.S. Commerce Department has begun granting Nvidia licenses to ship H20 AI chips to China, easing an April ban under export controls; Nvidia's more advanced chips still cannot be exported there.</description></item>
        </channel></rss>
        """;
}
