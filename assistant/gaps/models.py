"""A gap report's data: per theme and prompting question, covered / partial / missing, with
the draft's evidence and peers' examples; and the guidance's rule checks."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

COVERED, PARTIAL, MISSING = "covered", "partial", "missing"
STATUSES = (COVERED, PARTIAL, MISSING)


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


class OfficerReply(BaseModel):
    """An officer's reply to a finding (gaps --reply FILE.toml): accept it as it stands, or
    override its status with a note."""

    question: str
    decision: str  # accept | override
    status: str = ""  # override: the status the officer sets
    note: str = ""
    found_status: str = ""  # the check's own status, before an override


class QuestionFinding(BaseModel):
    id: str
    question: str
    theme: int
    status: str  # as shown: the officer's override if there is one
    score: float  # the best match anywhere in the draft (0-1); see the module's docstring
    score_in_theme: float = 0.0  # the best match within the question's own theme section
    evidence: list[Evidence] = Field(default_factory=list)
    peer_examples: list[PeerExample] = Field(default_factory=list)
    points_found: list[str] = Field(default_factory=list)  # the question's evidence points the draft makes
    points_missing: list[str] = Field(default_factory=list)
    judged_by: str = "offline"  # offline | the LLM backend that judged it
    grade: int | None = None  # the LLM judge's 0-3 grade (3: a full answer)
    reason: str = ""
    required: bool = True  # asked in the letter's own words (False: a prompt reconstructed from plans)
    reply: OfficerReply | None = None


class ThemeFinding(BaseModel):
    theme: int
    title: str
    status: str  # as shown (after the officer's overrides)
    questions: list[QuestionFinding]
    own_units: int = 0  # sentences and list items of the draft about this theme
    found_status: str = ""  # the check's own status, when overrides changed it


class Check(BaseModel):
    id: str
    passed: bool | None  # None: not checked automatically (the detail says what to check)
    detail: str
    evidence: list[Evidence] = Field(default_factory=list)


class NextStep(BaseModel):
    """One thing to do next: a missing or thin question, with why it ranks where it does."""

    question: str  # its id
    text: str
    theme: int
    status: str
    why: str  # "theme 2 is missing; asked in the letter; score 0.21 (covered at 0.46)"
    example: PeerExample | None = None


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
    replies_file: str = ""
    next_steps: list[NextStep] = Field(default_factory=list)  # the thin questions, most important first

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
