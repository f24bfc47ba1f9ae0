"""Saved council web pages: the plan's text is indexed with its headings, lists and tables, the
site furniture (menus, cookie banners, breadcrumbs, feedback forms, footers) is not, a saved
page's folder reads only the page, and a plan published as one page per theme ingests as one
document whose page N is file N."""

from __future__ import annotations

import hashlib
import re

import pytest

from assistant.errors import UserError
from assistant.text.blocks import split_blocks
from assistant.ingest.loaders import load_file, supported
from tests.council_pages import all_pages, castlebridge, northbrook


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def write(tmp_path, name: str, html: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return path


@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.name)
def test_council_page_keeps_the_plan_and_drops_the_clutter(tmp_path, page):
    loaded = load_file(write(tmp_path, f"{page.name}.html", page.html))
    assert loaded.format == "html" and len(loaded.pages) == 1
    text = loaded.pages[0].text
    for sentence in page.sentences:
        assert squash(sentence) in squash(text), sentence
    leaked = [c for c in page.clutter if c.lower() in text.lower()]
    assert not leaked
    headings = {squash(text[b.start:b.end].lstrip("#")) for b in split_blocks(text) if b.kind == "heading"}
    assert set(page.headings) <= headings
    lines = text.splitlines()
    assert all(f"- {item}" in lines for item in page.items)
    assert all(" | ".join(row) in lines for row in page.rows)


def test_page_is_indexed_with_its_metadata_and_without_its_clutter(cli, home, tmp_path):
    page = northbrook()
    path = write(tmp_path, "productivity-plan.html", page.html)
    result = cli("ingest", path, "--json", home=home)
    assert result.code == 0, result.stderr
    document = result.json["results"][0]["document"]
    assert document["title"] == "Productivity Plan 2024"  # og:title, not "... | Northbrook District Council"
    assert document["council"] == "Northbrook District Council"  # og:site_name
    assert document["date"] == "2024-07-18"  # article:published_time
    assert document["kind"] == "plan"

    hits = cli("search", "agency staff cost planning apprenticeship", "--json", home=home).json["hits"]
    assert "grow-our-own planner apprenticeship" in hits[0]["text"]
    assert hits[0]["section"] == "Reducing wasteful spend"
    # ask for the clutter itself: whatever comes back is plan text
    for query in ("accept additional cookies", "was this page helpful feedback", "share this page on Facebook",
                  "accessibility statement privacy notice contact us", "bins and recycling council tax housing"):
        for hit in cli("search", query, "--json", home=home).json["hits"]:
            assert not [c for c in page.clutter if c in hit["text"]], (query, hit["text"])


def test_old_windows_1252_page_reads_pound_signs(tmp_path):
    html = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
            "<title>Budget</title></head><body><main><h1>Budget</h1><p>We saved £2.4m on agency staff "
            "in 2023/24 – our largest saving. The shared service with our neighbour saved a further £0.9m, "
            "and the new waste contract another £0.3m, all of it reinvested in prevention.</p></main></body></html>")
    text = load_file(write(tmp_path, "budget.htm", html, encoding="cp1252")).pages[0].text
    assert "We saved £2.4m on agency staff in 2023/24 – our largest saving." in text


def test_page_of_only_clutter_fails_with_the_file_named(tmp_path):
    html = ("<html><body><nav><ul><li><a href='/'>Home</a></li></ul></nav><div class='cookie-banner'>"
            "<p>We use cookies.</p></div><footer><p>© Council 2024</p></footer></body></html>")
    path = write(tmp_path, "empty.html", html)
    with pytest.raises(UserError, match="empty.html: no text found"):
        load_file(path)


def test_saved_page_folder_ingests_only_the_page(cli, home, tmp_path):
    folder = tmp_path / "saved"
    assets = folder / "Productivity Plan 2024 _ Northbrook_files"
    assets.mkdir(parents=True)
    write(folder, "Productivity Plan 2024 _ Northbrook.html", northbrook().html)
    write(assets, "ads.htm", "<html><body><main><p>Advertisement: win a luxury cruise holiday with our partner "
                             "travel agency today, terms and conditions apply to every prize draw entry.</p></main>"
                             "</body></html>")
    (assets / "main.js").write_text("var tracking = 1;")
    (assets / "styles.css").write_text("body { color: red }")
    assert not supported(assets / "ads.htm")
    assert load_file(folder).path.name == "Productivity Plan 2024 _ Northbrook.html"
    result = cli("ingest", folder, "--json", home=home)
    assert result.code == 0, result.stderr
    assert [r["status"] for r in result.json["results"]] == ["added"]
    hits = cli("search", "luxury cruise holiday prize draw", "--json", home=home).json["hits"]
    assert not any("cruise" in h["text"] for h in hits)


def _theme_pages(tmp_path):
    paths = []
    for n in range(1, 5):
        paths.append(write(tmp_path, f"theme-{n}.html", castlebridge(n).html))
    return paths


def test_plan_of_several_pages_is_one_document_numbered_in_manifest_order(cli, home, tmp_path):
    paths = _theme_pages(tmp_path)
    manifest = tmp_path / "plans.toml"
    manifest.write_text('[[document]]\npaths = ["theme-1.html", "theme-2.html", "theme-3.html", "theme-4.html"]\n'
                        'council = "Castlebridge City Council"\nkind = "plan"\n', encoding="utf-8")
    result = cli("ingest", "--manifest", manifest, "--json", home=home)
    assert result.code == 0, result.stderr
    document = result.json["results"][0]["document"]
    assert document["pages"] == 4
    assert document["id"] == hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:16]
    assert document["title"] == "Productivity plan 2024" and document["date"] == "2024-07-15"
    assert len(cli("sources", "--json", home=home).json["documents"]) == 1

    answer = cli("ask", "When will the case management platform replace the customer systems?", "--json",
                 home=home).json
    assert not answer["refused"]
    cited = answer["citations"][0]
    assert cited["page"] == 2 and "case management platform" in cited["quote"]
    assert cited["quote"] in load_file(cited["source"]).pages[1].text  # the source reloads as the same pages
    barriers = cli("search", "annual funding settlements uncertainty reserves", "--json", home=home).json["hits"]
    assert barriers[0]["page"] == 4

    again = cli("ingest", "--manifest", manifest, "--json", home=home)
    assert [r["status"] for r in again.json["results"]] == ["unchanged"]


def test_manifest_paths_name_a_missing_page(cli, home, tmp_path):
    _theme_pages(tmp_path)
    manifest = tmp_path / "plans.toml"
    manifest.write_text('[[document]]\npaths = ["theme-1.html", "theme-5.html"]\nkind = "plan"\n', encoding="utf-8")
    result = cli("ingest", "--manifest", manifest, "--json", home=home)
    assert result.code == 2
    assert "theme-5.html: no such file" in result.json["results"][0]["message"]


def test_manifest_needs_path_or_paths_not_both(cli, home, tmp_path):
    manifest = tmp_path / "plans.toml"
    manifest.write_text('[[document]]\npath = "a.html"\npaths = ["a.html"]\n', encoding="utf-8")
    result = cli("ingest", "--manifest", manifest, home=home)
    assert result.code == 2 and "needs a path" in result.stderr


def test_damaged_pages_load_or_fail_naming_the_file(tmp_path):
    """Truncated, bit-flipped, binary or empty .html files: text or a UserError, never a crash."""
    import random

    base = northbrook().html.encode("utf-8")
    rng = random.Random(18)
    cases = [b"", b"<!-- nothing -->", b"\x00" * 64, bytes(rng.randrange(256) for _ in range(4000)),
             base[:2500], b"<html>" + b"<div>" * 3000 + b"deep" + b"</div>" * 3000]
    for _ in range(40):
        damaged = bytearray(base)
        for _ in range(rng.choice([5, 50, 500])):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cases.append(bytes(damaged))
    loaded = 0
    for i, raw in enumerate(cases):
        path = tmp_path / f"page-{i}.html"
        path.write_bytes(raw)
        try:
            loaded += bool(load_file(path).pages[0].text.strip())
        except UserError as exc:
            assert f"page-{i}.html" in str(exc)
    assert loaded >= 20  # a few flipped bytes do not lose a page
