"""A scripted OpenAI-compatible server on 127.0.0.1, for tests that drive the real `openai`
client (through LangChain) and the real CLI without reaching the network.

    from tests.openai_server import Reply, openai_server   # the fixture

    def test_x(cli, openai_server):
        openai_server.queue("An answer [1].")                       # replies, in order
        openai_server.queue(Reply(status=429, headers={"retry-after-ms": "10"}), "Then this.")
        openai_server.respond = lambda request: "..."               # or compute each reply
        cli("ask", "...", "--llm", "openai", env=openai_server.env)
        openai_server.requests[-1].body["messages"]                  # what the client sent

Serves POST .../chat/completions (JSON, or server-sent events when the request says
"stream": true; any path prefix, so Azure's /openai/deployments/<name>/... works too) and
GET .../models. With no reply queued and no ``respond`` function, it answers 500 saying so.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest

DUMMY_KEY = "sk-test-0123456789abcdefSECRET"


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    error: str = ""  # the error message, for status >= 400
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before replying (longer than the client's timeout: a timeout)
    chunks: list[str] | None = None  # stream exactly these pieces (default: the content's words)
    finish_reason: str = "stop"  # "length": the reply was cut at the model's limit


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: dict

    @property
    def prompt(self) -> str:
        """All message contents of a chat request, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))

    def documents(self) -> dict[int, str]:
        """The numbered documents in the request: {n: text}."""
        found = re.finditer(r'<document n="(\d+)"[^>]*>\n(.*?)\n</document>', self.prompt, re.DOTALL)
        return {int(m.group(1)): m.group(2) for m in found}

    def document_with(self, text: str) -> int:
        """The number of the first document containing ``text`` (KeyError if none)."""
        for n, body in self.documents().items():
            if text in body:
                return n
        raise KeyError(f"no document in the request contains {text!r}")


class OpenAIServer:
    def __init__(self, models: tuple[str, ...] = ("gpt-test", "gpt-4.1-mini")):
        self.models = list(models)
        self.requests: list[Request] = []
        self.replies: deque = deque()
        self.respond: Callable[[Request], Reply | str] | None = None
        self._released = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def env(self) -> dict:
        """Environment for the CLI: this server, a dummy key, a short timeout and fast retries,
        and the context window of a hosted model (the server is on 127.0.0.1, where Plan
        Assistant otherwise assumes a small local model's 2,048 tokens and warns)."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": DUMMY_KEY, "ASSISTANT_MODEL": "gpt-test",
                "ASSISTANT_REQUEST_TIMEOUT": "5", "ASSISTANT_MAX_RETRIES": "1", "ASSISTANT_CONTEXT_WINDOW": "128000"}

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    def queue(self, *replies: Reply | str) -> None:
        self.replies.extend(replies)

    def next_reply(self, request: Request) -> Reply:
        if self.replies:
            reply = self.replies.popleft()
        elif self.respond is not None:
            reply = self.respond(request)
        else:
            reply = Reply(status=500, error="openai_server: no scripted reply queued")
        return Reply(content=reply) if isinstance(reply, str) else reply

    def wait(self, seconds: float) -> None:
        self._released.wait(seconds)

    def close(self) -> None:
        self._released.set()  # let stalled handlers finish
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _completion(content: str, model: str, finish: str = "stop") -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(model: str, delta: dict, finish: str | None = None) -> bytes:
    data = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(data)}\n\n".encode()


def tokens(text: str) -> list[str]:
    """Text as a model streams it: words with their following space."""
    return re.findall(r"\S+\s*|\s+", text)


def _handler(server: OpenAIServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _record(self, body: dict) -> Request:
            request = Request(self.command, self.path, dict(self.headers), body)
            server.requests.append(request)
            return request

        def _send_json(self, status: int, data: dict, headers: dict | None = None) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._record({})
            if self.path.split("?")[0].endswith("/models"):
                self._send_json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in server.models]})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            request = self._record(body)
            if not self.path.split("?")[0].endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            reply = server.next_reply(request)
            if reply.delay:
                server.wait(reply.delay)
            model = body.get("model", "gpt-test")
            if reply.status >= 400:
                self._send_json(reply.status, {"error": {"message": reply.error or f"error {reply.status}",
                                                         "type": "test_error", "code": None}}, reply.headers)
            elif body.get("stream"):
                self._stream(reply, model)
            else:
                self._send_json(200, _completion(reply.content, model, reply.finish_reason), reply.headers)

        def _stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(_chunk(model, {"role": "assistant", "content": ""}))
            for token in reply.chunks if reply.chunks is not None else tokens(reply.content):
                self.wfile.write(_chunk(model, {"content": token}))
                self.wfile.flush()
            self.wfile.write(_chunk(model, {}, reply.finish_reason))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def handle_one_request(self):
            try:
                super().handle_one_request()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                self.close_connection = True

    return Handler


@pytest.fixture
def openai_server():
    """A scripted OpenAI-compatible server on 127.0.0.1, closed after the test."""
    with OpenAIServer() as server:
        yield server
