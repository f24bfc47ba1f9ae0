"""The `assistant` command: the typer app, its global options, the commands registered from
their modules (ingest.py, query.py, plans.py, ops.py), and ``main``, which turns errors into
messages and exit codes: 0 ok, 2 bad input (UserError), 3 a backend unavailable
(BackendUnavailable), 1 an unexpected error, 130 interrupted.

Each command parses its options, calls a job (assistant.ask, .draft, .gaps, ...) and hands
the result to assistant.render. Heavy libraries are imported inside the commands, so
`assistant --help` starts fast."""

from __future__ import annotations

import io
import os
import sys

import typer

from assistant.cli import compare, ingest, ops, plans, query, serve
from assistant.cli.options import ChromaUrlOption, HomeOption, State

app = typer.Typer(
    name="assistant",
    help="Plan Assistant: ask, draft and gap-check councils' Productivity Plans, every claim cited.\n\n"
         "Start with: assistant ingest --shipped, then assistant ask \"What barriers did peer councils cite?\"",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(ctx: typer.Context, home: HomeOption = None, chroma_url: ChromaUrlOption = None) -> None:
    ctx.obj = State(home, chroma_url)


for name, command in (("ingest", ingest.ingest), ("sources", ingest.sources), ("search", query.search),
                      ("ask", query.ask), ("doctor", ops.doctor), ("chat", ops.chat), ("draft", plans.draft),
                      ("eval", ops.eval_), ("gaps", plans.gaps), ("compare", compare.compare), ("serve", serve.serve)):
    app.command(name)(command)


def _error(message: str, label: str = "Error:", style: str = "bold red") -> None:
    """An error on stderr: the message as text (never rich markup), without keys or escapes, and
    not broken into lines by rich (the terminal wraps it; a path in it stays whole to copy)."""
    from rich.text import Text

    from assistant.render.console import console
    from assistant.text.safety import terminal

    console(stderr=True).print(Text(label, style=style) + Text(" " + terminal(message)), soft_wrap=True)


def main() -> None:
    from assistant.errors import AssistantError

    # pydantic looks for plugins (a scan of every installed package's entry points, ~20 ms)
    # before it builds its first validator; the CLI uses none
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

    try:
        code = app(standalone_mode=False)
    except AssistantError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _error("", "Interrupted.", "yellow")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the officer
        if isinstance(exc, typer.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, typer.Abort):
            sys.exit(130)
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            # a usage error (click's, or the click that newer typer vendors): its text echoes
            # the arguments, so it is printed cleaned like any other
            shown = io.StringIO()
            exc.show(file=shown)
            from assistant.text.safety import terminal

            sys.stderr.write(terminal(shown.getvalue()))
            sys.exit(2)
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        _error(f"{type(exc).__name__}: {exc}\nRun again with ASSISTANT_DEBUG=1 for the full traceback, and report it.",
               "Unexpected error:")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
