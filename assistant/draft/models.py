"""A draft plan's data: themes, sub-sections (one prompting question or several merged),
their cited text, and a summary of where the evidence came from."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.models import Citation


class DraftSection(BaseModel):
    """One sub-section: a prompting question (or several, merged) and what answers it."""

    theme: int
    question_ids: list[str]
    heading: str
    questions: list[str]  # the guidance's full wording, for the officer
    evidence: str  # own | peers | none
    text: str  # Markdown with [n] markers, numbered across the whole draft
    citations: list[Citation] = Field(default_factory=list)
    unsupported: list[str] = Field(default_factory=list)  # sentences removed (LLM backends)
    words: int = 0
    word_budget: int = 0  # what a model was asked to stay within


class DraftTheme(BaseModel):
    number: int
    title: str
    sections: list[DraftSection] = Field(default_factory=list)


class DraftSummary(BaseModel):
    own: list[str] = Field(default_factory=list)  # question ids answered from the council's documents
    peers_only: list[str] = Field(default_factory=list)
    nothing: list[str] = Field(default_factory=list)

    def line(self, council: str) -> str:
        return (f"{len(self.own)} question(s) with {council}'s own evidence, {len(self.peers_only)} with peers' "
                f"examples only, {len(self.nothing)} with nothing found")


class Draft(BaseModel):
    council: str
    title: str
    backend: str
    guidance: str
    themes: list[DraftTheme]
    summary: DraftSummary
    words: int = 0
    pages: tuple[int, int] = (3, 4)  # what the guidance asks for
    word_range: tuple[int, int] = (1500, 2000)

    @property
    def citations(self) -> list[Citation]:
        return [c for t in self.themes for s in t.sections for c in s.citations]

    def contract(self) -> dict:
        data = self.model_dump(mode="json")
        data["citations"] = [c.model_dump(mode="json") for c in self.citations]
        return data
