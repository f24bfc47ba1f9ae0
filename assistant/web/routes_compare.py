"""Compare: the councils-by-themes matrix and the barrier tally (`assistant compare`), with
filters, as a background job, and its CSV and XLSX downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from assistant.errors import UserError
from assistant.web.pages import add_form_route, attachment, form_page, job_or_404
from assistant.web.security import csrf_ok

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {"compare.csv": "text/csv; charset=utf-8", "compare-barriers.csv": "text/csv; charset=utf-8",
         "compare.xlsx": XLSX}


def compare_options(workspace) -> dict:
    from assistant.compare import council_documents
    from assistant.councils import READABLE_TYPES

    return {"councils": sorted(council_documents(workspace.index.catalog)),
            "types": sorted(set(READABLE_TYPES.values()))}


add_form_route(router, "/compare", "compare.html", compare_options)


@router.post("/compare")
async def start_compare(request: Request):
    form = await request.form()
    values = {"councils": [str(c) for c in form.getlist("council") if c],
              "types": [str(t) for t in form.getlist("type") if t],
              "regions": [r.strip() for r in str(form.get("region", "") or "").split(",") if r.strip()]}
    if not csrf_ok(request, form):
        return await form_page(request, "compare.html", compare_options, values,
                               [("council-1", "The form had expired: choose again.")], status=403)
    settings = request.app.state.settings

    def work(job):
        from assistant.compare import compare
        from assistant.workspace import open_workspace

        with open_workspace(settings) as workspace:
            result = compare(workspace, values["councils"], values["types"], values["regions"], progress=job.update)
            catalog = workspace.index.catalog
            job.data["documents"] = {m.source: getattr(catalog.document_by_source(m.source), "id", "")
                                     for b in result.barriers for m in b.mentions}
        return result

    chosen = ", ".join(values["councils"] + values["types"] + values["regions"]) or "every council"
    job = request.app.state.engine.start_job("compare", f"Comparison: {chosen}", work, **values)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def compare_context(job) -> dict:
    from assistant.compare.matrix import status_counts

    comparison = job.result
    themes = [(t.theme, t.title) for t in comparison.rows[0].themes] if comparison.rows else []
    return {"comparison": comparison, "themes": themes, "counts": status_counts(comparison.rows),
            "documents": job.data.get("documents", {})}


def comparison_file(job, name: str) -> bytes:
    """One of the files `assistant compare --out` writes, made in a temporary folder."""
    from assistant.render.compare import write

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / ("compare.xlsx" if name.endswith(".xlsx") else "compare.csv")
        write(job.result, target)
        return (Path(folder) / name).read_bytes()


def _download(name: str, media_type: str):
    async def download(request: Request, job_id: str):
        job = job_or_404(request, job_id)
        if job.kind != "compare" or job.status != "done":
            raise UserError("there is no finished comparison here to download. Compare again.")
        return attachment(comparison_file(job, name), name, media_type)

    return download


for _name, _media in FILES.items():
    router.add_api_route(f"/jobs/{{job_id}}/{_name}", _download(_name, _media), methods=["GET"])
