"""The offline judgement of one document against the guidance, shared by `gaps` (a draft
in a temporary index of its own) and `compare` (a plan already in the main index):
per theme and prompting question, covered / partial / missing with the document's own
evidence (verbatim quotes with their page). No peers, no LLM: those are `check()`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UserError
from assistant.gaps.models import ThemeFinding
from assistant.models import Document, DocumentMeta

WORD = re.compile(r"\b\w[\w'’-]*\b")


@dataclass
class Assessment:
    """What judging a document produced: the findings, and what rules and the LLM judge reuse."""

    themes: list[ThemeFinding]
    units: list  # DraftUnit
    matcher: object  # Matcher
    unit_theme: list[int]  # the theme each unit's passage answers (0: context)
    scores: dict  # question id -> [units x (question and its evidence points)] match scores


def assess_chunks(chunks, guidance, embedder, tuning, pages: dict[int, str] | None = None,
                  on_question=None) -> Assessment:
    """Judge the document made of ``chunks`` (in order). ``pages`` (page number -> text)
    gives paragraph numbers on the page; ``on_question(theme, question, finding, assessment)``
    may return a revised finding (the LLM judge, peers' examples)."""
    import numpy as np

    from assistant.gaps.verdicts import judge_question, theme_status
    from assistant.gaps.matching import Matcher, Vocabulary, document_units
    from assistant.gaps.themes import passage_ids, unit_themes

    vocabulary = Vocabulary(guidance, tuning)
    units = document_units(chunks, guidance, vocabulary, pages)
    matcher = Matcher(units, embedder, vocabulary)
    questions = guidance.questions()
    targets = [[q.text] + list(q.evidence) for q in questions]
    everything = matcher.match([t for group in targets for t in group]) if units else np.zeros((0, 0))
    scores, start = {}, 0
    for question, group in zip(questions, targets):
        scores[question.id] = everything[:, start:start + len(group)]
        start += len(group)
    best = np.stack([scores[q.id].max(axis=1) for q in questions], axis=1) if units else np.zeros((0, len(questions)))
    unit_theme = unit_themes(units, matcher, guidance, best, tuning)
    assessment = Assessment([], units, matcher, unit_theme, scores)
    passages: dict[int, set[int]] = {}
    for passage, theme_number in zip(passage_ids(units), unit_theme):
        passages.setdefault(passage, set()).add(theme_number)
    for theme in guidance.themes:
        findings = []
        for question in theme.questions:
            finding = judge_question(question, units, scores[question.id], unit_theme, tuning)
            if on_question is not None:
                finding = on_question(theme, question, finding, assessment)
            findings.append(finding)
        own = sum(1 for t in unit_theme if t == theme.number)
        paragraphs = sum(1 for found in passages.values() if found == {theme.number})
        assessment.themes.append(ThemeFinding(theme=theme.number, title=theme.title, own_units=own,
                                              status=theme_status(findings, own, tuning, paragraphs),
                                              questions=findings))
    return assessment


@dataclass
class Draft:
    """A file read as ingest reads it (same loader, metadata and chunker), kept in memory."""

    path: Path
    document: Document
    pages: dict[int, str]  # page number -> text
    chunks: list
    words: int


def read_draft(settings, guidance, path: Path, council: str = "") -> Draft:
    """Load and chunk ``path`` exactly as ingest would, without indexing it."""
    from assistant.ingest import document_id
    from assistant.ingest.chunking import chunk_pages
    from assistant.ingest.loaders import load_file
    from assistant.ingest.metadata import resolve_meta

    path = Path(path)
    loaded = load_file(path, max_bytes=int(settings.max_file_mb * 1024 * 1024))  # a bad file fails here, named
    given = {"kind"} | ({"council"} if council else set())
    meta = resolve_meta(path, loaded.pages, loaded.title, DocumentMeta(kind="draft", council=council), given,
                        file_date=loaded.date, file_council=loaded.council, running=loaded.running)
    document = Document(id=document_id(loaded.raw), source=str(path.resolve()), pages=len(loaded.pages),
                        **meta.model_dump())
    chunks = chunk_pages(document, loaded.pages, guidance).chunks
    if not chunks:
        raise UserError(f"{path}: no text to check after cleaning. Check the file opens and has text.")
    words = sum(count_words(p.text) for p in loaded.pages)
    return Draft(path, document, {p.number: p.text for p in loaded.pages}, chunks, words)


def count_words(text: str) -> int:
    """Words of a page's text, the same way for every format: a word broken across a line
    end ("pro-\nductivity") is one word; bullets, numbering marks and table rules are none."""
    return len(WORD.findall(re.sub(r"(\w)-\n(\w)", r"\1\2", text)))


def assess_document(workspace, document_id: str) -> list[ThemeFinding]:
    """Per theme and question, how far a document already in the main index answers the
    guidance (the same offline judgement as `gaps`), with its verbatim evidence and pages."""
    catalog = workspace.index.catalog
    if catalog.document(document_id) is None:
        raise UserError(f"No document {document_id!r} in the index ({workspace.settings.home}). "
                        "List them with: assistant sources")
    chunks = catalog.document_chunks(document_id)
    return assess_chunks(chunks, workspace.guidance, workspace.index.embedder, workspace.settings.gaps).themes
