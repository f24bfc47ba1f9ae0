"""Prompts that may not fit a small local model's window, and replies cut off for length,
are said, not silent: estimates, warnings, and the finish reason read from the real
`openai` client (directly and through LangChain) talking to the scripted server."""

from __future__ import annotations

import pytest

from assistant.generate.context_budget import (LOCAL_ASSUMED, REPLY_RESERVE, estimate_tokens, finish_reason_warning,
                                               is_local, warn_if_may_not_fit)
from assistant.settings import load_settings
from tests.openai_server import DUMMY_KEY, Reply, openai_server  # noqa: F401 - the fixture

PASSAGE = "Recruitment of planning officers remains our hardest barrier to productivity. " * 12  # ~960 chars


def prompt(passages: int) -> list[dict]:
    return [{"role": "system", "content": "Answer only from the documents, citing each [n]."},
            {"role": "user", "content": "\n\n".join(f'<document n="{i}">\n{PASSAGE}\n</document>'
                                                    for i in range(1, passages + 1))}]


def test_estimate_grows_with_the_text_whatever_form_the_messages_take():
    from langchain_core.messages import HumanMessage, SystemMessage

    as_dicts = prompt(10)
    as_langchain = [SystemMessage(as_dicts[0]["content"]), HumanMessage(as_dicts[1]["content"])]
    as_pairs = [("system", as_dicts[0]["content"]), ("user", as_dicts[1]["content"])]
    chars = sum(len(m["content"]) for m in as_dicts)
    assert estimate_tokens(as_dicts) == estimate_tokens(as_langchain) == estimate_tokens(as_pairs)
    assert chars / 4 <= estimate_tokens(as_dicts) <= chars / 4 + 10
    assert estimate_tokens(prompt(20)) > 1.9 * estimate_tokens(prompt(10))


@pytest.mark.parametrize("url, local", [
    ("http://localhost:11434/v1", True), ("http://127.0.0.1:8080/v1", True), ("http://gpu-box:11434/v1", True),
    ("https://api.openai.com/v1", False), (None, False), ("https://example.openai.azure.com", False)])
def test_which_servers_count_as_local(url, local):
    assert is_local(url) is local


def test_a_local_server_without_a_known_window_warns_only_past_its_default(tmp_path):
    settings = load_settings(tmp_path, openai_base_url="http://localhost:11434/v1")
    small, large = prompt(3), prompt(12)
    assert estimate_tokens(small) + REPLY_RESERVE <= LOCAL_ASSUMED < estimate_tokens(large)
    assert warn_if_may_not_fit(settings, small) is None
    warning = warn_if_may_not_fit(settings, large)
    assert warning and "num_ctx" in warning and "OLLAMA_CONTEXT_LENGTH" in warning and "-c 8192" in warning
    assert f"{estimate_tokens(large):,}" in warning
    # a hosted model: no window assumed
    assert warn_if_may_not_fit(load_settings(tmp_path, openai_base_url="https://api.openai.com/v1"), large) is None


def test_a_configured_window_is_the_one_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CONTEXT_WINDOW", "16384")
    roomy = load_settings(tmp_path, openai_base_url="http://localhost:11434/v1")
    assert roomy.context_window == 16384
    assert warn_if_may_not_fit(roomy, prompt(12)) is None
    monkeypatch.setenv("ASSISTANT_CONTEXT_WINDOW", "1024")
    tight = load_settings(tmp_path, openai_base_url="https://api.openai.com/v1")  # even a hosted one
    warning = warn_if_may_not_fit(tight, prompt(3))
    assert warning and "context_window = 1,024" in warning


@pytest.mark.parametrize("finish, warned", [("length", True), ("stop", False)])
def test_the_finish_reason_from_the_openai_client(openai_server, finish, warned):
    import openai

    client = openai.OpenAI(base_url=openai_server.base_url, api_key=DUMMY_KEY, max_retries=0, timeout=10)
    openai_server.queue(Reply("Recruitment of planning officers remains", finish_reason=finish))
    reply = client.chat.completions.create(model="gpt-test", messages=prompt(1))
    warning = finish_reason_warning(reply)
    assert (warning is not None) is warned
    if warned:
        assert "cut off" in warning and "num_ctx" in warning
    assert (finish_reason_warning(reply.model_dump()) is not None) is warned


@pytest.mark.parametrize("stream", [False, True])
def test_the_finish_reason_through_langchain_invoked_or_streamed(openai_server, stream):
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model="gpt-test", base_url=openai_server.base_url, api_key=DUMMY_KEY, max_retries=0,
                       timeout=10, streaming=stream, use_responses_api=False)
    openai_server.queue(Reply("Recruitment of planning officers remains", finish_reason="length"),
                        Reply("A whole answer [1].", finish_reason="stop"))
    for expected in (True, False):
        if stream:
            reply = None
            for chunk in model.stream(prompt(1)):
                reply = chunk if reply is None else reply + chunk
        else:
            reply = model.invoke(prompt(1))
        assert (finish_reason_warning(reply) is not None) is expected
