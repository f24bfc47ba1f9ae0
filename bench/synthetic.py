"""A synthetic corpus of any size, built from the shipped seed documents: what a region
indexing every council's plans and minutes would hold (300+ councils, all four themes).

Chunk texts are seed sentences shuffled into ~450-character passages, with the seed
councils' place names replaced by generated ones. Embedding 100k passages on a laptop
takes hours, so only ``distinct`` passages are embedded for real; every other chunk is a
near-copy of one of them (same sentences, another council's name) and reuses that
passage's vector with a little noise, so that the vector index holds 100k distinct points.
The lexical index sees every chunk's own text.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np

from assistant.models import KINDS, Chunk, Document

REPO = Path(__file__).resolve().parent.parent
SEED_PLACES = ("Redditch", "Bromsgrove", "Blaby", "Sandwell", "Worcestershire")
STEMS = ("Ash", "Brook", "Castle", "Elm", "Fern", "Glen", "Hart", "Kings", "Lark", "Mill", "North", "Oak", "Pen",
         "Queens", "Rose", "Stone", "Thorn", "Upper", "West", "Wood", "Bar", "Cold", "Dun", "Fair", "Hol")
ENDINGS = ("field", "ton", "bury", "ford", "ham", "ley", "wick", "by", "mouth", "stow", "worth", "minster", "cester")
TYPES = ("Borough Council", "District Council", "County Council", "City Council", "Metropolitan Borough Council")
PASSAGE_CHARS = 450


def councils(count: int = 325) -> list[str]:
    """Distinct, plausible council names (place + type)."""
    rng = random.Random(7)
    places = sorted({s + e for s in STEMS for e in ENDINGS})
    rng.shuffle(places)
    return [f"{place} {rng.choice(TYPES)}" for place in places[:count]]


def seed_sentences() -> list[str]:
    """The sentences of the shipped documents, long enough to carry meaning."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences: list[str] = []
    for path in sorted((REPO / "corpus" / "documents").glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(paragraph.split())
            sentences += [s.strip() for s in segmenter.segment(text) if 40 <= len(s.strip()) <= 400]
    return sentences


def passages(count: int, seed: int = 1) -> list[str]:
    """``count`` distinct passages of shuffled seed sentences."""
    rng = random.Random(seed)
    sentences = seed_sentences()
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < PASSAGE_CHARS:
            parts.append(rng.choice(sentences))
        text = " ".join(parts)
        if text not in seen:
            seen.add(text)
            found.append(text)
    return found


def rename(text: str, council: str) -> str:
    place = council.split()[0]
    return re.sub("|".join(SEED_PLACES), place, text)


def corpus(total: int, base: list[str], chunks_per_document: int = 50, seed: int = 2):
    """(documents with their chunks, index of each chunk's base passage): ``total`` chunks,
    spread over documents of ``chunks_per_document`` chunks, each document one council's."""
    rng = random.Random(seed)
    names = councils()
    documents: list[tuple[Document, list[Chunk]]] = []
    base_of: list[int] = []
    for d in range((total + chunks_per_document - 1) // chunks_per_document):
        council = names[d % len(names)]
        kind = rng.choice([k for k in KINDS if k != "guidance"])
        doc_id = f"synthetic{d:07d}"
        size = min(chunks_per_document, total - d * chunks_per_document)
        document = Document(id=doc_id, source=f"/synthetic/{doc_id}.txt", title=f"{council} {kind} {d}",
                            council=council, kind=kind, date="2024-07-01", pages=1, chunks=size)
        chunks = []
        for position in range(size):
            b = (d * chunks_per_document + position) % len(base) if total <= len(base) else rng.randrange(len(base))
            base_of.append(b)
            chunks.append(Chunk(id=f"{doc_id}-{position:05d}", document_id=doc_id, position=position,
                                text=rename(base[b], council), page=1, section=f"Theme {1 + position % 4}",
                                themes=sorted(rng.sample(range(1, 5), rng.randint(1, 2))), council=council,
                                kind=kind, title=document.title, source=document.source, date=document.date))
        documents.append((document, chunks))
    return documents, base_of


def noisy(vectors: np.ndarray, rows: list[int], scale: float = 0.02, seed: int = 3) -> np.ndarray:
    """The base vectors of ``rows``, each moved a little and renormalised (cosine ~0.93-0.97 to its base)."""
    rng = np.random.default_rng(seed)
    out = vectors[rows] + rng.normal(0.0, scale, size=(len(rows), vectors.shape[1])).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def write_documents(folder: Path, count: int, chunks_each: int = 25, seed: int = 4) -> list[Path]:
    """Markdown files of distinct passages under headings, for timing the real ingest."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = passages(count * chunks_each, seed=seed)
    names = councils()
    paths = []
    for i in range(count):
        council = names[i % len(names)]
        body = "\n\n".join(f"## Theme {1 + j % 4}\n\n{rename(texts[i * chunks_each + j], council)}"
                           for j in range(chunks_each))
        path = folder / f"{council.split()[0].lower()}-plan-{i:03d}.md"
        path.write_text(f"# {council} Productivity Plan\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths
