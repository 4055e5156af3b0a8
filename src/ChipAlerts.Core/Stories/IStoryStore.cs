namespace ChipAlerts.Core.Stories;

/// <summary>
/// Where stories live, with the keys that find them: each copy's MinHash values, its canonical link and its item
/// key. A lookup reads only the rows of the keys asked for, newest first, so its cost does not grow with history.
/// </summary>
public interface IStoryStore
{
    /// <summary>The newest rows of one key a lookup reads: a key shared by many stories (a common word's) says little about any.</summary>
    public const int RowsPerKey = 16;

    /// <summary>
    /// The stories <paramref name="keys"/> point to, through the newest <see cref="RowsPerKey"/> rows of each key added at
    /// or after <paramref name="since"/>; at most <paramref name="max"/>, those sharing the most keys first (the share of
    /// MinHash keys two items share estimates their similarity), then the most recent.
    /// </summary>
    Task<IReadOnlyList<Story>> FindStoriesAsync(IReadOnlyCollection<string> keys, DateTimeOffset since, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="story"/> (new when its <see cref="Story.Version"/> is null) with <paramref name="newKeys"/> added
    /// at <paramref name="at"/>; its new version, or null when another writer changed it since it was read (read it again and redo).
    /// </summary>
    Task<string?> SaveStoryAsync(Story story, IReadOnlyCollection<string> newKeys, DateTimeOffset at, CancellationToken cancellationToken);

    Task<Story?> GetStoryAsync(string storyId, CancellationToken cancellationToken);

    /// <summary>The stories seen most recently, newest first.</summary>
    Task<IReadOnlyList<Story>> RecentStoriesAsync(int max, CancellationToken cancellationToken);
}
