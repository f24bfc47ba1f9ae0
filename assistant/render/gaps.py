"""A gap report: Markdown (for --out), rich tables in the terminal (`gaps`), a short
form for the chat's /gaps. The JSON form is GapReport.to_json()."""

from __future__ import annotations

from pathlib import Path

from assistant.gaps.models import COVERED, MISSING, PARTIAL, Evidence, GapReport, PeerExample
from assistant.render.console import tidy
from assistant.text.safety import scrub

MARK = {COVERED: "✅ covered", PARTIAL: "⚠️ partial", MISSING: "❌ missing"}
STYLE = {COVERED: "green", PARTIAL: "yellow", MISSING: "bold red"}
STYLE_BRIEF = {COVERED: "green", PARTIAL: "yellow", MISSING: "red"}


def where(e: Evidence) -> str:
    place = f"p. {e.page}, ¶ {e.paragraph}"
    return place + (f", § {tidy(e.section, 60)}" if e.section else "")


def peer_source(p: PeerExample) -> str:
    return f"{p.council or 'no council'}, {p.title or Path(p.source).name}, p. {p.page}"


def _check_mark(passed: bool | None) -> str:
    return "✅" if passed else "—" if passed is None else "❌"


def reply_line(f) -> str:
    """The officer's reply to a finding, as the report shows it."""
    r = f.reply
    if r.decision == "override":
        return f"**Overridden by officer** ({r.found_status} → {r.status}): {r.note}"
    return "**Accepted by officer**" + (f": {r.note}" if r.note else "")


def next_steps_markdown(report: GapReport, shown: int = 8) -> list[str]:
    if not report.next_steps:
        return []
    lines = ["", "## What to do next", ""]
    for n, step in enumerate(report.next_steps[:shown], start=1):
        lines.append(f"{n}. **{step.question}** ({step.status}) {step.text} — {step.why}.")
        if step.example:
            lines.append(f"   Peer example: “{tidy(step.example.quote, 250)}” — {peer_source(step.example)}")
    if len(report.next_steps) > shown:
        lines.append(f"\n…and {len(report.next_steps) - shown} more below.")
    return lines


def markdown(report: GapReport) -> str:
    s = report.summary
    lines = [f"# Gap check: {Path(report.draft).name}", ""]
    lines.append(f"Draft: `{report.draft}`" + (f" ({report.council})" if report.council else ""))
    lines.append(f"Length: {report.words} words, about {report.estimated_pages} pages "
                 f"({report.pages} in the file). Judged: {report.backend}.")
    lines.append("")
    q = s["questions"]
    lines.append(f"**{q['covered']} questions covered, {q['partial']} partial, {q['missing']} missing** "
                 f"of {sum(q.values())}; themes: " +
                 ", ".join(f"{t.theme} {t.status}" for t in report.themes) + ".")
    for note in report.notes:
        lines += ["", f"> {note}"]
    lines += next_steps_markdown(report)
    lines += ["", "## The guidance's rules", "", "| rule | result | detail |", "|---|---|---|"]
    for c in report.checks:
        lines.append(f"| {c.id} | {_check_mark(c.passed)} | {c.detail.replace('|', '/')} |")
    for c in report.checks:
        if c.evidence:
            lines += ["", f"Evidence for **{c.id}**:"]
            lines += [f"- “{tidy(e.quote, 300)}” ({where(e)})" for e in c.evidence]
    for theme in report.themes:
        lines += ["", f"## Theme {theme.theme}: {theme.title} — {MARK[theme.status]}"]
        for f in theme.questions:
            lines += ["", f"### {f.id} {f.question}", "",
                      f"{MARK[f.status]} (score {f.score:.2f}" + (f", judged by {f.judged_by}" if f.judged_by != "offline"
                                                               else "") + ")"]
            if f.reply is not None:
                lines += ["", reply_line(f)]
            if f.reason:
                lines += ["", f.reason]
            if f.evidence:
                lines += ["", "In the draft:"]
                for e in f.evidence:
                    elsewhere = (f" — in a passage about theme {e.theme_section}"
                                 if e.theme_section not in (None, f.theme) else "")
                    lines.append(f"- “{tidy(e.quote, 400)}” ({where(e)}){elsewhere}")
            if f.status != COVERED:
                if f.points_missing:
                    lines += ["", "A good answer would also mention: " + "; ".join(f.points_missing) + "."]
                if f.peer_examples:
                    lines += ["", "What peer councils wrote (their words, not yours):"]
                    lines += [f"- “{tidy(p.quote, 400)}” — {peer_source(p)}" for p in f.peer_examples]
                else:
                    lines += ["", "No peer example in the index answers this."]
    return "\n".join(lines) + "\n"


def terminal(console, report: GapReport) -> None:
    from rich.table import Table
    from rich.text import Text

    report = scrub(report, for_terminal=True)
    console.print(Text(f"Gap check of {Path(report.draft).name}", style="bold") +
                  Text(f" — {report.words} words, about {report.estimated_pages} pages; judged {report.backend}",
                       style="dim"))
    for note in report.notes:
        console.print(Text(note, style="yellow"))
    if report.next_steps:
        console.print(Text("What to do next", style="bold"))
        for n, step in enumerate(report.next_steps[:8], start=1):
            line = Text(f"{n}. {step.question} ")
            line.append(step.status, style=STYLE[step.status])
            line.append(f" {tidy(step.text, 90)} ")
            line.append(f"({step.why})", style="dim")
            if step.example:
                line.append(f"\n   peer: “{tidy(step.example.quote, 120)}” ", style="italic")
                line.append(f"({step.example.council}, p. {step.example.page})", style="dim")
            console.print(line)
    for theme in report.themes:
        table = Table(title=Text.assemble(f"Theme {theme.theme}: {theme.title} — ",
                                          (theme.status, STYLE[theme.status])),
                      title_justify="left", expand=True, show_lines=False)
        table.add_column("Q", no_wrap=True)
        table.add_column("Question", ratio=3)
        table.add_column("Status", no_wrap=True)
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("Evidence in the draft / peer example", ratio=5)
        for f in theme.questions:
            if f.evidence:
                e = f.evidence[0]
                cell = Text(f"“{tidy(e.quote, 140)}” ", style="italic")
                cell.append(f"(p. {e.page}, ¶ {e.paragraph})", style="dim")
            elif f.peer_examples:
                p = f.peer_examples[0]
                cell = Text("peer: ", style="cyan")
                cell.append(f"“{tidy(p.quote, 120)}” ", style="italic")
                cell.append(f"({p.council}, p. {p.page})", style="dim")
            else:
                cell = Text("nothing found", style="dim")
            if f.reason:
                cell.append(f"\n{tidy(f.reason, 200)}", style="dim")
            if f.reply is not None:
                cell.append(f"\n{tidy(reply_line(f).replace('**', ''), 200)}", style="cyan")
            table.add_row(Text(f.id), Text(tidy(f.question, 90)), Text(f.status, style=STYLE[f.status]),
                          f"{f.score:.2f}", cell)
        console.print(table)
    checks = Table(title="The guidance's rules", title_justify="left", expand=True)
    checks.add_column("Rule", no_wrap=True)
    checks.add_column("", no_wrap=True)
    checks.add_column("Detail", ratio=1)
    for c in report.checks:
        checks.add_row(Text(c.id), _check_mark(c.passed), Text(c.detail))
    console.print(checks)
    s = report.summary["questions"]
    console.print(Text(f"{s['covered']} covered, {s['partial']} partial, {s['missing']} missing. "
                       "Peer examples and all evidence: --out report.md (or --json).", style="dim"))


def brief(console, report: GapReport, name: str) -> None:
    """The chat's /gaps: counts, each theme's status, the questions not covered (with the
    peers that have examples), the failed rules and the notes."""
    from rich.text import Text

    report = scrub(report, for_terminal=True)
    counts = report.summary["questions"]
    console.print(Text(f"{name}: {report.words:,} words (about {report.estimated_pages} pages) · "
                       + ", ".join(f"{n} {status}" for status, n in counts.items()) + " of the guidance's questions",
                       style="bold"))
    if report.next_steps:
        first = report.next_steps[0]
        console.print(Text(f"First to do: {first.question} {first.status} — {tidy(first.text, 100)}", style="bold"))
    for theme in report.themes:
        line = Text(f"Theme {theme.theme}: {theme.title} — ")
        line.append(theme.status, style=STYLE_BRIEF.get(theme.status, ""))
        console.print(line)
        for q in theme.questions:
            if q.status != COVERED:
                line = Text(f"  {q.id} ")
                line.append(q.status, style=STYLE_BRIEF.get(q.status, ""))
                line.append(f" ({q.score:.2f}) {tidy(q.question, 110)}")
                if q.peer_examples:
                    line.append(f" · peers: {', '.join(dict.fromkeys(p.council for p in q.peer_examples))}",
                                style="dim")
                console.print(line)
    for c in report.checks:
        if c.passed is False:
            console.print(Text(f"✗ {c.detail}", style="yellow"))
    for note in report.notes:
        console.print(Text(note, style="dim"))
