"""The officer's right of reply asked in the terminal: `assistant gaps DRAFT --review` in a
pseudo-terminal (the real CLI, pexpect) walks the findings not covered, saves the replies
into the replies file (merged: replies already there are kept; written whole), and a later
`gaps DRAFT --reply FILE` shows them. Without a terminal, --review refuses (exit 2) and
names --reply; the replies file round-trips through load_replies."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import REPO
from tests.test_gaps_substance import SECTIONS, draft

REPLY = r"Reply \[a/o/s/q\]"
EARLIER = '[[reply]]\nquestion = "4.2"\ndecision = "accept"\nnote = "Our internal barriers are in the workforce strategy."\n'


def spawn(home: Path, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "assistant", "--home", str(home), "gaps", *map(str, args)],
                          cwd=str(REPO), env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"},
                          timeout=240, dimensions=(50, 160), encoding="utf-8")
    return child


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    text = child.before
    child.close()
    return child.exitstatus, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_review_in_a_terminal_saves_replies_that_a_later_run_shows(cli, home, tmp_path):
    plan = draft(tmp_path, "plan.md", SECTIONS)
    replies = tmp_path / "plan.replies.toml"
    replies.write_text(EARLIER, encoding="utf-8")  # an earlier reply, to a question not asked again here
    before = {q["id"]: q for t in cli("gaps", plan, "--json", home=home).json["themes"] for q in t["questions"]}
    asked = [qid for qid, q in before.items() if q["status"] != "covered" and qid != "4.2"]
    assert len(asked) >= 3, asked

    child = spawn(home, plan, "--review", "--out", tmp_path / "report.md")
    child.expect(r"Your replies recorded earlier in")
    child.expect(re.escape(f"{asked[0]} "))
    child.expect(REPLY)
    child.sendline("o")  # override: a status and a note, asked again until they are valid
    child.expect("Status to show")
    child.sendline("sometimes")
    child.expect("Type covered, partial or missing")
    child.sendline("covered")
    child.expect("Note saying why")
    child.sendline("")
    child.expect("An override needs a note")
    child.sendline("Set out in Appendix B, submitted with the plan.")
    child.expect(REPLY)
    child.sendline("what?")
    child.expect("Type a")
    child.sendline("a")  # accept, with a note
    child.expect("Note")
    child.sendline("We will add this before Cabinet.")
    child.expect(REPLY)
    child.sendline("")  # skip
    child.expect(REPLY)
    child.sendline("q")
    child.expect(r"Save your replies to \[")
    child.sendline("")  # the default: beside the draft, where the earlier reply is
    code, shown = finish(child)
    assert code == 0, shown
    assert "2 replies saved to" in shown and "(3 in the file)" in shown

    text = replies.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*.part"))  # written whole
    assert "Our internal barriers are in the workforce strategy." in text  # the earlier reply kept
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"({before[asked[0]]['status']} → covered): Set out in Appendix B" in report

    later = cli("gaps", plan, "--reply", replies, "--json", home=home)
    assert later.code == 0, later.stderr
    shown_now = {q["id"]: q for t in later.json["themes"] for q in t["questions"]}
    first, second, skipped = shown_now[asked[0]], shown_now[asked[1]], shown_now[asked[2]]
    assert first["status"] == "covered" and first["reply"]["decision"] == "override"
    assert first["reply"]["found_status"] == before[asked[0]]["status"]
    assert second["reply"]["decision"] == "accept" and second["reply"]["note"] == "We will add this before Cabinet."
    assert second["status"] == before[asked[1]]["status"]
    assert skipped["reply"] is None
    assert shown_now["4.2"]["reply"]["decision"] == "accept"
    assert {asked[0], asked[1], "4.2"}.isdisjoint(s["question"] for s in later.json["next_steps"])


def test_review_without_a_terminal_refuses_naming_reply(cli, home, tmp_path):
    plan = draft(tmp_path, "plan.md", SECTIONS)
    result = cli("gaps", plan, "--review", home=home)  # stdin is not a terminal here
    assert result.code == 2
    said = re.sub(r"\s+", " ", result.stderr)
    assert "--review" in said and "--reply replies.toml" in said and "not one" in said
    assert not (tmp_path / "plan.replies.toml").exists()


def test_review_with_json_refuses(cli, home, tmp_path):
    result = cli("gaps", draft(tmp_path, "plan.md", SECTIONS), "--review", "--json", home=home)
    assert result.code == 2 and "--json" in result.stderr


def test_saving_merges_into_the_file_and_keeps_what_is_there(tmp_path):
    from assistant.errors import UserError
    from assistant.gaps.models import OfficerReply
    from assistant.gaps.replies import load_replies, save_replies

    ids = ["1.1", "2.3", "4.2"]
    path = tmp_path / "r.toml"
    path.write_text(EARLIER, encoding="utf-8")
    note = 'Quotes " and \\ and a\nsecond line, \x1b[2J no escape'
    save_replies(path, [OfficerReply(question="2.3", decision="override", status="covered", note=note)], ids)
    save_replies(path, [OfficerReply(question="1.1", decision="accept"),
                        OfficerReply(question="2.3", decision="override", status="partial", note="changed")], ids)
    replies = load_replies(path, ids)
    assert [(r.question, r.decision, r.status, r.note) for r in replies] == [
        ("1.1", "accept", "", ""), ("2.3", "override", "partial", "changed"),
        ("4.2", "accept", "", "Our internal barriers are in the workforce strategy.")]
    broken = tmp_path / "broken.toml"
    broken.write_text("[[reply]\n", encoding="utf-8")
    with pytest.raises(UserError, match="not a valid TOML replies file"):
        save_replies(broken, [OfficerReply(question="1.1", decision="accept")], ids)
    assert broken.read_text(encoding="utf-8") == "[[reply]\n"  # left as it was

    save_replies(path, [OfficerReply(question="1.1", decision="accept", note=note)], ids)
    assert "\x1b" not in path.read_text(encoding="utf-8")
    assert load_replies(path, ids)[0].note.startswith('Quotes " and \\ and a\nsecond line,')


def test_stopping_at_once_writes_nothing(home, tmp_path):
    plan = draft(tmp_path, "plan.md", SECTIONS)
    child = spawn(home, plan, "--review")
    child.expect(REPLY)
    child.sendline("q")
    code, shown = finish(child)
    assert code == 0 and "No new replies: nothing saved." in shown
    assert not (tmp_path / "plan.replies.toml").exists()
