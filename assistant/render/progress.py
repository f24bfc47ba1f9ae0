"""Progress for long work: a bar (ingest, draft, gaps, eval: rich, on stderr, hidden for
--json, gone when the work is done), or a spinner's text (the chat's /draft)."""

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

            from assistant.text.safety import terminal

            self.bar.update(self.task, description=escape(terminal(label)[:50]))

    def file(self, path: Path) -> None:
        self.describe(Path(path).name)

    def ocr_page(self, path: Path, page: int, done: int, total: int) -> None:
        """Ingest is reading a scanned page with OCR (seconds a page): say which."""
        self.describe(f"{Path(path).name} · OCR p. {page} ({done}/{total})")

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


class StatusProgress:
    """Draft progress as a spinner's text (in a terminal; nothing from a pipe)."""

    def __init__(self, console, label: str):
        self.status = console.status(label) if console.is_terminal else None
        self.label, self.done, self.total = label, 0, 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, description: str) -> None:
        self.done += 1
        if self.status:
            from rich.markup import escape

            from assistant.text.safety import terminal

            self.status.update(f"{self.label} {self.done}/{self.total}: {escape(terminal(description))}")

    def __enter__(self):
        if self.status:
            self.status.start()
        return self

    def __exit__(self, *exc):
        if self.status:
            self.status.stop()
