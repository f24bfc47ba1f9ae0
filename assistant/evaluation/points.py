"""The point judge: does a point of an answer (a cited statement) answer the question?

A point is decided by the first rule that applies:

1. *off-topic* if it is cited to a council the question does not name (the item's
   ``councils``), or its cited quote holds one of a trap's ``forbidden`` phrases (the
   Government's words);
2. *on-topic* if it contains one of the item's gold facts (whitespace and case ignored);
3. *off-topic* if it is shorter than ``MIN_WORDS`` words and states no figure (a heading
   or a label: "SEND and high needs funding.");
4. *on-topic* if it is close to what the question asks: its MiniLM embedding is within
   cosine ``SEMANTIC`` of one of the item's ``relevant`` descriptors, or it holds at least
   ``DESCRIPTOR`` of a descriptor's content words (stemmed), or at least ``QUESTION`` of
   the question's content words (the named councils' words left out);
5. else *off-topic*.

Calibration: ``.venv/bin/python -m assistant.evaluation.points`` measures every
hand-labelled point of ``eval/datasets/point_labels.jsonl`` (points of real answers of the
pipeline on the dev split, labelled by reading them), searches the grid for the best
Cohen's kappa with the labels (ties: fewer false "on-topic", then the thresholds nearest
the current ones), and estimates how that choice generalises by 5-fold cross-validation.
It prints and changes nothing: copy better thresholds here and into eval/README.md.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from assistant.evaluation.metrics import _normal, agreement

# Calibrated on eval/datasets/point_labels.jsonl, 220 points (eval/README.md, "Point precision").
SEMANTIC = 0.58
DESCRIPTOR = 0.67
QUESTION = 1.0
MIN_WORDS = 7
THRESHOLDS = (SEMANTIC, DESCRIPTOR, QUESTION, MIN_WORDS)
GRID = (
    [round(0.30 + 0.02 * i, 2) for i in range(26)] + [1.1],  # SEMANTIC 0.30 .. 0.80, 1.1 = never
    [0.34, 0.5, 0.67, 0.75, 1.0, 1.1],  # DESCRIPTOR
    [0.25, 0.34, 0.5, 0.67, 0.75, 1.0, 1.1],  # QUESTION
    [0, 5, 6, 7, 8],  # MIN_WORDS
)
SCALES = (0.5, 1.0, 1.0, 8)  # for "nearest the current thresholds" when kappas tie
FOLDS = 5


@dataclass
class PointEvidence:
    """What the judge measures of one point, before any threshold."""
    excluded: str  # why rule 1 makes it off-topic ("" if it does not)
    gold: bool  # rule 2
    words: int
    figure: bool  # states a figure (rule 3)
    cosine: float  # best cosine with a descriptor
    descriptor: float  # best share of a descriptor's content stems in the point
    question: float  # share of the question's content stems in the point


def measure(point: str, question: str, relevant: list[str], gold_facts: list[str], named: list[str],
            forbidden: list[str], council: str, quote: str, embedder, context: str = "") -> PointEvidence:
    import numpy as np

    from assistant.evidence.scoring import content_stems
    from assistant.generate.judge import figures

    text = _normal(point).lower()
    if named and council not in named:
        excluded = f"cited to {council or 'no council'}, not a council the question names"
    elif any(_normal(f).lower() in _normal(quote).lower() for f in forbidden):
        excluded = "quotes the Government's words the trap is about"
    else:
        excluded = ""
    gold = any(_normal(f).lower() in text for f in gold_facts)
    # a list item is read as the answer shows it, under its lead-in ("Barriers we experience
    # from our legacy systems are:" / "Lack of standardisation of data requirements.")
    read = [point, f"{context} {point}"] if context else [point]
    cosine = 0.0
    if relevant:
        vectors = np.array(embedder.embed_documents([*read, *relevant]))
        cosine = float((vectors[len(read):] @ vectors[:len(read)].T).max())  # MiniLM vectors are L2-normalised
    ignore = {w.lower() for c in named for w in re.findall(r"[A-Za-z]+", c)} | {"council", "councils"}
    stems = content_stems(" ".join(read), ignore)

    def share(text: str) -> float:
        wanted = content_stems(text, ignore)
        return len(wanted & stems) / len(wanted) if wanted else 0.0

    return PointEvidence(excluded, gold, len(" ".join(read[-1:]).split()), bool(figures(point)), cosine,
                         max((share(d) for d in relevant), default=0.0), share(question))


def decide(e: PointEvidence, semantic: float = SEMANTIC, descriptor: float = DESCRIPTOR, question: float = QUESTION,
           min_words: int = MIN_WORDS) -> bool:
    if e.excluded:
        return False
    if e.gold:
        return True
    if e.words < min_words and not e.figure:
        return False
    return e.cosine >= semantic or e.descriptor >= descriptor or e.question >= question


class PointJudge:
    """Labels the points of one answer; the item gives the question's gold and descriptors."""

    def __init__(self, embedder, thresholds: tuple = THRESHOLDS):
        from assistant.index.vector_cache import cached

        self.embedder = cached(embedder)
        self.thresholds = thresholds

    def on_topic(self, item, point: str, council: str, quote: str, context: str = "") -> bool:
        return decide(self.measure(item, point, council, quote, context), *self.thresholds)

    def measure(self, item, point: str, council: str, quote: str, context: str = "") -> PointEvidence:
        return measure(point, item.question, item.relevant, item.gold_facts, item.councils, item.forbidden,
                       council, quote, self.embedder, context)


# --- hand labels and calibration ---------------------------------------------------------------
LABEL_FIELDS = ("id", "item", "point", "council", "quote", "on_topic")


def load_labels(path: Path) -> list[dict]:
    from assistant.evaluation.dataset import read_jsonl

    return read_jsonl(path, LABEL_FIELDS)


def label_evidence(labels: list[dict], items: dict, embedder) -> list[PointEvidence]:
    judge = PointJudge(embedder)
    return [judge.measure(items[row["item"]], row["point"], row["council"], row["quote"], row.get("context", ""))
            for row in labels]


def search(evidence: list[PointEvidence], truth: list[bool], current: tuple = THRESHOLDS) -> tuple:
    def key(thresholds):
        said = [decide(e, *thresholds) for e in evidence]
        stats = agreement(truth, said)
        false_yes = sum(s and not t for s, t in zip(said, truth))
        distance = sum(abs(a - b) / scale for a, b, scale in zip(thresholds, current, SCALES))
        return round(stats["kappa"] or 0, 6), -false_yes, -distance

    return max(product(*GRID), key=key)


def cross_validate(evidence: list[PointEvidence], truth: list[bool]) -> dict:
    predicted: list[bool] = [False] * len(truth)
    for fold in range(FOLDS):
        train = [i for i in range(len(truth)) if i % FOLDS != fold]
        chosen = search([evidence[i] for i in train], [truth[i] for i in train])
        for i in range(fold, len(truth), FOLDS):
            predicted[i] = decide(evidence[i], *chosen)
    return agreement(truth, predicted)


def judge_agreement(labels: list[dict], items: dict, embedder) -> dict:
    """The point judge at its current thresholds against the hand labels (labels whose item
    is not in ``items`` are left out)."""
    labels = [row for row in labels if row["item"] in items]
    if not labels:
        return {}
    evidence = label_evidence(labels, items, embedder)
    truth = [bool(row["on_topic"]) for row in labels]
    said = [decide(e) for e in evidence]
    stats = agreement(truth, said)
    stats["disagreements"] = [row["id"] for row, s, t in zip(labels, said, truth) if s != t]
    return stats


def main(argv: list[str]) -> None:
    import os

    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    from assistant.evaluation.dataset import load_items
    from assistant.evaluation.dataset import default_dataset_dir
    from assistant.index.embeddings import MiniLMEmbeddings

    path = Path(argv[0]) if argv else default_dataset_dir() / "point_labels.jsonl"
    labels = load_labels(path)
    items = {i.id: i for split in ("dev", "test") for i in load_items(default_dataset_dir() / f"{split}.jsonl")}
    evidence = label_evidence(labels, items, MiniLMEmbeddings())
    truth = [bool(r["on_topic"]) for r in labels]
    best = search(evidence, truth)

    def line(name, stats):
        print(f"  {name:36} n={stats['pairs']:3}  accuracy={stats['accuracy']:.3f}  precision={stats['precision'] or 0:.3f}"
              f"  recall={stats['recall'] or 0:.3f}  kappa={stats['kappa'] or 0:.3f}")

    print(f"{len(labels)} points ({sum(truth)} on-topic) from {path}")
    for name, chosen in (("current", THRESHOLDS), ("best on all points", best)):
        print(f"{name}: SEMANTIC={chosen[0]:g} DESCRIPTOR={chosen[1]:g} QUESTION={chosen[2]:g} MIN_WORDS={chosen[3]}")
        line("agreement on all points", agreement(truth, [decide(e, *chosen) for e in evidence]))
    line(f"{FOLDS}-fold cross-validated (held out)", cross_validate(evidence, truth))
    by_rule = {"excluded": sum(bool(e.excluded) for e in evidence), "gold fact": sum(e.gold for e in evidence),
               "short, no figure": sum(e.words < MIN_WORDS and not e.figure for e in evidence)}
    print("decided by rule:", json.dumps(by_rule))
    print("disagreements at the current thresholds:")
    for row, e, t in zip(labels, evidence, truth):
        if decide(e) != t:
            print(f"  {row['id']} labelled {'on' if t else 'off'}-topic (cos {e.cosine:.2f}, descriptor "
                  f"{e.descriptor:.2f}, question {e.question:.2f}): "
                  f"{row['point'][:110]}")


if __name__ == "__main__":
    main(sys.argv[1:])
