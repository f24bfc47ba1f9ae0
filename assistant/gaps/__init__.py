"""`gaps`: does an officer's draft plan answer the guidance? For each theme and prompting
question: covered / partial / missing, a score, the draft's own evidence (quote, page,
paragraph), and for the thin ones the best peer examples from the main index, cited.
Plus the guidance's rules: length, all four themes, theme 3's spend topics, milestones.

The draft goes into a temporary index of its own (same loaders and chunker as the
corpus), removed afterwards; the main index is only read, for peer examples.

How a question is judged offline
  Every sentence and list item of the draft ("unit") is matched against the question and
  against each of its evidence points separately (corpus/guidance/*.toml):
      match = w * cosine + (1 - w) * lexical   (w: settings.gaps.semantic_weight)
  cosine: the best of the unit, the unit with its list lead-in, and its clauses;
  lexical: share of the target's stemmed content words in the unit, each weighted by
           how few of the guidance's questions use it ("prevent" counts, "spend" less).
  Units that merely restate the guidance ("b) opportunities to take advantage of
  technology...") count half.
  score  = the best match of any target (the question or one of its evidence points)
  status = covered if score >= covered_at in the question's own theme section (or in a
           part of the draft about no one theme), partial if >= partial_at anywhere,
           else missing. A data project mentioned under theme 1 makes a theme 2 question
           partial at most: the reader of theme 2 will not find it there.
  Each section's theme comes from its heading and its content (``section_themes``).
A theme's status derives from its questions: covered when at least half are covered;
missing when none is even partly answered in the theme's own part of the draft;
otherwise partial.
Thresholds (settings.gaps) are calibrated on eval/datasets/gaps.jsonl (eval/gaps_eval.py).

With an LLM (--llm openai|azure) the partial and borderline questions are judged again
by the model from the draft's own passages, which gives a graded verdict with a reason.
"""

from __future__ import annotations

from pathlib import Path

from assistant.errors import UserError
from assistant.gaps.assess import assess_chunks, read_draft
from assistant.gaps.matching import DraftUnit, Matcher
from assistant.gaps.rules import check_rules
from assistant.gaps.models import (COVERED, MISSING, PARTIAL, STATUSES, Check, Evidence, GapReport, PeerExample,
                                   QuestionFinding, ThemeFinding)

__all__ = ["COVERED", "MISSING", "PARTIAL", "STATUSES", "Check", "Evidence", "GapReport", "PeerExample",
           "QuestionFinding", "ThemeFinding", "check"]


def theme_status(findings: list[QuestionFinding], tuning) -> str:
    """Covered when at least half its questions are covered; missing when none of them is
    even partly answered in the theme's own part of the draft (stray mentions under other
    themes do not make a theme present); partial otherwise."""
    covered = sum(1 for f in findings if f.status == COVERED)
    if findings and covered * 2 >= len(findings):
        return COVERED
    if not any(f.score_in_theme >= tuning.partial_at for f in findings):
        return MISSING
    return PARTIAL


def judge_question(question, units: list[DraftUnit], matcher: Matcher, themes_of: dict, tuning) -> QuestionFinding:
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
    status = COVERED if in_theme >= tuning.covered_at else PARTIAL if anywhere >= tuning.partial_at else MISSING
    found = [p for j, p in enumerate(question.evidence, start=1) if scores[:, j].max() >= tuning.partial_at]
    evidence = []
    strong = sorted((i for i in range(len(units)) if best[i] >= tuning.partial_at), key=lambda i: (not home[i], -best[i]))
    for i in strong[:tuning.max_evidence]:  # the passages in the question's own theme section first
        item = units[i].evidence(float(best[i]), targets[int(scores[i].argmax())])
        item.theme_section = themes_of.get(units[i].section)
        evidence.append(item)
    return QuestionFinding(id=question.id, question=question.text, theme=question.theme, status=status,
                           score=round(anywhere, 3),
                           score_in_theme=round(in_theme, 3), evidence=evidence, points_found=found,
                           points_missing=[p for p in question.evidence if p not in found])


def check(settings, draft: Path, council: str | None = None, llm: str | None = None, progress=None) -> GapReport:
    """Gap-check ``draft`` against the guidance. ``council`` is the draft's council (its own
    documents are never shown as peer examples); ``llm`` (openai | azure) adds the LLM judge;
    ``progress(done, total, label)`` is called as the work advances."""
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
                finding = judge(question, theme.title, finding, assessment.units, assessment.matcher,
                                assessment.themes_of)
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
    return GapReport(draft=str(draft.path.resolve()), council=own, words=draft.words,
                     estimated_pages=round(draft.words / guidance.length.words_per_page, 1), pages=len(draft.pages),
                     themes=assessment.themes, checks=checks, backend=backend, notes=notes)


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
