"""Backends compose answers and draft sections from the evidence engine's passages. One
protocol, one dispatch (``get``):

- ``extractive`` (extractive.py): the offline default; selects and cites the retrieved
  sentences, faithful by construction;
- ``openai`` (chat.py over openai.py): OpenAI, or any OpenAI-compatible server through
  OPENAI_BASE_URL;
- ``azure`` (chat.py over azure.py): Azure OpenAI; the same prompting and validation.

To add a backend: a module (or an object in one) with ``NAME``, ``check(settings)``,
``answer(workspace, retrieval, on_token)`` and ``write_section(workspace, council, evidence,
theme_title, word_budget, first_n)``, and one line in ``MODULES``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Literal, Protocol

from assistant.errors import UserError

BackendName = Literal["extractive", "openai", "azure"]
MODULES: dict[str, str] = {
    "extractive": "assistant.generate.backends.extractive",
    "openai": "assistant.generate.backends.chat:OPENAI",
    "azure": "assistant.generate.backends.chat:AZURE",
}
NAMES: tuple[str, ...] = tuple(MODULES)
OFFLINE = "extractive"


class Backend(Protocol):
    NAME: str

    def check(self, settings) -> None: ...  # raises BackendUnavailable naming what to set
    def answer(self, workspace, retrieval, on_token=None): ...  # -> Answer
    def write_section(self, workspace, request): ...  # -> SectionText


def name_of(name: str | None, settings=None) -> str:
    """The backend name, checked: an unknown one is a UserError listing the choices (never
    echoing the value, which may be a key pasted in the wrong place)."""
    chosen = (name or (settings.llm if settings is not None else OFFLINE) or OFFLINE).strip().lower()
    if chosen == "offline":
        chosen = OFFLINE
    if chosen not in MODULES:
        raise UserError(f"unknown --llm (or ASSISTANT_LLM) value. Choose {', '.join(NAMES)} "
                        f"({OFFLINE} is offline, the default).")
    return chosen


def get(name: str | None, settings=None) -> Backend:
    module, _, attribute = MODULES[name_of(name, settings)].partition(":")
    loaded = import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


def is_model(name: str | None, settings=None) -> bool:
    """Whether the backend is a language model (not the offline extractive one)."""
    return name_of(name, settings) != OFFLINE
