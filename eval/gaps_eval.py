"""Measure `assistant gaps` on the labelled drafts in eval/datasets/gaps.jsonl.

  .venv/bin/python eval/gaps_eval.py                 # index the shipped corpus in a temp home, run every case
  .venv/bin/python eval/gaps_eval.py --home DIR      # use an index that already holds the shipped corpus
  .venv/bin/python eval/gaps_eval.py --grid          # also try other thresholds on the same scores
  .venv/bin/python eval/gaps_eval.py --no-peers      # skip peer examples (statuses are the same, 5x faster)
  .venv/bin/python eval/gaps_eval.py --llm openai    # with the LLM judge

Prints, over every labelled question: precision and recall of "flagged" (missing or
partial: what the officer is told to work on) and of "missing" alone; accuracy per theme
status and per rule check; and each case's mistakes. Writes the full reports to
eval/results/gaps-<backend>.json.

Labels (one JSON object per line): id, draft (relative to eval/datasets/), council (or
null), themes {"1": status}, questions {"1.1": status} where we are confident, checks
{"rule id": bool}, note. Questions left out are fair either way (e.g. touched on under
another theme).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATASET = REPO / "eval" / "datasets" / "gaps.jsonl"
FLAGGED = {"missing", "partial"}


def load_cases(path: Path, only: list[str]) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if not only or c["id"] in only]


def shipped_home(tmp: Path) -> Path:
    from assistant.ingest import IngestItem, ingest
    from assistant.ingest.metadata import read_manifest
    from assistant.resources import corpus_dir
    from assistant.settings import load_settings

    items = [IngestItem(e.path, e.meta, set(e.meta.model_fields_set)) for e in read_manifest(corpus_dir() / "manifest.toml")]
    ingest(load_settings(tmp), items)
    return tmp


def pr(pairs: list[tuple[bool, bool]]) -> str:
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if not e and p)
    fn = sum(1 for e, p in pairs if e and not p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"precision {precision:.2f} ({tp}/{tp + fp}), recall {recall:.2f} ({tp}/{tp + fn})"


def statuses(raw: list[dict], covered_at: float, partial_at: float) -> tuple[dict, dict]:
    """Question and theme statuses from the recorded scores, under other thresholds."""
    questions, themes = {}, {}
    for theme in raw:
        found = []
        for q in theme["questions"]:
            status = ("covered" if q["score_in_theme"] >= covered_at else
                      "partial" if q["score"] >= partial_at else "missing")
            questions[q["id"]] = status
            found.append((status, q["score_in_theme"]))
        covered = sum(1 for s, _ in found if s == "covered")
        themes[str(theme["theme"])] = ("covered" if covered * 2 >= len(found) else
                                       "missing" if not any(v >= partial_at for _, v in found) else "partial")
    return questions, themes


def score(cases: list[dict], reports: dict, covered_at: float, partial_at: float) -> dict:
    flagged, missing, partial, theme_hits, theme_total, exact, per_theme = [], [], [], 0, 0, [], {}
    for case in cases:
        questions, themes = statuses(reports[case["id"]]["themes"], covered_at, partial_at)
        for qid, expected in case["questions"].items():
            got = questions[qid]
            flagged.append((expected in FLAGGED, got in FLAGGED))
            missing.append((expected == "missing", got == "missing"))
            partial.append((expected == "partial", got == "partial"))
            exact.append(expected == got)
        for number, expected in case["themes"].items():
            theme_total += 1
            theme_hits += themes[number] == expected
            hits, total = per_theme.get(number, (0, 0))
            per_theme[number] = (hits + (themes[number] == expected), total + 1)
    return {"flagged": flagged, "missing": missing, "partial": partial, "themes": (theme_hits, theme_total), "per_theme": per_theme,
            "questions": (sum(exact), len(exact))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an index holding the shipped corpus (default: build one)")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--case", action="append", default=[], help="only this case id (repeatable)")
    parser.add_argument("--llm", default=None, help="openai or azure: add the LLM judge")
    parser.add_argument("--no-peers", action="store_true",
                        help="check against an empty main index (faster; statuses do not depend on peers)")
    parser.add_argument("--grid", action="store_true", help="try other thresholds on the recorded scores")
    args = parser.parse_args()

    from assistant import gaps
    from assistant.settings import load_settings

    cases = load_cases(args.dataset, args.case)
    with tempfile.TemporaryDirectory(prefix="gaps-eval-") as tmp:
        home = Path(tmp) if args.no_peers else args.home or shipped_home(Path(tmp))
        settings = load_settings(home)
        reports = {}
        for case in cases:
            draft = (args.dataset.parent / case["draft"]).resolve()
            report = gaps.check(settings, draft, council=case["council"], llm=args.llm)
            reports[case["id"]] = report.to_json()
            print_case(case, reports[case["id"]])
    result = score(cases, reports, gaps.COVERED_AT, gaps.PARTIAL_AT)
    print(f"\n{len(cases)} drafts, {len(result['flagged'])} labelled questions, thresholds "
          f"covered >= {gaps.COVERED_AT}, partial >= {gaps.PARTIAL_AT}, backend {args.llm or 'offline'}")
    print(f"  flagged (missing or partial): {pr(result['flagged'])}")
    print(f"  missing:                      {pr(result['missing'])}")
    print(f"  partial:                      {pr(result['partial'])}")
    hits, total = result["questions"]
    print(f"  question status exact:        {hits}/{total} = {hits / total:.2f}")
    hits, total = result["themes"]
    print(f"  theme status accuracy:        {hits}/{total} = {hits / total:.2f}  (" + ", ".join(
        f"theme {n}: {h}/{t}" for n, (h, t) in sorted(result["per_theme"].items())) + ")")
    check_pairs = [(case["checks"][c["id"]], c["passed"]) for case in cases
                   for c in reports[case["id"]]["checks"] if c["id"] in case.get("checks", {})]
    print(f"  rule checks accuracy:         {sum(e == p for e, p in check_pairs)}/{len(check_pairs)}")
    if args.grid:
        print("\ncovered_at partial_at  flagged-P flagged-R  missing-P missing-R  exact  themes")
        for covered_at in (0.42, 0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.60):
            for partial_at in (0.40, 0.42, 0.44, 0.46, 0.48, 0.50):
                if partial_at > covered_at:
                    continue
                r = score(cases, reports, covered_at, partial_at)
                print(f"{covered_at:10.2f} {partial_at:10.2f}  {_p(r['flagged'])}  {_p(r['missing'])}  "
                      f"{r['questions'][0] / r['questions'][1]:.2f}   {r['themes'][0]}/{r['themes'][1]}")
    out = REPO / "eval" / "results" / f"gaps-{args.llm or 'offline'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(reports, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nreports: {out.relative_to(REPO)}")


def _p(pairs) -> str:
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if not e and p)
    fn = sum(1 for e, p in pairs if e and not p)
    return f"{tp / (tp + fp) if tp + fp else 1:9.2f} {tp / (tp + fn) if tp + fn else 1:9.2f}"


def print_case(case: dict, report: dict) -> None:
    themes = {str(t["theme"]): t["status"] for t in report["themes"]}
    questions = {q["id"]: q for t in report["themes"] for q in t["questions"]}
    wrong_themes = [f"theme {n}: {themes[n]} (expected {s})" for n, s in case["themes"].items() if themes[n] != s]
    wrong = [f"{qid} {questions[qid]['status']} (expected {s}; score {questions[qid]['score']:.2f}, "
             f"in theme {questions[qid]['score_in_theme']:.2f})"
             for qid, s in case["questions"].items() if questions[qid]["status"] != s]
    checks = {c["id"]: c["passed"] for c in report["checks"]}
    wrong_checks = [f"{k}: {checks.get(k)} (expected {v})" for k, v in case.get("checks", {}).items() if checks.get(k) != v]
    line = " ".join(f"{n}:{themes[n][0].upper()}" for n in sorted(themes))
    print(f"{case['id']:34} themes {line}   {len(wrong)} question errors, {len(wrong_themes)} theme errors")
    for item in wrong_themes + wrong + wrong_checks:
        print(f"    {item}")


if __name__ == "__main__":
    main()
