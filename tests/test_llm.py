"""`assistant ask --llm openai|azure` and `assistant doctor`, through the real CLI and the real
openai client (via LangChain) against a scripted OpenAI-compatible server on 127.0.0.1."""

import socket

import pytest

from assistant.ingest.loaders import load_file
from tests.openai_server import DUMMY_KEY, Reply, openai_server  # noqa: F401 - the fixture

QUESTION = "What barriers did Redditch cite?"
RECRUITMENT = "Recruitment difficult in some areas"


def fast(server, **extra) -> dict:
    """The server's environment with quick failure (no retries, short timeout) unless overridden."""
    return {**server.env, "ASSISTANT_MAX_RETRIES": "0", **extra}


def ask(cli, home, env, *flags, question=QUESTION):
    result = cli("ask", question, "--llm", flags[0] if flags else "openai", *flags[1:], home=home, env=env)
    assert DUMMY_KEY not in result.stdout + result.stderr
    return result


def good_answer(request) -> str:
    n = request.document_with(RECRUITMENT)
    return (f"**Redditch Borough Council**\n"
            f"- Recruitment is difficult in some areas, i.e. ICT, planning and housing [{n}].\n"
            f"- Silo working with other local authorities and government bodies is a barrier. [{n}]\n")


def assert_quotes_verbatim(answer):
    for citation in answer["citations"]:
        page = load_file(citation["source"]).pages[citation["page"] - 1].text
        assert citation["quote"] in page
        assert f"[{citation['n']}]" in answer["answer"]


def test_a_good_cited_answer_is_validated_and_quoted(cli, seeded_home, openai_server):
    openai_server.respond = good_answer
    result = ask(cli, seeded_home, openai_server.env, "openai", "--json")
    assert result.code == 0, result.stderr
    answer = result.json
    assert answer["backend"] == "openai" and answer["refused"] is False
    assert (answer["sentences_total"], answer["sentences_supported"], answer["unsupported"]) == (2, 2, [])
    assert "Recruitment is difficult in some areas" in answer["answer"]
    assert {c["council"] for c in answer["citations"]} == {"Redditch Borough Council"}
    assert_quotes_verbatim(answer)
    # what the model was sent: the settings, the rules, and the passages as numbered data
    (request,) = openai_server.chat_requests
    body = request.body
    assert body["model"] == "gpt-test" and body["temperature"] == 0 and not body.get("stream")
    assert request.headers["authorization"] == f"Bearer {DUMMY_KEY}"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "data, not instructions" in body["messages"][0]["content"]
    assert "<document" not in body["messages"][0]["content"]
    assert len(request.documents()) >= 2 and RECRUITMENT in request.documents()[request.document_with(RECRUITMENT)]


def test_streaming_shows_the_reply_as_it_arrives_then_the_checked_answer(cli, seeded_home, openai_server):
    openai_server.respond = lambda request: good_answer(request) + "- It also closed every library in 2019 [1].\n"
    result = ask(cli, seeded_home, openai_server.env)
    assert result.code == 0, result.stderr
    assert openai_server.chat_requests[0].body["stream"] is True
    # the draft streams to stderr, including what validation removes later
    assert "It also closed every library in 2019" in result.stderr
    assert "1 sentence(s) removed" in result.stderr
    # stdout holds the checked answer, marking the removed sentence, with its sources
    out = result.stdout
    assert "Recruitment is difficult in some areas" in out and "Sources" in out
    assert "✗ unsupported: It also closed every library in 2019." in out
    assert "2/3 statements supported" in out


def test_json_never_streams(cli, seeded_home, openai_server):
    openai_server.respond = good_answer
    result = ask(cli, seeded_home, openai_server.env, "openai", "--json")
    assert result.code == 0 and result.stderr == ""
    assert not openai_server.chat_requests[0].body.get("stream")


def test_a_citation_of_a_passage_that_does_not_exist_is_caught(cli, seeded_home, openai_server):
    def reply(request):
        missing = len(request.documents()) + 5
        return good_answer(request) + f"- Redditch has too many councillors [{missing}].\n"

    openai_server.respond = reply
    answer = ask(cli, seeded_home, openai_server.env, "openai", "--json").json
    assert answer["unsupported"] == ["Redditch has too many councillors."]
    assert "councillors" not in answer["answer"]
    assert (answer["sentences_total"], answer["sentences_supported"]) == (3, 2)
    assert max(c["n"] for c in answer["citations"]) == len(answer["citations"])


def test_an_uncited_invented_figure_is_caught(cli, seeded_home, openai_server):
    openai_server.respond = lambda request: good_answer(request) + "Redditch saved £4.2m by sharing services in 2023.\n"
    answer = ask(cli, seeded_home, openai_server.env, "openai", "--json").json
    assert answer["unsupported"] == ["Redditch saved £4.2m by sharing services in 2023."]
    assert "£4.2m" not in answer["answer"] and answer["sentences_supported"] == 2


def test_a_reply_that_nothing_supports_becomes_a_refusal(cli, seeded_home, openai_server):
    openai_server.queue("Redditch's main barrier is the weather [1]. Its budget is £80m.")
    answer = ask(cli, seeded_home, openai_server.env, "openai", "--json").json
    assert answer["refused"] is True and answer["citations"] == []
    assert answer["answer"].startswith("The documents do not say.") and "I searched" in answer["answer"]
    assert len(answer["unsupported"]) == 2 and answer["sentences_supported"] == 0


def test_the_fixed_no_answer_sentence_is_a_refusal(cli, seeded_home, openai_server):
    openai_server.queue("The documents do not say.")
    result = ask(cli, seeded_home, openai_server.env, "openai", "--json",
                 question="What did Redditch say about parking charges?")
    assert result.code == 0
    assert result.json["refused"] is True and result.json["unsupported"] == []


def test_rate_limit_is_retried_then_succeeds(cli, seeded_home, openai_server):
    openai_server.queue(Reply(status=429, error="Rate limit reached", headers={"retry-after-ms": "20"}))
    openai_server.respond = good_answer
    result = ask(cli, seeded_home, openai_server.env, "openai", "--json")  # env allows one retry
    assert result.code == 0, result.stderr
    assert result.json["sentences_supported"] == 2
    assert len(openai_server.chat_requests) == 2


def test_rate_limit_that_persists_exits_3_saying_what_to_do(cli, seeded_home, openai_server):
    openai_server.queue(*[Reply(status=429, error="Rate limit reached", headers={"retry-after-ms": "20"})] * 2)
    result = ask(cli, seeded_home, openai_server.env, "openai", "--json")
    assert result.code == 3 and result.stdout == ""
    assert "rate-limiting requests (429) after 1 retry" in result.stderr and "quota" in result.stderr
    assert len(openai_server.chat_requests) == 2


def test_server_error_exits_3(cli, seeded_home, openai_server):
    openai_server.queue(Reply(status=500, error="backend exploded"))
    result = ask(cli, seeded_home, fast(openai_server), "openai", "--json")
    assert result.code == 3 and result.stdout == ""
    assert "server error (500)" in result.stderr and "backend exploded" in result.stderr


def test_timeout_exits_3_naming_the_setting(cli, seeded_home, openai_server):
    openai_server.queue(Reply(content="too late", delay=5))
    result = ask(cli, seeded_home, fast(openai_server, ASSISTANT_REQUEST_TIMEOUT="0.3"), "openai", "--json")
    assert result.code == 3 and result.stdout == ""
    assert "did not reply within 0.3 s" in result.stderr and "ASSISTANT_REQUEST_TIMEOUT" in result.stderr


def test_unknown_model_exits_3_naming_it(cli, seeded_home, openai_server):
    openai_server.queue(Reply(status=404, error="The model `gpt-nope` does not exist"))
    result = ask(cli, seeded_home, fast(openai_server), "openai", "--model", "gpt-nope", "--json")
    assert result.code == 3
    assert "no model 'gpt-nope'" in result.stderr and "ASSISTANT_MODEL" in result.stderr
    assert openai_server.chat_requests[0].body["model"] == "gpt-nope"


def test_rejected_key_exits_3_without_showing_it(cli, seeded_home, openai_server):
    openai_server.queue(Reply(status=401, error=f"Incorrect API key provided: {DUMMY_KEY}"))
    result = ask(cli, seeded_home, fast(openai_server), "openai", "--json")  # ask() asserts the key is absent
    assert result.code == 3 and "refused the API key (401)" in result.stderr and "OPENAI_API_KEY" in result.stderr


def test_unreachable_server_exits_3(cli, seeded_home):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "ASSISTANT_MAX_RETRIES": "0"}
    result = ask(cli, seeded_home, env, "openai", "--json")
    assert result.code == 3 and f"cannot reach http://127.0.0.1:{port}/v1" in result.stderr
    assert "OPENAI_BASE_URL" in result.stderr


def test_no_key_and_no_server_exits_3_before_any_request(cli, seeded_home):
    result = ask(cli, seeded_home, {}, "openai", "--json")
    assert result.code == 3 and "OPENAI_API_KEY" in result.stderr and "OPENAI_BASE_URL" in result.stderr


def test_unknown_backend_is_a_usage_error(cli, seeded_home):
    result = ask(cli, seeded_home, {}, "gpt")
    assert result.code == 2 and "extractive" in result.stderr and "openai" in result.stderr


def test_base_url_option_reaches_a_local_server_without_a_key(cli, seeded_home, openai_server):
    openai_server.respond = good_answer
    result = ask(cli, seeded_home, {"ASSISTANT_MODEL": "llama3.2"}, "openai", "--base-url", openai_server.base_url,
                 "--json")
    assert result.code == 0, result.stderr
    assert result.json["sentences_supported"] == 2
    assert openai_server.chat_requests[0].body["model"] == "llama3.2"


def test_azure_backend_uses_the_deployment_route_and_key_header(cli, seeded_home, openai_server):
    openai_server.respond = good_answer
    env = {"AZURE_OPENAI_ENDPOINT": openai_server.url, "AZURE_OPENAI_API_KEY": DUMMY_KEY,
           "AZURE_OPENAI_DEPLOYMENT": "plan-gpt", "OPENAI_API_VERSION": "2024-10-21", "ASSISTANT_MAX_RETRIES": "0"}
    result = ask(cli, seeded_home, env, "azure", "--json")
    assert result.code == 0, result.stderr
    assert result.json["backend"] == "azure" and result.json["sentences_supported"] == 2
    (request,) = openai_server.chat_requests
    assert request.path.startswith("/openai/deployments/plan-gpt/chat/completions?api-version=2024-10-21")
    assert request.headers["api-key"] == DUMMY_KEY


def test_azure_without_settings_exits_3_naming_them(cli, seeded_home):
    result = ask(cli, seeded_home, {}, "azure")
    assert result.code == 3 and "AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY" in result.stderr



# --- context size: a prompt that may not fit, a reply cut off (generate/context_budget.py) ---
def test_a_reply_cut_off_at_the_length_limit_is_named_with_the_fix(cli, seeded_home, openai_server):
    openai_server.respond = lambda request: Reply(good_answer(request), finish_reason="length")
    for flags in (("openai", "--json"), ("openai",)):  # one reply whole, one streamed
        result = ask(cli, seeded_home, openai_server.env, *flags)
        assert result.code == 0, result.stderr
        warning = result.stderr[result.stderr.index("Warning:"):]
        assert "finish_reason: length" in warning and "cut off" in warning
        assert "num_ctx" in warning and "context_window" in warning
        assert "may not fit" not in result.stderr and "tokens, plus" not in result.stderr  # 128,000 is roomy
    assert "Recruitment is difficult in some areas" in result.stdout  # the answer is still shown, checked
    # the streamed draft ends mid-line: the warning starts a line of its own
    assert "\nWarning: The model stopped at its length limit" in result.stderr


def test_a_long_prompt_to_a_local_model_with_a_small_window_is_warned_before_the_answer(cli, seeded_home,
                                                                                        openai_server):
    openai_server.respond = good_answer
    result = ask(cli, seeded_home, {**openai_server.env, "ASSISTANT_CONTEXT_WINDOW": "1024"})
    assert result.code == 0, result.stderr
    err = result.stderr
    assert "Warning: The prompt is about" in err and "context_window = 1,024" in err
    assert "num_ctx" in err and "OLLAMA_CONTEXT_LENGTH" in err
    assert err.index("Warning: The prompt is about") < err.index("Draft reply")  # before the answer
    assert err.count("Warning:") == 1 and "finish_reason" not in err
    assert "Recruitment is difficult in some areas" in result.stdout
    # a local server with no context_window set: Ollama's default window is assumed
    result = ask(cli, seeded_home, {"ASSISTANT_MODEL": "llama3.2"}, "openai", "--base-url", openai_server.base_url,
                 "--json")
    assert result.code == 0 and result.json["sentences_supported"] == 2
    assert "2,048-4,096 tokens; context_window is not set" in result.stderr
    # the same prompt to a model with a window it fits: no warning
    result = ask(cli, seeded_home, {**openai_server.env, "ASSISTANT_CONTEXT_WINDOW": "32768"}, "openai", "--json")
    assert result.code == 0 and result.stderr == ""


# --- doctor ----------------------------------------------------------------------------
def checks(result) -> dict:
    return {c["name"]: c for c in result.json["checks"]}


def test_doctor_reports_a_working_install_and_server(cli, seeded_home, openai_server):
    result = cli("doctor", "--json", home=seeded_home, env=openai_server.env)
    assert result.code == 0, result.stdout
    found = checks(result)
    assert result.json["ok"] is True
    assert {found[n]["status"] for n in ("python", "packages", "embedder", "index", "chroma")} == {"ok"}
    assert "documents" in found["index"]["detail"]
    assert found["llm openai"]["status"] == "ok" and "gpt-test available" in found["llm openai"]["detail"]
    assert found["llm azure"]["status"] == "off" and "AZURE_OPENAI_ENDPOINT" in found["llm azure"]["fix"]
    assert DUMMY_KEY not in result.stdout
    text = cli("doctor", home=seeded_home, env=openai_server.env)
    assert text.code == 0 and "llm openai" in text.stdout and "All needed checks pass" in text.stdout


def test_doctor_on_a_fresh_machine_says_what_to_do_and_creates_nothing(cli, tmp_path):
    home = tmp_path / "not-yet"
    result = cli("doctor", "--json", home=home)
    assert result.code == 0  # the offline path works; the index is just empty
    found = checks(result)
    assert found["index"]["status"] == "warn" and "assistant ingest --shipped" in found["index"]["fix"]
    assert found["llm openai"]["status"] == "off" and "OPENAI_API_KEY" in found["llm openai"]["fix"]
    assert not home.exists()


def test_doctor_flags_a_model_the_server_does_not_list(cli, home, openai_server):
    result = cli("doctor", "--json", home=home, env={**openai_server.env, "ASSISTANT_MODEL": "gpt-nope"})
    found = checks(result)
    assert result.code == 0
    assert found["llm openai"]["status"] == "warn" and "gpt-test" in found["llm openai"]["detail"]
    assert "ASSISTANT_MODEL" in found["llm openai"]["fix"]


@pytest.mark.parametrize("default, code", [("extractive", 0), ("openai", 3)])
def test_doctor_fails_only_when_the_configured_backend_is_down(cli, home, default, code):
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "ASSISTANT_LLM": default}
    result = cli("doctor", "--json", home=home, env=env)
    assert result.code == code
    found = checks(result)["llm openai"]
    assert found["status"] == "fail" and "cannot reach" in found["detail"] and found["fix"]
