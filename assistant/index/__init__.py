"""The index: a catalog (SQLite, the record of truth), a vector store (Chroma) and a
lexical index (BM25), opened together from the settings' home folder."""

from __future__ import annotations

import math
from functools import cached_property

from assistant.errors import UserError
from assistant.index.catalog import Catalog
from assistant.models import Chunk, Filters, SearchHit

EXPANSION_TOP = 2  # best matches of each expansion added to the candidates
OVERFETCH_MAX = 2000  # unfiltered neighbours fetched to filter here (~10 ms at 100k chunks)
EXACT_MAX = 1000  # chunks few enough to compare one by one (~10 ms)


class Index:
    def __init__(self, settings):
        self.settings = settings
        self.dir = settings.index_dir
        self.catalog = Catalog(self.dir / "catalog.sqlite")

    def close(self) -> None:
        if "embedder" in self.__dict__:
            self.embedder.close()
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

        if self.settings.chroma_url:  # the vectors live on the server; catalog and BM25 stay in self.dir
            return ChromaStore(url=self.settings.chroma_url, collection=f"{COLLECTION}_{self.catalog.index_id()}")
        return ChromaStore(path=self.dir / "chroma")

    @property
    def lexical(self):
        """The BM25 index, rebuilt if the catalog changed since it was saved."""
        from assistant.index.lexical import LexicalIndex

        generation = self.catalog.generation()
        current = getattr(self, "_lexical", None)
        if current is None or current.generation != generation:
            current = LexicalIndex.load(self.dir)
            if current is None or current.generation != generation:
                current = self.rebuild_lexical()
            self._lexical = current
        return current

    def rebuild_lexical(self):
        from assistant.index.lexical import LexicalIndex

        lexical = LexicalIndex.build(list(self.catalog.iter_chunks()), self.catalog.generation())
        try:
            lexical.save(self.dir)
        except OSError:
            pass  # a read-only home still searches, from memory
        self._lexical = lexical
        return lexical

    # --- search -------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None, k: int = 8, diversify: bool = False,
               pool: int | None = None, expansions: list[str] = (), expansion_top: int = EXPANSION_TOP) -> list[SearchHit]:
        """Hybrid search: dense and BM25 rankings fused by reciprocal rank (RRF).

        ``expansions`` are further texts to search for (at half weight); ``diversify``
        spreads the results across councils, for questions about peers."""
        from assistant.index.hybrid import fuse, spread_by_council

        filters = filters or Filters()
        if not self.lexical.ids:  # the catalog has no chunks
            return []
        pool = pool or max(4 * k, 40)
        dense = self.dense(self.embedder.embed_query(query), pool, filters)
        lexical = self.lexical.query(query, pool, filters)
        extra = [self.dense(v, pool, filters) for v in self.embedder.embed_documents(list(expansions))] \
            if expansions else []
        fused = fuse(dense, lexical, extra)
        chunks = self.catalog.chunks([cid for cid, _, _ in fused])  # orphans of a crash drop out here
        hits = [SearchHit(chunk=chunks[cid], score=score, dense_rank=ranks[0], lexical_rank=ranks[1])
                for cid, score, ranks in fused if cid in chunks]
        if diversify:
            hits = spread_by_council(hits, k)
        hits = hits[:k]
        # multi-query retrieval: each expansion's best matches are candidates too
        taken = {h.chunk.id for h in hits}
        by_id = {h.chunk.id: h for h in (SearchHit(chunk=chunks[c], score=s, dense_rank=r[0], lexical_rank=r[1])
                                         for c, s, r in fused if c in chunks)}
        for ranking in extra:
            for chunk_id, _ in ranking[:expansion_top]:
                if chunk_id not in taken and chunk_id in by_id:
                    hits.append(by_id[chunk_id])
                    taken.add(chunk_id)
        return hits

    def dense(self, vector: list[float], pool: int, filters: Filters) -> list[tuple[str, float]]:
        """The ``pool`` nearest chunks that pass the filters.

        Chroma's metadata filters cost 0.1-0.2 s a query at 100k chunks (bench/run.py), so
        the BM25 index, which knows each chunk's council, kind and themes, picks the way:
        a filter that keeps a good share of the chunks is applied here to the nearest
        ``pool / share`` unfiltered chunks (same top results, in milliseconds); one that
        keeps few chunks compares the vector with just those chunks' vectors (exact)."""
        keep = self.lexical.mask(filters)
        if keep is None:
            return self.store.query(vector, pool, filters)
        allowed = int(keep.sum())
        if allowed == 0:
            return []
        if allowed <= EXACT_MAX:
            return self.store.nearest_among(vector, [self.lexical.ids[i] for i in keep.nonzero()[0]], pool)
        fetch = math.ceil(pool * len(keep) / allowed * 1.5)
        if fetch <= OVERFETCH_MAX:
            rows = self.lexical.rows
            found = [(cid, score) for cid, score in self.store.query(vector, fetch, Filters())
                     if cid in rows and keep[rows[cid]]]
            if len(found) >= pool:
                return found[:pool]
        return self.store.query(vector, pool, filters)

    def mentions(self, word: str) -> bool:
        """Whether any indexed chunk contains the word (after stemming; stop words: yes)."""
        from assistant.index.lexical import tokenize

        tokens = tokenize([word])[0]
        lexical = self.lexical
        if not tokens or lexical.retriever is None:
            return not tokens
        vocabulary = lexical.retriever.vocab_dict
        return all(t in vocabulary for t in tokens)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.catalog.chunks([chunk_id]).get(chunk_id)


def open_index(settings) -> Index:
    return Index(settings)
