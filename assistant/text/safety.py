"""What may leave the process: text for a terminal, and text without secrets.

Documents, their metadata (titles from file names, manifest values, flags), a model's
replies and servers' error messages are untrusted. Before any of it reaches a terminal,
``clean`` removes control characters and escape sequences (CSI such as clear-screen,
OSC such as window titles, DCS/APC/PM/SOS strings, C1 controls, bidi overrides) and
turns OSC 8 hyperlinks into "text (address)", so no link hides where it goes. Before
anything leaves the process (terminal, JSON, files, streamed tokens), ``redact`` hides
the configured API keys and anything shaped like a key.

The choke points that apply them: ``assistant.render.console.SafeConsole`` (everything
printed through rich), ``StreamGuard`` (a model's streamed reply), ``json_text`` (JSON on
stdout and in files) and ``assistant.render.files`` (files written). ``scrub`` applies
them to a whole result (an Answer, a Draft, a GapReport, a dict) at once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

# --- terminal text -----------------------------------------------------------------------
_ST = r"(?:\x07|\x1b\\|\x9c)"  # string terminator: BEL, ESC \ or the C1 ST
_OSC = r"(?:\x1b\]|\x9d)"
_PAYLOAD = r"[^\x07\x1b\x9c]"
_PARAMS = r"[^;\x07\x1b\x9c]*"  # OSC 8's key=value:key=value parameters
_OSC8_LINK = re.compile(_OSC + rf"8;{_PARAMS};({_PAYLOAD}+?){_ST}(.*?){_OSC}8;{_PARAMS};{_ST}", re.DOTALL)
_OSC8_OPEN = re.compile(_OSC + rf"8;{_PARAMS};({_PAYLOAD}*){_ST}")
_STRING = re.compile(rf"(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]){_PAYLOAD}*{_ST}")  # OSC, DCS, SOS, PM, APC
_CSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]")
_ESC = re.compile(r"\x1b[ -/]*[0-~]?")  # other ESC sequences (reset, charset, keypad), or a lone ESC
# C0 but tab and newline, DEL, C1, and the bidi embeddings/overrides/isolates that reorder
# what is shown ("Trojan Source"), and the noncharacters U+FFFE/U+FFFF (Word refuses them);
# carriage returns are made newlines first.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def _link(m: re.Match) -> str:
    address, text = _strip(m.group(1)).strip(), clean(m.group(2))
    return address if not text.strip() or text.strip() == address else f"{text} ({address})"


def _strip(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean(text: str) -> str:
    """``text`` safe to show in a terminal: no escape sequence or control character (tabs and
    newlines kept; a carriage return becomes a newline), hyperlinks as "text (address)"."""
    if not _CONTROL.search(text):
        return text
    text = _OSC8_LINK.sub(_link, text)
    text = _OSC8_OPEN.sub(lambda m: f"({_strip(m.group(1)).strip()}) " if m.group(1).strip() else "", text)
    text = _ESC.sub("", _CSI.sub("", _STRING.sub("", text)))
    return _strip(text)


# --- secrets -----------------------------------------------------------------------------
SECRET_VARIABLES = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")
MIN_SECRET = 8  # shorter configured "keys" ("ollama") are placeholders for local servers, not secrets
MASK = "***"
_remembered: set[str] = set()

# OpenAI-style keys (sk-..., sk-proj-...), and a long token after a word that introduces one
# ("Bearer ...", "api_key=...", "token: ...", "Authorization: ..."): letters and digits both,
# so "key transformation_programmes" stays.
_SK = re.compile(r"\b(sk-)[A-Za-z0-9_\-]{16,}")
_CONTEXT = r"(?:bearer|api[-_ ]?key|key|token|secret|password|authorization)"
_AFTER_WORD = re.compile(rf"(?i)(\b{_CONTEXT}\b[\"']?\s*[:=]?\s*[\"']?)([A-Za-z0-9+/_\-.~]{{20,}}=*)")


def remember_secrets(settings) -> None:
    """Also hide the keys ``settings`` holds (e.g. from config.toml) from now on."""
    for name in ("openai_api_key", "azure_api_key"):
        secret = getattr(settings, name, None)
        value = secret.get_secret_value() if secret is not None else ""
        if len(value) >= MIN_SECRET:
            _remembered.add(value)


def secrets() -> list[str]:
    """The configured keys, longest first: the environment's and those remembered."""
    found = set(_remembered)
    found.update(v for v in (os.environ.get(name, "").strip() for name in SECRET_VARIABLES) if len(v) >= MIN_SECRET)
    return sorted(found, key=len, reverse=True)


def _masked_token(m: re.Match) -> str:
    value = m.group(2)
    if re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
        return m.group(1) + MASK
    return m.group(0)


def redact(text: str) -> str:
    """``text`` with the configured keys, and anything shaped like a key, replaced by ***."""
    for secret in secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    if "sk-" in text:
        text = _SK.sub(r"\1" + MASK, text)
    return _AFTER_WORD.sub(_masked_token, text)


def terminal(text: str) -> str:
    """Both: what a terminal may be shown."""
    return clean(redact(text))


def scrub(value, for_terminal: bool = False):
    """A copy of ``value`` (str, list, tuple, dict, pydantic model, dataclass) with every
    string redacted, and cleaned too when ``for_terminal``."""
    fix = terminal if for_terminal else redact
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, dict):
        return {scrub(k, for_terminal): scrub(v, for_terminal) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [scrub(v, for_terminal) for v in value]
        return items if isinstance(value, list) else type(value)(items) if not hasattr(value, "_fields") \
            else type(value)(*items)
    fields = getattr(type(value), "model_fields", None)
    if isinstance(fields, dict) and hasattr(value, "model_copy"):
        return value.model_copy(update={name: scrub(getattr(value, name), for_terminal) for name in fields})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: scrub(getattr(value, f.name), for_terminal)
                                             for f in dataclasses.fields(value) if f.init})
    return value


# JSON escapes C0 itself; DEL, C1 and bidi controls are written as \\u escapes too (still
# the same JSON value), so a JSON document printed to a terminal is inert.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_text(data, indent: int | None = 2) -> str:
    text = json.dumps(scrub(data), indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# --- streams -------------------------------------------------------------------------------
_OPEN_SEQUENCE = re.compile(  # an escape sequence, or an OSC 8 link, not finished by the end of the text
    rf"(?:\x1b[ -/]*|(?:\x1b\[|\x9b)[0-?]*[ -/]*|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]){_PAYLOAD}*\x1b?"
    rf"|{_OSC}8;{_PARAMS};{_PAYLOAD}+{_ST}(?:(?!{_OSC}8;{_PARAMS};{_ST}).)*)\Z", re.DOTALL)
_SEQUENCE = re.compile("|".join(p.pattern for p in (_OSC8_LINK, _STRING, _CSI, _ESC)), re.DOTALL)
_KEY_TAIL = re.compile(r"[A-Za-z0-9+/_\-.~=]+\Z")
_CONTEXT_TAIL = re.compile(rf"(?i)\b{_CONTEXT}[\"']?\s*[:=]?\s*[\"']?\Z")


class StreamGuard:
    """A model's reply, token by token, made safe to show: what ``feed`` returns has no
    escape sequence and no key. It holds back what could still become one — an escape
    sequence or a link not yet closed, a word that may be the start of a key (and the
    "Bearer"/"key:" before it), the start of a configured key — until the next tokens
    decide it; ``close`` releases the rest."""

    HOLD_LIMIT = 4096  # characters: a sequence or "word" longer than this is released, cleaned

    def __init__(self):
        self.pending = ""

    def _cut(self, text: str) -> int:
        cut = len(text)
        if m := _OPEN_SEQUENCE.search(text):
            cut = m.start()
        if m := _KEY_TAIL.search(text[:cut]):
            cut = m.start()
        if m := _CONTEXT_TAIL.search(text[:cut]):
            cut = m.start()
        for secret in secrets():
            for k in range(min(len(secret) - 1, cut), 0, -1):
                if text[:cut].endswith(secret[:k]):
                    cut = cut - k
                    break
        for m in _SEQUENCE.finditer(text):  # never inside a finished sequence ("\x1b[0m": not a word "0m")
            if m.start() < cut < m.end():
                cut = m.start()
        return cut

    def feed(self, token: str) -> str:
        self.pending += token
        cut = self._cut(self.pending)
        if len(self.pending) - cut > self.HOLD_LIMIT:
            cut = len(self.pending)
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return terminal(out) if out else ""

    def close(self) -> str:
        out, self.pending = self.pending, ""
        return terminal(out) if out else ""
