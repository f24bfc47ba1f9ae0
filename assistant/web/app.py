"""The FastAPI application: templates, the security middleware, the routes, and how
errors become pages. ``create_app(settings, ...)`` is what `assistant serve` runs."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from assistant.errors import AssistantError, BackendUnavailable
from assistant.web.engine import JOB_WORKERS, WORKERS, Engine
from assistant.web.security import Guard, csrf_token

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


def create_app(settings, token: str | None = None, max_upload_mb: float | None = None,
               allowed_hosts: set[str] | None = None, workers: int = WORKERS,
               job_workers: int = JOB_WORKERS) -> FastAPI:
    """The web app over ``settings``' index. ``token``: required on every request if given;
    ``max_upload_mb``: the largest request body (default: the largest file ingest takes);
    ``allowed_hosts``: the Host names answered (None: any)."""
    from assistant.text.safety import remember_secrets

    from assistant.web import routes_ask, routes_plans, routes_sources

    remember_secrets(settings)  # keys from config.toml are redacted from every page too
    engine = Engine(settings, workers, job_workers)

    @asynccontextmanager
    async def lifespan(app):
        yield
        engine.close()

    app = FastAPI(title=SERVICE, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings
    app.state.templates = templates()
    app.state.token = token
    app.state.max_upload = int((max_upload_mb or settings.max_file_mb) * MB)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes_ask, routes_sources, routes_plans):
        app.include_router(module.router)
    if compare_available():
        from assistant.web import routes_compare

        app.include_router(routes_compare.router)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError):
        return error_response(request, exc)

    @app.exception_handler(404)
    async def not_found(request: Request, exc):
        return page(request, "error.html", {"heading": "Page not found",
                                            "message": getattr(exc, "detail", "") or "No such page."}, status=404)

    # outermost: every request, pages and static files alike, passes the guard
    app.add_middleware(Guard, token=token, max_body=app.state.max_upload, allowed_hosts=allowed_hosts)
    return app


def page(request: Request, name: str, context: dict | None = None, status: int = 200, headers=None) -> HTMLResponse:
    env: Environment = request.app.state.templates
    context = {"request": request, "csrf": csrf_token(request), "path": request.url.path, **(context or {})}
    return HTMLResponse(env.get_template(name).render(context), status_code=status, headers=headers)


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
