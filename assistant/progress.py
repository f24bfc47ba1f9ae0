"""One progress bar for long work (ingest, draft, gaps, eval): rich, on stderr, hidden
for --json, gone when the work is done."""

from __future__ import annotations

from pathlib import Path


class StepProgress:
    def __init__(self, console, verb: str, enabled: bool = True):
        self.console, self.verb, self.enabled = console, verb, enabled
        self.bar = self.task = None

    def start(self, total: int) -> None:
        if not self.enabled or self.bar is not None:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn(f"[bold]{self.verb}[/] {{task.description}}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=self.console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task("", total=total)

    def describe(self, label: str) -> None:
        if self.bar is not None:
            from rich.markup import escape

            self.bar.update(self.task, description=escape(label[:50]))

    def file(self, path: Path) -> None:
        self.describe(Path(path).name)

    def advance(self, label: str | None = None) -> None:
        if self.bar is not None:
            if label:
                self.describe(label)
            self.bar.advance(self.task)

    def update(self, done: int, total: int, label: str = "") -> None:
        """Callback form: ``done`` of ``total`` steps, now on ``label``."""
        self.start(total)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)
            self.describe(label)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
