"""What the commands share: their common options, and the state the root callback keeps
(the --home and --chroma-url every command reads its settings with)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

HomeOption = Annotated[Optional[Path], typer.Option(
    "--home", envvar="ASSISTANT_HOME", show_envvar=True,
    help="Folder that holds the index. Default: your user data folder (~/.local/share/plan-assistant).")]
ChromaUrlOption = Annotated[Optional[str], typer.Option(
    "--chroma-url", envvar="ASSISTANT_CHROMA_URL", show_envvar=True,
    help="A Chroma server (chroma run ...) to hold the vectors, e.g. http://127.0.0.1:8000. "
         "The catalog and the BM25 index stay in --home. Default: embedded Chroma in --home.")]
CouncilOption = Annotated[Optional[list[str]], typer.Option(
    "--council", "-c", help="Only this council's documents (repeatable; 'Redditch' matches 'Redditch Borough Council').")]
KindOption = Annotated[Optional[list[str]], typer.Option(
    "--kind", help="Only documents of this kind (repeatable): guidance, plan, corporate-plan, minutes, report, draft, other.")]
ThemeOption = Annotated[Optional[list[int]], typer.Option(
    "--theme", "-t", help="Only passages tagged with this guidance theme, 1-4 (repeatable).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of formatted text.")]
LlmOption = Annotated[Optional[str], typer.Option(
    "--llm", help="Answer backend: extractive (offline, default), openai, or azure.")]
ModelOption = Annotated[Optional[str], typer.Option("--model", help="Chat model name (or ASSISTANT_MODEL).")]
BaseUrlOption = Annotated[Optional[str], typer.Option(
    "--base-url", help="An OpenAI-compatible server for --llm openai (or OPENAI_BASE_URL), "
                       "e.g. http://localhost:11434/v1 for Ollama.")]


def with_backend_options(command):
    """Give ``command`` the --llm, --model and --base-url options, declared here once for
    every command that can talk to a chat model. The command receives them as one keyword
    argument, ``backend``: the settings overrides they make (``settings(**backend)``).
    Typer reads a command's options from its signature, so the wrapper's signature is the
    command's own with ``backend`` replaced by the three options."""
    import functools
    import inspect

    @functools.wraps(command)
    def wrapper(*args, llm=None, model=None, base_url=None, **kwargs):
        return command(*args, backend={"llm": llm, "model": model, "openai_base_url": base_url}, **kwargs)

    own = inspect.signature(command, eval_str=True)  # the cli modules' annotations are strings
    options = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
               for name, annotation in (("llm", LlmOption), ("model", ModelOption), ("base_url", BaseUrlOption))]
    kept = [p for p in own.parameters.values() if p.name != "backend"]
    wrapper.__signature__ = own.replace(parameters=kept + options)
    return wrapper


class State:
    """Kept on the typer context by the root callback; commands call ``settings()``."""

    def __init__(self, home: Path | None, chroma_url: str | None = None):
        self.home = home
        self.chroma_url = chroma_url

    def settings(self, **overrides):
        from assistant.settings import load_settings
        from assistant.text.safety import remember_secrets

        settings = load_settings(self.home, **{"chroma_url": self.chroma_url, **overrides})
        remember_secrets(settings)  # keys from config.toml are hidden in all output too
        return settings


def resolve_filters(workspace, council, kind, theme):
    """The --council/--kind/--theme flags, checked against the index's councils."""
    from assistant.evidence.question import resolve_filters as resolve

    return resolve(council, kind, theme, workspace.index.catalog.councils())


def require_documents(workspace) -> None:
    from assistant.errors import UserError

    if workspace.index.catalog.count_chunks() == 0:
        raise UserError(f"the index in {workspace.settings.home} is empty. Add documents first: "
                        "assistant ingest --shipped (or your own files).")
