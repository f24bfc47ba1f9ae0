"""average_link (assistant/compare/clustering.py): the O(n)-per-merge version gives the same
clusters as the n x n matrix search it replaced, and a large input stays within bounded
memory (the matrix it builds is at most the limit's size)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.compare import clustering
from assistant.compare.clustering import average_link


def reference_average_link(vectors, threshold: float) -> list[list[int]]:
    """The implementation average_link replaced, verbatim: a full n x n similarity matrix
    and a search of all of it for every merge."""
    n = len(vectors)
    if n == 0:
        return []
    rounded = [tuple(np.round(v, 4)) for v in vectors]
    first: dict = {}
    groups = [first.setdefault(r, []) for r in rounded]
    for i, g in enumerate(groups):
        g.append(i)
    clusters = [g for g in first.values()]
    centres = np.array([vectors[g[0]] for g in clusters])
    sizes = np.array([len(g) for g in clusters], dtype=float)
    sims = centres @ centres.T
    np.fill_diagonal(sims, -np.inf)
    alive = np.ones(len(clusters), dtype=bool)
    while alive.sum() > 1:
        flat = int(np.argmax(sims))
        a, b = divmod(flat, len(clusters))
        if sims[a, b] < threshold:
            break
        sims[a] = (sizes[a] * sims[a] + sizes[b] * sims[b]) / (sizes[a] + sizes[b])
        sims[:, a] = sims[a]
        sims[a, a] = -np.inf
        sims[b, :] = sims[:, b] = -np.inf
        sizes[a] += sizes[b]
        clusters[a] = clusters[a] + clusters[b]
        alive[b] = False
    return [clusters[i] for i in range(len(clusters)) if alive[i]]


def _unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def random_case(rng, n: int):
    """Unit vectors with topics, exact duplicates, near-duplicates (equal once rounded),
    and some with few distinct coordinates, so that many similarities tie exactly."""
    kind = rng.integers(4)
    d = int(rng.choice([3, 8, 32, 384]))
    if kind == 0:  # loose topics
        centres = rng.normal(size=(max(1, n // 10 + 1), d))
        x = centres[rng.integers(len(centres), size=n)] + rng.normal(scale=rng.uniform(0.2, 1.5), size=(n, d))
    elif kind == 1:  # lattice vectors: many exactly equal dot products
        x = rng.integers(-1, 2, size=(n, d)).astype(float)
        x[np.all(x == 0, axis=1), 0] = 1.0
    elif kind == 2:  # one-hot-ish: ties everywhere
        x = np.zeros((n, d))
        x[np.arange(n), rng.integers(d, size=n)] = 1.0
        x[np.arange(n), rng.integers(d, size=n)] += 1.0
    else:  # pure noise
        x = rng.normal(size=(n, d))
    x = _unit(x)
    if n > 1:  # exact duplicates (the same sentence in several plans)
        dup = rng.integers(n, size=n // 4)
        x[rng.integers(n, size=n // 4)] = x[dup]
        near = rng.integers(n, size=n // 8)  # differing below the 4th decimal place
        x[near] = x[near] + rng.uniform(-1e-6, 1e-6, size=(len(near), d))
    return x


@pytest.mark.parametrize("seed", range(8))
def test_same_clusters_as_the_reference_on_random_inputs(seed):
    rng = np.random.default_rng(seed)
    checked = 0
    for size in [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 300]:
        for _ in range(2 if size > 100 else 5):
            x = random_case(rng, size)
            threshold = float(rng.choice([0.0, 0.3, 0.5, 0.6, 0.8, 0.95, rng.uniform(-0.2, 1)]))
            want = reference_average_link(x, threshold)
            assert average_link(x, threshold) == want, (seed, size, threshold)
            # float32 input (and lists of rows) take the same path, in that dtype
            x32 = x.astype(np.float32)
            assert average_link(x32, threshold) == reference_average_link(x32, threshold)
            assert average_link(list(x), threshold) == want
            checked += 1
    assert checked > 40


def test_ties_keep_the_reference_order():
    # every pair at the same similarity: the reference merges the lowest (row, column) first
    x = np.eye(6)
    x = _unit(x + 1.0)
    for threshold in (0.0, 0.5, 0.9):
        assert average_link(x, threshold) == reference_average_link(x, threshold)
    x = _unit(np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [1, 1]], dtype=float))
    assert average_link(x, 0.5) == reference_average_link(x, 0.5)


def clustered(rng, n: int, d: int = 48, topics: int = 40, variants: int = 6):
    """Topics, sentence variants of each (cosine ~0.8 to the topic), each variant in many
    plans (near-duplicates, cosine ~0.97)."""
    centres = _unit(rng.normal(size=(topics, d)))
    sentences = _unit(np.repeat(centres, variants, axis=0) + rng.normal(scale=0.11, size=(topics * variants, d)))
    which = rng.integers(len(sentences), size=n)
    return _unit(sentences[which] + rng.normal(scale=0.025, size=(n, d))), which // variants


def adjusted_rand(a, b) -> float:
    """Adjusted Rand index of two labelings (Hubert & Arabie)."""
    a = np.unique(np.asarray(a), return_inverse=True)[1]
    b = np.unique(np.asarray(b), return_inverse=True)[1]
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x):
        return float((x * (x - 1) / 2).sum())

    index, rows, cols, total = pairs(table), pairs(table.sum(1)), pairs(table.sum(0)), pairs(np.array([len(a)]))
    expected = rows * cols / total
    return (index - expected) / ((rows + cols) / 2 - expected) if rows + cols != 2 * expected else 1.0


def labels(clusters, n):
    out = np.full(n, -1)
    for k, members in enumerate(clusters):
        out[members] = k
    assert (out >= 0).all() and sum(len(c) for c in clusters) == n
    return out


def matrix_shapes(monkeypatch) -> list:
    """The shape of every similarity matrix average link searches, as it builds them."""
    shapes = []
    merge = clustering._merge

    def spy(sims, *args):
        shapes.append(sims.shape)
        return merge(sims, *args)

    monkeypatch.setattr(clustering, "_merge", spy)
    return shapes


def test_above_the_limit_the_matrix_stays_bounded_and_close_to_average_link(monkeypatch):
    rng = np.random.default_rng(7)
    n, limit = 1500, 300
    x, _ = clustered(rng, n)
    shapes = matrix_shapes(monkeypatch)
    got = average_link(x, 0.6, limit=limit)
    assert shapes and all(s[0] <= limit and s[0] == s[1] for s in shapes)
    want = reference_average_link(x, 0.6)
    assert adjusted_rand(labels(got, n), labels(want, n)) > 0.95
    assert sorted(i for c in got for i in c) == list(range(n))


def test_a_large_input_stays_within_bounded_memory(monkeypatch):
    import tracemalloc

    rng = np.random.default_rng(3)
    n, d = 12_000, 48
    x, _ = clustered(rng, n, d=d, topics=60, variants=10)
    shapes = matrix_shapes(monkeypatch)
    tracemalloc.start()
    try:
        got = average_link(x, 0.6)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shapes and all(s[0] <= clustering.EXACT_LIMIT for s in shapes)
    # the old n x n float64 matrix alone would be n * n * 8 = 1.15 GB
    assert peak < clustering.EXACT_LIMIT ** 2 * 8 + 20 * x.nbytes
    assert peak < n * n * 8 / 4
    assert sorted(i for c in got for i in c) == list(range(n))
    assert len(got) < n / 10  # the near-duplicates were grouped and clustered


def test_no_near_duplicates_above_the_limit_still_bounded(monkeypatch):
    # nothing to group at the first level: the lower levels reduce it, or the groups are returned
    rng = np.random.default_rng(5)
    x = _unit(rng.normal(size=(900, 16)))
    shapes = []
    merge = clustering._merge
    monkeypatch.setattr(clustering, "_merge", lambda sims, *a: shapes.append(sims.shape) or merge(sims, *a))
    got = average_link(x, 0.6, limit=200)
    assert all(s[0] <= 200 for s in shapes)
    assert sorted(i for c in got for i in c) == list(range(900))


def test_parts_that_cannot_merge_are_clustered_exactly_above_the_limit(monkeypatch):
    # no near-duplicates, more distinct vectors than the limit: split into the parts of the
    # graph of pairs at least the threshold similar, each clustered exactly
    rng = np.random.default_rng(11)
    n, limit = 1200, 200
    centres = _unit(rng.normal(size=(40, 64)))
    x = _unit(centres[rng.integers(40, size=n)] + rng.normal(scale=0.09, size=(n, 64)))
    shapes = []
    merge = clustering._merge
    monkeypatch.setattr(clustering, "_merge", lambda sims, *a: shapes.append(sims.shape) or merge(sims, *a))
    got = average_link(x, 0.6, limit=limit)
    assert len(shapes) > 1 and all(s[0] <= limit for s in shapes)
    want = reference_average_link(x, 0.6)
    assert sorted(map(sorted, got)) == sorted(map(sorted, want))
