"""Writing output files whole: a temporary file beside the target, then a rename, so a
failure (a full disk, Ctrl-C, Word holding the file) never leaves half a file. Text
written here has no key and no control character (``assistant.text.safety``): a
transcript or report may be shown with `cat` later."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from assistant.errors import UserError
from assistant.text.safety import terminal


def write_atomically(path: Path, write: Callable[[Path], None], what: str = "the file") -> None:
    """``write(temp_path)`` fills a temporary file beside ``path``, which then replaces it."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        write(temp)
        os.replace(temp, path)
    except PermissionError as exc:
        temp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write {what} here ({exc.strerror}). Choose another file, or close it "
                        "if another program (e.g. Word) has it open.") from exc
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise UserError(f"{path}: could not write {what} ({exc.strerror or exc}). Check the folder exists "
                        "and the disk has room.") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str, what: str = "the file") -> None:
    text = terminal(text)
    write_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"), what)
