"""Lexical search: BM25 queries, IDF weights and filter look-ups over the keyword index that
lexical.py keeps in the catalog's SQLite file. A query's k best chunks come from
lexical_topk.py (MaxScore: full BM25's top k, without scoring every posting); the chunks of
a narrow filter (a council, a document), and the few postings of a question on a small
index, are scored in full."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections import Counter, OrderedDict, defaultdict
from contextlib import contextmanager

from assistant.index.lexical import _meta_int, filter_sql, tokenize
from assistant.index.lexical_topk import StemLists, contribution, exact_scores, top_rows
from assistant.index.posting_lists import PostingList, StaleFormat, joined
from assistant.models import Filters

NARROW = 20000  # a filter keeping at most this many chunks is applied by listing them (indexed)
LARGE = 200_000  # postings a query reads from which a narrow filter's rows are picked out before scoring
# A question whose stems have fewer postings than this is scored in full rather than by the
# top-k search (exact either way): bench/lexical.py --queries-at 100000 and the shipped
# corpus's index, questions by postings read, full / top k: < 20k 0.38 / 1.30 ms, 20-50k
# 0.89 / 1.54 ms, 50-100k 1.32 / 2.23 ms, 100-200k 2.22 / 2.39 ms, 200-500k 3.42 / 2.51 ms.
FULL = 150_000
# Memory-mapped reads on the connection a LexicalReader queries: a question's posting lists
# are tens of MB at 1M chunks; read as blobs (incremental blob I/O, 10x faster than SELECT)
# through a mapping they took 20 ms a question on average, through SQLite's pager 28 ms
# (bench/lexical.py's 48 questions at 1M chunks, reads alone, 2 cores shared). The mapped
# pages count in the process's RSS while the OS keeps them.
MMAP_BYTES = 1 << 31
# The top-k search is asked for more than k rows when some rows will not count: removed
# chunks (their postings stay until their segment is merged) and, with a filter, the chunks
# it leaves out: k more for each share of the rows left out, times SPARE. Should fewer than
# k of them pass, it is asked again for 4 times as many (the result is exact either way).
# bench/lexical.py's 48 questions at 1M chunks with a kind of document (a sixth of the rows)
# and with a kind and a theme: 1.0 asked 110 times for 96 queries, 1.5 and 2.0 once each.
SPARE = 1.5
# A resident process (chat, the web app, evaluation) keeps the posting lists it has read, up
# to CACHE_BYTES, least recently used out first: a question's common stems (council, plan,
# service...) are most of the megabytes it reads at 1M chunks, and most questions share
# them. Lists under CACHE_FROM bytes are cheap to read again. Calibrated at 1M chunks
# (bench/lexical.py --queries-at 1000000's index; its 48 questions in turn, 3 rounds, top 40,
# CPU ms, 2 cores with another job): no cache mean 16.3 / p95 33.7; 32 MB 13.1 / 25.7;
# 96 MB 12.3 / 22.6; 192 MB 10.0 / 18.9. 96 MB keeps the search process under 1 GiB there.
CACHE_BYTES = 96 << 20
CACHE_FROM = 64 << 10


class LexicalReader:
    """BM25 queries, IDF weights and vocabulary look-ups on the catalog's connection: inside
    an open read transaction (Index.reading) all of them see one snapshot."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._cache: OrderedDict = OrderedDict()  # (stem, segments) -> _lists(), least recently used first
        self._cached_bytes = 0
        self._cache_lock = threading.Lock()

    def chunk_count(self) -> int:
        return _meta_int(self.db, "lexical_chunks")

    def document_frequencies(self, stems) -> dict[str, int]:
        stems = list(set(stems))
        if not stems:
            return {}
        rows = self.db.execute("SELECT term, df FROM lexical_terms WHERE term IN (SELECT value FROM json_each(?))",
                               (json.dumps(stems),))
        return dict(rows.fetchall())

    def idf(self, stems: set[str]) -> dict[str, float]:
        """Inverse document frequency of each stem (BM25's formula); a stem no chunk has
        gets the highest weight."""
        n = self.chunk_count()
        df = self.document_frequencies(stems)
        return {s: math.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in stems}

    def has_prefix(self, prefix: str) -> bool:
        """Whether any indexed stem begins with ``prefix`` (a range read of the terms' key)."""
        row = self.db.execute("SELECT 1 FROM lexical_terms WHERE term >= ? AND term < ? AND df > 0 LIMIT 1",
                              (prefix, prefix + "\uffff")).fetchone()
        return row is not None

    def has_all(self, stems: list[str]) -> bool:
        return len(self.document_frequencies(stems)) == len(set(stems))

    @contextmanager
    def _snapshot(self):
        """One read transaction for a query's several reads (the caller's, if it has one):
        the posting lists it opens by rowid are those of the statistics it read."""
        owner = not self.db.in_transaction
        if owner:
            self.db.execute("BEGIN")
        try:
            yield
        except StaleFormat as exc:
            from assistant.errors import UserError

            raise UserError(f"the keyword index was written by another version of Plan Assistant ({exc}). Run "
                            "the command again: the index is rebuilt when it is opened.") from exc
        finally:
            if owner and self.db.in_transaction:
                self.db.execute("COMMIT")

    def _stems(self, tokens: list[str]) -> tuple[list[StemLists], float]:
        """The question's stems that some chunk holds, by stem, with their weights (IDF x
        times in the question, as bm25s counts a repeated word) and posting lists; and the
        mean chunk length."""
        n, total = self.chunk_count(), _meta_int(self.db, "lexical_tokens")
        weight = Counter(tokens)
        df = self.document_frequencies(weight)
        if not n or not df:
            return [], 0.0
        segments: dict[str, list[tuple[int, int]]] = defaultdict(list)
        found = self.db.execute("SELECT rowid, term, segment FROM lexical_postings WHERE term IN "
                                "(SELECT value FROM json_each(?)) ORDER BY term, segment",
                                (json.dumps(list(df)),)).fetchall()
        for rowid, term, segment in found:
            segments[term].append((rowid, segment))
        stems = []
        for term in sorted(segments):
            lists, most_tf, least_length = self._lists(term, segments[term])
            stems.append(StemLists(term, weight[term] * math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5)),
                                   lists, most_tf, least_length))
        return stems, total / n

    def _lists(self, term: str, where: list[tuple[int, int]]) -> tuple[list[PostingList], int, int]:
        """A stem's posting lists (``where``: their rowids and segments), joined, with their
        largest count and smallest length: from the cache when this process has read the
        same segments' lists of the stem before. A (stem, segment) list is written once and
        never changed (a merge writes a new segment; segment ids are never reused), so a
        cached list is that of any snapshot holding the segment."""
        key = (term, tuple(segment for _, segment in where))
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        read = []
        for rowid, _ in where:  # incremental blob I/O: ~10x faster than the same blob SELECTed
            with self.db.blobopen("lexical_postings", "data", rowid, readonly=True) as blob:
                read.append(PostingList.of(blob.read()))
        found = (joined(read), max(listed.most_tf for listed in read), min(listed.least_length for listed in read))
        size = sum(listed.nbytes for listed in found[0])
        if size >= CACHE_FROM:
            with self._cache_lock:
                self._cache[key] = found
                self._cached_bytes += size
                while self._cached_bytes > CACHE_BYTES:
                    _, (evicted, _, _) = self._cache.popitem(last=False)
                    self._cached_bytes -= sum(listed.nbytes for listed in evicted)
        return found

    def scores(self, tokens: list[str], among=None) -> tuple:
        """(row numbers, their BM25 scores) of every row any of the tokens occur in, scored
        in full; ``among`` (row numbers): of these rows only (a narrow filter's)."""
        with self._snapshot():
            stems, mean_length = self._stems(tokens)
            return self._full(stems, mean_length, among)

    def _full(self, stems: list[StemLists], mean_length: float, among=None) -> tuple:
        """Full BM25: (row numbers, scores) of every row holding a stem, or of the ``among``
        rows only; each stem's parts summed in stem order."""
        import numpy as np

        none = (np.zeros(0, dtype=np.int64), np.zeros(0))
        postings = [(stem, listed.arrays()) for stem in stems for listed in stem.lists if listed.count]
        if not postings:
            return none
        if among is not None and sum(len(rows) for _, (rows, _, _) in postings) >= LARGE:
            # a narrow filter's rows looked up in each list (binary search), and only those scored
            rows = np.unique(np.asarray(among, dtype=np.int64))
            scores = exact_scores(stems, rows, mean_length)
            return rows[scores > 0], scores[scores > 0]
        rows_parts, score_parts = [], []
        for stem, (rows, lengths, tf) in postings:  # by stem: the order full BM25 sums the parts in
            rows_parts.append(rows)
            score_parts.append(contribution(stem.weight, tf, lengths, mean_length))
        rows, contributions = np.concatenate(rows_parts), np.concatenate(score_parts)
        if among is not None:
            keep = np.isin(rows, among)
            rows, contributions = rows[keep], contributions[keep]
            if not len(rows):
                return none
        if int(rows.max()) < 8 * len(rows) + 4096:  # summed in an array indexed by row number: fastest
            summed = np.bincount(rows, weights=contributions)
            found = np.flatnonzero(summed > 0)  # every part is > 0
            return found, summed[found]
        # row numbers only grow (replaced documents get new ones): when they are sparse, sum by row
        found, where = np.unique(rows, return_inverse=True)
        return found, np.bincount(where, weights=contributions)

    def allowed_count(self, filters: Filters) -> int:
        where, params = filter_sql(filters)
        return self.db.execute(f"SELECT COUNT(*) FROM lexical_rows WHERE {where}", params).fetchone()[0]

    def allowed_ids(self, filters: Filters) -> list[str]:
        where, params = filter_sql(filters)
        return [r[0] for r in self.db.execute(f"SELECT chunk_id FROM lexical_rows WHERE {where}", params)]

    def passing_ids(self, chunk_ids: list[str], filters: Filters) -> set[str]:
        """Those of the ids the catalog holds (in this snapshot) that pass the filters."""
        where, params = filter_sql(filters, lookup=True)
        rows = self.db.execute(f"SELECT chunk_id FROM lexical_rows WHERE chunk_id IN (SELECT value FROM json_each(?)) "
                               f"AND {where}", [json.dumps(list(chunk_ids)), *params])
        return {r[0] for r in rows}

    def _rows_to_ids(self, rows, filters: Filters) -> dict[int, str]:
        where, params = filter_sql(filters, lookup=True)
        found = self.db.execute(f"SELECT row, chunk_id FROM lexical_rows WHERE row IN (SELECT value FROM json_each(?)) "
                                f"AND {where}", [json.dumps(rows.tolist()), *params])
        return dict(found.fetchall())

    def query(self, text: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; only chunks that contain a word of the text.
        The same chunks, scores and order as scoring every chunk (ties: the earlier indexed
        first)."""
        import numpy as np

        filters = filters or Filters()
        tokens = tokenize([text])[0] if k > 0 else []
        if not tokens:
            return []
        with self._snapshot():
            stems, mean_length = self._stems(tokens)
            if not stems:
                return []
            n = self.chunk_count()
            allowed = n if filters.is_empty() else self.allowed_count(filters)
            if not filters.is_empty() and allowed <= NARROW:  # a council's or a document's chunks: scored in full
                where, params = filter_sql(filters)
                among = np.array([r[0] for r in self.db.execute(f"SELECT row FROM lexical_rows WHERE {where}", params)],
                                 dtype=np.int64)
                return self._passing_best(*self._full(stems, mean_length, among), k, filters)
            if sum(listed.count for stem in stems for listed in stem.lists) < FULL:
                return self._passing_best(*self._full(stems, mean_length), k, filters)
            dead = self.db.execute("SELECT COALESCE(SUM(dead), 0) FROM lexical_segments").fetchone()[0]
            want = k + math.ceil(k * ((n + dead) / max(allowed, 1) - 1) * SPARE)
            while True:
                rows, values, pruned = top_rows(stems, mean_length, want)
                found = self._passing_best(rows, values, k, filters)
                if len(found) >= k or not pruned:  # else more rows of the best were removed or filtered out
                    return found
                want *= 4

    def _passing_best(self, candidates, values, k: int, filters: Filters) -> list[tuple[str, float]]:
        """The k best of these scored rows that are live and pass the filters, best first."""
        import numpy as np

        if not len(candidates):
            return []

        def best(m: int):  # positions of the m best candidates, best first; ties: the earlier indexed first
            if m < len(candidates):  # the m-th best score, and every row that ties with it (the order of
                cut = values[np.argpartition(-values, m - 1)[m - 1]]  # the next batch's starts after them)
                top = np.flatnonzero(values >= cut)
            else:
                top = np.arange(len(candidates))
            return top[np.lexsort((candidates[top], -values[top]))][:m]

        # Candidates may be dead (their document was removed or replaced) or fail the
        # filters: look them up in batches, best first, until k pass.
        found: list[tuple[str, float]] = []
        start, batch = 0, max(2 * k, 50)
        while start < len(candidates) and len(found) < k:
            positions = best(start + batch)[start:]
            ids = self._rows_to_ids(candidates[positions], filters)
            found += [(ids[r], v) for r, v in zip(candidates[positions].tolist(), values[positions].tolist()) if r in ids]
            start, batch = start + batch, batch * 4
        return found[:k]
