"""Generation with a chat model (LangChain): OpenAI, Azure OpenAI, or any OpenAI-compatible
server (Ollama, llama.cpp server, vLLM, LM Studio) reached through OPENAI_BASE_URL.

The retrieved passages go into the prompt as numbered, delimited data; every reply is then
validated sentence by sentence (``citations.validate``) before anyone sees it as an answer.
Failures of the backend become ``BackendUnavailable`` (exit 3) with the fix, and never show
the API key.
"""

from __future__ import annotations

import html
import re
import sys
from contextlib import contextmanager

from assistant.errors import BackendUnavailable, UserError
from assistant.generate.citations import NO_ANSWER, CitedText, validate
from assistant.models import SearchHit

NAME = "openai"
LOCAL_SERVER_KEY = "not-needed"  # local servers ignore the key, but the client requires one
OPENAI_URL = "https://api.openai.com/v1"


def require_configured(settings, backend: str) -> None:
    """Raise, naming what to set, unless ``backend`` has what it needs (no network)."""
    if backend == "openai":
        if settings.openai_api_key is None and not settings.openai_base_url:
            raise BackendUnavailable(
                "--llm openai needs an API key: set OPENAI_API_KEY (from https://platform.openai.com/api-keys). "
                "For a model server of your own, set OPENAI_BASE_URL instead (Ollama: http://localhost:11434/v1). "
                "Or use --llm extractive, which needs neither.")
    elif backend == "azure":
        from assistant.generate.backends import azure

        azure.require_configured(settings)
    else:
        from assistant.generate.backends import name_of

        name_of(backend)  # a UserError listing the backends
        raise UserError("the extractive backend needs no model. Choose openai or azure for a chat model.")


def chat_model(settings, backend: str, streaming: bool = False):
    """The LangChain chat model for ``backend`` ("openai" or "azure"), configured from the
    settings, or BackendUnavailable naming what to set."""
    from pydantic import SecretStr

    require_configured(settings, backend)
    common = dict(temperature=settings.temperature, timeout=settings.request_timeout,
                  max_retries=settings.max_retries, streaming=streaming,
                  use_responses_api=False)  # compatible servers speak Chat Completions only
    if backend == "azure":
        from assistant.generate.backends import azure

        return azure.chat_model(settings, common)
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.model, api_key=settings.openai_api_key or SecretStr(LOCAL_SERVER_KEY),
                      base_url=settings.openai_base_url, **common)


def where(settings, backend: str) -> str:
    """The server a backend talks to, for messages."""
    if backend == "azure":
        from assistant.generate.backends import azure

        return azure.where(settings)
    return settings.openai_base_url or OPENAI_URL


def redact(text: str, settings) -> str:
    """``text`` without the configured keys, or anything that looks like one."""
    for secret in (settings.openai_api_key, settings.azure_api_key):
        value = secret.get_secret_value() if secret else ""
        if len(value) >= 4:
            text = text.replace(value, "***")
    return re.sub(r"\b(sk-[A-Za-z0-9*_\-]{2})[A-Za-z0-9*_\-]{4,}", r"\1***", text)


def _server_message(exc, settings) -> str:
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
    message = str(message or getattr(exc, "message", "") or exc)
    return redact(re.sub(r"\s+", " ", message).strip()[:300], settings)


def _root_cause(exc: BaseException) -> str:
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__
    return str(exc) or type(exc).__name__


@contextmanager
def backend_errors(settings, backend: str):
    """Turn the openai client's exceptions into BackendUnavailable (exit 3) with the fix."""
    import openai

    at = where(settings, backend)
    retries = f"after {settings.max_retries} retr{'y' if settings.max_retries == 1 else 'ies'}"
    key_var = "AZURE_OPENAI_API_KEY" if backend == "azure" else "OPENAI_API_KEY"
    model_var = "AZURE_OPENAI_DEPLOYMENT" if backend == "azure" else "--model or ASSISTANT_MODEL"
    try:
        yield
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise BackendUnavailable(f"{at} refused the API key ({exc.status_code}). Check {key_var}: it may be "
                                 "mistyped, revoked, or for another organisation or project.") from None
    except openai.NotFoundError as exc:
        raise BackendUnavailable(f"{at} has no model '{settings.model}' (404: {_server_message(exc, settings)}). "
                                 f"Set {model_var} to one it serves; assistant doctor lists them.") from None
    except openai.RateLimitError as exc:
        raise BackendUnavailable(f"{at} is rate-limiting requests (429) {retries}: {_server_message(exc, settings)}. "
                                 "Wait a minute and try again, or check your plan's quota and billing; "
                                 "ASSISTANT_MAX_RETRIES sets how often to retry.") from None
    except openai.APITimeoutError:
        raise BackendUnavailable(f"{at} did not reply within {settings.request_timeout:g} s ({retries}). "
                                 "The server may be overloaded or the model still loading; try again, or raise "
                                 "ASSISTANT_REQUEST_TIMEOUT.") from None
    except openai.APIConnectionError as exc:
        cause = redact(_root_cause(exc), settings)
        raise BackendUnavailable(f"cannot reach {at} ({cause}). Is the server running and the address right? "
                                 "Check OPENAI_BASE_URL (or AZURE_OPENAI_ENDPOINT) and your network.") from None
    except openai.InternalServerError as exc:
        raise BackendUnavailable(f"{at} failed with a server error ({exc.status_code}) {retries}: "
                                 f"{_server_message(exc, settings)}. Try again later.") from None
    except openai.APIStatusError as exc:
        raise BackendUnavailable(f"{at} rejected the request ({exc.status_code}): {_server_message(exc, settings)}. "
                                 f"Check the model ({model_var}) and the server's settings.") from None
    except openai.APIResponseValidationError as exc:
        raise BackendUnavailable(_not_the_api(at, backend, exc)) from None
    except openai.APIError as exc:  # e.g. an error event in the middle of a stream
        raise BackendUnavailable(f"{at} failed: {_server_message(exc, settings)}. Try again.") from None
    except openai.OpenAIError as exc:  # the client's own configuration errors
        raise BackendUnavailable(f"the OpenAI client cannot start: {redact(str(exc), settings)}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # a 200 reply the client could not read (a sign-in page, a proxy, another API): only
        # the client's work runs inside this block (see generate), so this is the server's reply
        raise BackendUnavailable(_not_the_api(at, backend, exc)) from None


def _not_the_api(at: str, backend: str, exc: BaseException) -> str:
    sent = "it sent an HTML page" if re.search(r"<(?:!doctype|html|head|body)\b", str(exc), re.IGNORECASE) \
        else "its reply held no chat completion"
    variable = "AZURE_OPENAI_ENDPOINT" if backend == "azure" else "OPENAI_BASE_URL (or --base-url)"
    return (f"the server at {at} did not answer as an OpenAI-compatible API ({sent}). Check {variable}: "
            "most servers' address ends in /v1 (Ollama: http://localhost:11434/v1); a sign-in page or a proxy "
            "may be answering instead.")


def format_context(hits: list[SearchHit], start: int = 1) -> str:
    """The passages as numbered, delimited data: <document n="1" title=... page=...>text</document>,
    numbered from ``start``."""
    return delimit([h.chunk for h in hits], "document", ("title", "council", "kind"), start)


def delimit(chunks, tag: str, fields: tuple[str, ...] = (), start: int = 1) -> str:
    """Chunks as numbered data inside <tag n=.. page=..> ... </tag>, with the named fields
    as attributes; a passage cannot close its own delimiter and pose as the prompt."""
    def attr(value) -> str:
        return html.escape(str(value), quote=True)

    blocks = []
    for n, c in enumerate(chunks, start=start):
        attrs = f'n="{n}"' + "".join(f' {f}="{attr(getattr(c, f))}"' for f in fields) + f' page="{c.page}"'
        if c.section:
            attrs += f' section="{attr(c.section)}"'
        text = re.sub(rf"<(/?)({tag}s?)\b", r"‹\1\2", c.text, flags=re.IGNORECASE)
        blocks.append(f"<{tag} {attrs}>\n{text}\n</{tag}>")
    return "\n".join(blocks)


def _text(message) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _stderr_warning(message: str) -> None:
    from rich.text import Text

    from assistant.render.console import console
    from assistant.text.safety import terminal

    console(stderr=True).print(Text("Warning:", style="bold yellow") + Text(" " + terminal(message)), soft_wrap=True)


# Where context-size warnings go (generate/context_budget.py): stderr, as text, by default;
# the web app or a test may set another function.
on_warning = _stderr_warning
_warned: tuple = (None, set())  # (settings, kinds shown): each kind once per command (one Settings object)


def _warn(settings, kind: str, message: str | None, after_stream: bool = False) -> None:
    """Show ``message`` unless None or a warning of this kind was shown for these settings
    (a draft calls the model once per section: one warning says it). ``after_stream``: a
    streamed draft ended mid-line on stderr; the warning starts on a line of its own."""
    global _warned
    if not message:
        return
    if _warned[0] is not settings:
        _warned = (settings, set())
    if kind in _warned[1]:
        return
    _warned[1].add(kind)
    if after_stream and on_warning is _stderr_warning:
        sys.stderr.write("\n")
    on_warning(message)


def generate(settings, backend: str, messages: list, on_token=None) -> str:
    """The model's reply to ``messages``; streamed to ``on_token`` as it arrives if given.
    Warns (``on_warning``) before sending a prompt that may not fit the model's context
    window, and after a reply cut off at the length limit (``finish_reason: length``)."""
    from assistant.generate.context_budget import finish_reason, finish_reason_warning, warn_if_may_not_fit

    model = chat_model(settings, backend, streaming=on_token is not None)
    _warn(settings, "fit", warn_if_may_not_fit(settings, messages))
    if on_token is None:
        with backend_errors(settings, backend):
            reply = model.invoke(messages)
            text = _text(reply)
        _warn(settings, "length", finish_reason_warning(reply))
        return text
    parts, finished = [], None
    with backend_errors(settings, backend):
        stream = iter(model.stream(messages))
    while True:
        with backend_errors(settings, backend):  # the client's work only: on_token's errors are ours
            chunk = next(stream, None)
            token = _text(chunk) if chunk is not None else None
        if token is None:
            _warn(settings, "length", finish_reason_warning({"finish_reason": finished}), after_stream=bool(parts))
            return "".join(parts)
        finished = finish_reason(chunk) or finished
        if token:
            parts.append(token)
            on_token(token)


def complete_cited(settings, backend: str, prompt: str, variables: dict, hits: list[SearchHit], embedder,
                   on_token=None) -> CitedText:
    """Ask the model with prompt ``prompt`` (prompts/<prompt>.system.md and .user.md, given
    ``variables`` plus ``context`` and ``no_answer``), then validate its citations."""
    from assistant.generate.prompts import load_prompt

    template = load_prompt(prompt)
    require_configured(settings, backend)  # fails before anything else, even with nothing to ask
    if not hits:
        return CitedText(NO_ANSWER, [], [], True, 0, 0)
    messages = template.messages(**{**variables, "context": format_context(hits), "no_answer": NO_ANSWER})
    reply = generate(settings, backend, messages, on_token)
    return validate(reply, hits, embedder, NO_ANSWER)
