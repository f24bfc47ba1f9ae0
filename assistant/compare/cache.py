"""What `compare` computed for each document, kept in ``<home>/index/compare.sqlite`` under
the document's id (a hash of its content) and a key made of everything the result depends
on: the guidance, the gaps thresholds, the embedder, and the code that judges a document
(its source files' hash, so an upgrade never reuses an older judgement). A re-run reads
only the documents it has not seen: adding one plan to 400 reads one plan. A home that
cannot be written still compares (nothing is kept)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import lru_cache
from pathlib import Path

VERSION = "1"  # the layout of a cached result
# The code a document's result comes from: the gaps judgement, the text units and filters it
# reads, and the barrier search.
JUDGEMENT_CODE = ("assistant.gaps", "assistant.compare.barriers", "assistant.compare.named",
                  "assistant.evidence.filters", "assistant.evidence.scoring", "assistant.text.sentences", "assistant.text.blocks",
                  "assistant.guidance")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    import importlib

    digest = hashlib.sha256()
    for name in JUDGEMENT_CODE:
        path = Path(importlib.import_module(name).__file__)
        package = path.name == "__init__.py"  # a package: its modules and data files (gaps' theme signals)
        for source in sorted(p for p in path.parent.iterdir() if p.suffix in (".py", ".toml")) if package else [path]:
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(workspace) -> str:
    """What a document's result depends on besides its own content."""
    from assistant.index.embeddings import embedder_name

    settings = workspace.settings
    parts = [VERSION, code_fingerprint(), workspace.guidance.model_dump_json(), settings.gaps.model_dump_json(),
             embedder_name(workspace.index.base_embedder)]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


class ResultCache:
    def __init__(self, path: Path):
        self.path = path
        self.db = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS results (document_id TEXT, key TEXT, data TEXT, "
                            "PRIMARY KEY (document_id, key))")
        except (sqlite3.Error, OSError):
            self.db = None  # read-only home: compare still works, it keeps nothing

    def get(self, document_id: str, key: str) -> dict | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT data FROM results WHERE document_id=? AND key=?",
                                  (document_id, key)).fetchone()
        except sqlite3.Error:
            return None
        return json.loads(row[0]) if row else None

    def put(self, document_id: str, key: str, data: dict) -> None:
        if self.db is None:
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO results(document_id, key, data) VALUES (?, ?, ?)",
                            (document_id, key, json.dumps(data, ensure_ascii=False)))
        except sqlite3.Error:
            pass  # busy or read-only: the result is recomputed next time

    def prune(self, keep: set[str], key: str) -> None:
        """Forget results of documents no longer indexed, and results made under another key."""
        if self.db is None:
            return
        try:
            ids = [r[0] for r in self.db.execute("SELECT DISTINCT document_id FROM results")]
            with self.db:
                self.db.executemany("DELETE FROM results WHERE document_id=?", [(i,) for i in ids if i not in keep])
                self.db.execute("DELETE FROM results WHERE key != ?", (key,))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
