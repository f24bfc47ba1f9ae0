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

Queries (BM25, IDF, filters) are in lexical_search.py; the exact top k without scoring
every posting (MaxScore) in lexical_topk.py.

Tables: lexical_rows (one per chunk: its row number in the postings, its filter
attributes and length), lexical_terms (stem -> document frequency), lexical_segments,
lexical_postings ((stem, segment) -> a posting list: rows ascending, their lengths and term
counts as packed arrays, after the list's largest count and smallest length, which bound
the stem's BM25 part in it: posting_lists.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from collections import Counter, defaultdict
from functools import lru_cache

from assistant.index.posting_lists import HEADER, pack, unpack
from assistant.models import Chunk, Filters

VERSION = "2"  # bump when the tokenizer or the layout changes: the tables are rebuilt from the catalog
# 2: posting lists sorted by row, after a header with their largest count and smallest length
K1, B = 1.5, 0.75  # bm25s's defaults, which the previous (whole-rebuild) index used
FANOUT = 4  # segments of one size class merged at once; a stem has <= ~3 postings per size class
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
    if terms:  # grouped by stem: one blob per stem, rows ascending (a stable sort of rows in order)
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rows_a, lengths_a = (np.array(a, dtype=np.int32)[order] for a in (rows, lengths))
        counts_a = np.minimum(np.array(counts, dtype=np.int64)[order], 65535).astype(np.uint16)
        sorted_terms = [terms[i] for i in order]
        starts = [i for i in range(len(order)) if i == 0 or sorted_terms[i] != sorted_terms[i - 1]]
        most = np.maximum.reduceat(counts_a, starts).tolist()  # each list's bounds, in one pass
        least = np.minimum.reduceat(lengths_a, starts).tolist()
        db.executemany("INSERT INTO lexical_postings(term, segment, data) VALUES (?, ?, ?)",
                       [(sorted_terms[a], segment, pack(rows_a[a:b], lengths_a[a:b], counts_a[a:b], (m, ln)))
                        for a, b, m, ln in zip(starts, starts[1:] + [len(order)], most, least)])
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
            lists = sorted(((unpack(p), HEADER.unpack_from(p)) for p in parts if len(p) > HEADER.size),
                           key=lambda listed: int(listed[0][0][0]))
            rows, lengths, tf = (np.concatenate(a) for a in zip(*(arrays for arrays, _ in lists)))
            # the lists' bounds hold for their union; rows ascending if no list starts before the last ends
            bounds = (max(b[0] for _, b in lists), min(b[1] for _, b in lists))
            if any(a[0][-1] >= b[0][0] for (a, _), (b, _) in zip(lists, lists[1:])):
                bounds = None  # (sorted by pack)
            if dead:  # rows above every live one are dead too
                keep = alive[np.minimum(rows, len(alive) - 1)] & (rows < len(alive))
                if not keep.all():
                    rows, lengths, tf, bounds = rows[keep], lengths[keep], tf[keep], None  # (tighter bounds)
            if len(rows):
                merged.append((term, target, pack(rows, lengths, tf, bounds)))
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
