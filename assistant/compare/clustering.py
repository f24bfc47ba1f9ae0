"""Clustering the barrier mentions no named barrier takes (the tally's leftovers, tally.py):
agglomerative average link on cosine, exact up to ``EXACT_LIMIT`` distinct vectors and
bounded in memory above it (see ``average_link``). bench/cluster.py measures it."""

from __future__ import annotations

# average_link clusters up to this many distinct vectors exactly: its similarity matrix is
# n x n (4,000 float64 vectors: 128 MB, plus a row or two of work space; exact clustering of
# that many takes ~1 s). The old code built that matrix for any n and searched all of it at
# every merge: a national compare took 13-23 minutes (its ~3 GB peak was the tally's mention
# vectors, see tally.EMBED_BATCH). Above the limit, near-duplicates are grouped and the rest
# split into parts that cannot merge (see ``average_link``), so no matrix is larger than this
# (float32).
EXACT_LIMIT = 4000
# ...grouped when their cosine is at least this far from the threshold towards 1 (0.9 for
# CLUSTER_AT = 0.6), then at lower levels down to the threshold only if still too many.
LEADER_LEVELS = (0.75, 0.5, 0.25, 0.0)
_LEADER_BATCH = 256  # vectors compared with the leaders at once (a 256 x leaders block)


def average_link(vectors, threshold: float, limit: int | None = None) -> list[list[int]]:
    """Agglomerative clustering of unit vectors, average link on cosine: merge the two
    closest groups while their average similarity is at least ``threshold``. Identical
    vectors (the same sentence in several plans) start as one weighted group.

    Up to ``EXACT_LIMIT`` distinct vectors (``limit`` overrides it) this is the exact
    algorithm with the same results as the n x n matrix search it replaces (same
    arithmetic in the input's dtype, same tie-breaking: the lowest (row, column) among
    equal best pairs), but each merge costs O(n): every row keeps its best similarity and
    its column, and a merge of b into a recomputes only row a and the rows whose best was
    a or b (the others only compare their new similarity to a).

    Above the limit memory stays O(limit^2 + n*d) (float32), by APPROXIMATION:
    1. a single "leader" pass in input order puts each vector in the group whose members it
       is on average most similar to, if that is at least ``threshold + (1 - threshold) *
       0.75`` (0.9 for 0.6: near-duplicates, e.g. one sentence with another council's name
       in it), else starts a group. If that leaves at most ``limit`` groups, they are
       clustered exactly by average link, weighted by size: two groups start at the mean
       similarity of their members' pairs (dot of the sums / product of the sizes), which
       is what average link over the members gives them. So the only departure from
       average link is that a group's members are merged first, whatever their order.
    2. Else the groups are split into the connected parts of the graph linking two groups
       at least ``threshold`` similar (exact: average link never merges across parts, as a
       merge at an average >= threshold needs one such pair), and each part is clustered
       on its own as in 1. A part still above ``limit`` groups is first put through leader
       passes at lower levels (``LEADER_LEVELS``: 0.8, 0.7, then the threshold, until it
       is small enough); if even that leaves too many (leaders pairwise below the
       threshold: little left to merge), its groups are returned as they are.
    Clusters come in the order of their lowest index, as in the exact algorithm.
    """
    import numpy as np

    limit = EXACT_LIMIT if limit is None else limit
    n = len(vectors)
    if n == 0:
        return []
    # the same sentence in several plans: one group, its first vector (rounded to 4 places,
    # -0.0 as 0.0: the equality of the tuples the old code compared)
    rounded = np.round(np.asarray(vectors), 4) + 0.0
    first: dict = {}
    for i, key in enumerate(map(bytes, rounded)):
        first.setdefault(key, []).append(i)
    clusters = list(first.values())
    del rounded, first
    if len(clusters) <= limit:
        centres = np.array([vectors[g[0]] for g in clusters])
        sims = centres @ centres.T
        del centres
        np.fill_diagonal(sims, -np.inf)
        sizes = np.array([len(g) for g in clusters], dtype=float)
        return _merge(sims, sizes, clusters, threshold)
    # bounded: near-duplicates grouped (sums and sizes of unit vectors), then exact on groups
    sums = np.array([vectors[g[0]] for g in clusters], dtype=np.float32)
    sizes = np.array([len(g) for g in clusters], dtype=np.float32)
    sums *= sizes[:, None]
    sums, sizes, clusters = _leaders(sums, sizes, clusters, threshold + (1 - threshold) * LEADER_LEVELS[0])
    if len(clusters) <= limit:
        return _merge_groups(sums, sizes, clusters, threshold)
    # two groups average link merges have a pair of the groups they started from at least
    # this close: each part of that graph is clustered on its own, exactly (1e-4: float32)
    found = []
    part = _components(sums / sizes[:, None], threshold - 1e-4)
    order = np.argsort(part, kind="stable")
    for chunk in np.split(order, np.flatnonzero(np.diff(part[order])) + 1):
        chunk_sums, chunk_sizes, chunk_clusters = sums[chunk], sizes[chunk], [clusters[i] for i in chunk]
        for level in LEADER_LEVELS[1:]:
            if len(chunk_clusters) <= limit:
                break
            chunk_sums, chunk_sizes, chunk_clusters = _leaders(chunk_sums, chunk_sizes, chunk_clusters,
                                                               threshold + (1 - threshold) * level)
        if len(chunk_clusters) <= limit:
            found += _merge_groups(chunk_sums, chunk_sizes, chunk_clusters, threshold)
        else:
            found += chunk_clusters
    return sorted(found, key=min)


def _merge_groups(sums, sizes, clusters: list[list[int]], threshold: float) -> list[list[int]]:
    """Average link from groups (sums of their unit vectors, sizes), in float32."""
    import numpy as np

    if len(clusters) == 1:
        return clusters
    means = sums / sizes[:, None]
    sims = means @ means.T  # the mean similarity of a pair of the two groups' members
    del means
    np.fill_diagonal(sims, -np.inf)
    return _merge(sims, sizes.astype(float), clusters, threshold)


def _components(means, at: float):
    """The connected parts of the graph linking two groups whose mean similarity is at least
    ``at``: a label per group (the part's lowest index), found a block of rows at a time."""
    import numpy as np

    def roots(parent):
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                return parent
            parent = up

    m = len(means)
    parent = np.arange(m)
    for start in range(0, m, _LEADER_BATCH):
        rows, cols = np.nonzero(means[start:start + _LEADER_BATCH] @ means[start:].T >= at)
        rows, cols = rows + start, cols + start
        keep = rows < cols
        rows, cols = rows[keep], cols[keep]
        while len(rows):
            parent = roots(parent)
            a, b = parent[rows], parent[cols]
            apart = a != b
            rows, cols, a, b = rows[apart], cols[apart], a[apart], b[apart]
            parent[np.maximum(a, b)] = np.minimum(a, b)  # roots only: stays a forest
    return roots(parent)


def _merge(sims, sizes, clusters: list[list[int]], threshold: float) -> list[list[int]]:
    """Average link on a group-to-group similarity matrix (diagonal -inf), merged in place:
    repeatedly the best pair (lowest row, then column, among equals, as np.argmax over the
    whole matrix) while it is at least ``threshold``. ``best``/``col`` cache each row's
    maximum and its first column, so a merge costs O(n), not an O(n^2) search."""
    import numpy as np

    m = len(clusters)
    col = sims.argmax(axis=1)
    best = sims[np.arange(m), col]
    alive = np.ones(m, dtype=bool)
    left = m
    while left > 1:
        a = int(np.argmax(best))  # the first row holding the overall maximum...
        b = int(col[a])  # ...and its first column: the flat argmax (a < b, sims is symmetric)
        if sims[a, b] < threshold:
            break
        # Lance-Williams update for average link: the merged group's mean similarity to each other group
        row = (sizes[a] * sims[a] + sizes[b] * sims[b]) / (sizes[a] + sizes[b])
        sims[a] = row
        sims[:, a] = row
        sims[a, a] = -np.inf
        sims[b, :] = -np.inf
        sims[:, b] = -np.inf
        sizes[a] += sizes[b]
        clusters[a] = clusters[a] + clusters[b]
        clusters[b] = []
        alive[b] = False
        best[b] = -np.inf
        left -= 1
        # a row whose best was a or b has lost it (or it fell): search it again; any other
        # row keeps its best unless its new similarity to a beats it (or equals it earlier)
        stale = alive & ((col == a) | (col == b))
        stale[a] = True
        to_a = sims[:, a]
        gain = alive & ~stale & ((to_a > best) | ((to_a == best) & (col > a)))
        best[gain] = to_a[gain]
        col[gain] = a
        rows = np.flatnonzero(stale)
        if len(rows) == 1:
            c = int(sims[a].argmax())
            col[a], best[a] = c, sims[a, c]
        else:
            for at in range(0, len(rows), 256):  # (a copy of 256 rows at most)
                some = rows[at:at + 256]
                block = sims[some]
                c = block.argmax(axis=1)
                col[some] = c
                best[some] = block[np.arange(len(some)), c]
    return [clusters[i] for i in range(m) if alive[i]]


def _leaders(sums, sizes, clusters: list[list[int]], at: float):
    """One leader pass over groups (sums of unit vectors, sizes, members) in order: each
    joins the group so far whose members it is most similar to on average (the earliest
    among equals) if that average is at least ``at``, else starts a new group. Returns the
    new groups' sums, sizes and members (in the order of the groups they came from)."""
    import numpy as np

    g, d = sums.shape
    means = sums / sizes[:, None]
    room = min(g, 1024)
    gsum = np.empty((room, d), dtype=np.float32)
    gsize = np.empty(room, dtype=np.float32)
    count = 0
    owner = np.empty(g, dtype=np.int64)
    for start in range(0, g, _LEADER_BATCH):
        batch = means[start:start + _LEADER_BATCH]
        base = count  # groups made before this batch: their average similarity to its items
        old = batch @ (gsum[:base] / gsize[:base, None]).T if base else None
        new = np.empty((len(batch), len(batch)), dtype=np.float32)  # ...and to groups it makes
        for k in range(len(batch)):
            i, best, lead = start + k, -np.inf, -1
            if base:
                j = int(old[k].argmax())
                best, lead = old[k, j], j
            if count > base:
                j = int(new[k, :count - base].argmax())
                if new[k, j] > best:  # an earlier group wins a tie
                    best, lead = new[k, j], base + j
            if best >= at:
                owner[i] = lead
                gsum[lead] += sums[i]
                gsize[lead] += sizes[i]
                # the group's mean moved: the rest of the batch's similarity to it too
                column = batch[k + 1:] @ (gsum[lead] / gsize[lead])
                if lead < base:
                    old[k + 1:, lead] = column
                else:
                    new[k + 1:, lead - base] = column
                continue
            if count == len(gsum):
                gsum = np.concatenate([gsum, np.empty_like(gsum)])
                gsize = np.concatenate([gsize, np.empty_like(gsize)])
            gsum[count], gsize[count], owner[i] = sums[i], sizes[i], count
            new[k + 1:, count - base] = batch[k + 1:] @ batch[k]
            count += 1
    del means
    members: list[list[int]] = [[] for _ in range(count)]
    for i in np.argsort(owner, kind="stable"):
        members[owner[i]].extend(clusters[i])
    return gsum[:count].copy(), gsize[:count].copy(), members
