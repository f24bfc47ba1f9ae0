"""The page of a background job (indexing, a draft, a gap check, a comparison)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from assistant.web import routes_compare, routes_plans
from assistant.web.pages import job_or_404, page

router = APIRouter()


@router.get("/jobs/{job_id}")
async def job_page(request: Request, job_id: str):
    job = job_or_404(request, job_id)
    context = {"job": job, "errors": []}
    if job.status == "done":
        context.update({"gaps": routes_plans.gaps_context, "draft": routes_plans.draft_context,
                        "compare": routes_compare.compare_context}.get(job.kind, lambda j: {})(job))
    return page(request, "job.html", context)
