"""What every request passes through (one ASGI middleware), and the checks forms use.

- Host: served on 127.0.0.1 without a token, only requests addressed to a loopback name
  are answered (a page elsewhere that rebinds its DNS name to 127.0.0.1 gets 400).
- Token: when ASSISTANT_WEB_TOKEN is set (required off 127.0.0.1), every request carries it
  as ``Authorization: Bearer ...`` or ``X-Assistant-Token``, or the session cookie the login
  form sets (an HMAC of the token, not the token). Exempt: /login and /static/ (the
  vendored scripts and the style sheet: public, no data).
- Cross-site requests: any POST whose Origin (or Sec-Fetch-Site) says it comes from
  another site is refused; forms also carry a CSRF token matching a cookie (double
  submit); the JSON API takes application/json only, which a cross-site form cannot send.
- Upload size: a body over the limit is refused (413) before it is read, or as soon as it
  passes the limit when no Content-Length is given.
- Headers: a Content-Security-Policy that allows scripts, styles and connections from this
  server only and no inline script; no framing, no referrer to other sites, no caching of pages.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from starlette.requests import Request

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # questions are in the URLs: never sent to another site
    (b"cross-origin-opener-policy", b"same-origin"),
]
SESSION_COOKIE = "assistant_session"
CSRF_COOKIE = "assistant_csrf"
CSRF_FIELD = "csrf"
EXEMPT_PREFIX = "/static/"  # and the /login page itself
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
MIN_TOKEN = 16  # characters; shorter tokens are refused at start
DRAIN_MAX = 200 * 1024 * 1024  # bytes of a refused upload read to the end, so the browser shows why


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"plan-assistant web session", hashlib.sha256).hexdigest()


def _cookies(headers: dict) -> dict:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is treated as none
        return {}
    return {k: v.value for k, v in jar.items()}


class TooLarge(Exception):
    pass


class Guard:
    """The middleware (see the module's docstring)."""

    def __init__(self, app, token: str | None, max_body: int, allowed_hosts: set[str] | None = None):
        self.app = app
        self.token = token
        self.session = session_value(token) if token else None
        self.max_body = max_body
        self.allowed_hosts = allowed_hosts

    def authorised(self, headers: dict, cookies: dict) -> bool:
        if not self.token:
            return True
        given = headers.get("x-assistant-token", "")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            return True
        return hmac.compare_digest(cookies.get(SESSION_COOKIE, "").encode(), self.session.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers)
        path, method = scope["path"], scope["method"]
        csrf = cookies.get(CSRF_COOKIE) or ""
        new_csrf = "" if len(csrf) >= 32 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = csrf if not new_csrf else new_csrf

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = list(HEADERS)
                present = {k.lower() for k, _ in message.get("headers", [])}
                if b"cache-control" not in present and not path.startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                if new_csrf:
                    cookie = f"{CSRF_COOKIE}={new_csrf}; Path=/; HttpOnly; SameSite=Strict"
                    extra.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get("host", "").endswith("]") \
            else headers.get("host", "")
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return await _plain(send_with_headers, 400, "This server answers requests to 127.0.0.1 only.")
        if method not in ("GET", "HEAD", "OPTIONS") and _cross_site(headers, scope):
            return await _plain(send_with_headers, 403, "Refused: the request came from another site.")
        if path != "/login" and not path.startswith(EXEMPT_PREFIX) and not self.authorised(headers, cookies):
            if method == "GET" and "text/html" in headers.get("accept", ""):
                target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
                return await _redirect(send_with_headers, "/login?next=" + quote(target, safe=""))
            return await _json(send_with_headers, 401, {"error": "the token is missing or wrong: send it as "
                                                                  "'Authorization: Bearer TOKEN'."})
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await _drain(receive, int(length))
            return await _too_large(send_with_headers, self.max_body)

        seen = 0
        started = body_read = False

        async def counting_receive():
            nonlocal seen, body_read
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_read = not message.get("more_body", False)
                if seen > self.max_body:
                    raise TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send_with_headers(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except TooLarge:
            if not started:
                if not body_read:  # (after the last part, receive() would wait for the client to go)
                    await _drain(receive, DRAIN_MAX)
                await _too_large(send_with_headers, self.max_body)


async def _drain(receive, expected: int) -> None:
    """Read (and drop) the rest of a refused body, so that a browser sending it sees the
    413 page rather than a reset connection; a body past DRAIN_MAX is not waited for."""
    if expected > DRAIN_MAX:
        return
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


def _cross_site(headers: dict, scope) -> bool:
    if headers.get("sec-fetch-site", "") == "cross-site":
        return True
    origin = headers.get("origin")
    if not origin:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


async def _respond(send, status: int, body: bytes, content_type: bytes, extra=()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


async def _plain(send, status: int, text: str) -> None:
    await _respond(send, status, text.encode(), b"text/plain; charset=utf-8")


async def _json(send, status: int, data: dict) -> None:
    await _respond(send, status, json.dumps(data).encode(), b"application/json")


async def _redirect(send, location: str) -> None:
    await _respond(send, 303, b"", b"text/plain", [(b"location", location.encode("latin-1"))])


async def _too_large(send, limit: int) -> None:
    mb = limit / (1024 * 1024)
    message = (f"The upload is over the {mb:.3g} MB limit. Upload fewer or smaller files at a time, "
               "or restart the server with a larger --max-upload-mb.")
    page = (f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Error: upload too large</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><div class="width-container">'
            f'<main class="main">'
            f'<div class="error-summary" role="alert"><h1 class="error-summary-title">The upload is too large</h1>'
            f'<p>{message}</p></div><p><a href="/sources">Back to Sources</a></p></main></div></body></html>')
    await _respond(send, 413, page.encode(), b"text/html; charset=utf-8")


# --- forms ------------------------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    return request.scope.get("state", {}).get("csrf", "")


def csrf_ok(request: Request, form) -> bool:
    """The form's hidden token matches the cookie the browser holds for this site."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = str(form.get(CSRF_FIELD, "") or "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), given.encode())


def safe_next(target: str | None) -> str:
    """A path on this server to return to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
