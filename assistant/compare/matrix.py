"""The matrix: one row per council, from its best document's assessment (the ``gaps``
judgement), with the council's type and region from the register.

Which document is a council's row: its plan (kind ``plan``); of several plans, the one that
answers most prompting questions (covered, then partial). A council with no plan indexed is
read from the document that answers most questions among its reports, minutes and other
documents (a cabinet report often carries the plan's summary), and the row says so."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.gaps.models import COVERED, MISSING, PARTIAL, ThemeFinding

PLAN_KINDS = ("plan",)
NOT_COUNCIL_DOCUMENTS = ("guidance", "draft")  # the Government's words, and officers' own drafts


@dataclass
class Row:
    council: str
    type: str | None
    region: str | None
    document: object  # assistant.models.Document
    basis: str  # why this document: "plan", or what was read instead
    themes: list[ThemeFinding]
    population: int | None = None
    documents: int = 1  # the council's documents read (the tally reads all of them)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The row in `compare --json`'s shape (see assistant/compare/__init__.py)."""
        return {"council": self.council, "type": self.type, "region": self.region,
                "themes": {str(t.theme): {"status": t.status,
                                          "questions": {q.id: question_json(q, self.document) for q in t.questions}}
                           for t in self.themes}}


def question_json(question, document) -> dict:
    best = question.evidence[0] if question.evidence else None
    return {"status": question.status, "quote": best.quote if best else "",
            "source": document.source if best else "", "page": best.page if best else None}


def answered(themes: list[ThemeFinding]) -> tuple[int, int]:
    """(covered, partial) prompting questions."""
    questions = [q for t in themes for q in t.questions]
    return sum(q.status == COVERED for q in questions), sum(q.status == PARTIAL for q in questions)


def choose(documents: list, themes_of: dict) -> tuple[object, str]:
    """A council's row document and why it was chosen. ``themes_of``: document id -> findings."""
    plans = [d for d in documents if d.kind in PLAN_KINDS]
    pool = plans or documents
    best = max(pool, key=lambda d: (answered(themes_of[d.id]), d.date or "", d.pages, d.id))
    if plans:
        if len(plans) == 1:
            return best, "plan"
        return best, f"plan (of {len(plans)} plans indexed, the one answering most questions)"
    covered, partial = answered(themes_of[best.id])
    total = sum(len(t.questions) for t in themes_of[best.id])
    return best, (f"no plan indexed: its {best.kind} answering most questions "
                  f"({covered} covered, {partial} partly, of {total})")


def build_row(council: str, documents: list, themes_of: dict) -> Row:
    from assistant.councils import describe

    document, basis = choose(documents, themes_of)
    info = describe(council)
    return Row(council=council, type=info["type"], region=info["region"], population=info["population"],
               document=document, basis=basis, themes=themes_of[document.id], documents=len(documents))


def status_counts(rows: list[Row]) -> dict:
    """How many councils cover, partly cover or miss each theme."""
    counts: dict = {}
    for row in rows:
        for t in row.themes:
            counts.setdefault(t.theme, {COVERED: 0, PARTIAL: 0, MISSING: 0})[t.status] += 1
    return counts
