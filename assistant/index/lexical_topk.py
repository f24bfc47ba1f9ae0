"""The k best BM25 scores without scoring every posting, exactly: MaxScore (Turtle & Flood,
1995) over the keyword index's posting lists, in numpy.

Each posting list (one per stem and segment, lexical.py) carries the largest term count and
the smallest chunk length among its rows. BM25's part for a stem, weight x tf / (tf + k1 x
(1 - b + b x length / mean length)), grows with the count and falls with the length, so
weight x f(largest count, smallest length) bounds it for every row of the list, whatever
the mean length and the IDF are when the question is asked: the bound needs no rewriting
as documents come and go.

A question's stems are taken in order of their bounds, highest first. While the bounds of
the stems not yet read add up to at least the score a chunk needs to be among the best
(the threshold: the ``want``-th best full score of the rows with the best scores so far, a
lower bound of the true one), a chunk holding none of the stems read so far could still
get in, so the next stem's postings are all scored. Once they add up to less, no new chunk can get
in: the chunks found so far are looked up in the remaining stems' lists, best bound first,
and dropped as soon as their score so far plus the remaining bounds falls below the
threshold. What is left is scored in full, stem by stem in the order full BM25 sums them,
so its scores are the same floats as full BM25's; a row left out scores below the
threshold. The common stems of a question (council, plan, service...) are thus only looked
up for a few thousand chunks instead of being scored for hundreds of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.index.lexical import B, K1

# Relative slack against rounding: a part is computed in float32 and float64, the scores so
# far are float32 sums (half the memory traffic of float64: 14% less time at 1M chunks) in
# another order than full BM25's, so a bound or a sum may be off in the 6th digit. Bounds
# are raised by EPS; a row is dropped when its bound is below the threshold by 2 EPS, and
# kept at the end when its full score (float64, in full BM25's order) is within EPS of it:
# every row dropped scores below every row kept.
EPS = 1e-5
# Rows scored in full to raise the threshold before each stem is read in full (the best by
# their score so far; at least 1.5 x ``want``). Calibrated on bench/lexical.py --queries-at
# 1000000 (synthetic 1M chunks, bench/run.py's 48 questions, top 40; 2 cores shared, load
# ~7, CPU time, the settings in turn question by question): 40 / 64 / 128 / 256 rows gave
# mean 27.8 / 29.0 / 28.9 / 30.6 ms, p95 56 / 60 / 62 / 66 ms.
POOL = 64
# A list is searched (binary search per chunk) rather than masked (a pass over all its rows)
# when it holds more than this many times as many rows as there are chunks to look up:
# numpy on 2 cores, ~50 ns a binary search in a 300k list (int32 on both sides: else numpy
# converts the whole list first) against ~3 ns a row for a masked pass. 4, 16 and 64 gave the
# same times on bench/lexical.py --queries-at 1000000.
SEARCH = 16
# While more than this many times ``want`` rows are left to look up, the threshold is raised
# again from the best of them after each stem, until that no longer raises it. Same bench:
# 2 / 8 / 32 gave the same times (mean 28-29 ms, p95 61-62 ms); never: p95 84 ms.
RAISE = 8
# The threshold is raised from the best rows' scores without the parts of the pending stems
# of least weight, up to this share of the pending stems' bounds: a lower bound still, for
# fewer look-ups. Same bench: 0 / 0.1 / 0.25 gave median times in the ratio 1 / 0.95 / 0.94.
LOWER = 0.1


@dataclass
class StemLists:
    """A question's stem: its weight (IDF x times in the question) and its posting lists
    (posting_lists.PostingList, one per segment), with the largest count and the smallest
    length over all of them."""

    stem: str
    weight: float
    lists: list
    most_tf: int
    least_length: int

    def bound(self, mean_length: float) -> float:
        """No row's part for this stem exceeds this (with the rounding slack)."""
        tf = float(self.most_tf)
        return self.weight * tf / (tf + K1 * (1 - B) + K1 * B / mean_length * self.least_length) * (1 + EPS)


def contribution(weight: float, tf, lengths, mean_length: float):
    """The stem's BM25 part of each row (bm25s's "lucene" variant); ``tf`` and ``lengths``
    as stored (uint16 and int32). A long list looks each (count, length) pair up in a table
    made with the same operations: the same floats, ~1/4 less time at 1M chunks."""
    import numpy as np

    if len(tf) >= 100_000:
        most_tf, longest = int(tf.max()), int(lengths.max())
        if (most_tf + 1) * (longest + 1) * 4 <= len(tf):
            table = _formula(weight, np.arange(most_tf + 1, dtype=np.float32)[:, None],
                             np.arange(longest + 1, dtype=np.int32)[None, :], mean_length)
            return table.ravel().take(tf * np.int32(longest + 1) + lengths)
    return _formula(weight, tf.astype(np.float32), lengths, mean_length)


def _formula(weight, tf, lengths, mean_length):
    return weight * tf / (tf + (K1 * (1 - B)) + (K1 * B / mean_length) * lengths)


def exact_scores(stems: list[StemLists], rows, mean_length: float):
    """Full BM25 scores of these rows (ascending): each stem's part added in the order of
    ``stems`` (by stem, as full scoring sums them), so the floats are full BM25's."""
    import numpy as np

    summed = np.zeros(len(rows))
    if not len(rows):
        return summed
    first, last = int(rows[0]), int(rows[-1])
    rows = rows.astype(np.int32)  # as the lists store them (else numpy converts a whole list to search it)
    for stem in stems:
        hits, counts, lengths_hit = [], [], []
        for posting in stem.lists:
            if posting.first > last or posting.last < first:
                continue
            hit, tf, lengths = posting.find(rows)
            if len(hit):
                hits.append(hit)
                counts.append(tf)
                lengths_hit.append(lengths)
        if hits:  # a row is in one list of a stem at most
            hit, tf, lengths = (a[0] if len(a) == 1 else np.concatenate(a) for a in (hits, counts, lengths_hit))
            summed[hit] += contribution(stem.weight, tf, lengths, mean_length)
    return summed


def _best(rows, values, m: int):
    """About the m of these rows with the highest values (at least m if there are), cheaply:
    a cut-off from a sample of the values, then the highest of those above it."""
    import numpy as np

    if len(rows) > 64 * m:
        sample = values[::len(values) // (16 * m)]
        keep = max(2, 2 * m * len(sample) // len(values))
        above = np.flatnonzero(values >= np.partition(sample, len(sample) - keep)[len(sample) - keep])
        if len(above) >= m:
            rows, values = rows[above], values[above]
    if len(rows) > m:
        rows = rows[np.argpartition(values, len(rows) - m)[-m:]]
    return rows


def top_rows(stems: list[StemLists], mean_length: float, want: int) -> tuple:
    """(rows ascending, their full BM25 scores, pruned): at least the ``want`` best rows
    and every row that ties with them; any row left out scores below every row returned.
    ``pruned`` is False when every row holding a stem is returned."""
    import numpy as np

    stems = sorted(stems, key=lambda s: s.stem)
    lists = [posting for s in stems for posting in s.lists if posting.count]
    if not lists:
        return np.zeros(0, dtype=np.int64), np.zeros(0), False
    size = max(posting.last for posting in lists) + 1
    bounds = {s.stem: s.bound(mean_length) for s in stems}
    order = sorted(stems, key=lambda s: -bounds[s.stem])
    rest = [sum(bounds[s.stem] for s in order[i:]) for i in range(len(order))] + [0.0]
    summed = np.zeros(size, dtype=np.float32)  # score so far, by row (0: not seen yet; every part is > 0)
    known = {}  # full scores of the rows scored to raise the threshold

    def raised(rows, pending) -> float:  # the want-th best score known, after scoring these rows too
        rows = np.sort(rows)  # (their sums so far, and the parts of the ``pending`` stems, not yet summed)
        new = rows[[r not in known for r in rows.tolist()]]
        weights = [bounds[s.stem] for s in pending]  # (leaving out the pending stems of least weight:
        keep = len(pending)  # a lower bound still, for fewer look-ups)
        while keep and sum(weights[keep - 1:]) <= LOWER * sum(weights):
            keep -= 1
        pending = pending[:keep]
        known.update(zip(new.tolist(), (summed[new] + exact_scores(pending, new, mean_length)).tolist()))
        if len(known) < want:
            return 0.0
        scores = np.fromiter(known.values(), dtype=float, count=len(known))
        return float(np.partition(scores, len(scores) - want)[len(scores) - want])

    # Stems read in full while a row holding none of them so far could still get in; the
    # POOL best rows so far, kept as the stems are added: their scores only grow, so a row
    # enters only from the stem just added, and only above the pool's lowest.
    threshold, read, pool, pooled = 0.0, 0, np.zeros(0, dtype=np.intp), max(POOL, want + want // 2)
    while read < len(order):
        if read:
            threshold = raised(pool, order[read:])
            if rest[read] * (1 + 2 * EPS) < threshold:
                break
        stem = order[read]
        added = []
        for posting in stem.lists:
            rows, lengths, tf = posting.arrays()
            rows = rows.astype(np.intp)  # (numpy indexes by intp: converting first is faster)
            values = summed.take(rows)
            values += contribution(stem.weight, tf, lengths, mean_length)
            summed[rows] = values
            added.append((rows, values))
        read += 1
        if read < len(order):  # the pool: its rows' new scores, and those of the stem's rows above them
            lowest = float(summed[pool].min()) if len(pool) >= pooled else 0.0
            entrants = [pool]
            for rows, values in added:
                above = np.flatnonzero(values > lowest)
                entrants.append(_best(rows[above], values[above], pooled))
            pool = np.unique(np.concatenate(entrants))
            pool = _best(pool, summed[pool], pooled)
    candidates = np.flatnonzero(summed > 0)
    if read == len(order):  # every posting scored: nothing left out; summed again in full BM25's order
        summed = np.zeros(size)
        for stem in stems:
            for posting in stem.lists:
                rows, lengths, tf = posting.arrays()
                summed[rows.astype(np.intp)] += contribution(stem.weight, tf, lengths, mean_length)
        return candidates, summed[candidates], False
    candidates = candidates[summed[candidates] >= threshold / (1 + 2 * EPS) - rest[read]]
    raising = True
    for position in range(read, len(order)):  # the other stems: looked up for the rows left
        stem, needles = order[position], candidates.astype(np.int32)
        mask = None
        for posting in stem.lists:
            if not len(candidates) or not posting.count:
                continue
            if posting.count > SEARCH * len(candidates):  # looked up
                hit, tf, lengths = posting.find(needles)
                rows = candidates[hit]
            else:  # masked
                if mask is None:
                    mask = np.zeros(size, dtype=bool)
                    mask[candidates] = True
                rows, lengths, tf = posting.arrays()
                where = np.flatnonzero(mask.take(rows))
                rows, lengths, tf = rows[where], lengths[where], tf[where]
            if len(rows):
                summed[rows] += contribution(stem.weight, tf, lengths, mean_length)
        if raising and len(candidates) > RAISE * want:
            before = threshold
            threshold = max(threshold, raised(_best(candidates, summed[candidates], pooled), order[position + 1:]))
            raising = threshold > before  # (once the best rows so far no longer raise it, later ones rarely do)
        candidates = candidates[summed[candidates] >= threshold / (1 + 2 * EPS) - rest[position + 1]]
    scores = exact_scores(stems, candidates, mean_length)
    keep = scores * (1 + EPS) >= threshold  # at least ``want`` rows: those whose scores set the threshold
    return candidates[keep], scores[keep], True
