namespace ChipAlerts.Core.Pipeline;

/// <summary>What one feed poll did.</summary>
public sealed record FeedOutcome
{
    public required string FeedId { get; init; }
    public bool NotModified { get; init; }

    /// <summary>Not polled here: another runner or instance holds its lease, or polled it since the plan.</summary>
    public bool LeasedElsewhere { get; init; }
    public int NewItems { get; init; }

    /// <summary>New items of a first poll recorded as seen without alerting: published before the backfill window.</summary>
    public int Backlog { get; init; }

    public IReadOnlyDictionary<string, int> MatchesPerList { get; init; } = new Dictionary<string, int>();

    /// <summary>Matched items that joined a story already known (another feed's copy, a wire copy).</summary>
    public int StoryCopies { get; init; }

    /// <summary>Alerts newly stored in the outbox (an alert derived again after a crash is not among them).</summary>
    public IReadOnlyList<string> NewAlertIds { get; init; } = [];

    public int AlertsCreated => NewAlertIds.Count;

    /// <summary>Items of the document past ChipAlerts:Fetch:MaxItems, not read.</summary>
    public int ItemsPastCap { get; init; }

    /// <summary>Set when the feed was not well-formed and the lenient second pass mended it: what it mended.</summary>
    public string? Repairs { get; init; }

    /// <summary>Items whose date could not be read, dated when first seen instead.</summary>
    public int UnreadableDates { get; init; }

    public string? ErrorCode { get; init; }
    public string? Error { get; init; }

    public bool Failed => ErrorCode is not null;

    /// <summary>Where this poll's time went.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public StageTimes Stages { get; init; } = StageTimes.None;
}

/// <summary>The version of a feed's state that a plan read (null: never stored), which a later poll of it expects.</summary>
public sealed record PlannedVersion(string? StateVersion);

public sealed record FeedFailure(string FeedId, string Code, string Message);

/// <summary>A feed a poll of every feed left alone because its publisher said so (410 Gone, Retry-After), and why.</summary>
public sealed record FeedSkipped(string FeedId, string Reason);

/// <summary>A feed that was not well-formed and was read after the lenient second pass mended it.</summary>
public sealed record FeedRepaired(string FeedId, string Repairs);

/// <summary>What one poll cycle did, for the CLI's table and --json.</summary>
public sealed record CycleSummary
{
    public required int FeedsPolled { get; init; }
    public required int FeedsNotModified { get; init; }

    /// <summary>Due feeds left to another runner or instance on the same store, which held their lease.</summary>
    public int FeedsLeasedElsewhere { get; init; }
    public required int FeedsFailed { get; init; }
    public required int NewItems { get; init; }

    /// <summary>Of the new items, those of first polls recorded as seen without alerting (the backlog rule).</summary>
    public int BacklogItems { get; init; }

    /// <summary>Items past ChipAlerts:Fetch:MaxItems in the documents read: not read, not seen, not alerted.</summary>
    public int ItemsPastCap { get; init; }
    public required IReadOnlyDictionary<string, int> MatchesPerList { get; init; }

    /// <summary>Of the matched items, those that joined a story already known: they alert only for lists it had not matched.</summary>
    public int StoryCopies { get; init; }
    public required int AlertsCreated { get; init; }
    public required int AlertsDelivered { get; init; }

    /// <summary>Alerts left in the outbox waiting for a (re)try after this cycle.</summary>
    public required int AlertsPending { get; init; }

    /// <summary>Alerts that failed permanently in this cycle.</summary>
    public required int AlertsFailed { get; init; }

    /// <summary>Alerts whose send failed in this cycle and that wait for a retry (or whose endpoint's circuit is open).</summary>
    public int AlertsRetrying { get; init; }

    /// <summary>A feed failed, or an alert failed or is waiting for a retry: what an operator's exit code and alert should see.</summary>
    public bool HadFailures => FeedsFailed > 0 || AlertsFailed > 0 || AlertsRetrying > 0;

    public required IReadOnlyList<FeedFailure> Failures { get; init; }

    public IReadOnlyList<FeedRepaired> Repaired { get; init; } = [];

    /// <summary>Feeds `once` did not poll: gone, or asked to wait by their server.</summary>
    public IReadOnlyList<FeedSkipped> Skipped { get; init; } = [];

    /// <summary>Set when the store held no state at all while the configuration has feeds: new, emptied or lost (the message names where).</summary>
    public string? StoreWarning { get; init; }
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Where the cycle's time went (see <see cref="StageTimes"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public StageTimes Stages { get; init; } = StageTimes.None;

    /// <summary>The same in milliseconds, stage by stage in pipeline order: `once --json`'s "stagesMs".</summary>
    public IReadOnlyDictionary<string, double> StagesMs => Stages.InOrder().ToDictionary(s => s.Stage, s => Math.Round(s.Milliseconds, 3));
}

/// <summary>
/// Where a poll's time went, stage by stage. A feed's own stages are its wall time in each; a cycle's are
/// summed over its feeds (feeds are polled several at once, so the sum can pass the cycle's wall time),
/// with the cycle's own plan and deliver stages.
/// </summary>
public sealed record StageTimes
{
    public TimeSpan Plan { get; init; }
    public TimeSpan Fetch { get; init; }
    public TimeSpan Parse { get; init; }
    public TimeSpan Ledger { get; init; }
    public TimeSpan Match { get; init; }

    /// <summary>Placing matched items in their stories.</summary>
    public TimeSpan Stories { get; init; }
    public TimeSpan Route { get; init; }

    /// <summary>Writing alerts, seen items and the feed's state.</summary>
    public TimeSpan Store { get; init; }
    public TimeSpan Deliver { get; init; }

    public static readonly StageTimes None = new();

    public static StageTimes operator +(StageTimes a, StageTimes b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new()
        {
            Plan = a.Plan + b.Plan,
            Fetch = a.Fetch + b.Fetch,
            Parse = a.Parse + b.Parse,
            Ledger = a.Ledger + b.Ledger,
            Match = a.Match + b.Match,
            Stories = a.Stories + b.Stories,
            Route = a.Route + b.Route,
            Store = a.Store + b.Store,
            Deliver = a.Deliver + b.Deliver,
        };
    }

    /// <summary>Each stage in pipeline order, in milliseconds: the summary table, the log and `--json`.</summary>
    public IReadOnlyList<(string Stage, double Milliseconds)> InOrder() =>
    [
        ("plan", Plan.TotalMilliseconds), ("fetch", Fetch.TotalMilliseconds), ("parse", Parse.TotalMilliseconds),
        ("ledger", Ledger.TotalMilliseconds), ("match", Match.TotalMilliseconds), ("stories", Stories.TotalMilliseconds),
        ("route", Route.TotalMilliseconds), ("store", Store.TotalMilliseconds), ("deliver", Deliver.TotalMilliseconds),
    ];

    public override string ToString() => string.Join(", ", InOrder().Select(s => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Stage} {s.Milliseconds:0.#} ms")));
}
