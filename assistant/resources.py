"""Where the shipped corpus and prompts live.

An editable install (the README's set-up) reads them from the checkout; a wheel carries
them inside the package under ``_bundled`` (see pyproject.toml).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The shipped ``corpus`` or ``prompts`` folder."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped '{name}' folder is missing from {_PACKAGE.parent}; reinstall Plan Assistant")


def corpus_dir() -> Path:
    return resource_dir("corpus")


def prompts_dir() -> Path:
    return resource_dir("prompts")
