using System.ComponentModel;
using ChipAlerts.Core.Configuration;
using ChipAlerts.Core.Stories;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ChipAlerts.Cli.Commands;

public sealed class StoriesSettings : CommonSettings
{
    [CommandOption("--limit <N>")]
    [Description("Show the N stories seen most recently. Default: 20")]
    [DefaultValue(20)]
    public int Limit { get; init; } = 20;

    public override ValidationResult Validate() =>
        Limit < 1 ? ValidationResult.Error("--limit must be 1 or more.") : ValidationResult.Success();
}

/// <summary>`chipalerts stories`: recent stories, each copy with its feed and the decision that put it there.</summary>
public sealed class StoriesCommand(CliConsoles consoles) : ConfiguredCommand<StoriesSettings>(consoles)
{
    protected override bool SendsNothing => true;

    protected override async Task<int> RunAsync(IServiceProvider services, LoadedConfig config, StoriesSettings settings, CancellationToken cancellationToken)
    {
        var stories = await services.GetRequiredService<IStoryStore>().RecentStoriesAsync(settings.Limit, cancellationToken);
        var rows = stories.Select(s => new
        {
            Id = s.StoryId,
            s.Title,
            s.Lists,
            s.CreatedAt,
            s.LastSeenAt,
            s.Sources,
            Copies = s.Members.Select(m => new { m.FeedName, m.Title, m.Link, m.Published, m.JoinedAt, m.Decision, m.Similarity, Why = m.Explain(), AlertedFor = m.NewLists }),
            s.MoreMembers,
        }).ToList();
        if (settings.Json)
        {
            CliJson.Write(Console, rows);
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            Console.MarkupLine(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StoryOptions>>().Value.Enabled
                ? "No stories yet: they are made as matching items arrive."
                : "No stories: ChipAlerts:Stories:Enabled is false, so every item alerts on its own.");
            return ExitCodes.Ok;
        }

        foreach (var story in stories)
        {
            var table = new Table().Border(TableBorder.Rounded)
                .Title(Markup.Escape($"{story.Title} · {string.Join(", ", story.Lists)} · {story.Sources.Count} source(s) · {story.StoryId}"));
            table.AddColumns("source", "title", "joined", "why");
            foreach (var copy in story.Members)
            {
                table.AddRow(
                    Markup.Escape(copy.FeedName),
                    Markup.Escape(copy.Title),
                    Markup.Escape(copy.JoinedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
                    Markup.Escape(copy.Explain() + (copy.NewLists.Count > 0 ? $"; alerted for {string.Join(", ", copy.NewLists)}" : "")));
            }

            if (story.MoreMembers > 0)
            {
                table.Caption($"and {story.MoreMembers} more copies");
            }

            Console.Write(table);
        }

        return ExitCodes.Ok;
    }
}
