"""Will the prompt fit? Small local models behind Ollama or llama.cpp's server have short
context windows (Ollama: 2,048 tokens by default in older versions, 4,096 in newer ones on
a machine with little GPU memory) and cut a longer prompt silently: the model answers from
part of the passages, or loses the instructions at the top. Nothing in the reply says so,
except sometimes ``finish_reason == "length"``.

- ``estimate_tokens``: about 4 characters a token (English prose, GPT and Llama tokenizers).
  tiktoken would count OpenAI models' tokens exactly, but it downloads its vocabularies on
  first use (no network here), and local models use other tokenizers anyway.
- ``warn_if_may_not_fit``: against ``settings.context_window`` when set, else, for a server
  on this machine (localhost, 127.0.0.1, port 11434), against LOCAL_ASSUMED tokens.
- ``finish_reason_warning``: the reply stopped at the length limit.

The fix, in every warning: give the model a bigger window (Ollama: ``PARAMETER num_ctx`` in a
Modelfile or ``OLLAMA_CONTEXT_LENGTH`` when starting the server; llama.cpp: ``-c``), then
tell Plan Assistant (``context_window``).
"""

from __future__ import annotations

from urllib.parse import urlparse

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4  # role and separators, as chat templates add them
REPLY_RESERVE = 512  # tokens left for the answer: a cited answer of a few paragraphs
LOCAL_ASSUMED = 2048  # Ollama's long-standing default; newer versions give 4,096 on small GPUs
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
OLLAMA_PORT = 11434

FIX = ("Give the model a bigger context window — Ollama: `OLLAMA_CONTEXT_LENGTH=8192 ollama serve`, or "
       "`PARAMETER num_ctx 8192` in a Modelfile (`ollama create`); llama.cpp server: `-c 8192` — then set "
       "context_window = 8192 in config.toml (or ASSISTANT_CONTEXT_WINDOW=8192).")


def _content(message) -> str:
    if isinstance(message, str):
        return message
    if isinstance(message, dict):
        content = message.get("content", "")
    elif isinstance(message, tuple | list) and len(message) == 2:  # ("user", "text"), LangChain's shorthand
        content = message[1]
    else:
        content = getattr(message, "content", "")
    if isinstance(content, list):  # multi-part content: the text parts count
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content or "")


def estimate_tokens(messages) -> int:
    """Rough size of a chat prompt in tokens: LangChain messages, {"role", "content"} dicts,
    (role, text) pairs or plain strings."""
    if isinstance(messages, str):
        messages = [messages]
    return sum(-(-len(_content(m)) // CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE for m in messages)


def is_local(base_url: str | None) -> bool:
    """Whether the chat server runs on this machine (where small models with short windows live)."""
    if not base_url:
        return False
    parsed = urlparse(base_url if "://" in base_url else f"http://{base_url}")
    try:
        port = parsed.port
    except ValueError:
        port = None
    return (parsed.hostname or "") in LOCAL_HOSTS or port == OLLAMA_PORT


def warn_if_may_not_fit(settings, messages) -> str | None:
    """A warning to show before sending ``messages`` when they may not fit the model's
    context window with room for the reply; None when they fit or the window is unknown
    and large (a hosted model)."""
    window = getattr(settings, "context_window", None)
    assumed = window is None
    if assumed:
        if not is_local(getattr(settings, "openai_base_url", None)):
            return None
        window = LOCAL_ASSUMED
    needed = estimate_tokens(messages) + REPLY_RESERVE
    if needed <= window:
        return None
    where = (f"a local server's default context window ({LOCAL_ASSUMED:,}-4,096 tokens; context_window is not set)"
             if assumed else f"the model's context window (context_window = {window:,})")
    return (f"The prompt is about {needed - REPLY_RESERVE:,} tokens, plus ~{REPLY_RESERVE} for the answer: more than "
            f"{where}. The server may cut it silently, and the answer would miss passages or instructions. {FIX}")


def finish_reason(reply) -> str | None:
    """The finish reason of a reply: a LangChain message (or merged stream chunks), an
    ``openai`` ChatCompletion, or its JSON as a dict."""
    if reply is None:
        return None
    if isinstance(reply, dict):
        choices = reply.get("choices") or [reply]
        return (choices[0] or {}).get("finish_reason")
    metadata = getattr(reply, "response_metadata", None)
    if isinstance(metadata, dict):
        return metadata.get("finish_reason")
    choices = getattr(reply, "choices", None)
    if choices:
        return getattr(choices[0], "finish_reason", None)
    return None


def finish_reason_warning(reply) -> str | None:
    """A warning when the model stopped at its length limit: the reply is cut off."""
    if finish_reason(reply) != "length":
        return None
    return ("The model stopped at its length limit (finish_reason: length): its reply is cut off, and with a small "
            f"local model the prompt itself may have been cut. {FIX}")
