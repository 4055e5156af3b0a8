namespace ChipAlerts.Core.Matching;

/// <summary>
/// Open addressing from a first-word hash to a chain of term ids: two parallel arrays for the slots
/// (hash, first entry) and two for the entries (term, next). Compact (about 24 bytes per key at the
/// load it keeps) and one cache line per lookup for the common case of a word that starts no term.
/// </summary>
internal sealed class TermIndex
{
    private readonly ulong[] slotHash;
    private readonly int[] slotFirst;
    private readonly int[] entryTerm;
    private readonly int[] entryNext;
    private readonly int shift;

    public TermIndex(List<(ulong Hash, int Term)> keys)
    {
        var size = 16;
        while (size < keys.Count * 2)
        {
            size *= 2;
        }

        shift = 64 - int.Log2(size);
        slotHash = new ulong[size];
        slotFirst = new int[size];
        entryTerm = new int[keys.Count];
        entryNext = new int[keys.Count];
        // Entries are chained newest first; adding in reverse keeps each chain in term order.
        for (var e = keys.Count - 1; e >= 0; e--)
        {
            var (hash, term) = keys[e];
            var slot = Find(hash);
            if (slotHash[slot] == 0)
            {
                slotHash[slot] = hash;
                slotFirst[slot] = -1;
            }

            entryTerm[e] = term;
            entryNext[e] = slotFirst[slot];
            slotFirst[slot] = e;
        }
    }

    /// <summary>The first entry for the hash, or -1.</summary>
    public int First(ulong hash)
    {
        var slot = Find(hash);
        return slotHash[slot] == 0 ? -1 : slotFirst[slot];
    }

    public int Next(int entry) => entryNext[entry];

    public int TermOf(int entry) => entryTerm[entry];

    private int Find(ulong hash)
    {
        var mask = slotHash.Length - 1;
        var slot = (int)((hash * 0x9E3779B97F4A7C15) >> shift);
        while (slotHash[slot] != 0 && slotHash[slot] != hash)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }
}
