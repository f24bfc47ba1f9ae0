"""Draft and gap check: the forms, the background jobs (the same calls as `assistant draft`
and `assistant gaps`), the result pages and their downloads, and the officer's replies to
a gap report's findings."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from assistant.errors import UserError
from assistant.web.pages import add_form_route, attachment, form_page, job_or_404, safe_name, slug, page
from assistant.web.security import csrf_ok

router = APIRouter()
SHOWN_STEPS = 8  # "what to do next" items at the top of a report, as the CLI shows them
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_options(workspace) -> dict:
    from assistant.web.asking import options

    found = options(workspace)
    found["draft_councils"] = sorted({d.council for d in workspace.index.catalog.documents()
                                      if d.kind != "guidance" and d.council})
    return found


def document_ids(settings, chunk_ids: list[str]) -> dict:
    """chunk id -> document id, for the source links (read in the job's own thread)."""
    from assistant.index.catalog import Catalog

    catalog = Catalog(settings.index_dir / "catalog.sqlite")
    try:
        return {cid: c.document_id for cid, c in catalog.chunks(list(chunk_ids)).items()}
    finally:
        catalog.close()


# --- draft -------------------------------------------------------------------------------------
add_form_route(router, "/draft", "draft.html", plan_options)


@router.post("/draft")
async def start_draft(request: Request):
    from assistant.generate import backends

    form = await request.form()
    values = {k: str(form.get(k, "") or "").strip() for k in ("council", "theme", "llm")}
    expired = not csrf_ok(request, form)
    errors = []
    if expired:
        errors.append(("council", "The form had expired: choose again and press Draft."))
    elif not values["council"]:
        errors.append(("council", "Choose the council to draft for"))
    if values["theme"] not in ("", "all", "1", "2", "3", "4"):
        errors.append(("theme", "Choose a theme, or all themes"))
    if errors:
        return await form_page(request, "draft.html", plan_options, values, errors, status=403 if expired else 400)
    settings = request.app.state.settings
    backends.name_of(values["llm"] or None, settings)  # an unknown name: a page naming the choices

    def work(job):
        from assistant.draft import draft
        from assistant.text.safety import scrub

        result = scrub(draft(settings, values["council"], values["theme"] or "all", values["llm"] or None,
                             progress=job))
        job.data["documents"] = document_ids(settings, [c.chunk_id for c in result.citations])
        return result

    job = request.app.state.engine.start_job("draft", f"Draft plan for {values['council']}", work, **values)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def draft_context(job) -> dict:
    from assistant.render.draft import intro, summary_lines

    return {"draft": job.result, "intro": intro(job.result), "summary": summary_lines(job.result),
            "documents": job.data.get("documents", {})}


@router.get("/jobs/{job_id}/draft.{suffix}")
async def download_draft(request: Request, job_id: str, suffix: str):
    from assistant.render.draft import to_docx, to_markdown

    job = job_or_404(request, job_id)
    if job.kind != "draft" or job.status != "done" or suffix not in ("docx", "md"):
        raise UserError("there is no finished draft here to download. Draft the plan again.")
    name = f"{slug(job.result.council) or 'council'}-productivity-plan-draft.{suffix}"
    if suffix == "md":
        return attachment(to_markdown(job.result).encode("utf-8"), name, "text/markdown; charset=utf-8")
    buffer = io.BytesIO()
    to_docx(job.result).save(buffer)
    return attachment(buffer.getvalue(), name, DOCX)


# --- gaps ----------------------------------------------------------------------------------------
add_form_route(router, "/gaps", "gaps.html", plan_options)


@router.post("/gaps")
async def start_gaps(request: Request):
    form = await request.form(max_files=2)
    values = {k: str(form.get(k, "") or "").strip() for k in ("council", "llm")}
    upload, replies_upload = form.get("draft"), form.get("replies")
    expired = not csrf_ok(request, form)
    errors = []
    if expired:
        errors.append(("draft", "The form had expired: choose the file again and press Check."))
    elif not isinstance(upload, UploadFile) or not upload.filename:
        errors.append(("draft", "Choose your draft plan: PDF, Word (.docx), Markdown or text."))
    if errors:
        return await form_page(request, "gaps.html", plan_options, values, errors, status=403 if expired else 400)
    folder = Path(tempfile.mkdtemp(prefix="assistant-gaps-"))
    names = {}  # our temporary copies -> the names the officer gave them
    path = await _save(upload, folder, names)
    replies = await _save(replies_upload, folder / "replies", names) \
        if isinstance(replies_upload, UploadFile) and replies_upload.filename else None
    settings = request.app.state.settings
    llm = values["llm"] if values["llm"] not in ("", "extractive", "offline") else None

    def work(job):
        from assistant.gaps import check
        from assistant.text.safety import scrub

        try:
            report = check(settings, path, council=values["council"] or None, llm=llm, progress=job.update,
                           replies=replies)
        except UserError as exc:  # its message names our temporary copies: name the officer's files instead
            raise UserError(_renamed(str(exc), names)) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        report = scrub(report.model_copy(update={"draft": names[str(path)],
                                                 "replies_file": names.get(str(replies), "")}))
        job.data["documents"] = document_ids(settings, [p.chunk_id for q in report.questions()
                                                        for p in q.peer_examples])
        job.data["checked"] = _without_replies(report)  # what the officer's replies apply to
        return report

    job = request.app.state.engine.start_job("gaps", f"Gap check of {upload.filename}", work, file=upload.filename)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def _save(upload: UploadFile, folder: Path, names: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_name(upload.filename)
    with path.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            out.write(chunk)
    names[str(path)] = upload.filename
    return path


def _renamed(message: str, names: dict) -> str:
    for temporary, original in names.items():
        message = message.replace(temporary, original)
    return message


def _without_replies(report):
    """The report as the check found it: every finding's own status, no reply attached."""
    report = report.model_copy(deep=True)
    for theme in report.themes:
        for finding in theme.questions:
            if finding.reply is not None:
                finding.status = finding.reply.found_status or finding.status
                finding.reply = None
        theme.status = theme.found_status or theme.status
    return report


def gaps_context(job, values: dict | None = None) -> dict:
    from assistant.gaps.models import STATUSES

    report = job.result
    return {"report": report, "summary": report.summary, "steps": report.next_steps[:SHOWN_STEPS],
            "more_steps": max(0, len(report.next_steps) - SHOWN_STEPS), "statuses": STATUSES,
            "documents": job.data.get("documents", {}), "values": values or {},
            "replied": sum(1 for q in report.questions() if q.reply is not None)}


@router.post("/jobs/{job_id}/replies")
async def record_replies(request: Request, job_id: str):
    """The officer's replies (accept, or override with a status and a note), applied as
    `gaps --reply` applies them; the report's "what to do next" is worked out again."""
    from assistant.gaps.models import STATUSES, OfficerReply
    from assistant.gaps.next_steps import next_steps
    from assistant.gaps.replies import apply_replies
    from assistant.text.safety import scrub

    job = job_or_404(request, job_id)
    form = await request.form()
    if not csrf_ok(request, form):
        return page(request, "error.html", {"heading": "The form had expired",
                                            "message": "Go back, reload the report and record your replies again."},
                    status=403)
    if job.kind != "gaps" or job.status != "done":
        raise UserError("there is no finished gap report here to reply to. Check the draft again.")
    checked = job.data["checked"]
    replies, errors, values = [], [], {}
    for q in checked.questions():
        decision, status, note = (str(form.get(f"{field}-{q.id}", "") or "").strip() for field in
                                  ("decision", "status", "note"))
        values[q.id] = {"decision": decision, "status": status, "note": note[:2000]}
        if decision == "accept":
            replies.append(OfficerReply(question=q.id, decision="accept", note=note[:2000]))
        elif decision == "override":
            if status not in STATUSES:
                errors.append((f"status-{q.id}", f"{q.id}: choose the status you give it "
                                                 "(covered, partial or missing)"))
            if not note:
                errors.append((f"note-{q.id}", f"{q.id}: say why you override it (the note is shown in the report)"))
            if status in STATUSES and note:
                replies.append(OfficerReply(question=q.id, decision="override", status=status, note=note[:2000]))
    if errors:
        return page(request, "job.html", {"job": job, "errors": errors, **gaps_context(job, values)}, status=400)
    report = apply_replies(checked.model_copy(deep=True), replies)
    report.next_steps = next_steps(report, request.app.state.settings.gaps.covered_at)
    job.result = scrub(report)
    return RedirectResponse(f"/jobs/{job.id}#replies", status_code=303)


def replies_toml(report) -> str:
    """The replies as a file for `assistant gaps DRAFT --reply FILE.toml` on a revised draft."""
    from assistant.gaps.replies import replies_toml as as_toml

    return as_toml([q.reply for q in report.questions() if q.reply is not None])


@router.get("/jobs/{job_id}/report.{suffix}")
async def download_report(request: Request, job_id: str, suffix: str):
    from assistant.render.gaps import markdown
    from assistant.text.safety import json_text, redact

    job = job_or_404(request, job_id)
    if job.kind != "gaps" or job.status != "done" or suffix not in ("md", "json", "toml"):
        raise UserError("there is no finished gap report here to download. Check the draft again.")
    stem = slug(Path(job.result.draft).stem) or "draft"
    if suffix == "toml":
        return attachment(redact(replies_toml(job.result)).encode("utf-8"), f"replies-{stem}.toml",
                          "application/toml; charset=utf-8")
    name = f"gap-check-{stem}.{suffix}"
    if suffix == "json":
        return attachment((json_text(job.result.to_json()) + "\n").encode("utf-8"), name, "application/json")
    return attachment(redact(markdown(job.result)).encode("utf-8"), name, "text/markdown; charset=utf-8")
