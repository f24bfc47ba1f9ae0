"""The development and test sets (eval/datasets/dev.jsonl, test.jsonl) hold up: every gold fact
is verbatim in its source as the assistant loads it, every source exists and is in a manifest,
each category has the questions the issue asks for, the fictional councils are not real ones,
the splits are disjoint, and the generated PDF and Word plans match their sources.

The dev-corpus (../shared/dev-corpus) and the UK council names (../shared/data) are used in
place; tests that need them skip, saying so, only when ../shared is absent."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

from assistant.evaluation.dataset import load_items
from assistant.ingest.loaders import load_file
from assistant.ingest.metadata import read_manifest
from tests.conftest import require_shared

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PLANS = REPO / "eval" / "plans"
DATASETS = REPO / "eval" / "datasets"

MINIMUMS = {"comparison": 25, "informal-name": 25, "unanswerable": 18, "trap": 12, "figures": 20}
COUNCIL_TYPE_WORDS = re.compile(r"\b(london borough of|borough council of|city of|metropolitan borough|metropolitan "
                                r"district|borough|district|county|city|council)\b")


def rows(split: str) -> list[dict]:
    return [json.loads(line) for line in (DATASETS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line]


ALL = rows("dev") + rows("test")


def normalise(text: str) -> str:
    return " ".join(text.split())


@cache
def corpus_files() -> dict[str, Path]:
    return {e.path.name: e.path for e in read_manifest(REPO / "corpus" / "manifest.toml")}


def resolve(document: str) -> Path:
    if document.startswith("plans/"):
        return PLANS / document.removeprefix("plans/")
    if document.startswith("dev-corpus/"):
        return SHARED / document
    return corpus_files().get(document, REPO / "corpus" / "missing" / document)


@cache
def pages(document: str) -> list[str]:
    return [normalise(p.text) for p in load_file(resolve(document)).pages]


def gold_problems(items: list[dict]) -> list[str]:
    problems = []
    for item in items:
        texts = {}
        for source in item["gold_sources"]:
            path = resolve(source["document"])
            if not path.is_file():
                problems.append(f"{item['id']}: {source['document']} does not exist ({path})")
                continue
            doc_pages = pages(source["document"])
            if not 1 <= source["page"] <= len(doc_pages):
                problems.append(f"{item['id']}: {source['document']} has no page {source['page']}")
                continue
            texts[(source["document"], source["page"])] = doc_pages[source["page"] - 1]
        for fact in item["gold_facts"]:
            if not any(normalise(fact) in text for text in texts.values()):
                problems.append(f"{item['id']}: gold fact not verbatim on its gold pages: {fact!r}")
        for (document, page), text in texts.items():
            if not any(normalise(f) in text for f in item["gold_facts"]):
                problems.append(f"{item['id']}: {document} p. {page} holds none of the gold facts")
    return problems


def uses_dev_corpus(item: dict) -> bool:
    return any(s["document"].startswith("dev-corpus/") for s in item["gold_sources"])


def test_gold_facts_are_verbatim_in_the_fictional_plans_and_the_shipped_corpus():
    checked = [i for i in ALL if not uses_dev_corpus(i)]
    assert len(checked) > 100
    assert gold_problems(checked) == []


def test_gold_facts_are_verbatim_in_the_dev_corpus():
    require_shared()
    checked = [i for i in ALL if uses_dev_corpus(i)]
    assert len(checked) >= 20
    assert gold_problems(checked) == []


def test_the_checker_catches_a_fact_that_is_not_on_its_page():
    item = next(i for i in ALL if i["id"] == "fig-severnshire-high-needs")
    altered = dict(item, gold_facts=["Dedicated Schools Grant is £46.9m"])
    wrong_page = dict(item, gold_sources=[dict(s, page=1) for s in item["gold_sources"]])
    assert "gold fact not verbatim" in gold_problems([altered])[0]
    assert any("holds none of the gold facts" in p for p in gold_problems([wrong_page]))


def test_every_item_has_the_fields_the_eval_needs_and_loads_through_the_eval_loader():
    for split in ("dev", "test"):
        assert len(load_items(DATASETS / f"{split}.jsonl")) == len(rows(split))
    for item in ALL:
        where = item["id"]
        assert item["answerable"] == bool(item["gold_facts"]) == bool(item["gold_sources"]), where
        assert 2 <= len(item["relevant"]) <= 6, where
        assert isinstance(item["councils"], list), where
        if item.get("trap"):
            assert item["forbidden"], f"{where}: a trap lists the Government's words it must not cite"
        for fact in item["gold_facts"]:
            words = len(fact.split())
            assert words <= 12 and (words >= 2 or re.search(r"\d", fact)), f"{where}: gold fact of {words} words: {fact!r}"


def test_every_gold_source_is_a_document_of_one_of_the_three_manifests():
    listed = {f"plans/{e.path.name}" for e in read_manifest(PLANS / "manifest.toml")} | set(corpus_files())
    if SHARED.is_dir():
        dev = tomllib.loads((SHARED / "dev-corpus" / "manifest.toml").read_text(encoding="utf-8"))
        listed |= {f"dev-corpus/{d['path']}" for d in dev["document"]}
    for item in ALL:
        for source in item["gold_sources"]:
            if source["document"].startswith("dev-corpus/") and not SHARED.is_dir():
                continue
            assert source["document"] in listed, f"{item['id']}: {source['document']} is in no manifest"


def test_named_councils_are_the_councils_of_the_gold_sources():
    require_shared()
    council_of = {f"plans/{e.path.name}": e.meta.council for e in read_manifest(PLANS / "manifest.toml")}
    council_of |= {name: e.meta.council for e in read_manifest(REPO / "corpus" / "manifest.toml")
                   for name in [e.path.name]}
    dev = tomllib.loads((SHARED / "dev-corpus" / "manifest.toml").read_text(encoding="utf-8"))
    council_of |= {f"dev-corpus/{d['path']}": d["council"] for d in dev["document"]}
    for item in ALL:
        if item["answerable"] and item["councils"]:
            assert {council_of[s["document"]] for s in item["gold_sources"]} == set(item["councils"]), item["id"]


def test_each_category_has_the_questions_the_issue_asks_for():
    counts = Counter(i["category"] for i in ALL)
    assert len(ALL) >= 160
    for category, minimum in MINIMUMS.items():
        assert counts[category] >= minimum, f"{category}: {counts[category]} < {minimum}"
    assert all(not i["answerable"] for i in ALL if i["category"] == "unanswerable")
    two_councils = [i for i in ALL if i["category"] == "informal-name" and len(i["councils"]) == 2]
    assert len(two_councils) >= 5


def test_dev_and_test_are_disjoint_stratified_and_test_has_unseen_councils():
    dev, test = rows("dev"), rows("test")
    assert not {i["id"] for i in dev} & {i["id"] for i in test}
    assert not {i["question"] for i in dev} & {i["question"] for i in test}
    for category in Counter(i["category"] for i in ALL):
        n_dev = sum(i["category"] == category for i in dev)
        n_test = sum(i["category"] == category for i in test)
        assert n_dev and n_test and 0.25 <= n_test / (n_dev + n_test) <= 0.55, category
    unseen = ("coldharbour", "ravensmoor", "tarnside", "cathmoor", "pellingham", "lindenfield")
    dev_text = json.dumps(dev).lower()
    assert not [name for name in unseen if name in dev_text]
    test_text = json.dumps(test).lower()
    assert all(name in test_text for name in unseen)


def council_names() -> set[str]:
    names = set()
    with open(SHARED / "data" / "uk-local-authorities" / "uk_local_authorities_future.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names |= {row["official-name"], row["nice-name"], *row["alt-names"].split(",")}
    with open(SHARED / "data" / "uk-local-authorities" / "lookup_name_to_registry.csv", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        names |= {r[0] for r in reader if r}
    return {normalise(n).lower() for n in names if n.strip()}


def core(name: str) -> str:
    return normalise(COUNCIL_TYPE_WORDS.sub(" ", name.lower()))


def test_no_fictional_council_is_a_real_one():
    require_shared()
    real = council_names()
    real_cores = {core(n) for n in real}
    fictional = {e.meta.council for e in read_manifest(PLANS / "manifest.toml")}
    assert len(fictional) >= 22
    clashes = [c for c in fictional if c.lower() in real or core(c) in real_cores]
    assert clashes == []
    # the check itself would catch a real one
    assert "manchester city council" in real and core("Manchester City Council") in real_cores


def test_the_plans_manifest_lists_every_document_once_and_the_loader_accepts_it():
    entries = read_manifest(PLANS / "manifest.toml")
    listed = sorted(e.path.name for e in entries)
    on_disk = sorted(p.name for p in PLANS.iterdir() if p.suffix in (".md", ".txt", ".pdf", ".docx"))
    assert listed == on_disk
    kinds = Counter(e.meta.kind for e in entries)
    assert kinds["plan"] >= 22 and kinds["report"] and kinds["minutes"]
    formats = Counter(e.path.suffix for e in entries)
    assert formats[".pdf"] >= len(entries) // 4 and formats[".docx"] >= 3


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_generated_pdf_and_word_plans_are_up_to_date_with_their_sources(tmp_path):
    built = load_module(REPO / "eval" / "build_plans.py").build(tmp_path)
    assert len(built) >= 10
    for fresh in built:
        committed = load_file(PLANS / fresh.name)
        regenerated = load_file(fresh)
        assert [p.text for p in committed.pages] == [p.text for p in regenerated.pages], (
            f"{fresh.name} is stale: run .venv/bin/python eval/build_plans.py")


def test_the_generated_pdfs_read_like_council_pdfs():
    pdf = load_file(PLANS / "severnshire-productivity-plan-2024.pdf")
    assert len(pdf.pages) >= 3 and pdf.title == "Severnshire County Council Productivity Plan 2024"
    assert "Contents" in pdf.pages[1].text
    text = "\n".join(p.text for p in pdf.pages)
    # the running header and page footer are on every page, and the loader drops them
    assert "Severnshire County Council — Productivity Plan 2024" not in text
    assert not re.search(r"Page \d+ of \d+", text)
    docx = load_file(PLANS / "thamesbury-productivity-plan-2024.docx")
    assert len(docx.pages) >= 3 and "## Digital by default" in docx.pages[1].text


def test_the_dataset_files_are_up_to_date_with_the_questions():
    require_shared()
    result = subprocess.run([sys.executable, str(PLANS / "make_dataset.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
