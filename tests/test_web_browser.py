"""The web app in a real browser: `assistant serve` started as a subprocess on 127.0.0.1,
driven by Chromium from the Debian packages through Playwright (``executable_path``:
nothing is downloaded). .ci/run installs Chromium when it is missing; these tests do not
skip without it, they fail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import pytest

from tests.conftest import make_docx
from tests.openai_server import DUMMY_KEY, openai_server  # noqa: F401 - the fixture
from tests.test_web import QUESTION, web_home  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WAIT = 90_000  # ms: a draft or gap check on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`assistant serve` in a subprocess, stopped (by its pid) at the end."""

    def __init__(self, home, env: dict | None = None, *options: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "assistant", "--home", str(home), "serve", "--port",
                                         str(self.port), *options], env={**os.environ, **(env or {})},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.banner = self.process.stdout.readline()  # printed before it listens
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/static/app.css", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise AssertionError("assistant serve did not start:\n" + self.process.stdout.read())
                time.sleep(0.2)

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out


@pytest.fixture(scope="module")
def server(web_home):  # noqa: F811 - the fixture imported above
    running = Server(web_home)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(WAIT)
    tab.dialogs = []  # any alert() a document manages to run
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.csp_violations = []
    tab.on("console", lambda m: tab.csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    context.close()


def test_ask_a_question_and_open_a_citation(page, server):
    assert server.banner.startswith(f"Plan Assistant on http://127.0.0.1:{server.port}/") and \
        "this machine only" in server.banner
    page.goto(server.url + "/")
    page.get_by_role("button", name="Ask", exact=True).click()  # no question: the error summary, focused
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    page.get_by_role("link", name="Enter a question").click()
    assert page.evaluate("document.activeElement.id") == "question"
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_selector("#turn-0 .answer")
    assert "/ask?q=" in page.url
    first = page.locator("#turn-0 .answer a.cite").first
    target = first.get_attribute("href")
    first.click()
    citation = page.locator(target)
    assert citation.evaluate("d => d.open")
    quote = citation.locator("blockquote").inner_text().strip("“”")
    citation.get_by_role("link", name="Open page").click()
    page.wait_for_url("**/source/**")
    assert page.locator(".passage-cited mark").inner_text() == quote
    assert page.locator(".passage-cited").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert not page.csp_violations


def test_the_basic_ask_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(server.url + "/")
        tab.get_by_label("Your question").fill(QUESTION)
        tab.get_by_role("button", name="Ask", exact=True).click()
        tab.wait_for_selector("#turn-0 .answer", timeout=WAIT)
        tab.locator("#turn-0 details.citation summary").first.click()
        assert tab.locator("#turn-0 details.citation blockquote").first.is_visible()
        tab.get_by_label("Ask a follow-up question").fill("and what about Blaby?")
        tab.get_by_role("button", name="Ask", exact=True).click()
        tab.wait_for_selector("#turn-1 .answer", timeout=WAIT)
        assert "read as: What barriers did Blaby cite?" in tab.locator("#turn-1").inner_text()
    finally:
        context.close()


def test_forms_and_progress_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    tab = context.new_page()
    try:
        tab.goto(server.url + "/draft")
        tab.get_by_label("Council").select_option("Redditch Borough Council")
        tab.locator("label[for=theme-2]").click()
        tab.get_by_role("button", name="Draft", exact=True).click()
        assert "/jobs/" in tab.url  # the job's page, refreshed by the browser until the draft is done
        tab.get_by_role("link", name="Download as Markdown").wait_for(timeout=WAIT)
        assert tab.locator(".draft-preview").get_by_text("Theme 2:").count() >= 1
    finally:
        context.close()


def test_upload_a_document_and_see_it_listed(page, server, tmp_path):
    docx = make_docx(tmp_path / "millbrook-plan.docx", [("h1", "Millbrook productivity plan 2024"),
                                                         ("p", "Millbrook District Council will replace its three "
                                                               "housing systems with one by 2025.")])
    page.goto(server.url + "/sources")
    page.get_by_label("Files").set_input_files(str(docx))
    page.get_by_label("Council").fill("Millbrook District Council")
    page.get_by_label("Kind of document").select_option("plan")
    page.get_by_role("button", name="Upload and index", exact=True).click()
    page.wait_for_selector("text=What was indexed")  # the job page, updated by htmx until done
    assert "/jobs/" in page.url and "added" in page.locator("table").inner_text()
    page.get_by_role("link", name="See all sources").click()
    page.wait_for_url("**/sources")
    row = page.locator("tr", has_text="millbrook-plan.docx")
    assert "Millbrook District Council" in row.inner_text() and "Word" in row.inner_text()
    assert not page.csp_violations


def test_an_upload_over_the_limit_is_explained_without_javascript(browser, web_home, tmp_path):  # noqa: F811
    small = Server(web_home, None, "--max-upload-mb", "0.2")
    context = browser.new_context(java_script_enabled=False)
    try:
        big = tmp_path / "big-minutes.txt"
        big.write_text("Minutes of the meeting. " * 40_000, encoding="utf-8")  # ~1 MB
        tab = context.new_page()
        tab.goto(small.url + "/sources")
        tab.get_by_label("Files").set_input_files(str(big))
        tab.get_by_role("button", name="Upload and index", exact=True).click()
        tab.wait_for_selector("text=The upload is too large", timeout=WAIT)  # a page, not a reset connection
        assert "0.2 MB limit" in tab.locator("main").inner_text()
        assert not (web_home / "uploads" / "unsorted" / "big-minutes.txt").exists()
    finally:
        context.close()
        small.stop()


def test_download_a_draft(page, server):
    page.goto(server.url + "/draft")
    page.get_by_label("Council").select_option("Redditch Borough Council")
    page.locator("label[for=theme-4]").click()
    page.get_by_role("button", name="Draft", exact=True).click()
    download_link = page.get_by_role("link", name="Download as Word (.docx)")
    download_link.wait_for()
    assert page.locator(".draft-preview").get_by_text("Theme 4:").count() >= 1
    with page.expect_download() as event:
        download_link.click()
    download = event.value
    assert download.suggested_filename == "redditch-borough-council-productivity-plan-draft.docx"
    with zipfile.ZipFile(download.path()) as word:
        assert "Theme 4" in word.read("word/document.xml").decode()


def test_gap_check_an_uploaded_draft(page, server, tmp_path):
    draft = tmp_path / "our-draft.md"
    draft.write_text("# Our plan\n\n## Theme 4: Barriers\n\nSingle-year settlements and competitive bidding stop us "
                     "planning beyond one year.\n", encoding="utf-8")
    page.goto(server.url + "/gaps")
    page.get_by_label("Your draft").set_input_files(str(draft))
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_selector("text=What to do next")
    assert page.get_by_text("questions covered").count() >= 1
    finding = page.locator("#q-1\\.1")
    finding.get_by_label("Override it", exact=True).check()
    finding.get_by_label("If you override it").select_option("covered")
    finding.get_by_label("Note").fill("Our appendix covers this.")
    page.get_by_role("button", name="Save replies", exact=True).click()
    page.wait_for_selector("text=Overridden by officer")
    assert "Our appendix covers this." in page.locator("#q-1\\.1").inner_text()
    with page.expect_download() as event:
        page.get_by_role("link", name="Download the report (Markdown)").click()
    assert "Overridden by officer" in open(event.value.path(), encoding="utf-8").read()


def test_a_document_carrying_markup_is_shown_as_text(page, server):
    page.goto(server.url + "/sources")
    assert "Pothole report <img src=x onerror=alert('title')>" in page.locator("main").inner_text()
    page.get_by_role("link", name="Pothole report").click()
    text = page.locator(".page-text").inner_text()
    assert "<script>alert('doc')</script>" in text and "<img src=x onerror=alert('img')>" in text
    page.goto(server.url + "/")
    page.get_by_label("Your question").fill("How many potholes did Anytown repair in 2023?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_selector("#turn-0 .answer")
    assert "<img src=x onerror=alert('img')>" in page.locator("#turn-0 .answer").inner_text()
    assert page.locator("main img, main script, main b").count() == 0
    assert page.dialogs == []


def test_a_model_answer_streams_into_the_page(browser, web_home, openai_server):  # noqa: F811
    def reply(request):
        n = request.document_with("Recruitment difficult in some areas")
        return (f"**Redditch Borough Council**\n- Recruitment is difficult in some areas, i.e. ICT, planning and "
                f"housing [{n}].\n")

    openai_server.respond = reply
    streaming = Server(web_home, {**openai_server.env, "ASSISTANT_LLM": "openai", "ASSISTANT_MAX_RETRIES": "0"})
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_default_timeout(WAIT)
        # remember whether the streamed text was ever on the page before the checked answer
        tab.add_init_script("window.__streamed = ''; new MutationObserver(() => { const s = document.querySelector("
                            "'.stream'); if (s && s.textContent) window.__streamed = s.textContent; })"
                            ".observe(document, {subtree: true, childList: true, characterData: true});")
        tab.goto(streaming.url + "/")
        tab.get_by_label("Your question").fill("What barriers did Redditch cite?")
        tab.get_by_role("button", name="Ask", exact=True).click()
        tab.wait_for_selector("#turn-0 .answer")
        assert "Recruitment is difficult" in tab.evaluate("window.__streamed")
        assert "Recruitment is difficult in some areas" in tab.locator("#turn-0 .answer").inner_text()
        assert "backend: openai" in tab.locator("#turn-0").inner_text()
        assert tab.locator("#turn-0 details.citation").count() >= 1
        assert DUMMY_KEY not in tab.content()
    finally:
        context.close()
        streaming.stop()
