"""Rendering pages and fragments from the templates, shared by the app and its routes."""

from __future__ import annotations

from pathlib import Path

import re

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from assistant.errors import AssistantError, BackendUnavailable
from assistant.web.security import csrf_token

HERE = Path(__file__).parent
MB = 1024 * 1024
SERVICE = "Plan Assistant"


def templates() -> Environment:
    from assistant.web import markup

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = markup.markdown_html
    env.filters["highlight"] = markup.highlight
    env.filters["filename"] = lambda source: Path(str(source).split(" + ")[0]).name
    env.filters["zip_self"] = lambda values: [(v, v) for v in values]
    env.globals["SERVICE"] = SERVICE
    env.globals["cite_href"] = cite_href
    env.globals["compare_available"] = compare_available()
    return env


def cite_href(prefix, answer):
    """The link of marker [n] in ``answer`` (an Answer or a Draft): its entry in the Sources."""
    numbers = {c.n for c in answer.citations}
    return lambda n: f"#cite-{prefix}-{n}" if n in numbers else None


def compare_available() -> bool:
    from importlib.util import find_spec

    return find_spec("assistant.compare") is not None


def page(request: Request, name: str, context: dict | None = None, status: int = 200, headers=None) -> HTMLResponse:
    env: Environment = request.app.state.templates
    context = {"request": request, "csrf": csrf_token(request), "path": request.url.path, **(context or {})}
    return HTMLResponse(env.get_template(name).render(context), status_code=status, headers=headers)


async def form_page(request: Request, name: str, options_of, values: dict | None = None, errors=(),
                    status: int = 200) -> HTMLResponse:
    """A job's form page with the choices ``options_of(workspace)`` lists: empty, or again
    with what was entered and what is wrong with it."""
    options = await request.app.state.engine.run(options_of)
    return page(request, name, {"options": options, "errors": list(errors), "values": values or {}}, status=status)


def add_form_route(router, path: str, name: str, options_of) -> None:
    """GET ``path``: the empty form of template ``name`` with the choices ``options_of`` lists."""
    async def empty_form(request: Request):
        return await form_page(request, name, options_of)

    router.add_api_route(path, empty_form, methods=["GET"], name=f"{name.removesuffix('.html')}_form")


def fragment(request: Request, name: str, context: dict | None = None) -> str:
    env: Environment = request.app.state.templates
    return env.get_template(name).render({"request": request, "csrf": csrf_token(request), **(context or {})})


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, exc: AssistantError):
    from assistant.text.safety import redact

    status = 503 if isinstance(exc, BackendUnavailable) else 400
    message = redact(str(exc))
    if wants_json(request):
        return JSONResponse({"error": message, "exit_code": exc.exit_code}, status_code=status)
    heading = "A service is unavailable" if status == 503 else "There is a problem"
    return page(request, "error.html", {"heading": heading, "message": message}, status=status)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def safe_name(name: str) -> str:
    """A file name to store an upload under: its last part, plain characters only."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[^A-Za-z0-9._ ()-]+", "_", name).strip(" .")
    return name[-120:] or "upload"


def job_or_404(request: Request, job_id: str):
    job = request.app.state.engine.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "No such job: it finished long ago, or the server was restarted. Start it again.")
    return job


def attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
