"""The index: a catalog (SQLite, the record of truth, holding the lexical index too) and a
vector store (Chroma), opened together from the settings' home folder.

Readers see one snapshot. A search runs inside one read transaction on the catalog
(SQLite WAL: a reader sees the database as it was when the transaction began, whatever is
committed meanwhile), so its lexical ranking, its filters and the chunks it returns all
come from one state of the catalog. Dense results are kept only for chunks that state
holds and whose catalog metadata passes the filters. A search that meets the vector store
mid-change reads again on a reopened store, and after a few tries says the index is being
updated (exit 3)."""

from __future__ import annotations

import math
import sys
import time
from contextlib import contextmanager
from functools import cached_property

from assistant.errors import BackendUnavailable, UserError
from assistant.index.catalog import Catalog
from assistant.models import Chunk, Filters, SearchHit

EXPANSION_TOP = 2  # best matches of each expansion added to the candidates
OVERFETCH_MAX = 2000  # unfiltered neighbours fetched to filter here (~10 ms at 100k chunks)
EXACT_MAX = 1000  # chunks few enough to compare one by one (~10 ms)
NARROW_MAX = 20000  # a filter keeping at most this many chunks is searched exactly from their vectors' copy
READ_ATTEMPTS = 4  # a search that meets the store mid-change reads again, waiting 0.1, 0.2, 0.4 s
MISSING_VECTORS = 0.5  # share of chunks without a vector above which search refuses (a store restarted empty)
BUSY = "the index is being updated; try again in a moment"


class Index:
    def __init__(self, settings):
        self.settings = settings
        self.dir = settings.index_dir
        self.catalog = Catalog(self.dir / "catalog.sqlite")
        self.catalog.notice = lambda message: print(message, file=sys.stderr)
        from assistant.text.sentences import keep_spans_in

        keep_spans_in(self.dir / "sentences.sqlite")  # sentence splits remembered (ingest fills it)
        self._depth = 0  # nesting of reading()
        self._store_generation = None  # catalog generation the embedded store is known to hold
        self._health = None  # (generation, vectors, chunks)
        if not self.catalog.lexical_current():
            self.rebuild_lexical()

    def close(self) -> None:
        if "embedder" in self.__dict__:
            self.embedder.close()
        if "store" in self.__dict__:
            self.store.close()
        self.catalog.close()

    @cached_property
    def base_embedder(self):
        """The configured embedder, checked against the one the index was built with."""
        from assistant.index.embeddings import embedder_name, get_embedder

        embedder = get_embedder(self.settings)
        built_with = self.catalog.get_meta("embedder")
        if built_with and built_with != embedder_name(embedder) and self.catalog.count_chunks():
            raise UserError(f"the index in {self.dir} was built with the '{built_with}' embedder, but "
                            f"'{embedder_name(embedder)}' is configured. Use ASSISTANT_EMBEDDER to match, "
                            "or start a new index with --home DIR.")
        return embedder

    @cached_property
    def embedder(self):
        """The embedder for questions and the sentences answers are scored on: cached in
        memory and in <home>/index/vectors.sqlite (see vector_cache.py)."""
        from assistant.index.vector_cache import CachedEmbeddings

        return CachedEmbeddings(self.base_embedder, self.dir / "vectors.sqlite")

    @cached_property
    def store(self):
        from assistant.index.store import COLLECTION, ChromaStore

        if self.settings.chroma_url:  # the vectors live on the server; the catalog stays in self.dir
            return ChromaStore(url=self.settings.chroma_url, collection=f"{COLLECTION}_{self.catalog.index_id()}")
        return ChromaStore(path=self.dir / "chroma")

    @cached_property
    def lexical(self):
        """BM25 over the catalog's chunks (lexical.py): query, idf, vocabulary."""
        from assistant.index.lexical_search import LexicalReader

        return LexicalReader(self.catalog.db)

    def rebuild_lexical(self, force: bool = False) -> int:
        """Build the lexical index from the catalog if this version has not (an index made
        by an older version), or always with ``force``. Ingest keeps it current otherwise."""
        if not force and self.catalog.lexical_current():
            return 0
        chunks = self.catalog.count_chunks()
        if chunks and not force:
            self.catalog.notice(f"Building the lexical index of {chunks} chunks in {self.dir} (once, after an "
                                "upgrade)...")
        try:
            count = self.catalog.rebuild_lexical(force=force)
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors: read-only file, disk full
            raise UserError(f"could not build the lexical index in {self.dir} ({exc}). Check the folder is "
                            "writable, then run the command again.") from exc
        for old in list(self.dir.glob("bm25-*-*")) + list(self.dir.glob("bm25.current*")):  # the old BM25 files
            import shutil

            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        return count

    # --- snapshots ------------------------------------------------------------------
    @contextmanager
    def reading(self):
        """One read transaction on the catalog: everything read inside sees one state.
        Nested uses share the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        db = self.catalog.db
        owner = not db.in_transaction  # else a writer's transaction: its own view is consistent
        if owner:
            db.execute("BEGIN")
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            if owner and db.in_transaction:
                db.execute("COMMIT")

    def _fresh_store(self, generation: int):
        """The store, reopened if this process opened it before the catalog state being read
        (an embedded store does not see vectors other processes added since)."""
        if "store" not in self.__dict__:
            store = self.store  # opened after the snapshot began: holds every vector it lists
            self._store_generation = generation
            return store
        if self._store_generation is None or self._store_generation < generation:
            self.store.reopen()
            self._store_generation = generation
        return self.store

    def vector_health(self) -> tuple[int, int]:
        """(vectors in the store, chunks in the catalog). Fewer vectors than chunks: some
        chunks can be found by their words only (a store restarted empty, or lost)."""
        return self._retrying(self._vector_counts)

    def _vector_counts(self) -> tuple[int, int]:
        """vector_health, counted once per catalog generation (inside a snapshot)."""
        with self.reading():
            generation = self.catalog.generation()
            if self._health is None or self._health[0] != generation:
                from assistant.index.matrix import open_matrix  # its vectors serve dense search (no Chroma)
                matrix = open_matrix(self)
                vectors = len(matrix) if matrix is not None else self._fresh_store(generation).count()
                self._health = (generation, vectors, self.lexical.chunk_count())
            return self._health[1], self._health[2]

    def _check_vectors(self) -> None:
        vectors, chunks = self._vector_counts()
        if chunks and vectors < (1 - MISSING_VECTORS) * chunks:
            where = self.settings.chroma_url or str(self.dir / "chroma")
            raise BackendUnavailable(
                f"the vector store ({where}) holds {vectors} vectors for {chunks} chunks: most passages could only "
                "be found by their words. Run `assistant ingest` again on any of your documents (every ingest "
                "first re-embeds the chunks whose vectors are missing), then ask again.")

    def _retrying(self, work):
        """Run ``work()`` in a snapshot; if it meets the store mid-change, reopen and retry."""
        from assistant.index.store import StoreChanging

        last = None
        for attempt in range(READ_ATTEMPTS):
            if attempt:
                time.sleep(0.1 * 2 ** (attempt - 1))
                self._store_generation = None  # reopen the store before reading again
            try:
                with self.reading():
                    return work()
            except StoreChanging as exc:
                last = exc
        raise BackendUnavailable(f"{BUSY} (the vector store answered: {last})")

    # --- search -------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None, k: int = 8, diversify: bool = False,
               pool: int | None = None, expansions: list[str] = (), expansion_top: int = EXPANSION_TOP) -> list[SearchHit]:
        """Hybrid search: dense and BM25 rankings fused by reciprocal rank (RRF).

        ``expansions`` are further texts to search for (at half weight); ``diversify``
        spreads the results across councils, for questions about peers."""
        filters = filters or Filters()
        if not self.lexical.chunk_count():  # the catalog has no chunks
            return []
        pool = pool or max(4 * k, 40)
        vector = self.embedder.embed_query(query)  # outside the snapshot: may take a while
        extra_vectors = self.embedder.embed_documents(list(expansions)) if expansions else []
        return self._retrying(lambda: self._search(query, vector, extra_vectors, filters, k, diversify, pool,
                                                    expansion_top))

    def _search(self, query, vector, extra_vectors, filters, k, diversify, pool, expansion_top) -> list[SearchHit]:
        from assistant.index.hybrid import fuse, spread_by_council
        from assistant.index.lexical import passes

        if not self.lexical.chunk_count():  # the catalog has no chunks
            return []
        self._check_vectors()
        dense = self.dense(vector, pool, filters)
        lexical = self.lexical.query(query, pool, filters)
        extra = [self.dense(v, pool, filters) for v in extra_vectors]
        fused = fuse(dense, lexical, extra)
        chunks = self.catalog.chunks([cid for cid, _, _ in fused])  # orphans of a crash drop out here
        # the catalog's own metadata decides: a vector's metadata may belong to another version
        chunks = {cid: c for cid, c in chunks.items() if passes(filters, c)}
        by_id = {c: SearchHit(chunk=chunks[c], score=s, dense_rank=r[0], lexical_rank=r[1])
                 for c, s, r in fused if c in chunks}
        hits = list(by_id.values())
        if diversify:
            hits = spread_by_council(hits, k)
        hits = hits[:k]
        # multi-query retrieval: each expansion's best matches are candidates too
        taken = {h.chunk.id for h in hits}
        for ranking in extra:
            for chunk_id, _ in ranking[:expansion_top]:
                if chunk_id not in taken and chunk_id in by_id:
                    hits.append(by_id[chunk_id])
                    taken.add(chunk_id)
        return hits

    def dense(self, vector: list[float], pool: int, filters: Filters) -> list[tuple[str, float]]:
        """The ``pool`` nearest chunks that pass the filters, among those the catalog holds.

        Chroma's metadata filters cost 0.1-0.2 s a query at 100k chunks (bench/run.py), so
        the catalog, which knows each chunk's council, kind and themes, picks the way: a
        filter that keeps a good share of the chunks is applied here to the nearest
        ``pool / share`` unfiltered chunks (same top results, in milliseconds); one that
        keeps few chunks compares the vector with just those chunks' vectors (exact)."""
        from assistant.index.matrix import search_index  # a small local index: exact search, no Chroma
        if (exact := search_index(self, vector, pool, filters)) is not None:
            return exact
        with self.reading():
            store = self._fresh_store(self.catalog.generation())
            lexical = self.lexical
            if filters.is_empty():
                found = store.query(vector, pool, filters)
                held = lexical.passing_ids([cid for cid, _ in found], filters)
                return [(cid, score) for cid, score in found if cid in held]
            allowed = lexical.allowed_count(filters)
            if allowed == 0:
                return []
            if allowed <= NARROW_MAX:  # a council or a document: exact, from vectors.sqlite (matrix.py)
                from assistant.index.matrix import search_documents

                found = search_documents(self, vector, pool, filters)
                if found is not None:
                    keep = lexical.passing_ids([cid for cid, _ in found], filters)
                    return [(cid, score) for cid, score in found if cid in keep]
            if allowed <= EXACT_MAX:
                return store.nearest_among(vector, lexical.allowed_ids(filters), pool)
            fetch = math.ceil(pool * lexical.chunk_count() / allowed * 1.5)
            if fetch <= OVERFETCH_MAX:
                found = store.query(vector, fetch, Filters())
                keep = lexical.passing_ids([cid for cid, _ in found], filters)
                found = [(cid, score) for cid, score in found if cid in keep]
                if len(found) >= pool:
                    return found[:pool]
            found = store.query(vector, pool, filters)
            keep = lexical.passing_ids([cid for cid, _ in found], filters)
            return [(cid, score) for cid, score in found if cid in keep]

    def mentions(self, word: str) -> bool:
        """Whether any indexed chunk contains the word (after stemming; stop words: yes)."""
        from assistant.index.lexical import tokenize

        tokens = tokenize([word])[0]
        return not tokens or self.lexical.has_all(tokens)

    def mentions_like(self, word: str, prefix: int = 5) -> bool:
        """Whether any indexed chunk has a word beginning as this one does (its stem's first
        ``prefix`` letters: "digitalisation" is like "digital", "recruitmnet" like "recruit")."""
        from assistant.index.lexical import tokenize

        return self.mentions(word) or all(self.lexical.has_prefix(t[:prefix]) for t in tokenize([word])[0])

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.catalog.chunks([chunk_id]).get(chunk_id)


def open_index(settings) -> Index:
    return Index(settings)
