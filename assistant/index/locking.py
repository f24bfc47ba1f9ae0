"""One writer at a time per home folder: a second ingest waits for the first, and says so."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable


@contextmanager
def index_lock(index_dir: Path, on_wait: Callable[[str], None] | None = None, timeout: float = -1):
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir / "write.lock"
    owner_path = index_dir / "write.lock.owner"
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        owner = owner_path.read_text(encoding="utf-8").strip() if owner_path.exists() else "another process"
        if on_wait:
            on_wait(f"Another ingest ({owner}) is writing to {index_dir}; waiting for it to finish...")
        lock.acquire(timeout=timeout)
    try:
        owner_path.write_text(f"pid {os.getpid()}", encoding="utf-8")
        yield
    finally:
        lock.release()
