"""Write eval/datasets/dev.jsonl and test.jsonl from the questions in eval/plans/questions.py.

    .venv/bin/python eval/plans/make_dataset.py          # write both files
    .venv/bin/python eval/plans/make_dataset.py --check  # fail if they are out of date

For every gold fact it loads the document with the assistant's own loader and records the page
the fact is on (after whitespace normalisation: PDF text wraps lines anywhere). A fact that is
on no page stops the run. The split is deterministic and stratified by category: about 40% of
each category goes to test, and every question that touches a council listed in TEST_ONLY goes
to test, so that the test split has councils the development split never mentions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared"
DATASETS = REPO / "eval" / "datasets"
TEST_SHARE = 0.4

# Fictional councils whose documents only test questions use ("unseen" councils).
TEST_ONLY = {
    "Coldharbour District Council": "Coldharbour",
    "Ravensmoor Borough Council": "Ravensmoor",
    "Tarnside Council": "Tarnside",
    "Cathmoor City Council": "Cathmoor",
    "Pellingham Council": "Pellingham",
    "Lindenfield Borough Council": "Lindenfield",
}
TEST_ONLY_FILES = ("coldharbour", "ravensmoor", "tarnside", "cathmoor", "pellingham", "lindenfield")


def normalise(text: str) -> str:
    return " ".join(text.split())


@cache
def corpus_files() -> dict[str, Path]:
    sys.path.insert(0, str(REPO))
    from assistant.ingest.metadata import read_manifest

    return {e.path.name: e.path for e in read_manifest(REPO / "corpus" / "manifest.toml")}


def resolve(document: str) -> Path:
    """A gold source's document name -> its file. "plans/x" is eval/plans/x, "dev-corpus/x" is
    ../shared/dev-corpus/x, anything else is a file name in the shipped corpus."""
    if document.startswith("plans/"):
        return HERE / document.removeprefix("plans/")
    if document.startswith("dev-corpus/"):
        return SHARED / document
    try:
        return corpus_files()[document]
    except KeyError:
        raise SystemExit(f"{document}: not a file of corpus/manifest.toml, eval/plans/ or dev-corpus/") from None


@cache
def pages(document: str) -> list[str]:
    """The document's pages as the assistant indexes them, whitespace-normalised."""
    sys.path.insert(0, str(REPO))
    from assistant.ingest.loaders import load_file

    return [normalise(p.text) for p in load_file(resolve(document)).pages]


def fact_page(document: str, fact: str) -> int | None:
    wanted = normalise(fact)
    for number, text in enumerate(pages(document), start=1):
        if wanted in text:
            return number
    return None


def to_row(q: dict, problems: list[str]) -> dict:
    facts, sources = [], []
    for document, phrases in q["facts"].items():
        for phrase in phrases:
            page = fact_page(document, phrase)
            if page is None:
                problems.append(f"{q['id']}: gold fact not in {document}: {phrase!r}")
                continue
            facts.append(phrase)
            if {"document": document, "page": page} not in sources:
                sources.append({"document": document, "page": page})
    row = {"id": q["id"], "question": q["question"], "category": q["category"], "filters": q["filters"],
           "gold_facts": facts, "gold_sources": sources, "answerable": q["answerable"],
           "councils": q["councils"], "relevant": q["relevant"]}
    for key in ("trap", "forbidden", "note"):
        if key in q:
            row[key] = q[key]
    return row


def touches_test_only(row: dict) -> bool:
    text = row["question"].lower()
    return (any(c in TEST_ONLY for c in row["councils"])
            or any(name.lower() in text for name in TEST_ONLY.values())
            or any(any(f in s["document"] for f in TEST_ONLY_FILES) for s in row["gold_sources"]))


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Stratified by category; within a category the forced-test rows first, then the rest in
    the order of a hash of their id, until about TEST_SHARE of the category is in test."""
    test_ids: set[str] = set()
    for category in dict.fromkeys(r["category"] for r in rows):
        members = [r for r in rows if r["category"] == category]
        forced = [r for r in members if touches_test_only(r)]
        others = sorted((r for r in members if not touches_test_only(r)),
                        key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
        wanted = round(TEST_SHARE * len(members))
        test_ids |= {r["id"] for r in forced + others[:max(0, wanted - len(forced))]}
    return [r for r in rows if r["id"] not in test_ids], [r for r in rows if r["id"] in test_ids]


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are up to date")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED}: not found; the dev-corpus questions need ../shared beside the repository.")
    sys.path.insert(0, str(HERE))
    from questions import ALL

    ids = [q["id"] for q in ALL]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    problems: list[str] = []
    rows = [to_row(q, problems) for q in ALL]
    if problems:
        raise SystemExit("\n".join(problems))
    dev, test = split(rows)
    outputs = {DATASETS / "dev.jsonl": render(dev), DATASETS / "test.jsonl": render(test)}
    if args.check:
        stale = [str(p) for p, text in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale) + "; run .venv/bin/python eval/plans/make_dataset.py", file=sys.stderr)
            return 1
        return 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"{path}: {text.count(chr(10))} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
