"""The evaluation corpus: the documents the datasets' gold sources name, indexed into the
eval's own home and loaded page by page for the gold and quote checks.

Three collections, each a manifest:

- the shipped corpus (``corpus/manifest.toml``): gold sources name a bare file name,
  ``redditch-productivity-plan-2024.txt``;
- the fictional councils' plans (``eval/plans/manifest.toml``): ``plans/<file>``;
- the development corpus of real councils' pages (``../shared/dev-corpus/manifest.toml``,
  beside the checkout, used in place, never copied): ``dev-corpus/<path>``. When it is
  absent the run says so and the items that need it are skipped.

A gold source matches an indexed document when the document's path ends with it, at a
path-component boundary (``plans/x.pdf`` matches ``…/eval/plans/x.pdf``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.errors import UserError

MANIFEST_FIELDS = {"path", "paths", "council", "kind", "title", "date", "origin"}


@dataclass(frozen=True)
class Collection:
    name: str  # how the run's notes call it
    manifest: Path
    prefix: str  # what gold sources put before a file's path in the manifest ("" = the file name alone)
    optional: bool = False  # absent: skipped with a note, not an error


def repo_dir() -> Path:
    from assistant.resources import corpus_dir

    return corpus_dir().parent


def collections() -> list[Collection]:
    from assistant.resources import corpus_dir

    repo = repo_dir()
    return [
        Collection("shipped corpus", corpus_dir() / "manifest.toml", ""),
        Collection("fictional councils' plans", repo / "eval" / "plans" / "manifest.toml", "plans/"),
        Collection("development corpus", repo.parent / "shared" / "dev-corpus" / "manifest.toml", "dev-corpus/",
                   optional=True),
    ]


def read_entries(manifest: Path) -> list:
    """The manifest's entries. ``read_manifest`` first; a manifest with fields it does not
    know (the dev-corpus has ``source`` and ``council_type``) is read here, keeping the
    fields ingest uses (``source`` becomes ``origin`` when there is none)."""
    from assistant.ingest.metadata import ManifestEntry, read_manifest, validate_meta
    from assistant.models import DocumentMeta

    try:
        return read_manifest(manifest)
    except UserError as exc:
        if "unknown field" not in str(exc):
            raise
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    entries = []
    for i, item in enumerate(data.get("document", []), start=1):
        if "path" not in item:
            raise UserError(f"{manifest} (document {i}): the eval reads only [[document]] tables with a path.")
        fields = {k: str(v) for k, v in item.items() if k in MANIFEST_FIELDS - {"path", "paths"}}
        if "origin" not in fields and item.get("source"):
            fields["origin"] = str(item["source"])
        meta = validate_meta(DocumentMeta(**fields), f"{manifest} (document {i})")
        entries.append(ManifestEntry(path=(manifest.parent / item["path"]).resolve(), meta=meta))
    return entries


def gold_name(collection: Collection, entry) -> str:
    """The name gold sources give an entry's document."""
    if not collection.prefix:
        return entry.path.name
    return collection.prefix + entry.path.relative_to(collection.manifest.parent.resolve()).as_posix()


def eval_entries() -> tuple[list[tuple[str, object]], list[str]]:
    """[(gold name, manifest entry)] of every collection present, and notes on those skipped."""
    entries, notes = [], []
    for collection in collections():
        if not collection.manifest.is_file():
            if collection.optional:
                notes.append(f"{collection.name} skipped: {collection.manifest} is absent (it lives in ../shared "
                             "beside the checkout); the items whose gold sources are in it are not scored.")
                continue
            raise UserError(f"{collection.manifest}: the {collection.name}'s manifest is missing; the eval needs it.")
        entries += [(gold_name(collection, e), e) for e in read_entries(collection.manifest)]
    return entries, notes


def ingest_eval_corpus(home: Path, progress=None) -> list[str]:
    """Index every collection present into ``home`` (unchanged files are skipped, so a
    second run only opens the index); returns the skip notes."""
    entries, notes = eval_entries()
    index_entries(home, [e for _, e in entries], "the evaluation corpus", progress)
    return notes


def index_entries(home: Path, entries: list, what: str, progress=None) -> None:
    """Ingest manifest ``entries`` into ``home``, ticking ``progress(done, total, label)``;
    a file that fails stops the run with its name (an evaluation on a partial corpus misleads)."""
    from assistant.ingest import IngestItem, Progress as IngestProgress, ingest
    from assistant.settings import load_settings

    class Ticks(IngestProgress):
        done = 0

        def advance(self) -> None:
            self.done += 1
            if progress:
                progress(self.done, len(entries), f"indexing {what}")

    home.mkdir(parents=True, exist_ok=True)
    items = [IngestItem(e.path, e.meta, set(e.meta.model_fields_set)) for e in entries]
    failed = [r for r in ingest(load_settings(home), items, progress=Ticks()) if r.status == "failed"]
    if failed:
        raise UserError(f"cannot index {what} into {home}: {failed[0].path}: {failed[0].message}")


@cache
def pages_of(path: str) -> tuple[str, ...]:
    """The page texts of one file as the loaders read it (read once per process)."""
    from assistant.ingest.loaders import load_file

    return tuple(p.text for p in load_file(Path(path)).pages)


def eval_pages() -> dict[str, list[str]]:
    """{gold name: [page text, ...]} of every document present, as the loaders read it."""
    entries, _ = eval_entries()
    return {name: list(pages_of(str(e.path))) for name, e in entries}


def page_text(source: str, page: int) -> str | None:
    """The text of page ``page`` of the file indexed from ``source`` (None if it has none)."""
    try:
        pages = pages_of(source)
    except (UserError, OSError):
        return None
    return pages[page - 1] if 1 <= page <= len(pages) else None


def matches(gold_document: str, source: str) -> bool:
    """Whether an indexed document (its source path) is the gold document: its path ends with
    the gold name at a path-component boundary."""
    source = source.replace("\\", "/")
    return source == gold_document or source.endswith("/" + gold_document.lstrip("/"))


def gold_key(source: str, gold_documents) -> str:
    """The gold name among ``gold_documents`` that ``source`` matches, else its file name."""
    for document in gold_documents:
        if matches(document, source):
            return document
    return Path(source).name
