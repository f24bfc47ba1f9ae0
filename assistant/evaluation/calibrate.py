"""Calibrate and validate the offline judge's thresholds on the hand-labelled pairs
(eval/datasets/judge_pairs.jsonl).

    .venv/bin/python -m assistant.evaluation.calibrate [PAIRS.jsonl]

Measures each pair once (``judge.measure``), then searches a grid of thresholds for the
best Cohen's kappa with the hand labels (ties: the higher precision of "supported", since
a false "supported" lets an invented sentence through; then the thresholds nearest the
current ones). The thresholds are chosen on all pairs; how well that choice generalises
is estimated by 5-fold cross-validation (choose on four folds, score the fifth; the
held-out verdicts pooled). It prints and changes nothing: copy better thresholds into
assistant/generate/judge.py and update eval/README.md.
"""

from __future__ import annotations

import sys
from itertools import product
from pathlib import Path

from assistant.evaluation.metrics import agreement

FUZZY_GRID = [80.0 + 2.5 * i for i in range(9)]  # 80 .. 100
SEMANTIC_GRID = [round(0.40 + 0.01 * i, 2) for i in range(51)]  # 0.40 .. 0.90
COVERAGE_GRID = [round(0.30 + 0.05 * i, 2) for i in range(11)]  # 0.30 .. 0.80
FOLDS = 5


def measure_pairs(pairs, embedder) -> list:
    from assistant.generate.judge import measure

    return [measure(p.sentence, p.passage, embedder, complete=True) for p in pairs]


def verdicts(evidence: list, thresholds: tuple[float, float, float]) -> list[bool]:
    from assistant.generate.judge import decide

    return [decide(e, *thresholds).supported for e in evidence]


def search(evidence: list, labels: list[bool], current: tuple[float, float, float]) -> tuple[float, float, float]:
    """The thresholds (fuzzy, semantic, coverage) that agree best with ``labels``."""
    def key(thresholds):
        stats = agreement(labels, verdicts(evidence, thresholds))
        distance = sum(abs(a - b) / scale for a, b, scale in zip(thresholds, current, (20, 0.5, 0.5)))
        return round(stats["kappa"] or 0, 6), stats["precision"] or 0, -distance

    return max(product(FUZZY_GRID, SEMANTIC_GRID, COVERAGE_GRID), key=key)


def cross_validate(evidence: list, labels: list[bool], current) -> dict:
    """Agreement of held-out verdicts: each fold judged with thresholds chosen on the others."""
    predicted: list[bool | None] = [None] * len(labels)
    for fold in range(FOLDS):
        train = [i for i in range(len(labels)) if i % FOLDS != fold]
        chosen = search([evidence[i] for i in train], [labels[i] for i in train], current)
        for i in range(fold, len(labels), FOLDS):
            predicted[i] = verdicts([evidence[i]], chosen)[0]
    return agreement(labels, predicted)


def main(argv: list[str]) -> None:
    import os

    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    from assistant.evaluation.dataset import load_pairs
    from assistant.evaluation.dataset import default_dataset_dir
    from assistant.generate import judge
    from assistant.index.embeddings import MiniLMEmbeddings

    path = Path(argv[0]) if argv else default_dataset_dir() / "judge_pairs.jsonl"
    pairs = load_pairs(path)
    labels = [p.supported for p in pairs]
    evidence = measure_pairs(pairs, MiniLMEmbeddings())
    current = (judge.FUZZY_SUPPORT, judge.SEMANTIC_SUPPORT, judge.CONTENT_COVERAGE)
    best = search(evidence, labels, current)

    def line(name, stats):
        print(f"  {name:34} n={stats['pairs']:3}  accuracy={stats['accuracy']:.3f}  precision={stats['precision'] or 0:.3f}"
              f"  recall={stats['recall'] or 0:.3f}  kappa={stats['kappa'] or 0:.3f}")

    print(f"{len(pairs)} pairs ({sum(labels)} supported) from {path}")
    for name, thresholds in (("current", current), ("best on all pairs", best)):
        print(f"{name}: FUZZY_SUPPORT={thresholds[0]:g} SEMANTIC_SUPPORT={thresholds[1]:g} "
              f"CONTENT_COVERAGE={thresholds[2]:g}")
        line("agreement on all pairs", agreement(labels, verdicts(evidence, thresholds)))
    line(f"{FOLDS}-fold cross-validated (held out)", cross_validate(evidence, labels, current))
    wrong = [p for p, said in zip(pairs, verdicts(evidence, current)) if said != p.supported]
    print(f"disagreements at the current thresholds ({len(wrong)}):")
    for p in wrong:
        print(f"  {p.id} [{p.kind}] labelled {'supported' if p.supported else 'unsupported'}: {p.sentence}")


if __name__ == "__main__":
    main(sys.argv[1:])
