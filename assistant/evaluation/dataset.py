"""The evaluation datasets (JSONL, one object a line), read and checked.

- ``qa.jsonl``: questions over the shipped corpus. Fields: id, question, filters
  ({"councils", "kinds", "themes"}), gold_facts (short phrases verbatim in the sources),
  gold_sources ([{"document": file name in the corpus, "page": n}]), answerable; optional
  category and note.
- ``dev.jsonl`` / ``test.jsonl``: the same over the whole evaluation corpus (``corpus.py``:
  gold sources ``plans/<file>`` and ``dev-corpus/<path>`` too), plus councils (the official
  names an answer must come from, exactly, when the question names councils), relevant
  (what an on-topic point is about, for point precision), trap and forbidden (the
  Government's words a trap's answer must not cite). Gold facts are compared after
  whitespace normalisation: a fact may wrap across a PDF's lines.
- ``judge_pairs.jsonl``: hand-labelled sentence/passage pairs for the offline judge. Fields:
  id, sentence, passage (verbatim from document/page), document, page, supported, kind
  (paraphrase, changed figure, partial, unrelated, ...).
- ``gaps.jsonl`` (the gap check's dataset): id, draft (path relative to the file),
  council, themes {n: status}, questions {id: status}; unlisted questions are unlabelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import UserError

QA_FIELDS = ("id", "question", "filters", "gold_facts", "gold_sources", "answerable")
PAIR_FIELDS = ("id", "sentence", "passage", "document", "page", "supported")
GAP_FIELDS = ("id", "draft", "questions")


@dataclass
class Item:
    id: str
    question: str
    filters: dict
    gold_facts: list[str]
    gold_sources: list[tuple[str, int]]  # (document file name, page)
    answerable: bool
    category: str = ""
    note: str = ""
    councils: list[str] = field(default_factory=list)
    relevant: list[str] = field(default_factory=list)
    trap: bool = False
    forbidden: list[str] = field(default_factory=list)


@dataclass
class Pair:
    id: str
    sentence: str
    passage: str
    document: str
    page: int
    supported: bool
    kind: str = ""


@dataclass
class GapCase:
    id: str
    draft: Path
    council: str | None
    questions: dict[str, str]  # guidance question id -> covered | partial | missing
    themes: dict[str, str] = field(default_factory=dict)


def read_jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such dataset file. Give --dataset FILE.jsonl (see eval/README.md).")
    rows, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{number}: not valid JSON ({exc.msg}). Each line must be one JSON object.") from None
        missing = [f for f in required if f not in row]
        if missing:
            raise UserError(f"{path}:{number}: missing {', '.join(missing)}. Every line needs: {', '.join(required)}.")
        if row["id"] in seen:
            raise UserError(f"{path}:{number}: the id '{row['id']}' is used twice. Give each item its own id.")
        seen.add(row["id"])
        rows.append(row)
    if not rows:
        raise UserError(f"{path}: the dataset is empty. Add one JSON object per line (see eval/README.md).")
    return rows


def load_items(path: Path) -> list[Item]:
    return [Item(id=r["id"], question=r["question"], filters=r["filters"] or {}, gold_facts=list(r["gold_facts"]),
                 gold_sources=[(s["document"], int(s["page"])) for s in r["gold_sources"]],
                 answerable=bool(r["answerable"]), category=r.get("category", ""), note=r.get("note", ""),
                 councils=list(r.get("councils") or []), relevant=list(r.get("relevant") or []),
                 trap=bool(r.get("trap")), forbidden=list(r.get("forbidden") or []))
            for r in read_jsonl(path, QA_FIELDS)]


def load_pairs(path: Path) -> list[Pair]:
    return [Pair(id=r["id"], sentence=r["sentence"], passage=r["passage"], document=r["document"],
                 page=int(r["page"]), supported=bool(r["supported"]), kind=r.get("kind", ""))
            for r in read_jsonl(path, PAIR_FIELDS)]


def load_gap_cases(path: Path) -> list[GapCase]:
    path = Path(path)
    return [GapCase(id=r["id"], draft=(path.parent / r["draft"]).resolve(), council=r.get("council"),
                    questions=dict(r["questions"]), themes=dict(r.get("themes", {})))
            for r in read_jsonl(path, GAP_FIELDS)]


def corpus_pages() -> dict[str, list[str]]:
    """The shipped corpus as loaded for indexing: {file name: [page text, ...]}."""
    from assistant.ingest.loaders import load_file
    from assistant.ingest.metadata import read_manifest
    from assistant.resources import corpus_dir

    return {entry.path.name: [p.text for p in load_file(entry.path).pages]
            for entry in read_manifest(corpus_dir() / "manifest.toml")}


def normalise(text: str) -> str:
    """Whitespace runs as one space: a gold fact may wrap across a PDF's lines."""
    return " ".join(text.split())


def _page(pages: dict[str, list[str]], document: str, page: int) -> str | None:
    texts = pages.get(document)
    return texts[page - 1] if texts and 1 <= page <= len(texts) else None


def gold_problems(items: list[Item], pages: dict[str, list[str]]) -> list[str]:
    """What is wrong with the gold labels: every gold fact must be verbatim (up to
    whitespace) on one of its item's gold pages, every gold page must exist and hold at
    least one gold fact, and answerable items need facts while unanswerable ones have none."""
    problems = []
    for item in items:
        texts = {}
        for document, page in item.gold_sources:
            text = _page(pages, document, page)
            if text is None:
                problems.append(f"{item.id}: no page {page} of '{document}' in the evaluation corpus")
            else:
                texts[(document, page)] = normalise(text)
        for fact in item.gold_facts:
            if not any(normalise(fact) in text for text in texts.values()):
                problems.append(f"{item.id}: gold fact not verbatim in its sources: {fact!r}")
        for source, text in texts.items():
            if item.gold_facts and not any(normalise(fact) in text for fact in item.gold_facts):
                problems.append(f"{item.id}: gold source {source} holds none of the gold facts")
        if item.answerable and not (item.gold_facts and item.gold_sources):
            problems.append(f"{item.id}: answerable, but has no gold facts or sources")
        if not item.answerable and (item.gold_facts or item.gold_sources):
            problems.append(f"{item.id}: unanswerable, but has gold facts or sources")
    return problems


def pair_problems(pairs: list[Pair], pages: dict[str, list[str]]) -> list[str]:
    """Each pair's passage must be verbatim on its page of the shipped corpus."""
    problems = []
    for pair in pairs:
        text = _page(pages, pair.document, pair.page)
        if text is None or pair.passage not in text:
            problems.append(f"{pair.id}: passage not verbatim in {pair.document} p. {pair.page}")
    return problems


def default_dataset_dir() -> Path:
    """eval/datasets of the source checkout (the datasets do not ship in the wheel)."""
    from assistant.errors import UserError
    from assistant.resources import resource_dir

    try:
        return resource_dir("eval") / "datasets"
    except FileNotFoundError:
        raise UserError("the evaluation datasets come with Plan Assistant's source checkout (eval/datasets/); "
                        "run from a checkout, or give --dataset FILE.jsonl.") from None
