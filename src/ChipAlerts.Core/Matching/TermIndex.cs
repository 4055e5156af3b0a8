namespace ChipAlerts.Core.Matching;

/// <summary>One key of the index: a folded first word (or form) and the term it starts.</summary>
internal readonly record struct IndexKey(string Word, int Term, int List, bool WholeTerm);

/// <summary>
/// Open addressing from a first-word hash to the terms that start with that word. The terms of one
/// word sit together in parallel arrays (term, list, whole-term flag), so a word that starts many
/// terms — a name that thousands of subscribers watch — costs a few cache lines, not one per term.
/// A one-word term with no marks (<see cref="IndexKey.WholeTerm"/>) is confirmed by comparing the
/// text's word with the slot's word once, without touching the term at all.
/// </summary>
internal sealed class TermIndex
{
    private readonly ulong[] slotHash;
    private readonly int[] slotStart;
    private readonly int[] slotCount;
    private readonly string[] slotWord;
    private readonly int[] entryTerm;
    private readonly int[] entryList;
    private readonly bool[] entryWhole;
    private readonly int shift;

    public TermIndex(List<IndexKey> keys)
    {
        // Group by word, keeping term order within a word; a chain is then one run of entries.
        var byWord = new Dictionary<string, List<IndexKey>>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!byWord.TryGetValue(key.Word, out var run))
            {
                byWord[key.Word] = run = [];
            }

            run.Add(key);
        }

        var size = 16;
        while (size < byWord.Count * 2)
        {
            size *= 2;
        }

        shift = 64 - int.Log2(size);
        slotHash = new ulong[size];
        slotStart = new int[size];
        slotCount = new int[size];
        slotWord = new string[size];
        var terms = new List<int>(keys.Count);
        var lists = new List<int>(keys.Count);
        var whole = new List<bool>(keys.Count);
        foreach (var (word, run) in byWord)
        {
            var hash = Tokenizer.Hash(word);
            var slot = Find(hash);
            if (slotHash[slot] == 0)
            {
                slotHash[slot] = hash;
                slotStart[slot] = terms.Count;
                slotWord[slot] = word;
                foreach (var key in run)
                {
                    terms.Add(key.Term);
                    lists.Add(key.List);
                    whole.Add(key.WholeTerm);
                }
            }
            else
            {
                // Two words with one 64-bit hash: not expected in a lifetime, but kept correct by
                // giving up the shortcut: the slot's run moves to the end, every entry checked in full.
                var old = Enumerable.Range(slotStart[slot], slotCount[slot]).Select(e => (terms[e], lists[e])).ToList();
                slotStart[slot] = terms.Count;
                foreach (var (term, list) in old.Concat(run.Select(k => (k.Term, k.List))))
                {
                    terms.Add(term);
                    lists.Add(list);
                    whole.Add(false);
                }
            }

            slotCount[slot] = terms.Count - slotStart[slot];
        }

        entryTerm = [.. terms];
        entryList = [.. lists];
        entryWhole = [.. whole];
    }

    /// <summary>The slot of the hash, or -1.</summary>
    public int SlotOf(ulong hash)
    {
        var slot = Find(hash);
        return slotHash[slot] == 0 ? -1 : slot;
    }

    public int Start(int slot) => slotStart[slot];

    public int Count(int slot) => slotCount[slot];

    public string Word(int slot) => slotWord[slot];

    public int TermOf(int entry) => entryTerm[entry];

    public int ListOf(int entry) => entryList[entry];

    public bool IsWholeTerm(int entry) => entryWhole[entry];

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
