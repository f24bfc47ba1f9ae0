"""Shared fixtures: a fresh home per test, the shipped corpus indexed once per session,
real PDF and DOCX files made on the fly, and a way to run the real CLI in-process."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ["COLUMNS"] = "200"  # rich wraps at the terminal width; keep lines whole for asserts
# Never reach a real API from tests.
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
            "ASSISTANT_LLM", "ASSISTANT_HOME", "ASSISTANT_CONFIG", "ASSISTANT_EMBEDDER"):
    os.environ.pop(var, None)

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        import json

        return json.loads(self.stdout)


SHARED = REPO.parent / "shared"


def require_shared(path: Path = SHARED) -> Path:
    """``path`` under ../shared (the dev-corpus, the guidance copies): CI has it, so a missing
    one fails there; only a developer's checkout without ../shared skips."""
    if not path.exists():
        message = f"{path} is absent: these checks need ../shared beside the repository"
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {path}: {message}")
        pytest.skip(message)
    return path


def run_cli(*args: str, home: Path | None = None, env: dict | None = None) -> CliResult:
    """Run `assistant ARGS` in this process through the real entry point (main())."""
    from assistant.cli.app import main

    argv = ["assistant"] + ([f"--home={home}"] if home else []) + [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    old_argv, old_env = sys.argv, dict(os.environ)
    sys.argv = argv
    os.environ.update(env or {})
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.environ.clear()
        os.environ.update(old_env)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def seeded_home_master(tmp_path_factory) -> Path:
    """The shipped corpus, indexed once per test session (read-only for tests)."""
    path = tmp_path_factory.mktemp("seeded") / "home"
    result = run_cli("ingest", "--shipped", "--json", home=path)
    assert result.code == 0, result.stderr
    return path


@pytest.fixture
def seeded_home(seeded_home_master) -> Path:
    """The indexed shipped corpus, for tests that only read it."""
    return seeded_home_master


@pytest.fixture
def seeded_copy(seeded_home_master, tmp_path) -> Path:
    """A private copy of the indexed corpus, for tests that change it."""
    target = tmp_path / "home"
    shutil.copytree(seeded_home_master, target)
    return target


def home_with_plan(folder: Path, text: str, council: str) -> Path:
    """A fresh index holding one Markdown plan of ``council`` (for tests of what an answer
    selects from a document written for the test)."""
    home = folder / "home"
    add_plan(home, folder / "plan.md", text, council)
    return home


def add_plan(home: Path, path: Path, text: str, council: str) -> None:
    """Write ``text`` to ``path`` and ingest it into ``home`` as ``council``'s plan."""
    path.write_text(text, encoding="utf-8")
    result = run_cli("ingest", path, "--council", council, "--kind", "plan", home=home)
    assert result.code == 0, result.stderr


def ask_json(home: Path, question: str) -> dict:
    result = run_cli("ask", question, "--json", home=home)
    assert result.code == 0, result.stderr
    return result.json


def settings_for(home: Path, **overrides):
    from assistant.settings import load_settings

    return load_settings(home, **overrides)


# --- real documents made on the fly ------------------------------------------------------
def make_pdf(path: Path, pages: list[str], title: str = "", header: str = "", footer: str = "") -> Path:
    """A real PDF with one text block per page (fpdf2, core Helvetica font); ``header`` and
    ``footer`` run on every page ("{page}" in the footer is the page number)."""
    from fpdf import FPDF

    class Running(FPDF):
        def header(self):
            if header:
                self.set_font("Helvetica", size=9)
                self.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", size=9)
                self.cell(0, 6, footer.format(page=self.page_no()))

    pdf = Running()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], title: str = "") -> Path:
    """A real DOCX. blocks: ("h1"|"h2"|"p"|"bullet"|"pagebreak"|"table", text)."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for kind, text in blocks:
        if kind == "h1":
            document.add_heading(text, level=1)
        elif kind == "h2":
            document.add_heading(text, level=2)
        elif kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        elif kind == "pagebreak":
            document.add_page_break()
        elif kind == "table":
            rows = [r.split("|") for r in text.split("\n")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell.strip()
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path
