"""A chat's state: the filters in force (/council, /kind, /theme), the backend (/llm), the
open workspace, the consoles, and the turns so far. The loop (loop.py) and the slash
commands (commands.py) both work on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from assistant.models import Answer, Filters


@dataclass
class Turn:
    asked: str  # what the officer typed
    answer: Answer  # answer.question: the standalone question it was answered as
    standalone: str = ""  # the question with its context, which the next follow-up builds on
    note: str = ""  # how a follow-up was read, shown under the question
    across: bool = False  # answered council by council


@dataclass
class Session:
    workspace: object
    filters: Filters
    backend: str
    console: Console
    errors: Console
    interactive: bool = False
    turns: list[Turn] = field(default_factory=list)

    @property
    def settings(self):
        return self.workspace.settings

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def index(self):
        return self.workspace.index

    def councils(self) -> list[str]:
        return self.index.catalog.councils()

    def scope(self) -> str:
        """The filters in force, shortly: "Redditch · theme 2"."""
        from assistant.councils import short_name

        names = [short_name(c) or c for c in self.filters.councils]
        return " · ".join(names + self.filters.kinds + [f"theme {t}" for t in self.filters.themes])

    def prompt(self) -> str:
        from assistant.text.safety import terminal

        return terminal(f"{self.scope()} › " if self.scope() else "› ")
