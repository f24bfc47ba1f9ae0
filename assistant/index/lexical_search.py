"""Lexical search: BM25 queries, IDF weights and filter look-ups over the keyword index that
lexical.py keeps in the catalog's SQLite file."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter

from assistant.index.lexical import B, K1, _meta_int, _unpack, filter_sql, tokenize
from assistant.models import Filters

NARROW = 20000  # a filter keeping at most this many chunks is applied by listing them (indexed)
LARGE = 200_000  # postings a query reads from which a narrow filter's rows are picked out before scoring
# "Common terms" (as Lucene's CommonTermsQuery): a query stem held by more than this share of
# the chunks is common. Only chunks holding a rare stem of the query are scored (with every
# stem of the query, so their order is exactly BM25's); the common stems' postings are read
# just to look those chunks up. Calibrated on bench/lexical.py --queries-at 1000000 (synthetic
# 1M chunks, bench/run.py's 48 questions, 2 cores, Nov 2026): their stems are in 1% to 100%
# of the chunks, with no gap; cut-offs of 2% / 5% / 10% gave keyword query p50 30 / 25 / 30 ms
# and p95 82 / 71-76 / 78 ms. With 5%, `assistant eval` (shipped corpus) was unchanged.
COMMON = 0.05
# Memory-mapped reads on the connection a LexicalReader queries: a question's common stems
# have posting lists of tens of MB at 1M chunks, which SQLite's pager copies page by page
# (35 ms for 64 MB on 2 cores, bench/lexical.py --queries-at 1000000) and a mapping reads
# in 14 ms. The mapped pages count in the process's RSS while the OS keeps them.
MMAP_BYTES = 1 << 31


class LexicalReader:
    """BM25 queries, IDF weights and vocabulary look-ups on the catalog's connection: inside
    an open read transaction (Index.reading) all of them see one snapshot."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")

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

    def has_all(self, stems: list[str]) -> bool:
        return len(self.document_frequencies(stems)) == len(set(stems))

    def scores(self, tokens: list[str], among=None, common_terms: bool = True) -> tuple:
        """(row numbers, their BM25 scores) of the rows any of the tokens occur in;
        ``among`` (row numbers): of these rows only (a narrow filter's).

        ``common_terms`` (without ``among``): when the tokens include both rare and common
        stems (COMMON), only the rows holding a rare one, scored with every token: the
        same scores as full BM25 for those rows, without scoring the hundreds of thousands
        of rows that hold only common words. All common, or all rare: full BM25."""
        return self._score(tokens, among, common_terms)[:2]

    def _score(self, tokens: list[str], among=None, common_terms: bool = True) -> tuple:
        """scores(), and whether only the rows holding a rare stem were scored."""
        import numpy as np

        n, total = self.chunk_count(), _meta_int(self.db, "lexical_tokens")
        weight = Counter(tokens)  # a word twice in the query counts twice, as in bm25s
        df = self.document_frequencies(weight)
        none = (np.zeros(0, dtype=np.int64), np.zeros(0))
        if not n or not df:
            return (*none, False)
        mean_length = total / n
        common = {t for t in df if df[t] > COMMON * n}
        split = common_terms and among is None and 0 < len(common) < len(df)
        postings = self._postings([t for t in df if t not in common] if split else list(df))
        if not postings:
            return (*none, False)
        if split:  # the rows holding a rare stem; then the common stems' postings of those rows only
            wanted = np.zeros(max(int(rows.max()) for _, _, (rows, _, _) in postings if len(rows)) + 2, dtype=bool)
            for _, _, (rows, _, _) in postings:  # (a mask, not np.unique: 15 ms for 200k rows)
                wanted[rows] = True
            candidates = np.flatnonzero(wanted)  # the last slot (False) stands for every row above
            for term, segment, (rows, lengths, tf) in self._postings(sorted(common)):
                keep = wanted[np.minimum(rows, len(wanted) - 1)]
                if keep.any():
                    postings.append((term, segment, (rows[keep], lengths[keep], tf[keep])))
            postings.sort(key=lambda p: p[:2])  # the order of full BM25's sums: the same float sums
        bound = {t: weight[t] * math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in df}  # idf x query count

        def contribution(term, tf, lengths):  # the term's BM25 part (< its bound: tf / (tf + ...) < 1)
            if len(tf) >= 100_000:  # a long list: look each (count, length) pair up in a table made
                most_tf, longest = int(tf.max()), int(lengths.max())  # with the same operations: the
                if (most_tf + 1) * (longest + 1) * 4 <= len(tf):  # same floats, ~1/4 less time at 1M
                    table = formula(term, np.arange(most_tf + 1, dtype=np.float32)[:, None],
                                    np.arange(longest + 1, dtype=np.int32)[None, :])
                    return table.ravel().take(tf * np.int32(longest + 1) + lengths)
            return formula(term, tf.astype(np.float32), lengths)

        def formula(term, tf, lengths):
            return bound[term] * tf / (tf + (K1 * (1 - B)) + (K1 * B / mean_length) * lengths)

        if among is not None and sum(len(rows) for _, _, (rows, _, _) in postings) >= LARGE:
            size = max(int(rows.max()) for _, _, (rows, _, _) in postings if len(rows)) + 1
            return (*self._among(postings, contribution, np.asarray(among, dtype=np.int64), size), split)
        rows_parts, score_parts = [], []
        for term, _, (rows, lengths, tf) in postings:
            rows_parts.append(rows)
            score_parts.append(contribution(term, tf, lengths))
        rows, contributions = np.concatenate(rows_parts), np.concatenate(score_parts)
        if among is not None:
            keep = np.isin(rows, among)
            rows, contributions = rows[keep], contributions[keep]
            if not len(rows):
                return (*none, False)
        if int(rows.max()) < 8 * len(rows) + 4096:  # summed in an array indexed by row number: fastest
            summed = np.bincount(rows, weights=contributions)
            found = candidates if split else np.flatnonzero(summed)
            return found, summed[found], split
        # row numbers only grow (replaced documents get new ones): when they are sparse, sum by row
        found, where = np.unique(rows, return_inverse=True)
        return found, np.bincount(where, weights=contributions), split

    def _postings(self, terms: list[str]) -> list[tuple]:
        """(stem, segment, (rows, lengths, term counts)) of these stems, by stem and segment."""
        if not terms:
            return []
        found = self.db.execute("SELECT term, segment, data FROM lexical_postings "
                                "WHERE term IN (SELECT value FROM json_each(?))", (json.dumps(terms),))
        return sorted((term, segment, _unpack(data)) for term, segment, data in found)

    @staticmethod
    def _among(postings, contribution, among, size) -> tuple:
        """Scores of the ``among`` rows only: each posting list is masked, and only the
        postings of those rows are scored (a council's 2,500 chunks of a million)."""
        import numpy as np

        wanted = np.zeros(size, dtype=bool)
        wanted[among[among < size]] = True
        summed = np.zeros(size)
        for term, _, (rows, lengths, tf) in postings:
            keep = wanted[rows]
            if keep.any():
                summed[rows[keep]] += contribution(term, tf[keep], lengths[keep])  # a row is once in a term's lists
        found = np.flatnonzero(summed)
        return found, summed[found]

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
        """(chunk id, BM25 score), best first; only chunks that contain a word of the text."""
        import numpy as np

        filters = filters or Filters()
        tokens = tokenize([text])[0] if k > 0 else []
        if not tokens:
            return []
        among = None
        if not filters.is_empty() and self.allowed_count(filters) <= NARROW:
            where, params = filter_sql(filters)
            among = np.array([r[0] for r in self.db.execute(f"SELECT row FROM lexical_rows WHERE {where}", params)],
                             dtype=np.int64)
        candidates, values, split = self._score(tokens, among)
        found = self._passing_best(candidates, values, k, filters)
        if split and len(found) < k:
            # Fewer chunks hold a rare word of the question than were asked for: the rest
            # are those holding only its common words, after them, in full BM25's order.
            rows, scores, _ = self._score(tokens, among, common_terms=False)
            others = ~np.isin(rows, candidates)
            found += self._passing_best(rows[others], scores[others], k - len(found), filters)
        return found

    def _passing_best(self, candidates, values, k: int, filters: Filters) -> list[tuple[str, float]]:
        """The k best of these scored rows that are live and pass the filters, best first."""
        import numpy as np

        if not len(candidates):
            return []

        def best(m: int):  # positions of the m best candidates, best first; ties: the earlier indexed first
            top = np.argpartition(-values, m - 1)[:m] if m < len(candidates) else np.arange(len(candidates))
            return top[np.lexsort((candidates[top], -values[top]))]

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
