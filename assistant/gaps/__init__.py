"""`gaps`: does an officer's draft plan answer the guidance? For each theme and prompting
question: covered / partial / missing, a score, the draft's own evidence (quote, page,
paragraph), and for the thin ones the best peer examples from the main index, cited.
Plus the guidance's rules: length, all four themes, theme 3's spend topics, milestones,
member endorsement.

The draft is read exactly as ingest reads a document (same loader and chunker), in memory;
the main index is only read, for peer examples. The judgement itself (assess.py) is the
same for a draft and for a plan already indexed (`compare`).

How a draft is judged offline
  1. Which theme each passage answers, by what it says (themes.py): every sentence and list
     item is scored against each theme (typical answers, the theme's questions and evidence
     points, its keywords; its heading is one more signal) and the draft is read in order,
     so a passage keeps one theme unless its content clearly moves on. Text about no theme
     (an introduction, an approval note) is context.
  2. How well each unit answers each question (matching.py, the evidence engine's scorer):
         match = w * cosine + (1 - w) * lexical   (w: settings.gaps.semantic_weight)
     against the question and each of its evidence points; restatements of the guidance
     count half.
  3. A question is covered when a unit in its own theme's passages matches it at
     covered_at or better, partial when any unit anywhere matches at partial_at (a data
     project told under theme 1 makes a theme-2 question partial: the reader of theme 2
     will not find it there), else missing.
  4. A theme is missing when the draft has almost nothing of its own on it; covered when
     one of its questions is covered there or the draft gives it a substantial passage of
     its own (the prompting questions are prompts: a plan need not answer each one, and
     the question rows show which it leaves thin); partial otherwise.
Thresholds and weights: settings.gaps (GapsTuning), calibrated with eval/gaps_eval.py.

With an LLM (--llm openai|azure) the partial and borderline questions are judged again
by the model from the draft's own passages, which gives a graded verdict with a reason.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import UserError
from assistant.gaps.assess import assess_chunks, assess_document, read_draft
from assistant.gaps.next_steps import next_steps
from assistant.gaps.replies import apply_replies, load_replies
from assistant.gaps.rules import check_rules, page_estimate
from assistant.gaps.models import (COVERED, MISSING, PARTIAL, STATUSES, Check, Evidence, GapReport, PeerExample,
                                   QuestionFinding, ThemeFinding)

__all__ = ["COVERED", "MISSING", "PARTIAL", "STATUSES", "Check", "Evidence", "GapReport", "PeerExample",
           "QuestionFinding", "ThemeFinding", "assess_document", "check"]


def check(settings, draft: Path, council: str | None = None, llm: str | None = None, progress=None,
          replies: Path | None = None) -> GapReport:
    """Gap-check ``draft`` against the guidance. ``council`` is the draft's council (its own
    documents are never shown as peer examples); ``llm`` (openai | azure) adds the LLM judge;
    ``progress(done, total, label)`` is called as the work advances; ``replies`` is the
    officer's replies file (replies.py)."""
    from assistant.generate import backends
    from assistant.workspace import open_workspace

    tuning = settings.gaps
    backend = "offline" if not backends.is_model(llm, settings) else backends.name_of(llm, settings)
    judge = None
    if backend != "offline":
        from assistant.gaps.llm_judge import LlmJudge

        judge = LlmJudge(settings, backend)  # an unknown or unconfigured backend fails here, before any work
    tick = progress or (lambda done, total, label: None)
    workspace = open_workspace(settings)
    notes: list[str] = []
    try:
        guidance = workspace.guidance
        total = 2 + len(guidance.questions())
        answers = load_replies(replies, [q.id for q in guidance.questions()]) if replies else []
        main = workspace.index
        own = _own_council(council, main.catalog.councils())
        tick(0, total, "reading the draft")
        draft = read_draft(settings, guidance, Path(draft), own)
        tick(1, total, "matching the draft against the guidance")
        own = own or _council_named(draft.document, main, notes)
        peers = _peers(workspace, own, draft.document.id, notes)
        done = [2]

        def on_question(theme, question, finding, assessment):
            tick(done[0], total, f"question {question.id}")
            done[0] += 1
            if judge is not None:
                finding = judge(question, theme.title, finding, assessment)
            if finding.status != COVERED and peers is not None:
                finding.peer_examples = peer_examples(workspace, question, peers)
            return finding

        # the main index's embedder remembers vectors; peers' searches reuse them
        assessment = assess_chunks(draft.chunks, guidance, main.embedder, tuning, draft.pages, on_question)
        checks = check_rules(guidance, assessment.units, assessment.matcher, assessment.themes, draft.words,
                             len(draft.pages))
        tick(total, total, "done")
    finally:
        workspace.close()
    report = GapReport(draft=str(draft.path.resolve()), council=own, words=draft.words,
                       estimated_pages=page_estimate(draft.words, guidance.length.words_per_page),
                       pages=len(draft.pages), themes=assessment.themes, checks=checks, backend=backend, notes=notes)
    if replies:
        apply_replies(report, answers, replies)
    report.next_steps = next_steps(report, tuning.covered_at)
    return report


def _council_named(draft_doc, main, notes: list[str]) -> str:
    """The indexed council the draft names itself (so its own plan is not its peer), or ""."""
    from assistant.evidence.question import match_councils

    named = match_councils(draft_doc.council, main.catalog.councils()) if draft_doc.council else []
    if len(named) != 1:
        return ""
    notes.append(f"The draft names {named[0]}: peer examples leave out its documents (give --council to choose).")
    return named[0]


def _peers(workspace, own: str, draft_id: str, notes: list[str]):
    """Which documents peers' examples come from: other councils', never the guidance, the
    draft's own council or a copy of the draft; None (with a note) when there are none."""
    if workspace.index.catalog.count_chunks() == 0:
        notes.append(f"The main index ({workspace.settings.home}) is empty, so there are no peer examples. "
                     "Add peers' plans: assistant ingest --shipped (or your own files).")
        return None
    peers = workspace.evidence.peer_filter(exclude_council=own, exclude_documents=(draft_id,))
    if peers is None:
        notes.append("The main index holds no other council's documents, so there are no peer examples.")
    return peers


def peer_examples(workspace, question, peers) -> list[PeerExample]:
    """Peers' best points for a thin question, cited (the evidence engine's peer policy)."""
    tuning = workspace.settings.gaps
    examples = []
    for point in workspace.evidence.peer_examples(question, peers, tuning.max_peers, workspace.settings.draft.max_per_peer):
        c = point.unit.chunk
        examples.append(PeerExample(council=c.council, title=c.title, page=c.page, quote=point.unit.text,
                                    chunk_id=c.id, source=c.source, section=c.section))
    return examples


def _own_council(council: str | None, known: list[str]) -> str:
    from assistant.evidence.question import resolve_council

    if not council or not council.strip():
        return ""
    if not known:
        return council.strip()  # nothing indexed to leave out
    try:
        return resolve_council(council, known)
    except UserError as exc:
        raise UserError(f"{exc}. --council names the draft's council so its own documents are not shown as "
                        "peer examples; leave it out if the council has no documents in the index.") from exc
