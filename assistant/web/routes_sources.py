"""Sources: what is indexed, uploading documents (indexed in the background, with
progress), and the page every background job reports on (/jobs/{id}).

Uploaded files are kept under <home>/uploads/<council>/ (the index records where each
document lives, and a source page reads it from the index). Uploading a file of the same
name for the same council replaces the earlier version, as `assistant ingest` does for a
changed file; a file that fails is removed again, and an earlier version put back."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from assistant.errors import UserError
from assistant.web.pages import page, safe_name, slug
from assistant.web.security import csrf_ok

router = APIRouter()
MAX_FILES = 20  # files in one upload
_INGESTING = threading.Lock()  # this server's uploads one at a time (the index lock orders other processes)


def documents(workspace) -> list:
    from assistant.text.safety import scrub

    return scrub(workspace.index.catalog.documents())


def document_format(source: str) -> str:
    from assistant.ingest.loaders import BUNDLE_SEP, SUFFIXES

    first = Path(source.split(BUNDLE_SEP)[0])
    kind = SUFFIXES.get(first.suffix.lower(), first.suffix.lstrip(".") or "—")
    return {"pdf": "PDF", "docx": "Word", "markdown": "Markdown", "text": "Text", "html": "Web page"}.get(kind, kind)


def sources_context(docs: list, errors=None, values=None) -> dict:
    from assistant.models import KINDS

    rows = [{"doc": d, "file": Path(d.source.split(" + ")[0]).name, "format": document_format(d.source)} for d in docs]
    return {"rows": rows, "kinds": KINDS, "councils": sorted({d.council for d in docs if d.council}),
            "errors": errors or [], "values": values or {}}


@router.get("/sources")
async def sources(request: Request):
    docs = await request.app.state.engine.run(documents)
    return page(request, "sources.html", sources_context(docs))


@router.post("/sources/upload")
async def upload(request: Request):
    from assistant.ingest.metadata import validate_meta
    from assistant.models import DocumentMeta

    form = await request.form(max_files=MAX_FILES, max_fields=20)
    values = {k: str(form.get(k, "") or "").strip() for k in ("council", "kind", "title", "date")}
    docs = await request.app.state.engine.run(documents)
    if not csrf_ok(request, form):
        return page(request, "sources.html", sources_context(docs, [("files", "The form had expired: choose the "
                                                                               "files again and upload.")], values),
                    status=403)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    errors = [] if files else [("files", "Choose a file to upload: PDF, Word (.docx), Markdown, text or HTML.")]
    given = {k: v for k, v in values.items() if v}
    try:
        meta = validate_meta(DocumentMeta(**given), "the form")
    except UserError as exc:
        errors.append(("date" if "date" in str(exc) else "kind", str(exc).removeprefix("the form: ")))
        meta = None
    if errors:
        return page(request, "sources.html", sources_context(docs, errors, values), status=400)
    settings = request.app.state.settings
    folder = settings.home / "uploads" / (slug(values["council"]) or "unsorted")
    incoming = settings.home / "uploads" / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    staged = []
    for upload_file in files:
        name = safe_name(upload_file.filename)
        temp = incoming / f"{os.getpid()}-{id(upload_file)}-{name}"
        with temp.open("wb") as out:
            while chunk := await upload_file.read(1024 * 1024):
                out.write(chunk)
        staged.append((temp, folder / name, upload_file.filename))
    names = ", ".join(original for _, _, original in staged)
    job = request.app.state.engine.start_job("ingest", f"Indexing {names}", lambda job: ingest_uploads(
        job, settings, staged, meta, set(given)), files=[original for _, _, original in staged])
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def ingest_uploads(job, settings, staged, meta, given: set) -> list[dict]:
    """Move the uploads into place, ingest them, and undo the move for those that fail."""
    from assistant.ingest import IngestItem, ingest
    from assistant.text.safety import redact
    from assistant.web.engine import IngestProgress

    with _INGESTING:
        placed = []
        for temp, target, original in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            backup = target.with_name(f".{target.name}.previous")
            had = target.exists()
            if had:
                os.replace(target, backup)
            os.replace(temp, target)
            placed.append((target, backup if had else None, original))
        names = {str(target): original for target, _, original in placed}
        try:
            results = ingest(settings, [IngestItem(target, meta, given) for target, _, _ in placed],
                             IngestProgress(job, names))
        except BaseException:
            for target, backup, _ in placed:
                _undo(target, backup)
            raise
        rows = []
        for (target, backup, original), result in zip(placed, results):
            kept = result.status != "failed" and (result.document is None
                                                  or result.document.source == str(target.resolve()))
            if kept:
                if backup:
                    backup.unlink(missing_ok=True)
            else:
                _undo(target, backup)
            message = result.message.replace(str(target.resolve()), original).replace(str(target), original)
            rows.append({"name": original, "status": result.status, "message": redact(message),
                         "document": result.document, "chunks": result.chunks,
                         "warnings": [redact(w) for w in result.warnings]})
        return rows


def _undo(target: Path, backup: Path | None) -> None:
    target.unlink(missing_ok=True)
    if backup is not None and backup.exists():
        os.replace(backup, target)


# --- background jobs ---------------------------------------------------------------------------
