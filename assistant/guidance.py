"""The guidance checklist (themes -> prompting questions), loaded from a TOML file."""

from __future__ import annotations

import re
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.errors import UserError
from assistant.text.themes import theme_numbers


def _keyword_pattern(keyword: str) -> re.Pattern:
    # word-boundary match, so "ai" does not fire inside "maintain"
    return re.compile(r"\b" + re.escape(keyword.lower()).replace(r"\ ", r"[\s-]+") + r"\b")


class Question(BaseModel):
    id: str
    text: str
    status: str = ""
    evidence: list[str] = Field(default_factory=list)

    @property
    def theme(self) -> int:
        return int(self.id.split(".")[0])


class Theme(BaseModel):
    number: int
    title: str
    short: str = ""
    letter_wording: str = ""
    note: str = ""
    keywords: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list, alias="question")


class Rule(BaseModel):
    id: str
    text: str


class Length(BaseModel):
    min_pages: int = 3
    max_pages: int = 4
    words_per_page: int = 500


class Guidance(BaseModel):
    id: str
    title: str
    issued_by: str = ""
    letter_date: str = ""
    deadline: str = ""
    source: str = ""
    letter_phrases: list[str] = Field(default_factory=list)  # the Government's own words, quoted back in plans
    length: Length = Field(default_factory=Length)
    rules: list[Rule] = Field(default_factory=list, alias="rule")
    themes: list[Theme] = Field(default_factory=list, alias="theme")

    def theme(self, number: int) -> Theme:
        for theme in self.themes:
            if theme.number == number:
                return theme
        known = ", ".join(str(t.number) for t in self.themes)
        raise UserError(f"there is no theme {number} in the guidance '{self.title}'; themes are {known}")

    def questions(self) -> list[Question]:
        return [q for t in self.themes for q in t.questions]

    @cached_property
    def theme_patterns(self) -> list[tuple[int, list[re.Pattern]]]:
        return [(t.number, [_keyword_pattern(k) for k in t.keywords]) for t in self.themes]


@lru_cache(maxsize=4)
def load_guidance(path: Path) -> Guidance:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return Guidance.model_validate(data)
    except FileNotFoundError as exc:
        raise UserError(f"{path}: guidance file not found. Set ASSISTANT_GUIDANCE_FILE to a guidance TOML file.") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise UserError(f"{path}: not a valid guidance file ({exc}). Compare it with the shipped one.") from exc




def _first_person(text: str) -> str:
    return re.sub(r"\byour\b", "our", re.sub(r"\byou\b", "we", text))


def tag_themes(text: str, section: str, guidance: Guidance, min_hits: int = 2) -> list[int]:
    """The themes a passage speaks to: named in its heading ("Theme 3"), or with at least
    ``min_hits`` distinct theme keywords in its heading and text."""
    themes: set[int] = set()
    themes.update(theme_numbers(section))
    # a heading that echoes a theme's letter wording marks the theme too, in the letter's
    # person or the council's ("How you have transformed..." / "How we have transformed...")
    section_lower = _first_person(section.lower())
    for theme in guidance.themes:
        wording = _first_person(theme.letter_wording.lower().rstrip("."))
        if wording and wording[:40] in section_lower:
            themes.add(theme.number)
    haystack = f"{section}\n{text}".lower()
    for number, patterns in guidance.theme_patterns:
        hits = sum(1 for p in patterns if p.search(haystack))
        if hits >= min_hits:
            themes.add(number)
    return sorted(themes)
