"""The one console everything is printed through, and small helpers for what it prints.

``SafeConsole`` is the terminal's choke point: every piece of text rich writes passes
``assistant.text.safety.terminal`` (no escape sequence, no control character, no key),
and a hyperlink style becomes visible text: "text (address)". rich's own styling and
cursor control still work. Render functions also clean their data before building rich
objects (``safety.scrub``), because rich drops BEL and CR on its own and would leave an
OSC sequence half-parsed.
"""

from __future__ import annotations

import os
import re
import sys

from rich.console import Console
from rich.segment import Segment

from assistant.text.safety import json_text, terminal


def _safe_segments(segments):
    link, shown = None, ""
    for segment in segments:
        text, style, control = segment
        if control:
            yield segment
            continue
        this = style.link if style is not None else None
        if link and this != link and (this or text.strip()):
            if shown.strip() != link:
                yield Segment(f" ({terminal(link)})")
            link, shown = None, ""
        text = terminal(text)
        if this:
            style = style.update_link(None)
            link, shown = this, (shown if this == link else "") + text
        yield Segment(text, style)
    if link and shown.strip() != link:
        yield Segment(f" ({terminal(link)})")


class SafeConsole(Console):
    def _render_buffer(self, buffer) -> str:  # rich's one place where segments become output
        return super()._render_buffer(_safe_segments(buffer))


def console(stderr: bool = False) -> Console:
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)


def print_json(data) -> None:
    """JSON on stdout: keys redacted, control characters escaped."""
    sys.stdout.write(json_text(data) + "\n")


def markdown(text: str):
    """Markdown for the terminal; links show their address ("text (https://...)").
    rich.markdown (with markdown-it, pygments) is imported here, not with this module: it
    costs 50-80 ms, and `--json` output, progress and tables never need it."""
    from rich.markdown import Markdown

    return Markdown(text, hyperlinks=False)


def tidy(text: str, limit: int | None = None) -> str:
    """One line, shortened at a word to ``limit`` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def short_source(source: str) -> str:
    """A source path shown relative to the working folder when it is inside it."""
    try:
        return os.path.relpath(source) if not os.path.relpath(source).startswith("..") else source
    except ValueError:
        return source
