"""The officer's right of reply: ``gaps FILE --reply replies.toml``.

    [[reply]]
    question = "2.3"
    decision = "override"      # or "accept"
    status = "covered"         # override only: covered | partial | missing
    note = "Legacy systems are covered in Appendix B, which is submitted with the plan."

A reply concerns a guidance question, not a version of the draft: the same file given on
a revised draft applies again to the questions it names. ``override`` shows the officer's
status with the note ("overridden by officer"; the check's own status is kept beside
it), and a theme with an overridden question is shown covered when one of its questions
is shown covered, partial when one is partial, else missing; ``accept`` keeps the
finding as it is, marked accepted with the note. Accepted and overridden questions leave
the "what to do next" list.

``gaps FILE --review`` records replies interactively (assistant/render/gaps_review.py) and
saves them with ``save_replies``: merged into the file's existing replies (a question
answered again takes the new reply; every other reply is kept), written atomically.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from assistant.errors import UserError
from assistant.gaps.models import COVERED, MISSING, PARTIAL, STATUSES, GapReport, OfficerReply

DECISIONS = ("accept", "override")
EXAMPLE = '[[reply]]\nquestion = "2.3"\ndecision = "override"\nstatus = "covered"\nnote = "..."'


def load_replies(path: Path, question_ids: list[str]) -> list[OfficerReply]:
    """The replies in ``path``, checked against the guidance's question ids."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such replies file. Write one like:\n{EXAMPLE}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a valid TOML replies file ({exc}). Each reply is a table like:\n{EXAMPLE}") from exc
    entries = data.get("reply", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UserError(f"{path}: replies are [[reply]] tables, like:\n{EXAMPLE}")
    replies, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, reply {number}"
        qid = str(entry.get("question", "")).strip()
        decision = str(entry.get("decision", "")).strip().lower()
        status = str(entry.get("status", "")).strip().lower()
        note = str(entry.get("note", "")).strip()
        unknown = set(entry) - {"question", "decision", "status", "note"}
        if unknown:
            raise UserError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a reply has question, decision, "
                            "status (override only) and note.")
        if qid not in question_ids:
            raise UserError(f"{where}: question {qid!r} is not one of the guidance's questions "
                            f"({', '.join(question_ids)}).")
        if qid in seen:
            raise UserError(f"{where}: question {qid} has two replies; keep one.")
        if decision not in DECISIONS:
            raise UserError(f"{where}: decision must be \"accept\" or \"override\", not {decision!r}.")
        if decision == "override" and status not in STATUSES:
            raise UserError(f"{where}: an override needs status = \"covered\", \"partial\" or \"missing\".")
        if decision == "override" and not note:
            raise UserError(f"{where}: an override needs a note saying why (it is shown in the report).")
        if decision == "accept" and status:
            raise UserError(f"{where}: an accept keeps the check's status; leave status out (or use decision = "
                            "\"override\").")
        seen.add(qid)
        replies.append(OfficerReply(question=qid, decision=decision, status=status, note=note))
    return replies


def apply_replies(report: GapReport, replies: list[OfficerReply], source: Path | None = None) -> GapReport:
    """The report with the officer's replies attached (and overrides shown), in place."""
    by_id = {r.question: r for r in replies}
    for theme in report.themes:
        changed = False
        for finding in theme.questions:
            reply = by_id.get(finding.id)
            if reply is None:
                continue
            reply = reply.model_copy(update={"found_status": finding.status})
            finding.reply = reply
            if reply.decision == "override" and reply.status != finding.status:
                finding.status = reply.status
                changed = True
        if changed:
            theme.found_status = theme.status
            theme.status = _shown_theme_status(theme)
    if source is not None:
        report.replies_file = str(Path(source).resolve())
    for check in report.checks:
        if check.id == "all-themes":
            missing = [t for t in report.themes if t.status == MISSING]
            check.passed = not missing
            check.detail = (f"all {len(report.themes)} themes are addressed" if not missing else
                            "missing: " + "; ".join(f"theme {t.theme} ({t.title})" for t in missing))
    return report


def _shown_theme_status(theme) -> str:
    """A theme whose questions the officer overrode: covered when one of its questions is
    shown covered, partial when one is partial, else missing."""
    shown = {q.status for q in theme.questions}
    return COVERED if COVERED in shown else PARTIAL if PARTIAL in shown else MISSING


def replies_toml(replies: list[OfficerReply]) -> str:
    """``replies`` as a replies file (the format ``load_replies`` reads), in the given order."""
    from assistant.text.safety import clean

    def string(text: str) -> str:  # a JSON string is a TOML basic string once DEL is gone (clean drops it)
        return json.dumps(clean(text), ensure_ascii=False)

    blocks = []
    for r in replies:
        lines = ["[[reply]]", f"question = {string(r.question)}", f"decision = {string(r.decision)}"]
        if r.decision == "override":
            lines.append(f"status = {string(r.status)}")
        if r.note:
            lines.append(f"note = {string(r.note)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def merge_replies(existing: list[OfficerReply], new: list[OfficerReply], order: list[str]) -> list[OfficerReply]:
    """``existing`` with ``new`` in: a question in both takes the new reply; none is lost.
    Sorted by the guidance's question order (``order``: its question ids)."""
    by_id = {r.question: r for r in existing}
    by_id.update({r.question: r for r in new})
    rank = {qid: n for n, qid in enumerate(order)}
    return sorted(by_id.values(), key=lambda r: rank.get(r.question, len(rank)))


def save_replies(path: Path, new: list[OfficerReply], question_ids: list[str]) -> list[OfficerReply]:
    """Merge ``new`` into the replies file at ``path`` (created if absent) and write it
    atomically; the replies now in the file. A file that exists but is not a valid
    replies file is left as it is (UserError): its replies would be lost."""
    from assistant.render.files import write_text_atomically

    path = Path(path)
    existing = load_replies(path, question_ids) if path.exists() else []
    merged = merge_replies(existing, new, question_ids)
    header = ("# Replies to the gap check's findings, for: assistant gaps DRAFT --reply THIS-FILE.toml\n"
              "# decision = \"accept\" keeps the finding; \"override\" sets status (covered | partial | missing).\n\n")
    write_text_atomically(path, header + replies_toml([r for r in merged]), "the replies")
    return merged
