"""Grouping barrier mentions across councils into named barriers (see barriers.py for how
mentions are found).

1. Named barriers take every mention that uses their words (``pattern``, on the sentence
   and the council's label for it) or is very close in meaning to one of their descriptions
   (cosine >= NAMED_AT). ``NAMED`` holds the barriers issue 13 lists and the others councils
   in the labelled corpus cite most; the guidance's theme 4 evidence points that none of
   them covers ("silo working", "capacity and resources"...) join them as named barriers
   matched on meaning alone (cosine >= POINT_AT). A mention may name several.
2. Mentions no named barrier takes, if they state a barrier in so many words or under the
   council's label, are clustered (average link, cosine >= CLUSTER_AT; the sentences of one
   paragraph together, each by its label's vector if it has one) and each cluster is a
   barrier named by the guidance's evidence point it is close to, else by the label the
   councils gave it ("Heritage costs"), else by the start of its most central sentence.
A council appears once per barrier, with its clearest quote (``_keep``). Barriers are sorted
by how many councils cite them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.compare.clustering import average_link
from assistant.compare.named import NAMED

# Calibrated on eval/datasets/barriers.jsonl (tests/test_compare.py: recall of each common
# barrier); MiniLM cosines between a sentence and a short description.
NAMED_AT = 0.78  # a mention this close to a named barrier's description cites it (its words are surer)
POINT_AT = 0.62  # ...or this close to a guidance evidence point (a named barrier without words)
CLUSTER_AT = 0.6  # average cosine at which two groups of leftover mentions are one barrier
# Mention texts embedded at a time. The embedder hands back lists of Python floats (~15 KB a
# text): a national index's 131,642 at once took 1.9 GB, 2.3 GB with their array, most of
# compare's 2.8 GB peak (bench/national.py, 400 councils).
EMBED_BATCH = 1024


@dataclass
class Barrier:
    name: str
    mentions: list = field(default_factory=list)  # one Mention per council

    @property
    def councils(self) -> list[str]:
        return [m.council for m in self.mentions]


def _named(guidance, embed) -> list[tuple[str, re.Pattern | None, list[str]]]:
    """The named barriers, plus the guidance's theme 4 evidence points none of them covers
    (a point about barriers in general, "barriers the Government could remove", names none)."""
    import numpy as np

    named = [(name, re.compile(p, re.IGNORECASE), d) for name, p, d in NAMED]
    points = [p for t in guidance.themes if t.number == 4 for q in t.questions for p in q.evidence
              if not re.search(r"\bbarriers?\b|\basks?\b", p, re.IGNORECASE)]
    if points:
        known = np.array(embed([d for _, _, ds in named for d in ds]))
        for point, vector in zip(points, np.array(embed(points))):
            if float((known @ vector).max()) < POINT_AT:
                named.append((point[:1].upper() + point[1:], None, [point]))
    return named


def _forms(mention) -> list[str]:
    from assistant.text.sentences import CLAUSE_BREAK

    parts = [p.strip(" ,;:()") for p in CLAUSE_BREAK.split(mention.quote)]
    return [mention.quote] + [p for p in parts if len(p.split()) >= 4 and p != mention.quote]


def group_barriers(mentions: list, guidance, embedder) -> list[Barrier]:
    """Every council's barrier mentions, grouped into named barriers, most cited first."""
    import numpy as np

    if not mentions:
        return []
    embed = embedder.embed_documents
    named = _named(guidance, embed)
    stated = [m.cue and not m.weak for m in mentions]  # what the clustering may take, if no named barrier does
    closest, whole = _closeness(mentions, [np.array(embed(d)) for _, _, d in named], embed, stated)
    groups: dict[str, dict[str, tuple]] = {}  # name -> council -> (rank, mention)
    taken = np.zeros(len(mentions), dtype=bool)
    for (name, pattern, _), best in zip(named, closest):
        for i, m in enumerate(mentions):
            in_quote = bool(pattern and pattern.search(m.quote))
            said = in_quote or bool(pattern and m.label and pattern.search(m.label))
            close = best[i] >= (NAMED_AT if pattern else POINT_AT) and not m.weak
            if not (said or close):
                continue
            taken[i] = True
            _keep(groups, name, m, (in_quote, not m.weak, m.in_section, said, best[i]))
    rest = [i for i in range(len(mentions)) if not taken[i] and stated[i]]
    for name, members in _leftovers(mentions, rest, whole, named, embed):
        for i, closeness in members:
            _keep(groups, name, mentions[i], (False, True, mentions[i].in_section, False, closeness))
    barriers = [Barrier(name, [m for _, m in sorted(by_council.values(), key=lambda x: x[1].council)])
                for name, by_council in groups.items()]
    return sorted(barriers, key=lambda b: (-len(b.mentions), b.name))


def _closeness(mentions: list, described: list, embed, wanted: list[bool]):
    """(closest, whole): ``closest[k, i]``, the highest cosine of mention i (its sentence or
    one of its clauses) to named barrier k's descriptions (``described[k]``, their vectors);
    ``whole[i]``, the vector of mention i's own sentence, for the mentions ``wanted`` (a
    fifth of a national index's). A batch of texts at a time; the cosines in float64 as the
    embedder's floats come, the kept vectors in float32 (what the embedder computed: no
    precision lost)."""
    import numpy as np

    closest = np.full((len(described), len(mentions)), -1.0)
    whole = {}
    start = 0
    while start < len(mentions):
        owners, texts = [], []
        end = start
        while end < len(mentions) and len(texts) < EMBED_BATCH:  # a mention's forms stay in one batch
            forms = _forms(mentions[end])
            owners += [end] * len(forms)
            texts += forms
            end += 1
        vectors = np.array(embed(texts))
        owners = np.array(owners)
        for i, first in zip(range(start, end), np.searchsorted(owners, np.arange(start, end))):  # its sentence
            if wanted[i]:
                whole[i] = vectors[first].astype(np.float32)
        for best, targets in zip(closest, described):
            np.maximum.at(best, owners, (vectors @ targets.T).max(axis=1))
        start = end
    return closest, whole


def _keep(groups: dict, name: str, mention, rank: tuple) -> None:
    """One quote per council per barrier: the clearest (its words name the barrier, it is the
    council's own statement, in its barriers part, then the closest in meaning)."""
    held = groups.setdefault(name, {}).get(mention.council)
    if held is None or rank > held[0]:
        groups[name][mention.council] = (rank, mention)


def _leftovers(mentions: list, rest: list[int], whole, named, embed):
    """The mentions no named barrier took, clustered: [(name, [(mention index, closeness to
    its cluster)])]."""
    import numpy as np

    if not rest:
        return []
    # a council's own name for a barrier ("The audit backlog") says what it is better than its
    # explanation, whose figures and places make unrelated sentences look alike
    labels = sorted({mentions[i].label for i in rest if mentions[i].label})
    labelled = dict(zip(labels, np.array(embed(labels)))) if labels else {}
    keys = np.array([labelled[mentions[i].label] if mentions[i].label else whole[i] for i in rest], dtype=np.float64)
    # the sentences of one paragraph explain one barrier: they are clustered together
    paragraphs: dict[tuple, list[int]] = {}
    for j, i in enumerate(rest):
        m = mentions[i]
        paragraphs.setdefault((m.document_id, m.page, m.paragraph), []).append(j)
    blocks = list(paragraphs.values())
    block_keys = np.array([_unit(keys[b].mean(axis=0)) for b in blocks])
    found = []
    for clustered in average_link(block_keys, CLUSTER_AT):
        members = [j for b in clustered for j in blocks[b]]
        centre = keys[members].mean(axis=0)
        closeness = keys[members] @ centre
        name = _cluster_name([mentions[rest[j]] for j in members], closeness, centre, named, embed)
        found.append((name, [(rest[j], float(c)) for j, c in zip(members, closeness)]))
    return found


def _unit(vector):
    import numpy as np

    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def _cluster_name(members: list, closeness, centre, named, embed) -> str:
    """A guidance evidence point's words if the cluster is about one; else the label a council
    gave the barrier ("Heritage costs."); else the start of the most central sentence."""
    import numpy as np

    points = [(name, d[0]) for name, pattern, d in named if pattern is None]
    if points:
        sims = np.array(embed([p for _, p in points])) @ centre / max(float(np.linalg.norm(centre)), 1e-9)
        if float(sims.max()) >= POINT_AT:
            return points[int(sims.argmax())][0]
    from collections import Counter

    labels = Counter(m.label for m in members if m.label)
    if labels:
        return labels.most_common(1)[0][0]
    quote = members[int(np.argmax(closeness))].quote
    words = re.sub(r"\s+", " ", quote).strip(" *_").split()
    return " ".join(words[:8]).rstrip(".,;:") + ("…" if len(words) > 8 else "")
