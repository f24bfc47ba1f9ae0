"""The vector store: Chroma, embedded (PersistentClient under the home folder) or a
server (HttpClient, --chroma-url). Vectors come from our embedder; Chroma's own default
embedding function is never used (it downloads a model and fails offline)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from assistant.errors import BackendUnavailable
from assistant.models import Chunk, Filters

COLLECTION = "plan_assistant_chunks"
START_SERVER = "chroma run --path DIR --host 127.0.0.1 --port N"
# Chroma's errors a reader meets when another process is writing (an embedded reader whose
# in-memory index is older than the files: "Error finding id"); reading again, on a
# reopened store, sees the new state.
TRANSIENT = ("InternalError", "DuplicateIDError", "NotFoundError", "IDAlreadyExistsError", "UniqueConstraintError")


class StoreChanging(Exception):
    """A read met the vector store mid-change; the caller reopens it and reads again."""


def chunk_metadata(chunk: Chunk) -> dict:
    """Chroma metadata must be scalars: themes become theme_1..theme_4 booleans."""
    meta = {"document_id": chunk.document_id, "council": chunk.council, "kind": chunk.kind, "page": chunk.page}
    for theme in range(1, 10):
        if theme in chunk.themes:
            meta[f"theme_{theme}"] = True
    return meta


def where_clause(filters: Filters) -> dict | None:
    clauses: list[dict] = []
    if filters.councils:
        clauses.append({"council": {"$in": list(filters.councils)}})
    if filters.kinds:
        clauses.append({"kind": {"$in": list(filters.kinds)}})
    if filters.document_ids:
        clauses.append({"document_id": {"$in": list(filters.document_ids)}})
    if filters.themes:
        themes = [{f"theme_{t}": True} for t in filters.themes]
        clauses.append(themes[0] if len(themes) == 1 else {"$or": themes})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class _NoDefaultEmbedding:
    """Stands in for Chroma's embedding function so it never loads its default model:
    every call to Chroma passes vectors we computed."""

    def __call__(self, input):  # noqa: A002 - Chroma's signature
        raise RuntimeError("Plan Assistant passes embeddings explicitly")

    @staticmethod
    def name() -> str:
        return "plan-assistant-precomputed"

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config):
        return _NoDefaultEmbedding()


class ChromaStore:
    def __init__(self, path: Path | None = None, url: str | None = None, collection: str = COLLECTION):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self.url, self.path, self.collection_name = url, path, collection
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            try:
                self.client = chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                                  ssl=parsed.scheme == "https", settings=chroma_settings)
                self.client.heartbeat()
            except Exception as exc:  # noqa: BLE001 - connection errors vary by transport
                raise BackendUnavailable(f"cannot reach the Chroma server at {url} ({type(exc).__name__}). "
                                         f"Start it with: {START_SERVER}") from exc
            self.location = url
        else:
            assert path is not None
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self.location = str(path)
        self._open_collection()

    def _open_collection(self) -> None:
        with self._server():
            self.collection = self.client.get_or_create_collection(
                self.collection_name, embedding_function=_NoDefaultEmbedding(), metadata={"hnsw:space": "cosine"})

    def reopen(self) -> None:
        """See what other processes wrote since this one opened the store. A server always
        answers with its current state; an embedded store keeps its vector index in this
        process's memory, which only a new client reloads."""
        if self.url:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.close()
        self.client = chromadb.PersistentClient(path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False))
        self._open_collection()

    def close(self) -> None:
        close = getattr(self.client, "close", None)  # chromadb >= 1.1; releases the shared in-process system
        if close is not None:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing a client that is already gone
                pass

    @contextmanager
    def _reading(self):
        """Reads: a server that went away is a backend failure; Chroma's own errors while
        another process writes mean "read again" (StoreChanging)."""
        with self._server():
            try:
                yield
            except Exception as exc:
                if type(exc).__name__ in TRANSIENT and type(exc).__module__.startswith("chromadb"):
                    raise StoreChanging(f"{type(exc).__name__}: {exc}") from exc
                raise

    @contextmanager
    def _server(self):
        """A server that goes away mid-command is a backend failure (exit 3), not a crash."""
        try:
            yield
        except Exception as exc:
            import httpx

            if self.url and isinstance(exc, httpx.TransportError):
                raise BackendUnavailable(f"lost the Chroma server at {self.url} ({type(exc).__name__}). Check it "
                                         f"is running (start it with: {START_SERVER}) and run the command again.") from exc
            raise

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        batch = 1000
        with self._server():
            for start in range(0, len(chunks), batch):
                part = chunks[start:start + batch]
                self.collection.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[start:start + batch],
                    metadatas=[chunk_metadata(c) for c in part],
                )

    def delete(self, ids: list[str]) -> None:
        with self._server():
            for start in range(0, len(ids), 1000):
                self.collection.delete(ids=ids[start:start + 1000])

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        with self._server():
            while True:
                page = self.collection.get(include=[], limit=5000, offset=offset)
                found.update(page["ids"])
                if len(page["ids"]) < 5000:
                    return found
                offset += 5000

    def count(self) -> int:
        with self._reading():
            return self.collection.count()

    def nearest_among(self, vector: list[float], ids: list[str], k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` chunks among ``ids`` nearest the vector,
        best first, by comparing with each (exact)."""
        import numpy as np

        with self._reading():
            found = self.collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        if not found["ids"]:
            return []
        matrix = np.asarray(found["embeddings"], dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        scores = matrix @ query / np.clip(np.linalg.norm(matrix, axis=1) * np.linalg.norm(query), 1e-12, None)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(found["ids"][i], float(scores[i])) for i in top]

    def query(self, vector: list[float], k: int, filters: Filters) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        if k <= 0:
            return []
        with self._reading():
            result = self.collection.query(query_embeddings=[vector], n_results=k, where=where_clause(filters),
                                           include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]
