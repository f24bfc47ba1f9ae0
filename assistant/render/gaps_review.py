"""`assistant gaps DRAFT --review`: the officer's right of reply, asked in the terminal.

Each question the check found missing or partial is shown in turn (its status, the
draft's best passage, what a good answer would also mention, any reply already given),
and the officer answers:
    a  accept the finding (an optional note)
    o  override it: the status to show (covered | partial | missing) and a note saying why
    s  skip: leave it as it is (a reply already given is kept)
    q  stop here (what was answered so far is saved)
Then the replies are saved, merged into the replies file (assistant/gaps/replies.py:
save_replies; nothing already in it is lost, written atomically), by default the --reply
file or `<draft>.replies.toml` beside the draft, and the report shows them.

Ctrl-C abandons the review without writing anything; Ctrl-D stops it as "q" does.
Everything shown from the draft passes the terminal's safety (the console and scrub).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.text import Text

from assistant.errors import UserError
from assistant.gaps.models import COVERED, STATUSES, GapReport, OfficerReply, QuestionFinding
from assistant.render.console import tidy
from assistant.render.gaps import STYLE, reply_line
from assistant.text.safety import scrub

CHOICES = {"a": "accept", "accept": "accept", "o": "override", "override": "override", "s": "skip", "skip": "skip",
           "": "skip", "q": "stop", "quit": "stop", "stop": "stop"}


class Stop(Exception):
    """Ctrl-D at a prompt: stop asking."""


def default_replies_path(draft: Path) -> Path:
    """Where a draft's replies are kept unless the officer says otherwise: beside the draft."""
    draft = Path(draft)
    return draft.with_name(f"{draft.stem}.replies.toml")


def found_status(f: QuestionFinding) -> str:
    """The check's own status, before any override."""
    return f.reply.found_status if f.reply is not None and f.reply.found_status else f.status


def to_review(report: GapReport) -> list[QuestionFinding]:
    """The findings the officer is asked about: every question the check did not find covered."""
    return [f for f in report.questions() if found_status(f) != COVERED]


def review(console, report: GapReport, read: Callable[[str], str]) -> list[OfficerReply]:
    """Walk the missing and partial findings; the replies the officer gave (new or changed).
    ``read(prompt)`` returns the officer's line (raises EOFError on Ctrl-D)."""
    findings = to_review(scrub(report, for_terminal=True))
    themes = {t.theme: t for t in report.themes}
    if not findings:
        console.print(Text("Every question reads covered: nothing to reply to.", style="green"))
        return []
    console.print(Text(f"\nYour replies: {len(findings)} finding(s) not covered. For each: a = accept, "
                       "o = override (a status and a note), s = skip (Enter), q = stop and save.", style="bold"))
    replies: list[OfficerReply] = []
    for n, f in enumerate(findings, start=1):
        show_finding(console, f, themes[f.theme].title, n, len(findings))
        try:
            reply = ask_reply(console, f, read)
        except Stop:
            console.print(Text("Stopped.", style="dim"))
            break
        if reply == "stop":
            break
        if reply is not None:
            replies.append(reply)
    return replies


def show_finding(console, f: QuestionFinding, theme_title: str, n: int, total: int) -> None:
    status = found_status(f)
    head = Text(f"\n[{n}/{total}] {f.id} ", style="bold")
    head.append(status, style=STYLE[status])
    head.append(f" — theme {f.theme}: {tidy(theme_title, 60)} (score {f.score:.2f})", style="dim")
    console.print(head)
    console.print(Text(tidy(f.question, 300)))
    if f.evidence:
        e = f.evidence[0]
        line = Text("  Best in the draft: ", style="dim")
        line.append(f"“{tidy(e.quote, 200)}” ", style="italic")
        line.append(f"(p. {e.page}, ¶ {e.paragraph})", style="dim")
        console.print(line)
    else:
        console.print(Text("  Nothing in the draft answers it.", style="dim"))
    if f.points_missing:
        also = tidy("; ".join(f.points_missing), 300)
        console.print(Text("  A good answer would also mention: " + also, style="dim"))
    if f.reply is not None:
        console.print(Text("  Your reply so far: " + tidy(reply_line(f).replace("**", ""), 300), style="cyan"))


def ask_reply(console, f: QuestionFinding, read: Callable[[str], str]):
    """One finding's reply: an OfficerReply, None (skip) or "stop"."""
    while True:
        choice = CHOICES.get(_read(read, "Reply [a/o/s/q] (Enter: skip): ").lower())
        if choice is not None:
            break
        console.print(Text("Type a (accept), o (override), s (skip) or q (stop).", style="yellow"))
    if choice in ("skip", "stop"):
        return None if choice == "skip" else "stop"
    if choice == "accept":
        note = _read(read, "Note (optional, Enter for none): ")
        console.print(Text(f"Accepted {f.id}.", style="cyan"))
        return OfficerReply(question=f.id, decision="accept", note=note)
    while True:
        status = _read(read, "Status to show (covered / partial / missing): ").lower()
        status = next((s for s in STATUSES if status and s.startswith(status)), "")
        if status:
            break
        console.print(Text("Type covered, partial or missing.", style="yellow"))
    while True:
        note = _read(read, "Note saying why (shown in the report): ")
        if note:
            break
        console.print(Text("An override needs a note: say where the draft answers it, or why it need not.",
                           style="yellow"))
    console.print(Text(f"Overridden {f.id}: {status}.", style="cyan"))
    return OfficerReply(question=f.id, decision="override", status=status, note=note)


def ask_where(console, default: Path, read: Callable[[str], str], save: Callable[[Path], object]):
    """Ask where to save the replies (Enter: ``default``) and ``save(path)`` there; asks
    again when that file cannot be written or is not a replies file. The path saved to,
    or None when the officer gives up (Ctrl-D)."""
    while True:
        try:
            answer = _read(read, f"Save your replies to [{default}]: ")
        except Stop:
            return None
        path = Path(answer).expanduser() if answer else default
        if path.is_dir():
            console.print(Text(f"{path} is a folder: give a file name, e.g. {path / default.name}.", style="yellow"))
            continue
        try:
            save(path)
        except UserError as exc:
            console.print(Text(str(exc), style="yellow"))
            console.print(Text("Give another file (its replies are kept as they are).", style="yellow"))
            continue
        return path


def _read(read: Callable[[str], str], prompt: str) -> str:
    try:
        return read(prompt).strip()
    except EOFError as exc:
        raise Stop from exc
