"""The web app (`assistant serve`) through FastAPI's TestClient: every page and the JSON API
over a real index (the shipped corpus plus a document full of markup), the same answer as
`assistant ask --json`, escaping, the security headers, the token, cross-site and size
checks, uploads, draft, gap check and compare with their downloads, and a streamed answer
from a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import time
import tomllib
import zipfile

import pytest
from fastapi.testclient import TestClient

from assistant.web import create_app
from assistant.web.security import CSP, LOOPBACK_NAMES
from tests.conftest import make_docx, run_cli, settings_for
from tests.openai_server import DUMMY_KEY, openai_server  # noqa: F401 - the fixture

QUESTION = "What barriers did peer councils cite?"
HOSTILE_TITLE = "Pothole report <img src=x onerror=alert('title')>"
HOSTILE_TEXT = """# Pothole repairs <script>alert('doc')</script>

Anytown Borough Council repaired 4,000 potholes in 2023 with a new pothole lorry <img src=x onerror=alert('img')>.

The pothole lorry cost £120,000 and is shared with <b>two neighbouring councils</b>,
see [the plan](javascript:alert('link')).
"""


def write_hostile(folder):
    path = folder / "anytown-potholes.md"
    path.write_text(HOSTILE_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def web_home(seeded_home_master, tmp_path_factory):
    """The shipped corpus plus a document whose text and title carry HTML and script."""
    home = tmp_path_factory.mktemp("web") / "home"
    shutil.copytree(seeded_home_master, home)
    result = run_cli("ingest", write_hostile(home.parent), "--council", "Anytown Borough Council", "--kind", "report",
                     "--title", HOSTILE_TITLE, home=home)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def client(web_home):
    with TestClient(create_app(settings_for(web_home))) as c:
        yield c


def csrf(client) -> str:
    client.get("/")
    return client.cookies.get("assistant_csrf")


def wait_for_job(client, response, timeout: float = 120) -> str:
    """Follow a job's page until it is no longer running; returns the final page."""
    assert response.status_code == 200, response.text[:500]
    url = str(response.url)
    assert "/jobs/" in url
    deadline = time.time() + timeout
    page = response.text
    while 'hx-trigger="every 1s"' in page:
        assert time.time() < deadline, "the job did not finish"
        time.sleep(0.2)
        page = client.get(url).text
    return page


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# --- pages ---------------------------------------------------------------------------------------
def test_every_page_renders_with_its_form_and_navigation(client):
    for url, heading in [("/", "Ask the documents"), ("/sources", "Sources"), ("/draft", "Draft a Productivity Plan"),
                         ("/gaps", "Gap-check a draft plan"), ("/compare", "Compare councils")]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert f"<h1 class=\"heading-l\">{heading}</h1>" in r.text
        assert 'href="#main-content"' in r.text and '<main id="main-content"' in r.text
        assert 'src="/static/htmx-2.0.11.min.js"' in r.text
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", r.text), "inline script on " + url
        assert "https://" not in r.text and "http://" not in r.text  # nothing from another host
    for asset in ("/static/htmx-2.0.11.min.js", "/static/htmx-ext-sse-2.2.4.min.js", "/static/app.css",
                  "/static/app.js", "/static/LICENSE-htmx.txt"):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/login").url.path == "/"  # no token set: nothing to log in to
    assert client.get("/source/0000000000000000").status_code == 404
    assert client.get("/jobs/nope").status_code == 404


def test_every_form_field_has_a_label(client):
    for url in ("/", "/sources", "/draft", "/gaps", "/compare"):
        page = client.get(url).text
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if 'type="hidden"' in tag:
                continue
            field_id = re.search(r'\bid="([^"]+)"', tag).group(1)
            assert f'for="{field_id}"' in page, f"{url}: no label for {field_id}"


def test_sources_lists_every_document_with_its_details(client, web_home):
    page = client.get("/sources").text
    documents = run_cli("sources", "--json", home=web_home).json["documents"]
    assert len(documents) == 7
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td><a href=\"/source/(\w+)\?page=1\">(.*?)</a></td>"
                      r"\s*<td>(.*?)</td>\s*<td class=\"file\">(.*?)</td>\s*<td>(.*?)</td>\s*<td class=\"numeric\">(\d+)",
                      page)
    assert len(rows) == 7
    by_id = {row[2]: row for row in rows}
    for d in documents:
        council, kind, _, title, date, file, fmt, chunks = by_id[d["id"]]
        assert html.unescape(council) == (d["council"] or "—") and kind == d["kind"]
        assert html.unescape(title) == d["title"] and date == (d["date"] or "—") and int(chunks) == d["chunks"]
        assert file == d["source"].split("/")[-1]
    assert {row[6] for row in rows} == {"Text", "Markdown"}  # the shipped corpus is text; ours Markdown


# --- asking ----------------------------------------------------------------------------------------
def test_the_answer_page_shows_the_same_answer_and_citations_as_ask_json(client, web_home):
    expected = run_cli("ask", QUESTION, "--json", home=web_home).json
    assert not expected["refused"] and len(expected["citations"]) >= 3
    # the JSON API is the CLI's object
    api = client.post("/api/ask", json={"question": QUESTION})
    assert api.status_code == 200 and api.json() == expected
    page = client.get("/ask", params={"q": QUESTION}).text
    answer = re.search(r'<div class="answer">(.*?)</div>', page, re.DOTALL).group(1)
    words = re.sub(r"\s+", "", re.sub(r"(?m)^\s*[-*]\s+|\*\*", "", expected["answer"]))
    assert re.sub(r"\s+", "", text_of(answer)) == words
    shown = re.findall(r'<details class="citation" id="cite-0-(\d+)">\s*<summary>(.*?)</summary>.*?'
                       r'<blockquote class="quote">“(.*?)”</blockquote>\s*<p><a href="([^"]+)"', page, re.DOTALL)
    assert [(int(n), html.unescape(q)) for n, _, q, _ in shown] == [(c["n"], c["quote"]) for c in expected["citations"]]
    for (_, summary, _, href), c in zip(shown, expected["citations"]):
        assert text_of(summary).startswith(f"[{c['n']}] {c['title']} — {c['council']}, p. {c['page']}")
        assert f"/source/{c['chunk_id'].split('-')[0]}?page={c['page']}&amp;chunk={c['chunk_id']}" in href
    # every marker in the answer links to its citation
    assert {int(n) for n in re.findall(r'href="#cite-0-(\d+)"', answer)} == {c["n"] for c in expected["citations"]}


def test_a_citation_opens_its_page_with_the_passage_highlighted(client):
    page = client.get("/ask", params={"q": QUESTION}).text
    href = html.unescape(re.search(r'<a href="(/source/[^"]+)" hx-boost="false">Open page', page).group(1))
    quote = re.search(r'<blockquote class="quote">“(.*?)”</blockquote>', page).group(1)
    chunk = re.search(r"chunk=([\w-]+)", href).group(1)
    source = client.get(href.split("#")[0])
    assert source.status_code == 200
    cited = re.search(rf'<div class="passage passage-cited" id="chunk-{chunk}">(.*?)</div>', source.text, re.DOTALL)
    assert cited and f"<mark>{quote}</mark>" in cited.group(1)


def test_a_question_is_refused_plainly_and_errors_are_summarised(client):
    refused = client.get("/ask", params={"q": "What did Leeds say about trams in 2030?"})
    assert refused.status_code == 200 and "The documents do not say." in refused.text
    empty = client.get("/ask", params={"q": "  "})
    assert empty.status_code == 400 and 'class="error-summary"' in empty.text and 'href="#question"' in empty.text
    assert "<title>Error: " in empty.text
    unknown = client.get("/ask", params={"q": QUESTION, "council": "Atlantis"})
    assert unknown.status_code == 400 and "Atlantis" in unknown.text and "error-summary" in unknown.text


def test_filters_and_follow_ups_work_as_in_chat(client):
    first = client.get("/ask", params={"q": QUESTION})
    conversation = re.search(r'name="conversation" value="([\w-]+)"', first.text).group(1)
    follow = client.get("/ask", params={"q": "and what about Blaby?", "conversation": conversation, "turn": 1})
    assert "read as: What barriers did Blaby cite?" in follow.text
    latest = follow.text.split('id="turn-1"')[1]
    councils = set(re.findall(r"— ([A-Z][\w ]+Council), p\. \d+", latest))
    assert councils == {"Blaby District Council"}
    assert 'id="turn-0"' in follow.text  # the conversation so far stays on the page
    # reloading the page shows the stored turn, it does not ask again
    again = client.get("/ask", params={"q": "and what about Blaby?", "conversation": conversation, "turn": 1})
    assert again.text.count('id="turn-1"') == 1 and 'value="2"' in again.text
    filtered = client.get("/ask", params={"q": "What barriers were cited?", "council": "Redditch"}).text
    assert set(re.findall(r"— ([A-Z][\w ]+Council), p\. \d+", filtered)) == {"Redditch Borough Council"}


def test_api_ask_takes_filters_and_reports_bad_requests(client):
    r = client.post("/api/ask", json={"question": "What barriers were cited?", "councils": ["Blaby"]})
    assert r.status_code == 200 and {c["council"] for c in r.json()["citations"]} == {"Blaby District Council"}
    assert client.post("/api/ask", content="question=x",
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 415
    bad = client.post("/api/ask", json={"councils": ["Blaby"]})
    assert bad.status_code == 400 and "question" in bad.json()["error"]
    assert client.post("/api/ask", json={"question": "x", "themes": ["one"]}).status_code == 400
    unknown = client.post("/api/ask", json={"question": QUESTION, "councils": ["Atlantis"]})
    assert unknown.status_code == 400 and "Atlantis" in unknown.json()["error"] and unknown.json()["exit_code"] == 2
    unconfigured = client.post("/api/ask", json={"question": QUESTION, "llm": "azure"})
    assert unconfigured.status_code == 503 and unconfigured.json()["exit_code"] == 3


# --- safety -----------------------------------------------------------------------------------------
def assert_inert(page: str) -> None:
    assert not re.search(r"<img\b|<script>alert|<b>two|href=\"javascript:", page, re.IGNORECASE)


def test_markup_in_a_document_is_shown_as_text(client):
    sources = client.get("/sources").text
    assert_inert(sources)
    assert "Pothole report &lt;img src=x onerror=alert(&#39;title&#39;)&gt;" in sources
    doc_id = re.search(r'href="/source/(\w+)\?page=1">Pothole report', sources).group(1)
    page = client.get(f"/source/{doc_id}?page=1").text
    assert_inert(page)
    assert "&lt;script&gt;alert(&#39;doc&#39;)&lt;/script&gt;" in page and "onerror=alert(&#39;img&#39;)" in page
    answer = client.get("/ask", params={"q": "How many potholes did Anytown repair in 2023?"}).text
    assert "4,000 potholes" in answer and "onerror=alert(&#39;img&#39;)" in answer
    assert_inert(answer)
    link = client.get("/ask", params={"q": "What did Anytown say the pothole lorry cost?"}).text
    assert "£120,000" in link
    assert_inert(link)
    assert "(javascript:alert(&#39;link&#39;))" in link or "[the plan](javascript" in link


def test_every_response_carries_the_security_headers(client):
    for url in ("/", "/sources", "/static/app.css", "/source/nope", "/ask?q=x"):
        r = client.get(url)
        assert r.headers["content-security-policy"] == CSP, url
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"  # (no-referrer would make forms send "Origin: null")
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "default-src 'none'" in CSP
    assert client.get("/").headers["cache-control"] == "no-store"


def test_a_token_is_required_on_every_request_when_set(web_home):
    token = "t0ken-for-the-team-0123456789"
    with TestClient(create_app(settings_for(web_home), token=token)) as c:
        page = c.get("/sources", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fsources"
        assert c.post("/api/ask", json={"question": QUESTION}).status_code == 401
        assert c.get("/source/x", headers={"accept": "*/*"}).status_code == 401
        assert c.get("/static/app.css").status_code == 200  # public assets, no data
        assert c.post("/api/ask", json={"question": QUESTION},
                      headers={"authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/sources", headers={"x-assistant-token": token}).status_code == 200
        form = c.get("/login?next=/sources").text
        field = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        wrong = c.post("/login", data={"csrf": field, "token": "guess", "next": "/sources"})
        assert wrong.status_code == 401 and "The token is wrong" in wrong.text
        assert "assistant_session" not in c.cookies
        right = c.post("/login", data={"csrf": field, "token": token, "next": "//evil.example/"},
                       follow_redirects=False)
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert token not in right.headers["set-cookie"]
        assert c.get("/sources").status_code == 200  # the session cookie now stands for the token


def test_requests_to_other_host_names_are_refused_on_loopback(web_home):
    with TestClient(create_app(settings_for(web_home), allowed_hosts=LOOPBACK_NAMES),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/sources").status_code == 200
        assert c.get("/sources", headers={"host": "attacker.example:8000"}).status_code == 400


def test_forms_refuse_cross_site_posts(client):
    token = csrf(client)
    files = {"files": ("x.txt", b"Some text about Anytown.", "text/plain")}
    missing = client.post("/sources/upload", data={"council": "Anytown"}, files=files)
    assert missing.status_code == 403 and "expired" in missing.text
    other_site = client.post("/sources/upload", data={"csrf": token}, files=files,
                             headers={"origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert client.post("/draft", data={"csrf": "forged", "council": "Redditch Borough Council"}).status_code == 403
    assert client.post("/api/ask", json={"question": QUESTION},
                       headers={"sec-fetch-site": "cross-site"}).status_code == 403


def test_an_upload_over_the_limit_is_refused(web_home):
    with TestClient(create_app(settings_for(web_home), max_upload_mb=0.05)) as c:
        token = csrf(c)
        big = {"files": ("big.txt", b"x" * 80_000, "text/plain")}
        r = c.post("/sources/upload", data={"csrf": token}, files=big)
        assert r.status_code == 413 and "0.05 MB limit" in r.text

        def chunks():  # no Content-Length: refused once the body passes the limit
            for _ in range(20):
                yield b"y" * 10_000

        streamed = c.post("/sources/upload", content=chunks(),
                          headers={"content-type": "multipart/form-data; boundary=zzz"})
        assert streamed.status_code == 413


def test_serve_refuses_other_hosts_without_a_long_token(cli, home):
    refused = cli("serve", "--host", "0.0.0.0", home=home)
    assert refused.code == 2 and "set ASSISTANT_WEB_TOKEN" in refused.stderr
    short = cli("serve", "--host", "0.0.0.0", home=home, env={"ASSISTANT_WEB_TOKEN": "secret"})
    assert short.code == 2 and "too short" in short.stderr and "secret" not in short.stderr.replace("secrets", "")


# --- uploads, draft, gaps, compare ----------------------------------------------------------------
def test_upload_indexes_documents_and_reports_bad_files_by_name(client, web_home, tmp_path):
    docx = make_docx(tmp_path / "castle-plan.docx", [("h1", "Castleford productivity plan"),
                                                      ("p", "Castleford Borough Council will merge its two call "
                                                            "centres into one digital contact hub by 2026.")])
    token = csrf(client)
    files = [("files", ("castle-plan.docx", docx.read_bytes(), "application/octet-stream")),
             ("files", ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf")),
             ("files", ("notes.exe", b"MZ binary", "application/octet-stream"))]
    r = client.post("/sources/upload", data={"csrf": token, "council": "Castleford Borough Council", "kind": "plan",
                                             "date": "2024-07-01"}, files=files)
    page = wait_for_job(client, r)
    assert "2 of 3 file(s) could not be indexed" in page
    assert "broken.pdf: the PDF is damaged or not a PDF" in html.unescape(page)
    assert "notes.exe: unsupported file type" in html.unescape(page)
    assert str(web_home) not in page  # failures are named as uploaded
    listed = client.get("/sources").text
    assert "Castleford productivity plan" in listed and "castle-plan.docx" in listed
    assert not (web_home / "uploads" / "castleford-borough-council" / "broken.pdf").exists()
    answer = client.get("/ask", params={"q": "What will Castleford do with its call centres?"}).text
    assert "digital contact hub" in answer
    bad_date = client.post("/sources/upload", data={"csrf": token, "date": "2024-13-45"},
                           files={"files": ("a.txt", b"text", "text/plain")})
    assert bad_date.status_code == 400 and 'href="#date"' in bad_date.text and "not a real date" in bad_date.text
    nothing = client.post("/sources/upload", data={"csrf": token})
    assert nothing.status_code == 400 and 'href="#files"' in nothing.text


def test_draft_previews_and_downloads_word_and_markdown(client):
    token = csrf(client)
    r = client.post("/draft", data={"csrf": token, "council": "Redditch Borough Council", "theme": "4",
                                    "llm": "extractive"})
    page = wait_for_job(client, r)
    assert "Theme 4:" in page and "Download as Word" in page
    assert re.search(r'href="#cite-draft-1"', page) and 'id="cite-draft-1"' in page
    job = re.search(r"/jobs/([\w-]+)/draft.docx", page).group(1)
    word = client.get(f"/jobs/{job}/draft.docx")
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'attachment; filename="redditch-borough-council-productivity-plan-draft.docx"' == \
        word.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(word.content)) as z:
        assert "Theme 4" in z.read("word/document.xml").decode()
    markdown = client.get(f"/jobs/{job}/draft.md").text
    assert markdown.startswith("# Redditch Borough Council: Productivity Plan (draft)") and "## Sources" in markdown


def test_gap_check_of_an_uploaded_draft_with_replies_and_download(client):
    token = csrf(client)
    draft = (b"# Our plan\n\n## Theme 4: Barriers\n\nSingle-year settlements and competitive bidding stop us "
             b"planning beyond one year. New burdens arrive without funding.\n")
    r = client.post("/gaps", data={"csrf": token, "council": "Redditch Borough Council"},
                    files={"draft": ("our <draft>.md", draft, "text/markdown")})
    page = wait_for_job(client, r)
    assert "Gap check of our &lt;draft&gt;.md" in page and "What to do next" in page
    assert re.search(r"\d+ questions covered, \d+ partial, \d+ missing", page)
    job = re.search(r'action="/jobs/([\w-]+)/replies"', page).group(1)
    found = re.search(r'<strong class="tag tag-(\w+)">\w+</strong> 1\.1 ', page).group(1)
    # an override needs a status and a note; the error says which question
    incomplete = client.post(f"/jobs/{job}/replies", data={"csrf": token, "decision-1.1": "override"})
    assert incomplete.status_code == 400
    assert 'href="#note-1.1"' in incomplete.text and 'href="#status-1.1"' in incomplete.text
    saved = client.post(f"/jobs/{job}/replies", data={
        "csrf": token, "decision-1.1": "override", "status-1.1": "covered", "note-1.1": "Covered in our appendix <b>B</b>",
        "decision-1.2": "accept"})
    assert saved.status_code == 200 and "2 reply(ies) recorded" in saved.text
    shown = f"Overridden by officer</strong> ({found} → covered): Covered in our appendix &lt;b&gt;B&lt;/b&gt;"
    assert shown in saved.text
    steps = saved.text.split("What to do next")[1].split("The guidance")[0]
    assert 'href="#q-1.1"' not in steps and 'href="#q-1.2"' not in steps  # replied questions leave the list
    report = client.get(f"/jobs/{job}/report.md").text
    assert f"**Overridden by officer** ({found} → covered): Covered in our appendix <b>B</b>" in report
    data = json.loads(client.get(f"/jobs/{job}/report.json").text)
    assert data["draft"] == "our <draft>.md"
    replied = {q["id"]: q["reply"] for t in data["themes"] for q in t["questions"] if q["reply"]}
    assert replied["1.1"]["status"] == "covered" and replied["1.2"]["decision"] == "accept"
    replies = client.get(f"/jobs/{job}/report.toml")
    assert tomllib.loads(replies.text)["reply"] == [
        {"question": "1.1", "decision": "override", "status": "covered", "note": "Covered in our appendix <b>B</b>"},
        {"question": "1.2", "decision": "accept"}]
    # the replies apply again when a revised draft is checked with them
    again = client.post("/gaps", data={"csrf": token},
                        files={"draft": ("our draft v2.md", draft + b"More.\n", "text/markdown"),
                               "replies": ("replies.toml", replies.content, "application/toml")})
    assert "Overridden by officer</strong> (" in wait_for_job(client, again)
    missing = client.post("/gaps", data={"csrf": token})
    assert missing.status_code == 400 and 'href="#draft"' in missing.text


@pytest.mark.slow
def test_compare_shows_the_matrix_and_downloads_csv_and_xlsx(client):
    token = csrf(client)
    page = wait_for_job(client, client.post("/compare", data={"csrf": token}), timeout=300)
    assert "Councils by theme" in page and "Barriers councils cite" in page
    assert "Redditch Borough Council" in page
    job = re.search(r"/jobs/([\w-]+)/compare.xlsx", page).group(1)
    csv = client.get(f"/jobs/{job}/compare.csv").content
    assert csv.startswith(b"\xef\xbb\xbfcouncil,type,region")
    assert client.get(f"/jobs/{job}/compare-barriers.csv").content.startswith(b"\xef\xbb\xbfbarrier,")
    with zipfile.ZipFile(io.BytesIO(client.get(f"/jobs/{job}/compare.xlsx").content)) as z:
        assert any(name.startswith("xl/worksheets/") for name in z.namelist())


# --- a model's streamed answer -----------------------------------------------------------------
def test_a_model_answer_streams_by_server_sent_events_escaped_and_without_the_key(web_home, openai_server):
    def reply(request):
        n = request.document_with("Recruitment difficult in some areas")
        return (f"**Redditch Borough Council**\n- Recruitment is difficult in some areas, i.e. ICT, planning and "
                f"housing [{n}].\n- <script>alert(1)</script> The key is {DUMMY_KEY} [{n}].\n")

    openai_server.respond = reply
    settings = settings_for(web_home, llm="openai", openai_base_url=openai_server.base_url,
                            openai_api_key=DUMMY_KEY, model="gpt-test", request_timeout=5, max_retries=0)
    with TestClient(create_app(settings)) as c:
        question = "What barriers did Redditch cite?"
        plain = c.get("/ask", params={"q": question})  # no JavaScript: the finished answer
        assert "Recruitment is difficult in some areas" in plain.text and "backend: openai" in plain.text
        page = c.get("/ask", params={"q": question}, headers={"hx-request": "true"}).text
        events_url = html.unescape(re.search(r'sse-connect="([^"]+)"', page).group(1))
        stream = c.get(events_url)
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = re.findall(r"event: (\w+)\n((?:data: .*\n)+)", stream.text)
        names = [name for name, _ in events]
        assert names.count("done") == 1 and names[-1] == "done" and names.count("token") >= 5
        tokens = "".join("\n".join(line[6:] for line in data.splitlines()) for name, data in events if name == "token")
        assert "Recruitment is difficult" in html.unescape(tokens)
        assert "<script>" not in tokens and "&lt;script&gt;" in tokens
        done = "\n".join(line[6:] for line in events[-1][1].splitlines())
        assert 'id="latest"' in done and "Recruitment is difficult in some areas" in done and 'class="citation"' in done
        everything = plain.text + page + stream.text
        assert DUMMY_KEY not in everything and "***" in everything
        assert "<script>alert" not in everything
