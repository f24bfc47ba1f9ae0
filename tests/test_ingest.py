"""Ingest through the real CLI: metadata, idempotence, replacement, bad files in a batch."""

import json

import pytest

from tests.conftest import CORPUS, make_docx, make_pdf


def _counts(cli, home):
    docs = cli("sources", "--json", home=home).json["documents"]
    return len(docs), sum(d["chunks"] for d in docs)


def test_reingesting_the_shipped_corpus_adds_nothing(cli, seeded_copy):
    before = _counts(cli, seeded_copy)
    again = cli("ingest", "--shipped", "--json", home=seeded_copy)
    assert again.code == 0
    assert {r["status"] for r in again.json["results"]} == {"unchanged"}
    assert _counts(cli, seeded_copy) == before


def test_shipped_corpus_metadata_comes_from_the_manifest(cli, seeded_home):
    docs = {d["title"]: d for d in cli("sources", "--json", home=seeded_home).json["documents"]}
    assert len(docs) == 6
    councils = {d["council"] for d in docs.values()}
    assert {"Redditch Borough Council", "Blaby District Council", "Sandwell Metropolitan Borough Council",
            "Unnamed county council", "Government (DLUHC)"} == councils
    unnamed = next(d for d in docs.values() if d["council"] == "Unnamed county council")
    assert unnamed["date"] == ""  # the text gives none; we do not guess
    assert {d["kind"] for d in docs.values()} == {"guidance", "plan", "minutes", "report"}


@pytest.mark.parametrize("columns", ["80", "200"])
def test_sources_reads_whole_in_a_narrow_terminal_and_a_wide_one(cli, seeded_home, columns):
    """Each document's title, council, file and format, unbroken: a block per document below
    110 columns (a six-column table folds every cell there), a table above."""
    out = cli("sources", home=seeded_home, env={"COLUMNS": columns}).stdout
    lines = out.splitlines()
    for needle in ("Redditch Executive Committee minutes: Productivity Plans", "Sandwell Metropolitan Borough Council",
                   "redditch-executive-minutes-2024-07.txt (TXT)", "productivity-plans-2024.md (MD)"):
        assert any(needle in line for line in lines), (needle, out)
    assert max(len(line.rstrip()) for line in lines) <= int(columns)
    assert ("Chunks" in out) == (columns == "200")  # the table's header only when wide


def test_changed_file_replaces_its_old_chunks(cli, home, tmp_path):
    path = tmp_path / "anytown-plan.md"
    path.write_text("# Anytown plan\n\nWe spend £2m on agency staff.\n", encoding="utf-8")
    first = cli("ingest", path, "--council", "Anytown Council", "--json", home=home)
    assert first.json["results"][0]["status"] == "added"
    path.write_text("# Anytown plan\n\nWe cut agency spend to £1m by recruiting permanent planners.\n", encoding="utf-8")
    second = cli("ingest", path, "--council", "Anytown Council", "--json", home=home)
    assert second.json["results"][0]["status"] == "replaced"
    assert _counts(cli, home)[0] == 1
    hits = cli("search", "agency staff spend", "--json", home=home).json["hits"]
    texts = " ".join(h["text"] for h in hits)
    assert "£1m" in texts and "£2m" not in texts


def test_metadata_is_inferred_from_the_document(cli, home, tmp_path):
    path = make_pdf(tmp_path / "otherton-productivity-plan-2024-07-12.pdf", [
        "Otherton Borough Council\nProductivity Plan 2024\nOtherton Borough Council has shared services with its neighbour.",
    ])
    result = cli("ingest", path, "--json", home=home)
    document = result.json["results"][0]["document"]
    assert document["council"] == "Otherton Borough Council"
    assert document["kind"] == "plan"
    assert document["date"] == "2024-07-12"


def test_flags_set_metadata(cli, home, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Our corporate priorities for the next four years are housing and growth.", encoding="utf-8")
    result = cli("ingest", path, "--council", "Anytown Council", "--kind", "corporate-plan", "--title", "Anytown Council Plan",
                 "--date", "2024-05-01", "--json", home=home)
    document = result.json["results"][0]["document"]
    assert (document["council"], document["kind"], document["title"], document["date"]) == (
        "Anytown Council", "corporate-plan", "Anytown Council Plan", "2024-05-01")


def test_manifest_paths_are_relative_to_the_manifest(cli, home, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    make_docx(folder / "plan.docx", [("h1", "Plan"), ("p", "We automated council tax recovery with robotics.")])
    manifest = tmp_path / "manifest.toml"
    manifest.write_text('[[document]]\npath = "docs/plan.docx"\ncouncil = "Anytown Council"\nkind = "plan"\n'
                        'title = "Anytown Productivity Plan"\ndate = "2024-07-01"\n', encoding="utf-8")
    result = cli("ingest", "--manifest", manifest, "--json", home=home)
    assert result.code == 0, result.stderr
    assert result.json["results"][0]["document"]["title"] == "Anytown Productivity Plan"


def test_bad_files_fail_alone_and_exit_2(cli, home, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nWe share a leadership team with our neighbour.\n", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "latin1.txt").write_bytes("Caf\u00e9".encode("cp1252"))
    (folder / "empty.txt").write_bytes(b"")
    result = cli("ingest", folder, home=home)
    assert result.code == 2
    assert "broken.pdf" in result.stdout and "latin1.txt" in result.stdout and "empty.txt" in result.stdout
    docs = cli("sources", "--json", home=home).json["documents"]
    assert [d["title"] for d in docs] == ["Good"]


def test_missing_path_and_bad_manifest(cli, home, tmp_path):
    missing = cli("ingest", tmp_path / "nope.pdf", home=home)
    assert missing.code == 2 and "nope.pdf" in missing.stdout
    manifest = tmp_path / "m.toml"
    manifest.write_text("[[document]]\ncouncil = 'X'\n", encoding="utf-8")
    bad = cli("ingest", "--manifest", manifest, home=home)
    assert bad.code == 2 and "needs a path" in bad.stderr
    kind = cli("ingest", tmp_path / "nope.pdf", "--kind", "novel", home=home)
    assert kind.code == 2 and "unknown kind 'novel'" in kind.stderr


def test_nothing_to_ingest_is_a_usage_error(cli, home):
    result = cli("ingest", home=home)
    assert result.code == 2 and "nothing to ingest" in result.stderr


def test_manifest_of_the_shipped_corpus_lists_existing_files():
    import tomllib

    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
    for entry in manifest["document"]:
        assert (CORPUS / entry["path"]).is_file(), entry["path"]
    assert json.dumps(manifest)  # plain data
