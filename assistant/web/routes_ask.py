"""Ask: the question page (a GET form: works without JavaScript), a streamed answer by
server-sent events when a model writes it, the JSON API, a source's page with the cited
passage highlighted, and the login form."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from markupsafe import escape

from assistant.errors import AssistantError, UserError
from assistant.web.pages import fragment, page
from assistant.web.asking import Ask, Conversation, answer_turn, options
from assistant.web.engine import MAX_TURNS, new_id
from assistant.web.markup import highlight

router = APIRouter()


def read_ask(params) -> tuple[Ask, str, int]:
    """The form's fields: (the question, the conversation id, the turn number)."""
    themes = []
    for value in params.getlist("theme"):
        if not str(value).strip().isdigit():
            raise UserError(f"theme '{value}' is not a number: choose 1 to 4.")
        themes.append(int(value))
    turn = params.get("turn", "0")
    ask = Ask(text=(params.get("q") or "").strip(), councils=[c for c in params.getlist("council") if c],
              kinds=[k for k in params.getlist("kind") if k], themes=themes, llm=params.get("llm") or None)
    return ask, params.get("conversation", ""), int(turn) if str(turn).isdigit() else 0


def ask_query(ask: Ask, conversation: str, number: int) -> str:
    from urllib.parse import urlencode

    pairs = [("q", ask.text)] + [("council", c) for c in ask.councils] + [("kind", k) for k in ask.kinds] \
        + [("theme", str(t)) for t in ask.themes] + ([("llm", ask.llm)] if ask.llm else [])
    return urlencode(pairs + [("conversation", conversation), ("turn", str(number))])


def conversation_for(request: Request, conversation_id: str) -> tuple[Conversation, bool]:
    """The conversation, or a new one (True: the one asked for had ended)."""
    engine = request.app.state.engine
    found = engine.conversations.get(conversation_id)
    if found is None:
        found = Conversation(new_id())
        engine.conversations.put(found.id, found)
    return found, bool(conversation_id) and found.id != conversation_id


def _field(exc: AssistantError) -> str:
    text = str(exc).lower()
    return "council-1" if "council" in text and "index" not in text else "question"


def streams(request: Request, ask: Ask) -> bool:
    """A model writes the answer and the page can show it as it comes (htmx asked)."""
    from assistant.generate import backends

    if request.headers.get("hx-request") != "true":
        return False
    try:
        return backends.is_model(ask.llm, request.app.state.settings)
    except UserError:
        return False


@router.get("/")
async def home(request: Request):
    opts = await request.app.state.engine.run(options)
    return page(request, "ask.html", {"options": opts, "ask": None, "errors": [], "turns": [], "turn": None,
                                      "conversation": "", "next_turn": 0, "streaming": False, "expired": False})


@router.get("/ask")
async def ask_page(request: Request):
    engine = request.app.state.engine
    opts = await engine.run(options)
    context = {"options": opts, "errors": [], "turns": [], "turn": None, "conversation": "", "next_turn": 0,
               "streaming": False, "expired": False, "ask": None}
    try:
        ask, conversation_id, number = read_ask(request.query_params)
    except UserError as exc:
        return page(request, "ask.html", {**context, "errors": [("question", str(exc))]}, status=400)
    context["ask"] = ask
    if not ask.text:
        return page(request, "ask.html", {**context, "errors": [("question", "Enter a question")]}, status=400)
    conversation, expired = conversation_for(request, conversation_id)
    number = 0 if expired else min(number, len(conversation.turns))
    history = conversation.previous(number)
    context.update(conversation=conversation.id, turns=list(enumerate(history)), expired=expired, number=number)
    turn = conversation.stored(number, ask.text)
    if turn is None and streams(request, ask):
        events = "/ask/events?" + ask_query(ask, conversation.id, number)
        return page(request, "ask.html", {**context, "streaming": True, "events_url": events})
    if turn is None:
        try:
            turn = await engine.run(answer_turn, ask, history)
        except AssistantError as exc:
            from assistant.text.safety import redact

            status = 400 if isinstance(exc, UserError) else 503
            return page(request, "ask.html", {**context, "errors": [(_field(exc), redact(str(exc)))],
                                              "conversation": conversation.id if history else "",
                                              "next_turn": number}, status=status)
        number = conversation.keep(number, turn, MAX_TURNS)
    return page(request, "ask.html", {**context, "turn": turn, "number": number, "next_turn": number + 1})


@router.get("/ask/events")
async def ask_events(request: Request):
    """The answer as a model writes it (event "token": escaped text), then the checked
    answer with its sources (event "done": the rendered turn)."""
    from assistant.text.safety import StreamGuard, redact

    engine = request.app.state.engine
    opts = await engine.run(options)
    ask, conversation_id, number = read_ask(request.query_params)
    conversation, _ = conversation_for(request, conversation_id)
    number = min(number, len(conversation.turns))
    history = conversation.previous(number)
    loop = asyncio.get_running_loop()
    tokens: asyncio.Queue = asyncio.Queue()
    guard = StreamGuard()  # no escape sequence, no key

    def on_token(token: str) -> None:
        shown = guard.feed(token)
        if shown:
            loop.call_soon_threadsafe(tokens.put_nowait, shown)

    stored = conversation.stored(number, ask.text)
    future = None if stored else engine.submit(answer_turn, ask, history, on_token)
    if future is not None:
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(tokens.put_nowait, None))

    async def events():
        turn = stored
        if future is not None:
            while (token := await tokens.get()) is not None:
                yield sse("token", str(escape(token)))
            try:
                turn = future.result()
            except AssistantError as exc:
                html = fragment(request, "_latest.html", {
                    "streaming": False, "turn": None, "errors": [(_field(exc), redact(str(exc)))], "ask": ask,
                    "options": opts, "conversation": conversation.id if history else "", "next_turn": number})
                yield sse("done", f'<div id="latest">{_error_box(redact(str(exc)))}{html}</div>')
                return
            stored_as = conversation.keep(number, turn, MAX_TURNS)
        else:
            stored_as = number
        yield sse("done", fragment(request, "_latest.html", {
            "streaming": False, "turn": turn, "number": stored_as, "errors": [], "ask": ask, "options": opts,
            "conversation": conversation.id, "next_turn": stored_as + 1}))

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _error_box(message: str) -> str:
    return (f'<div class="error-summary" role="alert"><h2 class="error-summary-title">There is a problem</h2>'
            f"<p>{escape(message)}</p></div>")


def sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {event}\n{lines}\n"


@router.post("/api/ask")
async def api_ask(request: Request):
    """{"question", "councils"?, "kinds"?, "themes"?, "llm"?} -> the `ask --json` object."""
    from assistant.text.safety import json_text

    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return Response(json.dumps({"error": "send the question as JSON (Content-Type: application/json)."}),
                        status_code=415, media_type="application/json")
    try:
        body = await request.json()
    except ValueError:
        body = None
    problem = _check_body(body)
    if problem:
        return Response(json.dumps({"error": problem, "exit_code": 2}), status_code=400, media_type="application/json")
    answer = await request.app.state.engine.run(_api_answer, body)
    return Response(json_text(answer.contract()) + "\n", media_type="application/json")


def _check_body(body) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("question"), str) or not body["question"].strip():
        return 'send {"question": "..."} with optional "councils", "kinds", "themes" (lists) and "llm".'
    for key, kind in (("councils", str), ("kinds", str), ("themes", int)):
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
            return f'"{key}" must be a list of {"numbers" if kind is int else "names"}.'
    if body.get("llm") is not None and not isinstance(body["llm"], str):
        return '"llm" must be a backend name: extractive, openai or azure.'
    return ""


def _api_answer(workspace, body: dict):
    """What `assistant ask QUESTION --json` runs, with the body's filters."""
    from assistant.ask import ask
    from assistant.evidence.question import resolve_filters

    catalog = workspace.index.catalog
    filters = resolve_filters(body.get("councils"), body.get("kinds"), body.get("themes"), catalog.councils())
    if catalog.count_chunks() == 0:
        raise UserError(f"the index in {workspace.settings.home} is empty. Add documents first: "
                        "assistant ingest --shipped (or your own files).")
    return ask(workspace.settings, body["question"], filters, llm=body.get("llm"), workspace=workspace)


# --- a source, at its page ------------------------------------------------------------------
def source_page(workspace, document_id: str, number: int) -> dict | None:
    from assistant.text.safety import scrub

    catalog = workspace.index.catalog
    document = catalog.document(document_id)
    if document is None:
        return None
    chunks = catalog.document_chunks(document_id)
    pages = sorted({c.page for c in chunks})
    return scrub({"document": document, "chunks": [c for c in chunks if c.page == number], "pages": pages})


@router.get("/source/{document_id}")
async def source(request: Request, document_id: str, page_number: int = 1, chunk: str = "", quote: str = ""):
    number = request.query_params.get("page", str(page_number))
    number = int(number) if number.isdigit() else 1
    data = await request.app.state.engine.run(source_page, document_id, number)
    if data is None:
        raise HTTPException(404, "No indexed document has this id: it may have been replaced by a newer version. "
                                 "Find it on the Sources page.")
    if quote and not chunk:  # a quote without its passage (compare's): the passage on the page that holds it
        chunk = next((c.id for c in data["chunks"] if str(highlight(c.text, quote)) != str(escape(c.text))), "")
    pages = data["pages"]
    previous = max((p for p in pages if p < number), default=None)
    following = min((p for p in pages if p > number), default=None)
    return page(request, "source.html", {**data, "number": number, "chunk": chunk, "quote": quote,
                                         "previous": previous, "following": following})


# --- login (only when a token is set) -------------------------------------------------------
@router.get("/login")
async def login_form(request: Request):
    if not request.app.state.token:
        return RedirectResponse("/", status_code=303)
    return page(request, "login.html", {"errors": [], "next": request.query_params.get("next", "/")})


@router.post("/login")
async def login(request: Request):
    import hmac

    from assistant.web.security import SESSION_COOKIE, csrf_ok, safe_next, session_value

    token = request.app.state.token
    if not token:
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    target = safe_next(str(form.get("next", "/")))
    if not csrf_ok(request, form):
        return page(request, "login.html", {"errors": [("token", "The form had expired. Enter the token again.")],
                                            "next": target}, status=403)
    given = str(form.get("token", "")).strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        await asyncio.sleep(1)  # slows guessing
        return page(request, "login.html", {"errors": [("token", "The token is wrong. Ask whoever runs this "
                                                                 "server for it.")], "next": target}, status=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(token), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response
