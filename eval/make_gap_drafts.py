"""Build the labelled gap-check drafts in eval/datasets/gaps/ from the seeds, and their
labels in eval/datasets/gaps.jsonl.

  .venv/bin/python eval/make_gap_drafts.py

Writes, from Redditch's published plan (the seed's "Appendix A"):
  redditch-plan.txt               the plan as submitted (all four themes)
  redditch-plan-no-theme-N.txt    the same plan with theme N's section cut out (N = 1..4)
  redditch-report.txt             the whole committee report with the plan appended
and, from the hand-written paraphrase of it (redditch-paraphrase.md, different words and
headings), redditch-paraphrase-no-theme-N.md. Blaby's cover report is used as it ships;
anytown-plan.md (a fictional council's plan with questions left out on purpose) and
one-paragraph.txt are hand-written. Deterministic: running it twice changes nothing.

Labels: a status per theme, and per question only where we are confident; a question
left out is fair either way (e.g. touched on under another theme, or thin).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # build_plans
OUT = REPO / "eval" / "datasets" / "gaps"
REDDITCH_SEED = REPO / "corpus" / "documents" / "redditch-productivity-plan-2024.txt"
APPENDIX = "Appendix A – Redditch Productivity Plan"


def split_sections(text: str, heading: re.Pattern) -> tuple[str, dict[int, str]]:
    """(text before the first theme heading, {theme number: its section with heading})."""
    marks = [(int(m.group(1)), m.start()) for m in heading.finditer(text)]
    numbers = [n for n, _ in marks]
    if numbers != [1, 2, 3, 4]:
        raise SystemExit(f"expected theme headings 1-4 in order, found {numbers}")
    sections = {}
    for i, (number, start) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else len(text)
        sections[number] = text[start:end]
    return text[:marks[0][1]], sections


def write(name: str, text: str) -> None:
    (OUT / name).write_text(text.rstrip() + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO) / name} ({len(text.split())} words)")


def variants(stem: str, suffix: str, text: str, heading: re.Pattern) -> None:
    before, sections = split_sections(text, heading)
    for removed in range(1, 5):
        kept = "".join(sections[n] for n in range(1, 5) if n != removed)
        write(f"{stem}-no-theme-{removed}{suffix}", before + kept)


C, P, M = "covered", "partial", "missing"
# Redditch's plan, read question by question (1.3 and 3.6 are arguable, so unlabelled).
REDDITCH = {"1.1": C, "1.2": C, "1.4": C, "1.5": C, "1.6": C, "1.7": C, "1.8": C,
            "2.1": C, "2.2": C, "2.3": C, "2.4": C, "2.5": C,
            "3.1": C, "3.2": C, "3.3": C, "3.4": C, "3.5": M,  # no word on EDI spend
            "4.1": C, "4.2": C, "4.3": C}
# With theme N's section cut out: the questions answered only there are missing; the ones
# touched on under another theme are unlabelled, except those plainly answered there: partial.
ONLY_IN = {1: ["1.1", "1.7"], 2: ["2.3"], 3: ["3.5"], 4: ["4.3"]}
TOUCHED_ELSEWHERE = {1: ["1.2", "1.4", "1.5", "1.6", "1.8"], 2: ["2.1", "2.2", "2.4", "2.5"],
                     3: ["3.1", "3.2", "3.3", "3.4"], 4: ["4.1", "4.2"]}
PARTIAL_ELSEWHERE = {
    "redditch-plan": {1: ["1.2"], 2: ["2.1", "2.2", "2.4", "2.5"], 3: ["3.1", "3.3", "3.4"]},
    "redditch-paraphrase": {1: ["1.2"], 2: ["2.2"], 3: ["3.3"]},
}


def labels() -> list[dict]:
    cases = []

    def add(case_id, draft, council, themes, questions, checks, note):
        cases.append({"id": case_id, "draft": draft, "council": council, "themes": themes,
                      "questions": questions, "checks": checks, "note": note})

    for stem, ext, label in (("redditch-plan", "txt", "Redditch's published plan (Appendix A)"),
                             ("redditch-paraphrase", "md", "a hand-written paraphrase of Redditch's plan")):
        add(stem, f"gaps/{stem}.{ext}", "Redditch", {str(t): C for t in range(1, 5)}, dict(REDDITCH),
            {"theme3-spend": False, "milestones": True, "oversight": False, "all-themes": True},
            f"{label}: all four themes answered; no EDI spend (3.5)")
        for removed in range(1, 5):
            questions = {q: s for q, s in REDDITCH.items() if not q.startswith(f"{removed}.")}
            questions.update({q: M for q in ONLY_IN[removed]})
            for q in TOUCHED_ELSEWHERE[removed]:
                questions.pop(q, None)
            questions.update({q: P for q in PARTIAL_ELSEWHERE[stem].get(removed, [])})
            add(f"{stem}-no-theme-{removed}", f"gaps/{stem}-no-theme-{removed}.{ext}", "Redditch",
                {str(t): (M if t == removed else C) for t in range(1, 5)}, questions, {"all-themes": False},
                f"{label} with theme {removed}'s section cut out")
    add("redditch-report", "gaps/redditch-report.txt", "Redditch", {str(t): C for t in range(1, 5)}, dict(REDDITCH),
        {"length": False, "oversight": True, "all-themes": True},
        "the whole Executive report with the plan as its appendix (too long for the 3-4 pages)")
    add("blaby-cover-report", "../../corpus/documents/blaby-cabinet-executive-report-2024-06-24.txt", "Blaby",
        {"1": M, "2": M, "3": M}, {q: M for q in [*REDDITCH, "1.3", "3.6"] if q != "4.1"},
        {"length": False, "theme3-spend": False, "milestones": False, "oversight": True, "all-themes": False},
        "a cover report: names the four areas and three barriers (4.1), answers nothing else")
    add("anytown-plan", "gaps/anytown-plan.md", None, {str(t): C for t in range(1, 5)},
        {"1.1": C, "1.2": C, "1.3": C, "1.4": C, "1.5": M, "1.7": C, "1.8": M,
         "2.1": C, "2.2": M, "2.3": C, "2.4": M, "2.5": C,
         "3.1": C, "3.2": C, "3.3": C, "3.5": C, "3.6": C, "4.1": C, "4.3": C},
        {"length": False, "theme3-spend": True, "milestones": True, "oversight": True, "all-themes": True},
        "a fictional council's short plan in its own words and headings; some questions left out on purpose")
    add("one-paragraph", "gaps/one-paragraph.txt", None, {"1": P, "2": M, "3": M, "4": M},
        {q: M for q in [*REDDITCH, "1.3"] if q != "1.1"},  # 1.1 and 3.6: its shared management
        {"length": False, "theme3-spend": False, "milestones": False, "all-themes": False},
        "a one-paragraph draft: most questions missing")
    # fictional councils' plans (eval/plans), calibration split of gaps_plans.toml
    add("aldenport-plan", "../plans/aldenport-productivity-plan-2024.txt", None, {str(t): C for t in range(1, 5)},
        {"1.1": C, "1.2": C, "2.4": C, "2.5": C, "3.3": C, "4.1": C, "4.3": C},
        {"oversight": True, "all-themes": True, "length": False},
        "a plan with no headings at all, after a long introduction")
    add("eastmere-plan", "../plans/eastmere-and-wexley-productivity-plan-2024.md", None,
        {str(t): C for t in range(1, 5)}, {"1.1": C, "1.2": C, "2.1": C, "2.2": C, "3.3": C, "4.1": C, "4.3": C},
        {"all-themes": True}, "a plan under the council's own headings (Our journey, Digital by default, ...)")
    add("kesterton-plan", "../plans/kesterton-productivity-plan-2024.pdf", None, {str(t): C for t in range(1, 5)},
        {"1.1": C, "1.2": C, "2.3": C, "3.3": C, "4.1": C},
        {"oversight": True, "all-themes": True}, "a PDF plan in continuous prose, no headings")
    add("brackenridge-cover-report", "../plans/brackenridge-executive-report-2024-07-16.txt", None,
        {"2": M, "3": M}, {"2.3": M, "2.4": M, "2.5": M, "3.3": M, "3.5": M},
        {"oversight": True, "all-themes": False},
        "a cover report that lists the letter's four questions and asks members to approve the plan")
    return cases


# --- theme ablations of labelled plans (eval/datasets/gaps_plans.toml) -----------------------
PLANS_FILE = REPO / "eval" / "datasets" / "gaps_plans.toml"
SHARED = REPO.parent / "shared"
MARKERS = ("[[pagebreak]]", "[[contents]]")


@dataclass
class Variant:
    plan: str
    split: str
    name: str  # e.g. harrowfield-no-theme-2-no-headings
    path: Path
    removed: int | None  # the theme cut out (None: the complete plan)
    headings: bool  # the plan's headings kept
    answers: list[int]  # the themes the complete plan answers
    short: int | None = None  # the theme cut down to its first paragraph(s) (short_variants)


def load_plans(path: Path = PLANS_FILE) -> list[dict]:
    plans = tomllib.loads(path.read_text(encoding="utf-8"))["plan"]
    for plan in plans:
        plan["file"] = SHARED / plan["path"][len("shared:"):] if plan["path"].startswith("shared:") else REPO / plan["path"]
    return plans


def line_themes(plan: dict, lines: list[str]) -> list[int]:
    """The theme of each line: the segment it falls in (0 before the first anchor)."""
    themes, current, anchors = [], 0, list(plan["segments"])
    for number, line in enumerate(lines):
        bare = line.lstrip("#* ").strip()
        if anchors and bare.startswith(anchors[0][1]):
            current = anchors.pop(0)[0]
        themes.append(current)
    if anchors:
        raise SystemExit(f"{plan['id']}: anchor {anchors[0][1]!r} not found in order in {plan['file']}")
    return themes


def heading_lines(lines: list[str], markdown: bool) -> set[int]:
    """Lines a reader takes for headings: "#" lines, what the chunker reads as headings, and
    short unpunctuated lines standing alone (a question used as a heading, "Agency spend")."""
    sys.path.insert(0, str(REPO))
    from assistant.text.blocks import split_blocks

    text = "\n".join(lines)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    found = {i for i, line in enumerate(lines) if markdown and line.startswith("#")}
    for block in split_blocks(text):
        if block.kind == "heading":
            found |= {i for i, s in enumerate(starts) if block.start <= s < block.end or s <= block.start < s + len(lines[i]) + 1}
    for i, line in enumerate(lines):
        alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        if alone and line.strip() and len(line.split()) <= 20 and line.rstrip()[-1] not in ".!:;,|)" \
                and not line.lstrip().startswith(("-", "|", "[[")):
            found.add(i)
    found.discard(next((i for i, line in enumerate(lines) if line.strip()), 0))  # the title stays
    return found


def render(plan: dict, text: str, target: Path) -> Path:
    """Write a variant in the plan's published format: PDF and Word plans are rendered from
    their Markdown source as eval/build_plans.py renders the originals."""
    import build_plans

    entries = {Path(e["path"]).stem: e for e in build_plans.rendered_entries()}
    entry = entries.get(plan["file"].stem) if plan["file"].parent.name == "sources" else None
    if entry is not None:
        suffix = Path(entry["path"]).suffix
        data = build_plans.build_pdf(text, entry) if suffix == ".pdf" else build_plans.build_docx(text, entry)
        target = target.with_suffix(suffix)
        target.write_bytes(data)
        return target
    text = "\n".join(line for line in text.splitlines() if line.strip() not in MARKERS)
    target = target.with_suffix(plan["file"].suffix)
    target.write_text(text.rstrip() + "\n", encoding="utf-8")
    return target


def plan_variants(plan: dict, out: Path) -> list[Variant]:
    """The complete plan and each theme cut out, with and without its headings, written into ``out``."""
    lines = plan["file"].read_text(encoding="utf-8").splitlines()
    themes = line_themes(plan, lines)
    headings = heading_lines(lines, plan["file"].suffix == ".md")
    variants = []
    for keep_headings in (True, False):
        for removed in [None, *plan["answers"]]:
            kept = [line for i, line in enumerate(lines)
                    if themes[i] != removed and (keep_headings or i not in headings)
                    and (keep_headings or line.strip() != "[[contents]]")]
            name = plan["id"] + (f"-no-theme-{removed}" if removed else "-complete") + ("" if keep_headings else "-no-headings")
            path = render(plan, "\n".join(kept), out / name)
            variants.append(Variant(plan["id"], plan["split"], name, path, removed, keep_headings, plan["answers"]))
    return variants


SHORT_WORDS = 40  # a short theme: its first paragraphs, to this many words or just over


def short_lines(themes: list[int], headings: set[int], lines: list[str], theme: int) -> set[int]:
    """The lines of ``theme``'s section after its first paragraphs of text (SHORT_WORDS
    words, whole paragraphs; headings kept): what a short-theme variant cuts."""
    cut, words, ended = set(), 0, False
    for i, line in enumerate(lines):
        if themes[i] != theme or i in headings or line.strip() in MARKERS:
            continue
        if ended:
            cut.add(i)
        elif not line.strip() and words >= SHORT_WORDS:
            ended = True
        else:
            words += len(line.split())
    return cut


def short_variants(plan: dict, out: Path) -> list[Variant]:
    """The complete plan with one theme answered briefly: that theme's section cut down to its
    first paragraph(s), about SHORT_WORDS words (a one-paragraph answer is still an answer),
    with and without its headings. Labelled like the complete plan: every theme answered."""
    lines = plan["file"].read_text(encoding="utf-8").splitlines()
    themes = line_themes(plan, lines)
    headings = heading_lines(lines, plan["file"].suffix == ".md")
    variants = []
    for keep_headings in (True, False):
        for short in plan["answers"]:
            cut = short_lines(themes, headings, lines, short)
            if not cut:
                continue  # the theme is short already: the complete plan measures it
            kept = [line for i, line in enumerate(lines) if i not in cut
                    and (keep_headings or (i not in headings and line.strip() != "[[contents]]"))]
            name = plan["id"] + f"-short-theme-{short}" + ("" if keep_headings else "-no-headings")
            path = render(plan, "\n".join(kept), out / name)
            variants.append(Variant(plan["id"], plan["split"], name, path, None, keep_headings, plan["answers"], short))
    return variants


def all_variants(out: Path, splits: tuple[str, ...] = ("calibration", "holdout"), only: list[str] = (),
                 short: bool = False) -> list[Variant]:
    """Every plan's ablation variants; with ``short``, only its short-theme variants."""
    make = short_variants if short else plan_variants
    return [v for plan in load_plans() if plan["split"] in splits and (not only or plan["id"] in only)
            for v in make(plan, out)]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    report = REDDITCH_SEED.read_text(encoding="utf-8")
    plan = report[report.index(APPENDIX):]
    write("redditch-plan.txt", plan)
    write("redditch-report.txt", report)
    variants("redditch-plan", ".txt", plan, re.compile(r"^([1-4])\. ", re.MULTILINE))
    paraphrase = (OUT / "redditch-paraphrase.md").read_text(encoding="utf-8")
    variants("redditch-paraphrase", ".md", paraphrase, re.compile(r"^## Part ([1-4])\b", re.MULTILINE))
    cases = labels()
    out = OUT.parent / "gaps.jsonl"
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    print(f"wrote {out.relative_to(REPO)} ({len(cases)} labelled drafts)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--ablations"]:  # write the ablation variants into a folder, to read them
        folder = Path(sys.argv[2])
        folder.mkdir(parents=True, exist_ok=True)
        for variant in all_variants(folder):
            print(variant.path)
    else:
        main()
