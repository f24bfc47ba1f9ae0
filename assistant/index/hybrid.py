"""Reciprocal-rank fusion of the dense and lexical rankings, and spreading results across
councils for questions that span them."""

from __future__ import annotations

from collections import defaultdict

from assistant.models import SearchHit

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks


def fuse(dense: list[tuple[str, float]], lexical: list[tuple[str, float]],
         extra: list[list[tuple[str, float]]] = (), extra_weight: float = 0.8) -> list[tuple[str, float, tuple]]:
    """[(chunk id, fused score, (dense rank, lexical rank))], best first. Ranks are 1-based.
    ``extra`` rankings (from expansions of the question) are merged into one ranking by
    each chunk's best rank in any of them, which counts at ``extra_weight``: a chunk that
    matches one evidence point well comes in, however many expansions there are."""
    scores: dict[str, float] = defaultdict(float)
    ranks: dict[str, list] = defaultdict(lambda: [None, None])
    for which, ranking in enumerate((dense, lexical)):
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            scores[chunk_id] += 1.0 / (RRF_K + rank)
            ranks[chunk_id][which] = rank
    best_extra: dict[str, int] = {}
    for ranking in extra:
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            best_extra[chunk_id] = min(rank, best_extra.get(chunk_id, rank))
    for chunk_id, rank in best_extra.items():
        scores[chunk_id] += extra_weight / (RRF_K + rank)
        ranks[chunk_id]  # noqa: B018 - registers the id
    ordered = sorted(scores, key=lambda c: -scores[c])
    return [(c, scores[c], tuple(ranks[c])) for c in ordered]


def spread_by_council(hits: list[SearchHit], k: int) -> list[SearchHit]:
    """Reorder so that every council with a good hit is represented: round-robin over
    councils in order of their best hit, each council's hits in rank order."""
    by_council: dict[str, list[SearchHit]] = defaultdict(list)
    for hit in hits:
        by_council[hit.chunk.council].append(hit)
    order = sorted(by_council, key=lambda c: -by_council[c][0].score)
    spread: list[SearchHit] = []
    depth = 0
    while len(spread) < len(hits):
        for council in order:
            if depth < len(by_council[council]):
                spread.append(by_council[council][depth])
        depth += 1
    return spread
