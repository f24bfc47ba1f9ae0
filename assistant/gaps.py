"""`gaps`: does an officer's draft plan answer the guidance? For each theme and prompting
question: covered / partial / missing, a score, the draft's own evidence (quote, page,
paragraph), and for the thin ones the best peer examples from the main index, cited.
Plus the guidance's rules: length, all four themes, theme 3's spend topics, milestones.

The draft goes into a temporary index of its own (same loaders and chunker as the
corpus), removed afterwards; the main index is only read, for peer examples.

How a question is judged offline
  Every sentence and list item of the draft ("unit") is matched against the question and
  against each of its evidence points separately (corpus/guidance/*.toml):
      match = W_SEM * cosine + (1 - W_SEM) * lexical
  cosine: the best of the unit, the unit with its list lead-in, and its clauses;
  lexical: share of the target's stemmed content words in the unit, each weighted by
           how few of the guidance's questions use it ("prevent" counts, "spend" less).
  Units that merely restate the guidance ("b) opportunities to take advantage of
  technology...") count half.
  score  = the best match of any target (the question or one of its evidence points)
  status = covered if score >= COVERED_AT in the question's own theme section (or in a
           part of the draft about no one theme), partial if >= PARTIAL_AT anywhere,
           else missing. A data project mentioned under theme 1 makes a theme 2 question
           partial at most: the reader of theme 2 will not find it there.
  Each section's theme comes from its heading and its content (``section_themes``).
A theme's status derives from its questions: covered when at least half are covered;
missing when none is even partly answered in the theme's own part of the draft;
otherwise partial.
Thresholds are calibrated on eval/datasets/gaps.jsonl (eval/gaps_eval.py).

With an LLM (--llm openai|azure) the partial and borderline questions are judged again
by the model from the draft's own passages, which gives a graded verdict with a reason.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.errors import UserError

COVERED, PARTIAL, MISSING = "covered", "partial", "missing"
STATUSES = (COVERED, PARTIAL, MISSING)

W_SEM = 0.5  # weight of meaning against shared words in a match
ECHO_FACTOR = 0.5  # a restatement of the guidance is not an answer
ECHO_SHARE = 0.8  # ...spotted when this share of a sentence's words are the guidance's
COVERED_AT = 0.46
PARTIAL_AT = 0.44
# A section is about a theme when its heading is this close to the theme's names and this
# much closer than to any other, or when this share of its sentences match the theme best,
# this well on average (see section_themes).
HEADING_NAMES_AT, HEADING_LEAD = 0.5, 0.1
CONTENT_SHARE, CONTENT_MEAN, SECTION_MIN_UNITS = 0.6, 0.4, 2
MAX_EVIDENCE = 3
MAX_PEERS = 3


# --- what the report holds ----------------------------------------------------------------
class Evidence(BaseModel):
    """A verbatim span of the draft that speaks to a question or a check."""

    quote: str
    page: int
    paragraph: int  # block on the page (paragraph, list item or heading), from 1
    section: str = ""
    score: float = 0.0
    matches: str = ""  # the question or evidence point it matched best
    theme_section: int | None = None  # the theme of the draft section it sits in, if any


class PeerExample(BaseModel):
    """A peer council's verbatim answer, from the main index."""

    council: str
    title: str
    page: int
    quote: str
    chunk_id: str
    source: str
    section: str = ""


class QuestionFinding(BaseModel):
    id: str
    question: str
    theme: int
    status: str
    score: float  # the best match anywhere in the draft (0-1); see the module's docstring
    score_in_theme: float = 0.0  # the best match within the question's own theme section
    evidence: list[Evidence] = Field(default_factory=list)
    peer_examples: list[PeerExample] = Field(default_factory=list)
    points_found: list[str] = Field(default_factory=list)  # the question's evidence points the draft makes
    points_missing: list[str] = Field(default_factory=list)
    judged_by: str = "offline"  # offline | the LLM backend that judged it
    grade: int | None = None  # the LLM judge's 0-3 grade (3: a full answer)
    reason: str = ""


class ThemeFinding(BaseModel):
    theme: int
    title: str
    status: str
    questions: list[QuestionFinding]


class Check(BaseModel):
    id: str
    passed: bool | None  # None: not checked automatically (the detail says what to check)
    detail: str
    evidence: list[Evidence] = Field(default_factory=list)


class GapReport(BaseModel):
    draft: str
    council: str = ""
    words: int
    estimated_pages: float
    pages: int  # as the file has them (PDF pages, DOCX page breaks, form feeds)
    themes: list[ThemeFinding]
    checks: list[Check]
    backend: str = "offline"
    notes: list[str] = Field(default_factory=list)  # e.g. "the main index is empty: no peer examples"

    def questions(self) -> list[QuestionFinding]:
        return [q for t in self.themes for q in t.questions]

    @property
    def summary(self) -> dict:
        questions = Counter(q.status for q in self.questions())
        themes = Counter(t.status for t in self.themes)
        return {
            "questions": {s: questions.get(s, 0) for s in STATUSES},
            "themes": {s: themes.get(s, 0) for s in STATUSES},
            "checks_passed": sum(1 for c in self.checks if c.passed),
            "checks_failed": sum(1 for c in self.checks if c.passed is False),
        }

    def to_json(self) -> dict:
        data = self.model_dump(mode="json")
        data["summary"] = self.summary
        return data


# --- scoring the draft ----------------------------------------------------------------------
STOP_WORDS = {"you", "your", "we", "our", "us", "council", "councils"}


def key_stems(text: str) -> set[str]:
    """The stemmed content words of a text (stop words and question words left out)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    from assistant.generate.extractive import QUESTION_WORDS
    from assistant.index.lexical import tokenize

    drop = set(STOPWORDS_EN_PLUS) | QUESTION_WORDS | STOP_WORDS
    words = [w for w in re.findall(r"[a-z0-9£%]+", text.lower()) if len(w) > 1 and w not in drop]
    return set(tokenize([" ".join(words)])[0]) if words else set()


class Vocabulary:
    """Word weights from the guidance itself: a word few prompting questions use
    ("prevent", "legacy") says more about which question a passage answers than one many
    use ("spend", "data"). And the guidance's own wording, to spot drafts that restate it."""

    def __init__(self, guidance):
        import math

        documents = [key_stems(q.text + " " + " ".join(q.evidence)) for q in guidance.questions()]
        counts = Counter(stem for d in documents for stem in d)
        n = len(documents)
        self.weights = {stem: math.log(1 + (n - c + 0.5) / (c + 0.5)) for stem, c in counts.items()}
        self.unseen = math.log(1 + (n + 0.5) / 0.5)
        self.wording: set[str] = set()
        for theme in guidance.themes:
            self.wording |= key_stems(f"{theme.title} {theme.short} {theme.letter_wording}")
        for question in guidance.questions():
            self.wording |= key_stems(question.text)

    def overlap(self, wanted: set[str], present: set[str]) -> float:
        total = sum(self.weights.get(s, self.unseen) for s in wanted)
        return sum(self.weights.get(s, self.unseen) for s in wanted & present) / total if total else 0.0

    def restates(self, stems: set[str]) -> bool:
        """Made almost wholly of the guidance's words ("c) ways to reduce wasteful spend")."""
        return len(stems) >= 3 and len(stems & self.wording) >= ECHO_SHARE * len(stems)


@dataclass
class DraftUnit:
    unit: object  # assistant.generate.sentences.Unit
    paragraph: int
    echo: bool

    @property
    def chunk(self):
        return self.unit.chunk

    @property
    def section(self) -> str:
        return self.chunk.section.split(" › ", 1)[0]

    def evidence(self, score: float, matches: str) -> Evidence:
        return Evidence(quote=self.unit.text, page=self.chunk.page, paragraph=self.paragraph,
                        section=self.section, score=round(score, 3), matches=matches)


class Matcher:
    """Scores every unit of the draft against target texts (questions, evidence points)."""

    def __init__(self, units: list[DraftUnit], embedder, vocabulary: Vocabulary):
        import numpy as np

        from assistant.generate.sentences import clauses

        self.units, self.embedder, self.vocabulary = units, embedder, vocabulary
        texts = [u.unit.text for u in units] + [u.unit.with_context() for u in units]
        owners, parts = [], []
        for i, u in enumerate(units):
            for part in clauses(u.unit):
                owners.append(i)
                parts.append(part)
        vectors = np.array(embedder.embed_documents(texts + parts)) if units else np.zeros((0, 1))
        n = len(units)
        self.vectors = [vectors[:n], vectors[n:2 * n]]
        self.parts, self.owners = vectors[2 * n:], np.array(owners, dtype=int)
        self.stems = [key_stems(u.unit.with_context()) for u in units]
        self.echo_factor = np.array([ECHO_FACTOR if u.echo else 1.0 for u in units])

    def match(self, targets: list[str]):
        """[units x targets] match scores (restatements of the guidance discounted)."""
        import numpy as np

        if not self.units:
            return np.zeros((0, len(targets)))
        t = np.array(self.embedder.embed_documents(list(targets)))
        cosine = np.maximum(self.vectors[0] @ t.T, self.vectors[1] @ t.T)
        if len(self.owners):
            np.maximum.at(cosine, self.owners, self.parts @ t.T)
        wanted = [key_stems(x) for x in targets]
        lexical = np.array([[self.vocabulary.overlap(w, present) for w in wanted] for present in self.stems])
        return (W_SEM * cosine + (1 - W_SEM) * lexical) * self.echo_factor[:, None]


def draft_units(index, guidance, vocabulary: Vocabulary) -> list[DraftUnit]:
    """The draft's sentences and list items, with their paragraph number on the page."""
    from assistant.answer import guidance_wordings
    from assistant.generate.extractive import echoes
    from assistant.generate.sentences import is_lead_in, split_units
    from assistant.ingest.chunking import split_blocks
    from assistant.ingest.loaders import load_file

    wordings = guidance_wordings(index.settings) + [t.title for t in guidance.themes]
    pages: dict[int, str] = {}
    for document in index.catalog.documents():  # the one draft
        pages = {p.number: p.text for p in load_file(Path(document.source)).pages}
    starts = {n: [b.start for b in split_blocks(text)] for n, text in pages.items()}
    units = []
    for chunk in index.catalog.iter_chunks():
        offset = pages.get(chunk.page, "").find(chunk.text)
        for unit in split_units(chunk):
            if is_lead_in(unit):
                continue
            position = max(offset, 0) + unit.start
            paragraph = sum(1 for s in starts.get(chunk.page, []) if s <= position) or 1
            echo = vocabulary.restates(key_stems(unit.text)) or echoes(unit.text, wordings)
            units.append(DraftUnit(unit, paragraph, echo))
    return units


def section_themes(units: list[DraftUnit], matcher: Matcher, guidance) -> dict[str, int | None]:
    """The theme each section of the draft (text under one heading) is about, or None.

    A heading that says "Theme N", or that is close in meaning to one theme's names and
    clearly closer than to the others ("Part 2 - Digital and data"), settles it. Otherwise
    the content decides: most of its sentences match one theme's questions best, and
    well enough on average. Cover-report sections and introductions stay None."""
    import numpy as np

    from assistant.guidance import THEME_HEADING

    themes = guidance.themes
    if not themes or not units:
        return {u.section: None for u in units}
    per_theme = [matcher.match([q.text for q in t.questions] + [p for q in t.questions for p in q.evidence])
                 .max(axis=1) for t in themes]
    scores = np.array(per_theme).T  # [units x themes]: each unit's best match to each theme
    names = [np.array(matcher.embedder.embed_documents([x for x in (t.title, t.short, t.letter_wording) if x]))
             for t in themes]
    sections: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        sections.setdefault(u.section, []).append(i)
    result: dict[str, int | None] = {}
    for section, members in sections.items():
        result[section] = None
        if not section:
            continue
        named = THEME_HEADING.search(section)
        if named and any(t.number == int(named.group(1)) for t in themes):
            result[section] = int(named.group(1))
            continue
        heading = np.array(matcher.embedder.embed_documents([section]))[0]
        closeness = np.array([float((n @ heading).max()) for n in names])
        order = np.argsort(-closeness)
        lead = closeness[order[0]] - (closeness[order[1]] if len(themes) > 1 else 0.0)
        if closeness[order[0]] >= HEADING_NAMES_AT and lead >= HEADING_LEAD:
            result[section] = themes[order[0]].number
            continue
        if len(members) < SECTION_MIN_UNITS:
            continue
        share = np.bincount(scores[members].argmax(axis=1), minlength=len(themes)) / len(members)
        best = int(share.argmax())
        if share[best] >= CONTENT_SHARE and scores[members, best].mean() >= CONTENT_MEAN:
            result[section] = themes[best].number
    return result


def theme_status(findings: list[QuestionFinding]) -> str:
    """Covered when at least half its questions are covered; missing when none of them is
    even partly answered in the theme's own part of the draft (stray mentions under other
    themes do not make a theme present); partial otherwise."""
    covered = sum(1 for f in findings if f.status == COVERED)
    if findings and covered * 2 >= len(findings):
        return COVERED
    if not any(f.score_in_theme >= PARTIAL_AT for f in findings):
        return MISSING
    return PARTIAL


def judge_question(question, units: list[DraftUnit], matcher: Matcher, themes_of: dict) -> QuestionFinding:
    """Offline verdict for one prompting question: the best match of the question or any
    of its evidence points. Only a passage in the question's own theme section (or in a
    part of the draft that is about no one theme) can make it covered; one elsewhere can
    make it partial."""
    import numpy as np

    targets = [question.text] + list(question.evidence)
    if not units:
        return QuestionFinding(id=question.id, question=question.text, theme=question.theme, status=MISSING,
                               score=0.0, points_missing=list(question.evidence))
    scores = matcher.match(targets)
    best = scores.max(axis=1)
    home = np.array([themes_of.get(u.section) in (None, question.theme) for u in units])
    in_theme = float(best[home].max()) if home.any() else 0.0
    anywhere = float(best.max())
    status = COVERED if in_theme >= COVERED_AT else PARTIAL if anywhere >= PARTIAL_AT else MISSING
    found = [p for j, p in enumerate(question.evidence, start=1) if scores[:, j].max() >= PARTIAL_AT]
    evidence = []
    strong = sorted((i for i in range(len(units)) if best[i] >= PARTIAL_AT), key=lambda i: (not home[i], -best[i]))
    for i in strong[:MAX_EVIDENCE]:  # the passages in the question's own theme section first
        item = units[i].evidence(float(best[i]), targets[int(scores[i].argmax())])
        item.theme_section = themes_of.get(units[i].section)
        evidence.append(item)
    return QuestionFinding(id=question.id, question=question.text, theme=question.theme, status=status,
                           score=round(anywhere, 3),
                           score_in_theme=round(in_theme, 3), evidence=evidence, points_found=found,
                           points_missing=[p for p in question.evidence if p not in found])


# --- peers ---------------------------------------------------------------------------------------
class Peers:
    """Peer examples from the main index: other councils' documents, never the guidance,
    the draft's own council, or a copy of the draft itself."""

    def __init__(self, index, own_council: str, draft_id: str, settings, vocabulary: Vocabulary):
        from assistant.answer import guidance_wordings
        from assistant.models import Filters

        self.index, self.vocabulary = index, vocabulary
        documents = index.catalog.documents()
        allowed = [d.id for d in documents if d.kind != "guidance" and d.id != draft_id
                   and not (own_council and d.council == own_council)]
        self.filters = Filters(document_ids=allowed)
        self.available = bool(allowed)
        self.wordings = guidance_wordings(settings)

    def examples(self, question) -> list[PeerExample]:
        from assistant.generate.extractive import answerable, score_units, select_points

        if not self.available:
            return []
        hits = self.index.search(question.text, self.filters, k=12, diversify=True, expansions=question.evidence)
        scored = score_units(question.text, hits, self.index.embedder, set(), question.evidence, self.wordings,
                             idf=self.index.lexical.idf)
        points = sorted((s for s in select_points(scored, across=True)
                         if answerable(s) and not self.vocabulary.restates(key_stems(s.unit.text))),
                        key=lambda s: -s.score)
        examples = []
        for point in points[:MAX_PEERS]:
            c = point.unit.chunk
            examples.append(PeerExample(council=c.council, title=c.title, page=c.page, quote=point.unit.text,
                                        chunk_id=c.id, source=c.source, section=c.section))
        return examples


# --- the whole check --------------------------------------------------------------------------
def check(settings, draft: Path, council: str | None = None, llm: str | None = None, progress=None) -> GapReport:
    """Gap-check ``draft`` against the guidance. ``council`` is the draft's council (its own
    documents are never shown as peer examples); ``llm`` (openai | azure) adds the LLM judge;
    ``progress(done, total, label)`` is called as the work advances."""
    from assistant.guidance import load_guidance
    from assistant.index import open_index
    from assistant.ingest.loaders import load_file

    draft = Path(draft)
    guidance = load_guidance(settings.guidance_path())
    backend = "offline" if (llm or settings.llm) in ("extractive", "offline") else (llm or settings.llm)
    judge = None
    if backend != "offline":
        from assistant.gaps_judge import LlmJudge

        judge = LlmJudge(settings, backend)  # an unknown or unconfigured backend fails here, before any work
    loaded = load_file(draft, max_bytes=int(settings.max_file_mb * 1024 * 1024))  # a bad file fails here, named
    words = sum(len(re.findall(r"\b\w[\w'’-]*\b", p.text)) for p in loaded.pages)
    tick = progress or (lambda done, total, label: None)
    total = 2 + len(guidance.questions())
    notes: list[str] = []

    main = open_index(settings)
    try:
        embedder = main.embedder  # remembers vectors; peers' searches reuse them
        own = _own_council(council, main.catalog.councils())
        with tempfile.TemporaryDirectory(prefix="plan-assistant-gaps-") as tmp:
            tick(0, total, "indexing the draft")
            draft_index, draft_doc = _index_draft(settings, Path(tmp), draft, own)
            try:
                tick(1, total, "reading the draft")
                own = own or _council_named(draft_doc, main, notes)
                vocabulary = Vocabulary(guidance)
                peers = _peers(main, own, draft_doc.id, settings, vocabulary, notes)
                units = draft_units(draft_index, guidance, vocabulary)
                matcher = Matcher(units, embedder, vocabulary)
                themes_of = section_themes(units, matcher, guidance)
                themes, done = [], 2
                for theme in guidance.themes:
                    findings = []
                    for question in theme.questions:
                        tick(done, total, f"question {question.id}")
                        done += 1
                        finding = judge_question(question, units, matcher, themes_of)
                        if judge is not None:
                            finding = judge(question, theme.title, finding, units, matcher, themes_of)
                        if finding.status != COVERED and peers is not None:
                            finding.peer_examples = peers.examples(question)
                        findings.append(finding)
                    themes.append(ThemeFinding(theme=theme.number, title=theme.title, status=theme_status(findings),
                                               questions=findings))
                from assistant.gaps_rules import check_rules

                checks = check_rules(guidance, units, matcher, themes, words, len(loaded.pages))
                tick(total, total, "done")
            finally:
                draft_index.close()
    finally:
        main.close()
    return GapReport(draft=str(draft.resolve()), council=own, words=words,
                     estimated_pages=round(words / guidance.length.words_per_page, 1), pages=len(loaded.pages),
                     themes=themes, checks=checks, backend=backend, notes=notes)


def _council_named(draft_doc, main, notes: list[str]) -> str:
    """The indexed council the draft names itself (so its own plan is not its peer), or ""."""
    from assistant.question import match_councils

    named = match_councils(draft_doc.council, main.catalog.councils()) if draft_doc.council else []
    if len(named) != 1:
        return ""
    notes.append(f"The draft names {named[0]}: peer examples leave out its documents (give --council to choose).")
    return named[0]


def _peers(main, own: str, draft_id: str, settings, vocabulary: Vocabulary, notes: list[str]) -> Peers | None:
    if main.catalog.count_chunks() == 0:
        notes.append(f"The main index ({settings.home}) is empty, so there are no peer examples. "
                     "Add peers' plans: assistant ingest --shipped (or your own files).")
        return None
    peers = Peers(main, own, draft_id, settings, vocabulary)
    if not peers.available:
        notes.append("The main index holds no other council's documents, so there are no peer examples.")
        return None
    return peers


def _own_council(council: str | None, known: list[str]) -> str:
    from assistant.question import resolve_council

    if not council or not council.strip():
        return ""
    if not known:
        return council.strip()  # nothing indexed to leave out
    try:
        return resolve_council(council, known)
    except UserError as exc:
        raise UserError(f"{exc}. --council names the draft's council so its own documents are not shown as "
                        "peer examples; leave it out if the council has no documents in the index.") from exc


def _index_draft(settings, home: Path, draft: Path, council: str):
    """The draft in a temporary index of its own (same loader and chunker as the corpus)."""
    from assistant.index import open_index
    from assistant.ingest import IngestItem, ingest
    from assistant.models import DocumentMeta

    draft_settings = settings.model_copy(update={"home": home, "chroma_url": None})  # never a shared server
    given = {"kind"} | ({"council"} if council else set())
    result = ingest(draft_settings, [IngestItem(draft, DocumentMeta(kind="draft", council=council), given)])[0]
    if result.status == "failed" or result.document is None:
        raise UserError(result.message or f"{draft}: could not be read.")
    return open_index(draft_settings), result.document
