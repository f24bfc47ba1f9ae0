"""`assistant serve`: the web app (assistant/web/) on this machine or for a team."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

TOKEN_VARIABLE = "ASSISTANT_WEB_TOKEN"


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but 127.0.0.1 (or localhost) lets other machines in, and needs "
             f"{TOKEN_VARIABLE}.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    max_upload_mb: Annotated[Optional[float], typer.Option(
        "--max-upload-mb", help="Largest upload in MB (default: ASSISTANT_MAX_FILE_MB, 50).", min=0.01,
        show_default=False)] = None,
    workers: Annotated[int, typer.Option(help="Questions answered at once (each thread keeps its own index "
                                              "connection).", min=1, max=32)] = 2,
) -> None:
    """Serve the web app: ask with citations, sources and uploads, draft, gap check, compare.

    On 127.0.0.1 (the default) only this machine can reach it.

    For a team: set ASSISTANT_WEB_TOKEN to a long random secret, then --host 0.0.0.0.
    Every request then needs the token (a login form asks for it once)."""
    from assistant.errors import UserError
    from assistant.web.security import MIN_TOKEN, LOOPBACK_NAMES, is_loopback

    token = os.environ.get(TOKEN_VARIABLE, "").strip() or None
    if not is_loopback(host) and not token:
        raise UserError(f"--host {host} lets other machines reach the assistant: set {TOKEN_VARIABLE} to a long random "
                        "secret first (e.g. python -c \"import secrets; print(secrets.token_urlsafe(24))\"), and give "
                        "it to your team. Or serve on 127.0.0.1 (the default) for this machine only.")
    if token and len(token) < MIN_TOKEN:
        raise UserError(f"{TOKEN_VARIABLE} is too short: use at least {MIN_TOKEN} random characters "
                        "(e.g. python -c \"import secrets; print(secrets.token_urlsafe(24))\").")
    import uvicorn

    from assistant.web import create_app

    settings = ctx.obj.settings()
    # served on loopback without a token: answer only requests addressed to a loopback name
    # (a web page cannot rebind its own DNS name to 127.0.0.1 and read the answers)
    allowed = None if token else LOOPBACK_NAMES | {host}
    app = create_app(settings, token=token, max_upload_mb=max_upload_mb, allowed_hosts=allowed, workers=workers)
    shown = f"[{host}]" if ":" in host else host
    print(f"Plan Assistant on http://{shown}:{port}/ (index: {settings.home}); "
          f"{'token required' if token else 'this machine only'}. Ctrl-C stops it.", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
