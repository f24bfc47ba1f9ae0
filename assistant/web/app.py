"""The FastAPI application: templates, the security middleware, the routes, and how
errors become pages. ``create_app(settings, ...)`` is what `assistant serve` runs."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from assistant.errors import AssistantError
from assistant.web.engine import JOB_WORKERS, WORKERS, Engine
from assistant.web.pages import HERE, MB, SERVICE, compare_available, error_response, page, templates
from assistant.web.security import Guard

def create_app(settings, token: str | None = None, max_upload_mb: float | None = None,
               allowed_hosts: set[str] | None = None, workers: int = WORKERS,
               job_workers: int = JOB_WORKERS) -> FastAPI:
    """The web app over ``settings``' index. ``token``: required on every request if given;
    ``max_upload_mb``: the largest request body (default: the largest file ingest takes);
    ``allowed_hosts``: the Host names answered (None: any)."""
    from assistant.text.safety import remember_secrets

    from assistant.web import routes_ask, routes_jobs, routes_plans, routes_sources

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
    for module in (routes_ask, routes_sources, routes_plans, routes_jobs):
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


