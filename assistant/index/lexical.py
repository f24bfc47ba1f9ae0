"""Lexical search: BM25 over English stems (PyStemmer, the tokenizer of bm25s), kept in the
catalog's SQLite file and changed in the same transaction as the catalog, so that a reader
always sees the lexical index of exactly the catalog it reads.

Incremental: adding a document writes one small *segment* (the postings of its chunks,
one row per distinct stem) and updates each stem's document frequency; removing one
deletes its rows and lowers those frequencies. A reader scores with the current global
statistics (chunk count, mean length, document frequencies), so the scores are those of
a BM25 index built from scratch (bm25s's "lucene" variant, k1 1.5, b 0.75: the index this
replaces). Segments of similar size are merged four at a time (log-structured), so a stem
has a few postings blobs, not one per document; merging also drops removed chunks.

Tables: lexical_rows (one per chunk: its row number in the postings, its filter
attributes and length), lexical_terms (stem -> document frequency), lexical_segments,
lexical_postings ((stem, segment) -> rows, lengths and term counts as packed arrays).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from collections import Counter, defaultdict
from functools import lru_cache

from assistant.models import Chunk, Filters

VERSION = "1"  # bump when the tokenizer or the layout changes: the tables are rebuilt from the catalog
K1, B = 1.5, 0.75  # bm25s's defaults, which the previous (whole-rebuild) index used
FANOUT = 4  # segments of one size class merged at once; a stem has <= ~3 postings per size class
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS lexical_rows (
  row INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT NOT NULL UNIQUE, document_id TEXT NOT NULL,
  council TEXT NOT NULL, kind TEXT NOT NULL, themes INTEGER NOT NULL, length INTEGER NOT NULL,
  segment INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lexical_rows_by_document ON lexical_rows(document_id);
CREATE INDEX IF NOT EXISTS lexical_rows_by_council ON lexical_rows(council);
CREATE INDEX IF NOT EXISTS lexical_rows_by_kind ON lexical_rows(kind);
CREATE INDEX IF NOT EXISTS lexical_rows_by_segment ON lexical_rows(segment);
CREATE TABLE IF NOT EXISTS lexical_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lexical_segments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, rows INTEGER NOT NULL, dead INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lexical_postings (term TEXT NOT NULL, segment INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS lexical_postings_by_term ON lexical_postings(term, segment);
CREATE INDEX IF NOT EXISTS lexical_postings_by_segment ON lexical_postings(segment);
"""


# bm25s.tokenize(texts, stopwords="en", stemmer=..., return_ids=False), done here: the same
# tokens (scikit-learn's pattern, lower case, bm25s's English stop words, PyStemmer's English
# stems), without importing bm25s (~50 ms with tqdm and numpy) or building its vocabulary
# and stop-word set again for every text (an answer tokenizes a hundred short texts).
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset((  # bm25s.stopwords.STOPWORDS_EN (0.3.x)
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's stems, in order, stop words left out (bm25s's tokenizer, see above)."""
    words = [[w for w in TOKEN_PATTERN.findall(text.lower()) if w not in STOPWORDS] for text in texts]
    distinct = list({w: None for found in words for w in found})
    stem = dict(zip(distinct, _stemmer().stemWords(distinct))) if distinct else {}
    return [[stem[w] for w in found] for found in words]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What this code makes of a chunk: the stems of a sample chunk's text. Removing a
    document lowers the frequencies of the stems its text gives *now*; if that changed (a
    new stemmer, another Chunk.embedding_text) the index is rebuilt before the next write."""
    sample = Chunk(id="x", document_id="x", position=0, page=1, title="Councils' Productivity Plans",
                   section="Workforce 2024", text="Agency spending fell; the councils are recruiting apprentices.")
    return hashlib.sha256(" ".join(tokenize([sample.embedding_text()])[0]).encode()).hexdigest()[:16]


def theme_bits(themes) -> int:
    return sum(1 << t for t in set(themes))


# --- postings blobs: rows (int32), chunk lengths (int32), term counts (uint16) -----------
def _pack(rows, lengths, tf) -> bytes:
    import numpy as np

    return rows.astype(np.int32).tobytes() + lengths.astype(np.int32).tobytes() + \
        np.minimum(tf, 65535).astype(np.uint16).tobytes()


def _unpack(data: bytes) -> tuple:
    import numpy as np

    n = len(data) // 10
    return (np.frombuffer(data, np.int32, n, 0), np.frombuffer(data, np.int32, n, 4 * n),
            np.frombuffer(data, np.uint16, n, 8 * n))


# --- filters on lexical_rows --------------------------------------------------------------
def filter_sql(filters: Filters, lookup: bool = False) -> tuple[str, list]:
    """A WHERE condition on lexical_rows for the filters ("1" when there are none).
    ``lookup``: the query names its rows (up to a few thousand ids), so the index on kind
    must not be used: SQLite would walk every chunk of that kind (a sixth of the index,
    ~0.3 s at 1M chunks) instead of looking the ids up. A council's or a document's chunks
    are few: walking them stays the faster plan."""
    parts, params = [], []
    for column, values in (("council", filters.councils), ("kind", filters.kinds),
                           ("document_id", filters.document_ids)):
        if values:
            plus = "+" if lookup and column == "kind" else ""
            parts.append(f"{plus}{column} IN ({','.join('?' * len(values))})")
            params += list(values)
    if filters.themes:
        parts.append("(themes & ?) != 0")
        params.append(theme_bits(filters.themes))
    return (" AND ".join(parts) or "1"), params


def passes(filters: Filters, chunk: Chunk) -> bool:
    """Whether a chunk, as the catalog holds it, passes the filters."""
    return ((not filters.councils or chunk.council in filters.councils)
            and (not filters.kinds or chunk.kind in filters.kinds)
            and (not filters.document_ids or chunk.document_id in filters.document_ids)
            and (not filters.themes or bool(set(chunk.themes) & set(filters.themes))))


# --- writing (inside the catalog's transaction) -----------------------------------------
def _meta_int(db: sqlite3.Connection, key: str) -> int:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _add_meta(db: sqlite3.Connection, key: str, delta: int) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(_meta_int(db, key) + delta)))


def _change_df(db: sqlite3.Connection, token_lists: list[list[str]], sign: int) -> None:
    df = Counter(t for tokens in token_lists for t in set(tokens))
    db.executemany("INSERT INTO lexical_terms(term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + ?",
                   [(t, sign * n, sign * n) for t, n in df.items()])
    if sign < 0:  # only the stems just lowered: a scan of the whole vocabulary would cost as the index grows
        db.execute("DELETE FROM lexical_terms WHERE term IN (SELECT value FROM json_each(?)) AND df <= 0",
                   (json.dumps(list(df)),))
    _add_meta(db, "lexical_chunks", sign * len(token_lists))
    _add_meta(db, "lexical_tokens", sign * sum(len(t) for t in token_lists))


def add_chunks(db: sqlite3.Connection, chunks: list[Chunk], token_lists: list[list[str]] | None = None) -> None:
    """Index chunks the catalog has just taken in: one new segment, then merges if due.
    ``token_lists`` (one per chunk) may be computed before the transaction."""
    import numpy as np

    if not chunks:
        return
    token_lists = token_lists if token_lists is not None else tokenize([c.embedding_text() for c in chunks])
    segment = db.execute("INSERT INTO lexical_segments(rows) VALUES (?)", (len(chunks),)).lastrowid
    terms, rows, lengths, counts = [], [], [], []
    for chunk, tokens in zip(chunks, token_lists):
        row = db.execute(
            "INSERT INTO lexical_rows(chunk_id, document_id, council, kind, themes, length, segment) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (chunk.id, chunk.document_id, chunk.council, chunk.kind,
                                             theme_bits(chunk.themes), len(tokens), segment)).lastrowid
        tf = Counter(tokens)
        terms += tf.keys()
        counts += tf.values()
        rows += [row] * len(tf)
        lengths += [len(tokens)] * len(tf)
    if terms:  # grouped by stem: one blob per stem
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rows_a, lengths_a, counts_a = (np.array(a, dtype=np.int64)[order] for a in (rows, lengths, counts))
        sorted_terms = [terms[i] for i in order]
        starts = [i for i in range(len(order)) if i == 0 or sorted_terms[i] != sorted_terms[i - 1]] + [len(order)]
        db.executemany("INSERT INTO lexical_postings(term, segment, data) VALUES (?, ?, ?)",
                       [(sorted_terms[a], segment, _pack(rows_a[a:b], lengths_a[a:b], counts_a[a:b]))
                        for a, b in zip(starts, starts[1:])])
    _change_df(db, token_lists, +1)
    compact(db)


def remove_document(db: sqlite3.Connection, document_id: str) -> None:
    """Forget a document's chunks; call before the catalog deletes them (their text is
    tokenized again to lower the frequencies they raised). Their postings stay, dead,
    until their segment is merged."""
    rows = db.execute("SELECT r.segment, c.title, c.section, c.text FROM lexical_rows r JOIN chunks c "
                      "ON c.id = r.chunk_id WHERE r.document_id=?", (document_id,)).fetchall()
    if not rows:
        return
    texts = [Chunk(id="", document_id="", position=0, page=0, title=t or "", section=s or "",
                   text=x or "").embedding_text() for _, t, s, x in rows]
    _change_df(db, tokenize(texts), -1)
    for segment, n in Counter(r[0] for r in rows).items():
        db.execute("UPDATE lexical_segments SET dead = dead + ? WHERE id=?", (n, segment))
    db.execute("DELETE FROM lexical_rows WHERE document_id=?", (document_id,))


def _size_class(live: int) -> int:
    return int(math.log(max(live, 1), FANOUT))


def compact(db: sqlite3.Connection) -> None:
    """Merge segments until no size class holds FANOUT of them and none is mostly dead."""
    while True:
        segments = db.execute("SELECT id, rows - dead, dead FROM lexical_segments ORDER BY id").fetchall()
        mostly_dead = [s for s, live, dead in segments if dead > live]
        if mostly_dead:
            merge(db, mostly_dead[:1])
            continue
        classes: dict[int, list[int]] = defaultdict(list)
        for segment, live, _ in segments:
            classes[_size_class(live)].append(segment)
        full = [members for _, members in sorted(classes.items()) if len(members) >= FANOUT]
        if not full:
            return
        merge(db, full[0])


def merge(db: sqlite3.Connection, segments: list[int]) -> int | None:
    """Rewrite these segments as one, without their dead rows; returns the new segment."""
    import numpy as np

    marks = ",".join("?" * len(segments))
    live = np.array([r[0] for r in db.execute(f"SELECT row FROM lexical_rows WHERE segment IN ({marks})", segments)],
                    dtype=np.int64)
    dead = db.execute(f"SELECT SUM(dead) FROM lexical_segments WHERE id IN ({marks})", segments).fetchone()[0]
    target = None
    if len(live):
        target = db.execute("INSERT INTO lexical_segments(rows) VALUES (?)", (len(live),)).lastrowid
        alive = np.zeros(int(live.max()) + 1, dtype=bool)
        alive[live] = True
        blobs: dict[str, list[bytes]] = defaultdict(list)
        for term, data in db.execute(f"SELECT term, data FROM lexical_postings WHERE segment IN ({marks})", segments):
            blobs[term].append(data)
        merged = []
        for term, parts in blobs.items():
            if len(parts) == 1 and not dead:
                merged.append((term, target, parts[0]))
                continue
            rows, lengths, tf = (np.concatenate(a) for a in zip(*(_unpack(p) for p in parts)))
            if dead:  # rows above every live one are dead too
                keep = alive[np.minimum(rows, len(alive) - 1)] & (rows < len(alive))
                rows, lengths, tf = rows[keep], lengths[keep], tf[keep]
            if len(rows):
                merged.append((term, target, _pack(rows, lengths, tf)))
        db.executemany("INSERT INTO lexical_postings(term, segment, data) VALUES (?, ?, ?)", merged)
        db.execute(f"UPDATE lexical_rows SET segment=? WHERE segment IN ({marks})", [target, *segments])
    db.execute(f"DELETE FROM lexical_postings WHERE segment IN ({marks})", segments)
    db.execute(f"DELETE FROM lexical_segments WHERE id IN ({marks})", segments)
    return target


def clear(db: sqlite3.Connection) -> None:
    for table in ("lexical_postings", "lexical_segments", "lexical_terms", "lexical_rows"):
        db.execute(f"DELETE FROM {table}")
    db.execute("DELETE FROM meta WHERE key IN ('lexical_chunks', 'lexical_tokens')")


# --- reading ------------------------------------------------------------------------------
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

def rebuild(db: sqlite3.Connection, chunks_by_document) -> int:
    """Index every chunk again (inside the caller's transaction); returns how many.
    ``chunks_by_document`` yields lists of chunks, one list per document."""
    clear(db)
    db.execute("DELETE FROM sqlite_sequence WHERE name='lexical_rows'")  # no postings name a row now: start again
    count = 0
    batch: list[Chunk] = []
    for chunks in chunks_by_document:
        batch += chunks
        if len(batch) >= 5000:  # one segment per batch keeps the rebuild from merging often
            add_chunks(db, batch)
            count, batch = count + len(batch), []
    add_chunks(db, batch)
    count += len(batch)
    db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                   [("lexical", VERSION), ("lexical_fingerprint", fingerprint())])
    return count
