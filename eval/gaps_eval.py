"""Measure `assistant gaps`: on the labelled drafts (eval/datasets/gaps.jsonl) and on theme
ablations of labelled plans (eval/datasets/gaps_plans.toml).

  .venv/bin/python eval/gaps_eval.py                   # labelled drafts (empty main index: no peers)
  .venv/bin/python eval/gaps_eval.py --ablations       # theme ablations, calibration and holdout plans
  .venv/bin/python eval/gaps_eval.py --ablations --split holdout --plan manchester
  .venv/bin/python eval/gaps_eval.py --ablations --short  # also each theme cut to its first paragraph
  .venv/bin/python eval/gaps_eval.py --llm openai      # with the LLM judge

Labelled drafts: precision and recall per status (covered / partial / missing) over every
labelled question and theme, the rule checks, and each draft's mistakes. Labels: id, draft
(relative to eval/datasets/), council (or null), themes {"1": status}, questions {"1.1":
status} where we are confident, checks {"rule id": bool}, note.

Ablations: each plan complete and with each theme it answers cut out, with and without its
headings (eval/make_gap_drafts.py writes them into a temporary folder; PDF and Word plans
are re-rendered). Reports, per split and per headings kept / removed:
  removed -> missing   share of cut-out themes reported missing          (target >= 0.90)
  present -> missing   share of themes still there reported missing      (target <= 0.10)
  complete -> covered  share of the complete plans' themes read covered  (target >= 0.90)
With --short, also each plan with one theme cut down to its first paragraph(s) (about 40
words; make_gap_drafts.short_variants): the share of those short themes read covered and
read missing (no target: a first paragraph may be an introduction that answers nothing;
used to calibrate theme_min_units on the calibration plans).
Writes the reports to eval/results/gaps-<backend>.json (or gaps-ablations-<backend>.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))
DATASET = REPO / "eval" / "datasets" / "gaps.jsonl"


class MemoEmbedder:
    """Vectors remembered across drafts (the ablations share most of their sentences)."""

    def __init__(self, inner):
        self.inner, self.memo = inner, {}

    def embed_documents(self, texts):
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if todo:
            self.memo.update(zip(todo, self.inner.embed_documents(todo)))
        return [self.memo[t] for t in texts]

    def embed_query(self, text):
        return self.embed_documents([text])[0]


def load_cases(path: Path, only: list[str]) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if not only or c["id"] in only]


def fmt(value) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def print_metrics(summary: dict) -> None:
    for level in ("questions", "themes"):
        s = summary[level]
        print(f"  {level}: {s['labelled']} labelled, exact {fmt(s['exact'])}")
        for status, m in s["per_status"].items():
            print(f"    {status:8} precision {fmt(m['precision'])} ({m['tp']}/{m['tp'] + m['fp']})   "
                  f"recall {fmt(m['recall'])} ({m['tp']}/{m['tp'] + m['fn']})")


def run_labelled(args, settings) -> None:
    import assistant.gaps as gaps
    from assistant.gaps.metrics import score_report, summarise

    cases = load_cases(args.dataset, args.case)
    reports, scored = {}, []
    for case in cases:
        draft = (args.dataset.parent / case["draft"]).resolve()
        report = gaps.check(settings, draft, council=case["council"], llm=args.llm)
        reports[case["id"]] = report.to_json()
        scored.append(score_report(case["questions"], case["themes"], report))
        print_case(case, reports[case["id"]])
    tuning = settings.gaps
    print(f"\n{len(cases)} drafts; covered >= {tuning.covered_at}, partial >= {tuning.partial_at}; "
          f"backend {args.llm or 'offline'}")
    print_metrics(summarise(scored))
    check_pairs = [(case["checks"][c["id"]], c["passed"]) for case in cases
                   for c in reports[case["id"]]["checks"] if c["id"] in case.get("checks", {})]
    print(f"  rule checks: {sum(e == p for e, p in check_pairs)}/{len(check_pairs)} as labelled")
    write(reports, f"gaps-{args.llm or 'offline'}.json")


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


# --- ablations -------------------------------------------------------------------------------
def assess_variant(settings, guidance, embedder, path: Path, llm_judge=None):
    from assistant.gaps.assess import assess_chunks, read_draft

    draft = read_draft(settings, guidance, path)
    def on_question(theme, question, finding, assessment):
        return llm_judge(question, theme.title, finding, assessment) if llm_judge is not None else finding
    return assess_chunks(draft.chunks, guidance, embedder, settings.gaps, draft.pages, on_question).themes


def ablation_figures(rows: list[dict]) -> dict:
    rows = [r for r in rows if not r.get("short")]
    removed = [r for r in rows if r["removed"]]
    removed_missing = [r["themes"][str(r["removed"])] == "missing" for r in removed]
    present = [s == "missing" for r in rows for t, s in r["themes"].items()
               if int(t) in r["answers"] and int(t) != r["removed"]]
    complete = [s == "covered" for r in rows if not r["removed"] for t, s in r["themes"].items()
                if int(t) in r["answers"]]

    def share(flags):
        return (round(sum(flags) / len(flags), 3), sum(flags), len(flags)) if flags else (None, 0, 0)

    return {"removed_missing": share(removed_missing), "present_missing": share(present),
            "complete_covered": share(complete)}


def short_figures(rows: list[dict]) -> str:
    """With --short: the share of short themes (cut to their first paragraph) read covered / missing."""
    shown = [r["themes"][str(r["short"])] for r in rows if r.get("short")]
    if not shown:
        return ""
    covered, missing = sum(s == "covered" for s in shown), sum(s == "missing" for s in shown)
    return (f"   short theme: covered {covered / len(shown):.2f} ({covered}/{len(shown)}), "
            f"missing {missing / len(shown):.2f} ({missing}/{len(shown)})")


def run_ablations(args, settings) -> None:
    from make_gap_drafts import all_variants

    from assistant.workspace import open_workspace

    judge = None
    if args.llm:
        from assistant.gaps.llm_judge import LlmJudge

        judge = LlmJudge(settings, args.llm)
    rows = []
    with tempfile.TemporaryDirectory(prefix="gaps-ablations-") as tmp, open_workspace(settings) as workspace:
        guidance = workspace.guidance
        embedder = MemoEmbedder(workspace.index.embedder)
        splits = (args.split,) if args.split else ("calibration", "holdout")
        variants = all_variants(Path(tmp), splits, args.plan)
        if args.short:
            variants += all_variants(Path(tmp), splits, args.plan, short=True)
        for variant in variants:
            themes = assess_variant(settings, guidance, embedder, variant.path, judge)
            statuses = {str(t.theme): t.status for t in themes}
            rows.append({"plan": variant.plan, "split": variant.split, "variant": variant.name,
                         "removed": variant.removed, "headings": variant.headings, "answers": variant.answers,
                         "short": variant.short,
                         "themes": statuses,
                         "questions": {q.id: [q.status, q.score, q.score_in_theme] for t in themes for q in t.questions}})
            wrong = [t for t, s in statuses.items() if int(t) in variant.answers and
                     (s == "missing") != (int(t) == variant.removed)]
            incomplete = [t for t, s in statuses.items() if not variant.removed and s != "covered"
                          and int(t) in variant.answers]
            flag = "  <-- " + ", ".join(f"theme {t} {statuses[t]}" for t in sorted(set(wrong + incomplete))) \
                if wrong or incomplete else ""
            print(f"{variant.name:48} " + " ".join(f"{t}:{s[0].upper()}" for t, s in sorted(statuses.items())) + flag,
                  flush=True)
    print(f"\nthresholds: {settings.gaps.model_dump()}")
    print(f"\n{'split':12} {'headings':9} {'removed->missing':>22} {'present->missing':>22} {'complete->covered':>22}")
    for split in ("calibration", "holdout", None):
        for headings in (True, False, None):
            chosen = [r for r in rows if (split is None or r["split"] == split)
                      and (headings is None or r["headings"] == headings)]
            if not chosen:
                continue
            f = ablation_figures(chosen)
            cells = [f"{v[0]:.2f} ({v[1]}/{v[2]})" if v[0] is not None else "n/a" for v in f.values()]
            print(f"{split or 'all':12} {('kept' if headings else 'removed') if headings is not None else 'both':9} "
                  + " ".join(f"{c:>22}" for c in cells) + short_figures(chosen))
    write(rows, f"gaps-ablations-{args.llm or 'offline'}.json")


def write(data, name: str) -> None:
    out = REPO / "eval" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nreports: {out.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--case", action="append", default=[], help="only this labelled draft (repeatable)")
    parser.add_argument("--ablations", action="store_true", help="theme ablations of the labelled plans")
    parser.add_argument("--split", choices=("calibration", "holdout"), help="ablations: only this split")
    parser.add_argument("--plan", action="append", default=[], help="ablations: only this plan id (repeatable)")
    parser.add_argument("--short", action="store_true", help="ablations: also each theme cut to its first paragraph")
    parser.add_argument("--home", type=Path, help="a main index, for peers' examples (default: an empty one)")
    parser.add_argument("--llm", default=None, help="openai or azure: add the LLM judge")
    args = parser.parse_args()

    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="gaps-eval-") as tmp:
        settings = load_settings(args.home or Path(tmp))
        (run_ablations if args.ablations else run_labelled)(args, settings)


if __name__ == "__main__":
    main()
