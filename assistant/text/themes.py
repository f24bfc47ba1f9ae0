"""The one parser of references to a guidance theme: "theme 3", "Theme 2", "theme3"."""

from __future__ import annotations

import re

THEME_REFERENCE = re.compile(r"\btheme\s*([1-9])\b", re.IGNORECASE)


def theme_numbers(text: str) -> list[int]:
    """Theme numbers referred to in ``text``, each once, in order."""
    return list(dict.fromkeys(int(m) for m in THEME_REFERENCE.findall(text)))


def replace_theme(text: str, number: int) -> str:
    """``text`` with its first theme reference changed to ``number``."""
    return THEME_REFERENCE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + str(number), text, count=1)
