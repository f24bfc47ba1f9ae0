"""A language model's reply while it is written: on stderr for `ask` (and a piped chat),
as a live view replaced by the checked answer in a terminal chat. Every token passes a
``StreamGuard`` first: no escape sequence and no key reaches the screen, even split
across tokens."""

from __future__ import annotations

from rich.text import Text

from assistant.text.safety import StreamGuard


class DraftStream:
    """`ask`: the model's reply on stderr as it arrives; the checked answer then goes to stdout."""

    def __init__(self, console):
        self.console, self.started, self.guard = console, False, StreamGuard()

    def _show(self, text: str) -> None:
        if text:
            self.console.print(text, end="", style="dim", markup=False, highlight=False)

    def __call__(self, token: str) -> None:
        if not self.started:
            self.console.print("[dim]Draft reply, being written (checked against the sources below):[/]")
            self.started = True
        self._show(self.guard.feed(token))

    def close(self, result) -> None:
        self._show(self.guard.close())
        if self.started:
            removed = len(result.unsupported)
            note = f"{removed} sentence(s) removed: not supported by the passages they cite." if removed \
                else "Every sentence checked."
            self.console.print(f"\n[dim]— {note} The checked answer:[/]")


class AnswerFeedback:
    """The chat, while an answer is prepared: in a terminal, a spinner, then the model's
    draft streaming (its last lines), replaced by the checked answer; from a pipe, the
    draft streams to stderr, as with `ask`."""

    def __init__(self, console, errors):
        self.console, self.errors = console, errors
        self.terminal = self.console.is_terminal
        self.status = self.console.status("Searching the documents…") if self.terminal else None
        self.draft: list[str] = []
        self.guard = StreamGuard()
        self.live = None

    def __enter__(self):
        if self.status:
            self.status.start()
        return self

    def writing(self) -> None:
        if self.status:
            self.status.update("Writing the answer…")

    def _add(self, text: str) -> None:
        if not text:
            return
        self.draft.append(text)
        if not self.terminal:
            self.errors.file.write(text)
            self.errors.file.flush()

    def token(self, token: str) -> None:
        self._add(self.guard.feed(token))
        if self.terminal and self.live is None:
            from rich.live import Live

            self.status.stop()
            self.live = Live(self, console=self.console, transient=True, refresh_per_second=10)
            self.live.start()

    def __rich_console__(self, console, options):
        lines = Text("".join(self.draft), style="dim").wrap(console, options.max_width)
        yield from lines[-max(1, console.height - 2):]

    def __exit__(self, *exc):
        self._add(self.guard.close())
        if self.status:
            self.status.stop()
        if self.live:
            self.live.stop()
        if self.draft and not self.terminal:
            self.errors.file.write("\n")
        return False
