"""The web app's engine: worker threads that own the workspaces, background jobs with
progress, and conversations.

Why worker threads: the catalog's SQLite connection may only be used by the thread that
opened it (sqlite3's check_same_thread), so a workspace cannot be shared by the server's
threads. Each of ``workers`` threads opens one workspace the first time it is given work
and keeps it until the server stops; questions and page reads (``Engine.run``) queue for
the next free thread. Measured on the shipped corpus (2 cores, /tmp/mem.py in the web
app's report): the process's first workspace costs ~195 MB and its first answer 1-4 s
(models loaded); each further thread's workspace ~3 MB and its first answer 0.5 s (the
loaded models are shared), warm answers 0.35-1.0 s. So a workspace per thread is cheap,
and a workspace per request (0.5 s each) is not worth it.

Long jobs (ingest, draft, gap check, compare) run on ``job_workers`` threads of their own,
open their own workspace as the CLI commands do, and report progress into a ``Job`` that
the job page shows (polled by htmx, or refreshed by the browser without JavaScript).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import secrets
import sys
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

WORKERS = 2  # question threads: one per core answers two officers at once (2-core machine measured)
JOB_WORKERS = 2  # long jobs at once; more queue (ingests also queue on the index lock)
MAX_JOBS = 200  # finished jobs kept in memory, oldest dropped first
MAX_CONVERSATIONS = 500
MAX_TURNS = 30  # a conversation's turns kept; older ones drop off its page


def new_id() -> str:
    return secrets.token_urlsafe(12)


# --- the question threads -----------------------------------------------------------------
class Engine:
    def __init__(self, settings, workers: int = WORKERS, job_workers: int = JOB_WORKERS):
        self.settings = settings
        self._tasks: queue.Queue = queue.Queue()
        self._threads = [threading.Thread(target=self._serve, name=f"assistant-web-{n}", daemon=True)
                         for n in range(max(1, workers))]
        for thread in self._threads:
            thread.start()
        self._jobs_pool = concurrent.futures.ThreadPoolExecutor(max(1, job_workers), thread_name_prefix="assistant-job")
        self.jobs = Registry(MAX_JOBS)
        self.conversations = Registry(MAX_CONVERSATIONS)

    def _serve(self) -> None:
        from assistant.workspace import open_workspace

        workspace = None
        try:
            while True:
                task = self._tasks.get()
                if task is None:
                    return
                fn, args, future = task
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    if workspace is None:
                        workspace = open_workspace(self.settings)
                    future.set_result(fn(workspace, *args))
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                    future.set_exception(exc)
        finally:
            if workspace is not None:
                workspace.close()  # in its own thread: SQLite allows no other

    def submit(self, fn: Callable, *args) -> concurrent.futures.Future:
        """``fn(workspace, *args)`` on the next free question thread."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._tasks.put((fn, args, future))
        return future

    async def run(self, fn: Callable, *args):
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._jobs_pool.shutdown(wait=True, cancel_futures=True)

    # --- jobs -------------------------------------------------------------------------------
    def start_job(self, kind: str, title: str, work: Callable[[Job], object], **data) -> Job:
        """Run ``work(job)`` in the background; its return value becomes ``job.result``."""
        job = Job(id=new_id(), kind=kind, title=title, data=data)
        self.jobs.put(job.id, job)
        self._jobs_pool.submit(self._run_job, job, work)
        return job

    @staticmethod
    def _run_job(job: Job, work: Callable) -> None:
        from assistant.errors import AssistantError
        from assistant.text.safety import redact

        try:
            job.result = work(job)
            job.status = "done"
        except AssistantError as exc:
            job.error, job.status = redact(str(exc)), "failed"
        except Exception as exc:  # noqa: BLE001 - shown on the job's page; the traceback goes to the server's log
            traceback.print_exc(file=sys.stderr)
            job.error = redact(f"Unexpected error: {type(exc).__name__}: {exc}. The server's log has the details; "
                               "please report it.")
            job.status = "failed"
        finally:
            job.finished = time.time()


@dataclass
class Job:
    id: str
    kind: str  # ingest | draft | gaps | compare
    title: str
    data: dict = field(default_factory=dict)  # what the job was asked (council, file name...)
    status: str = "running"  # running | done | failed
    done: int = 0
    total: int = 0
    label: str = ""
    result: object = None
    error: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None
    replies: dict = field(default_factory=dict)  # gaps: question id -> {"decision", "note"}

    # progress, in the shapes the jobs report it
    def update(self, done: int, total: int, label: str = "") -> None:
        self.done, self.total, self.label = done, total, label or self.label

    def start(self, total: int) -> None:
        self.total, self.done = total, 0

    def advance(self, label: str | None = None) -> None:
        self.done += 1
        if label:
            self.label = label

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class IngestProgress:
    """assistant.ingest.Progress reported into a Job."""

    def __init__(self, job: Job, names: dict):
        self.job, self.names = job, names  # saved path -> the name the officer uploaded

    def start(self, files: int) -> None:
        self.job.start(files)

    def file(self, path) -> None:
        self.job.label = f"reading {self.names.get(str(path), path.name)}"

    def advance(self) -> None:
        self.job.advance()

    def ocr_page(self, path, page: int, done: int, total: int) -> None:
        self.job.label = f"reading scanned page {page} of {self.names.get(str(path), path.name)} ({done}/{total})"


class Registry:
    """A bounded, thread-safe map: the oldest entry goes when it is full."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: str, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def get(self, key: str | None):
        if not key:
            return None
        with self._lock:
            return self._items.get(key)
