"""The one parser of citation markers: "[3]", "[1, 4]", "[2; 5]" (a comma or a semicolon)."""

from __future__ import annotations

import re

MARKS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
MARKS_WITH_SPACE = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
# "...barrier. [2]" -> "...barrier [2]." so the sentence splitter keeps the marker with its sentence
MARKS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")


def cited_numbers(text: str) -> list[int]:
    """The numbers cited in ``text``, each once, in order of appearance."""
    numbers: list[int] = []
    for match in MARKS.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            if int(part) not in numbers:
                numbers.append(int(part))
    return numbers


def strip_markers(text: str) -> str:
    """``text`` without its [n] markers (and the space before each)."""
    return MARKS_WITH_SPACE.sub("", text).strip()


def markers_before_stop(text: str) -> str:
    """Move markers that follow a full stop in front of it: "x. [2]" -> "x [2]."."""
    return MARKS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)


def renumber(text: str, new: dict[int, int]) -> str:
    """Markers renumbered by ``new`` (old -> new); numbers it does not map are dropped."""
    def replace(match: re.Match) -> str:
        kept = [str(new[n]) for n in cited_numbers(match.group(0)) if n in new]
        return f"[{', '.join(kept)}]" if kept else ""

    return MARKS.sub(replace, text)
