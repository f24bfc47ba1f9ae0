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

# Calibrated on eval/datasets/barriers.jsonl (tests/test_compare.py: recall of each common
# barrier); MiniLM cosines between a sentence and a short description.
NAMED_AT = 0.78  # a mention this close to a named barrier's description cites it (its words are surer)
POINT_AT = 0.62  # ...or this close to a guidance evidence point (a named barrier without words)
CLUSTER_AT = 0.6  # average cosine at which two groups of leftover mentions are one barrier

NAMED: list[tuple[str, str, list[str]]] = [
    # (name, pattern of its own words, descriptions matched on meaning)
    ("Single-year settlements and short-term funding",
     r"single[- ]year (funding |finance |financial )?settlements?|one[- ]year (funding |finance )?settlements?|"
     r"multi[- ]?year|settlements? (covering|of) (at least |more than )?(several|two|three|four|five|\w+ (than )?one) "
     r"years?|long(er)?[- ]term funding|short[- ]term (nature of (local government )?)?funding|"
     r"year[- ]to[- ]year funding|longer than one year|funding certainty|for one year (only|at a time)|"
     r"(funding|settlement)\b[^.]{0,40}\bmore than (a|one) year",
     ["single-year funding settlements make it hard to plan",
      "a funding settlement covering several years", "short-term funding"]),
    ("Competitive bidding for funding",
     r"competitive bidding|bidding (rounds?|for funding)|failed bids|(funding|fund) bids?|bids? (for|to) "
     r"(government )?fund|rather than (competition|bidding)|non-competitive|through competition|"
     r"quality of bids|bid\b[^.]{0,80}\b(unsuccessful|failed)",
     ["competitive bidding for government funding wastes time and money",
      "funding allocated by competition rather than need"]),
    ("New burdens without funding",
     r"new burdens?|new (statutory )?duties\b[^.]{0,120}\b(without|not fully funded|unfunded|funding)|"
     r"(without|no) (full |the )?funding to deliver|not (been )?fully funded|unfunded (burdens|duties)",
     ["new duties placed on councils without the funding to deliver them"]),
    ("Outdated funding formula (fair funding review)",
     r"funding formula|fair funding|needs formula|formula (that |which )?(has not|ignores)|based on a formula",
     ["the funding formula is out of date and does not reflect need",
      "complete the fair funding review"]),
    ("Recruitment and retention",
     r"recruit\w*( and|,)? (retention|retain|keep)|(cannot|can't|unable to|struggl\w* to|difficult\w* (to|in)) "
     r"(recruit|retain|compete)|recruitment (difficult|of|challenges?)|(skills?|staff|labour|workforce) shortages?|"
     r"vacancy rate|without success|compete (with|for)\b[^.]{0,80}\b(pay|staff|workers|planners)|"
     r"social worker pay|agency (social worker )?pay|workforce (plan|strategy)|(difficult\w*|hard|flexibility|"
     r"challenges?) (in |to )?recruit\w*",
     ["we cannot recruit or retain enough skilled staff", "shortages of social workers, planners and care workers"]),
    ("Ring-fenced and fragmented grants",
     r"ring[- ]?fenc\w*|separate (revenue )?(funding )?grants|\d+ (different|separate) (revenue )?(funding )?grants|"
     r"single pot|single,? (place-based|un-?ringfenced) (budget|allocation)",
     ["too many separate ring-fenced grants from government"]),
    ("Reporting burden",
     r"reporting (burden|requirements?)|returns to government|(data|statutory|separate|one-off) returns?|"
     r"single(,)? (shared )?data (collection|return)|monitoring returns|same returns|burden of reporting",
     ["the burden of reporting and data returns to government departments"]),
    ("SEND and high needs deficits (statutory override)",
     r"(?-i:\bSEND\b)|special educational needs|high needs|dedicated schools grant|statutory override|"
     r"education, health and care plans",
     ["special educational needs and high needs deficits"]),
    ("Home-to-school transport", r"home[- ]to[- ]school transport",
     ["the rising cost of home to school transport"]),
    ("Temporary accommodation and homelessness",
     r"temporary accommodation|housing benefit subsidy|local housing allowance|subsidy (rate|cap)",
     ["the cost of temporary accommodation for homeless households"]),
    ("Planning fees", r"planning (application )?fees|fees for (licensing and )?planning",
     ["nationally set planning fees do not cover the cost"]),
    ("Internal Drainage Board levies", r"internal drainage boards?|(?-i:\bIDB\b)|drainage (board )?levies",
     ["internal drainage board levies"]),
    ("Council tax referendum limits",
     r"referendum (limit|threshold)s?|without a referendum|council tax (increases? )?(limit|cap)\w*|"
     r"discretion over council tax|set council tax locally",
     ["council tax referendum limits"]),
    ("Underfunding and funding cuts",
     r"underfund\w*|under-fund\w*|reduc\w+ (in )?(government )?funding|funding (cuts?|reductions?)|"
     r"cuts? (to|in) (local government )?funding|funding cut|increase funding|spending power",
     ["local government is underfunded after years of funding cuts"]),
    ("Procurement rules",
     r"procurement (rules|regime|regulations?|and legacy)|public procurement|lighter[- ]touch regime",
     ["public procurement rules are costly for small contracts"]),
    ("Data sharing with Government and the NHS",
     r"data[- ]sharing|(legal|statutory) gateway|use (DWP|HMRC|DWP and HMRC) data|information governance",
     ["a legal gateway to share data with the DWP, HMRC and the NHS"]),
]


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
    owners, texts = [], []
    for i, m in enumerate(mentions):
        for form in _forms(m):
            owners.append(i)
            texts.append(form)
    vectors = np.array(embed(texts))
    owners = np.array(owners)
    whole = vectors[np.searchsorted(owners, np.arange(len(mentions)))]  # each mention's own sentence
    groups: dict[str, dict[str, tuple]] = {}  # name -> council -> (rank, mention)
    taken = np.zeros(len(mentions), dtype=bool)
    for name, pattern, descriptions in named:
        sims = vectors @ np.array(embed(descriptions)).T
        best = np.full(len(mentions), -1.0)
        np.maximum.at(best, owners, sims.max(axis=1))
        for i, m in enumerate(mentions):
            said = bool(pattern and pattern.search(f"{m.label} {m.quote}"))
            close = best[i] >= (NAMED_AT if pattern else POINT_AT) and not m.weak
            if not (said or close):
                continue
            taken[i] = True
            _keep(groups, name, m, (bool(pattern and pattern.search(m.quote)), not m.weak, m.in_section, said, best[i]))
    rest = [i for i in range(len(mentions)) if not taken[i] and mentions[i].cue and not mentions[i].weak]
    for name, members in _leftovers(mentions, rest, whole, named, embed):
        for i, closeness in members:
            _keep(groups, name, mentions[i], (False, True, mentions[i].in_section, False, closeness))
    barriers = [Barrier(name, [m for _, m in sorted(by_council.values(), key=lambda x: x[1].council)])
                for name, by_council in groups.items()]
    return sorted(barriers, key=lambda b: (-len(b.mentions), b.name))


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
    keys = np.array([labelled[mentions[i].label] if mentions[i].label else whole[i] for i in rest])
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


def average_link(vectors, threshold: float) -> list[list[int]]:
    """Agglomerative clustering of unit vectors, average link on cosine: merge the two
    closest groups while their average similarity is at least ``threshold``. Identical
    vectors (the same sentence in several plans) start as one weighted group."""
    import numpy as np

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
        # Lance-Williams update for average link: the merged group's mean similarity to each other group
        sims[a] = (sizes[a] * sims[a] + sizes[b] * sims[b]) / (sizes[a] + sizes[b])
        sims[:, a] = sims[a]
        sims[a, a] = -np.inf
        sims[b, :] = sims[:, b] = -np.inf
        sizes[a] += sizes[b]
        clusters[a] = clusters[a] + clusters[b]
        alive[b] = False
    return [clusters[i] for i in range(len(clusters)) if alive[i]]
