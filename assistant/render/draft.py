"""A Draft: Markdown, Word (.docx) with real heading styles, numbered citation markers and
a Sources list (document, council, page, quote), and the terminal. Its JSON form is
``Draft.contract()``.

Files are written atomically: to a temporary file beside the target, then renamed, so
a failure never leaves half a file (nor destroys the previous version)."""

from __future__ import annotations

from pathlib import Path

from assistant.draft.models import Draft
from assistant.errors import UserError
from assistant.models import Citation
from assistant.render.files import write_atomically, write_text_atomically
from assistant.text.safety import scrub

FORMATS = {".md": "markdown", ".markdown": "markdown", ".docx": "docx"}


def output_format(path: Path) -> str:
    """The format a path asks for, or a UserError naming the ones we write."""
    fmt = FORMATS.get(path.suffix.lower())
    if not fmt:
        raise UserError(f"{path}: cannot write '{path.suffix or 'no suffix'}' files. "
                        "Give --out a name ending in .docx (Word) or .md (Markdown).")
    if not path.parent.is_dir():
        raise UserError(f"{path}: the folder {path.parent} does not exist. Create it, or choose another --out.")
    return fmt


def source_line(c: Citation) -> str:
    """'Title — Council, p. 3' for the Sources list."""
    line = c.title or Path(c.source).name
    if c.council:
        line += f" — {c.council}"
    return f"{line}, {c.where}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def intro(draft: Draft) -> str:
    return (f"First draft for {draft.council}, structured on the {draft.guidance} guidance: a section per "
            f"theme, a sub-section per prompting question. Every point is quoted from, or checked against, the "
            f"document its [n] marker cites (see Sources). Where {draft.council}'s own documents say nothing, "
            f"the sub-section says so and offers peers' examples, labelled with the peer council's name: they "
            f"are ideas to consider, not {draft.council}'s achievements.")


def summary_lines(draft: Draft) -> list[str]:
    s = draft.summary
    total = len(s.own) + len(s.peers_only) + len(s.nothing)
    return [
        f"- Questions with evidence in {draft.council}'s own documents: {len(s.own)} of {total}"
        + (f" ({', '.join(s.own)})" if s.own else ""),
        f"- Questions with peers' examples only: {len(s.peers_only)}"
        + (f" ({', '.join(s.peers_only)})" if s.peers_only else ""),
        f"- Questions with nothing found: {len(s.nothing)}" + (f" ({', '.join(s.nothing)})" if s.nothing else ""),
        f"- Length: about {draft.words:,} words (the guidance asks for {draft.pages[0]}-{draft.pages[1]} pages, "
        f"about {draft.word_range[0]:,}-{draft.word_range[1]:,} words).",
    ]


def also_answers(section) -> str:
    """For a merged sub-section: the other questions it answers, in full."""
    return "Also answers " + "; ".join(f"{qid} {text}" for qid, text in
                                       zip(section.question_ids[1:], section.questions[1:]))


def removed_note(section) -> str:
    return (f"{len(section.unsupported)} sentence(s) of the model's text were removed: the passages they cite do "
            "not support them, or they use a peer's point without naming the peer.")


def to_markdown(draft: Draft, sources: bool = True) -> str:
    lines = [f"# {draft.title}", "", f"*{intro(draft)}*"]
    for theme in draft.themes:
        lines += ["", f"## Theme {theme.number}: {theme.title}"]
        for section in theme.sections:
            lines += ["", f"### {section.heading}"]
            if len(section.questions) > 1:
                lines += ["", f"*{also_answers(section)}*"]
            lines += ["", section.text]
            if section.unsupported:
                lines += ["", f"*{removed_note(section)}*"]
    lines += ["", "## Summary", "", *summary_lines(draft)]
    if sources and draft.citations:
        lines += ["", "## Sources", ""]
        lines += [f"{c.n}. {source_line(c)}. “{one_line(c.quote)}”" for c in draft.citations]
    return "\n".join(lines) + "\n"


# --- Word --------------------------------------------------------------------------------
def _add_runs(paragraph, inline) -> None:
    """The inline tokens of one Markdown paragraph as runs (bold, italic kept)."""
    bold = italic = False
    for token in inline.children or []:
        if token.type == "strong_open":
            bold = True
        elif token.type == "strong_close":
            bold = False
        elif token.type == "em_open":
            italic = True
        elif token.type == "em_close":
            italic = False
        elif token.type in ("text", "code_inline") and token.content:
            run = paragraph.add_run(token.content)
            run.bold, run.italic = bold or None, italic or None
        elif token.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")


def _add_markdown(document, markdown: str) -> None:
    """A section's Markdown (paragraphs, nested bullet lists, bold, italic) as Word paragraphs."""
    from markdown_it import MarkdownIt

    depth = 0
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "bullet_list_open":
            depth += 1
        elif token.type == "bullet_list_close":
            depth -= 1
        elif token.type == "inline":
            style = "List Bullet" if depth == 1 else f"List Bullet {min(depth, 3)}" if depth > 1 else None
            _add_runs(document.add_paragraph(style=style), token)


def to_docx(draft: Draft):
    import docx
    from docx.shared import Pt

    draft = scrub(draft, for_terminal=True)  # no key, and no control character (Word's XML refuses them)
    document = docx.Document()
    document.core_properties.title = draft.title
    document.core_properties.subject = draft.guidance
    document.add_heading(draft.title, level=0)
    document.add_paragraph().add_run(intro(draft)).italic = True
    for theme in draft.themes:
        document.add_heading(f"Theme {theme.number}: {theme.title}", level=1)
        for section in theme.sections:
            document.add_heading(section.heading, level=2)
            if len(section.questions) > 1:
                document.add_paragraph().add_run(also_answers(section)).italic = True
            _add_markdown(document, section.text)
            if section.unsupported:
                document.add_paragraph().add_run(removed_note(section)).italic = True
    document.add_heading("Summary", level=1)
    _add_markdown(document, "\n".join(summary_lines(draft)))
    if draft.citations:
        document.add_heading("Sources", level=1)
        for c in draft.citations:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(24)
            paragraph.paragraph_format.first_line_indent = Pt(-24)
            paragraph.add_run(f"[{c.n}] ").bold = True
            paragraph.add_run(source_line(c) + ". ")
            paragraph.add_run(f"“{one_line(c.quote)}”").italic = True
    return document


# --- writing -------------------------------------------------------------------------------
def write_draft(draft: Draft, path: Path) -> str:
    """Write the draft as .md or .docx (by suffix); returns the format written."""
    path = Path(path)
    fmt = output_format(path)
    if fmt == "docx":
        document = to_docx(draft)
        write_atomically(path, lambda temp: document.save(str(temp)), "the draft")
    else:
        write_text_atomically(path, to_markdown(draft), "the draft")
    return fmt


def show(console, draft: Draft, out: Path | None = None) -> None:
    """In the terminal: the draft itself, or where it was written; then the summary line."""
    from rich.text import Text

    from assistant.render.console import markdown

    if out is None:
        console.print(markdown(to_markdown(scrub(draft, for_terminal=True))))
    else:
        console.print(Text("Draft written to ") + Text(str(out), style="bold")
                      + Text(f" ({draft.words:,} words, {len(draft.citations)} citations)."))
    console.print(Text(f"Summary: {draft.summary.line(draft.council)} · backend: {draft.backend}"))
