"""The keyword index's posting lists (one per stem and segment, lexical.py): their layout in
the lexical_postings blobs, and reading them.

A blob holds a header (the list's largest term count and smallest chunk length), then the
rows (int32, ascending), the chunk lengths (int32) and the term counts (uint16). The
largest count and smallest length bound the stem's BM25 part for every row of the list
whatever the mean length (lexical_topk.py); they are written with the list and never
updated.
"""

from __future__ import annotations

import struct

HEADER = struct.Struct("<II")  # largest term count, smallest chunk length
# A stem has a posting list per segment: up to ~20 in an index grown a document at a time,
# most of them short. Lists shorter than this are joined into one for a query (a copy of a
# few MB at most), so that a look-up costs a few binary searches per stem, not twenty.
JOIN = 1 << 16


class StaleFormat(Exception):
    """A posting list not in this version's layout (an index written by another version)."""


def pack(rows, lengths, tf, bounds: tuple[int, int] | None = None) -> bytes:
    """The blob of a posting list. With ``bounds`` (largest count, smallest length), the
    rows are ascending and the counts capped already (a new segment's lists, written by
    the thousand); without, they are sorted and capped here (a merge's)."""
    import numpy as np

    if bounds is None:
        tf = np.minimum(tf, 65535)
        if len(rows) > 1 and not bool((rows[1:] > rows[:-1]).all()):
            order = np.argsort(rows, kind="stable")
            rows, lengths, tf = rows[order], lengths[order], tf[order]
        bounds = (int(tf.max()), int(lengths.min())) if len(rows) else (0, 0)
    return HEADER.pack(*bounds) + rows.astype(np.int32, copy=False).tobytes() + \
        lengths.astype(np.int32, copy=False).tobytes() + tf.astype(np.uint16, copy=False).tobytes()


def unpack(data: bytes) -> tuple:
    """(rows, lengths, term counts) of a posting list, as read-only views of ``data``."""
    import numpy as np

    n, odd = divmod(len(data) - HEADER.size, 10)
    if odd or n < 0:  # version 1 wrote 10 bytes a posting and no header
        raise StaleFormat(f"a posting list of {len(data)} bytes")
    start = HEADER.size
    return (np.frombuffer(data, np.int32, n, start), np.frombuffer(data, np.int32, n, start + 4 * n),
            np.frombuffer(data, np.uint16, n, start + 8 * n))


class PostingList:
    """A posting list in memory: its arrays, bounds and first and last rows."""

    def __init__(self, rows, lengths, tf, most_tf: int | None = None, least_length: int | None = None):
        self.rows, self.lengths, self.tf = rows, lengths, tf
        self.count = len(rows)
        self.most_tf = most_tf if most_tf is not None else (int(tf.max()) if self.count else 0)
        self.least_length = least_length if least_length is not None else (int(lengths.min()) if self.count else 0)
        self.first, self.last = (int(rows[0]), int(rows[-1])) if self.count else (0, -1)

    @property
    def nbytes(self) -> int:
        return self.rows.nbytes + self.lengths.nbytes + self.tf.nbytes

    @classmethod
    def of(cls, data: bytes) -> PostingList:
        return cls(*unpack(data), *HEADER.unpack_from(data))

    def arrays(self) -> tuple:
        return self.rows, self.lengths, self.tf

    def find(self, needles) -> tuple:
        """(positions in ``needles`` of the rows the list holds, their term counts, their
        lengths); ``needles``: rows, ascending, int32 (as the list: else numpy converts the
        whole list to search it)."""
        import numpy as np

        if not self.count:
            return np.zeros(0, np.intp), self.tf[:0], self.lengths[:0]
        at = self.rows.searchsorted(needles)
        np.minimum(at, self.count - 1, out=at)
        hit = np.flatnonzero(self.rows.take(at) == needles)
        at = at[hit]
        return hit, self.tf.take(at), self.lengths.take(at)


def joined(lists: list[PostingList]) -> list[PostingList]:
    """The posting lists of a stem, those shorter than JOIN postings joined into one (rows
    ascending; a row is in one segment only)."""
    import numpy as np

    small = [listed for listed in lists if listed.count < JOIN]
    if len(small) < 2:
        return lists
    rows, lengths, tf = (np.concatenate(a) for a in zip(*(listed.arrays() for listed in small)))
    if not bool((rows[1:] > rows[:-1]).all()):
        order = np.argsort(rows, kind="stable")
        rows, lengths, tf = rows[order], lengths[order], tf[order]
    return [listed for listed in lists if listed.count >= JOIN] + [PostingList(rows, lengths, tf)]
