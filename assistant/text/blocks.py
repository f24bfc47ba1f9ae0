"""A page's text -> blocks: headings, list items and paragraphs, each with its offsets in
the page (so every block is a verbatim span).

Read line by line. A line is a heading when it stands alone (after a blank line or the
end of a sentence, before a new block) and looks like one: ``#``-marked, all capitals,
numbered ("2. Technology and data", "Theme 3: ..."), a short question, or title case.
Three cases PDFs and web pages produce are handled on top of that:

- a numbered line that is a full sentence ("3. Members noted that agency spend had fallen
  by 12 percent.") is a numbered paragraph, not a heading: minutes are written that way;
- a numbered heading wrapped over two lines ("2. How we will use technology and" /
  "data to improve services") is one heading;
- a heading a loader ran into its paragraph ("Our approach The council has ...") is split
  into the heading and the paragraph;
- numbered lines with a full stop and nothing under them ("2. Agency spend down by a third
  on the previous year." then "3. ...") are numbered paragraphs too.

The word lists and sizes below were checked against every document of the shipped corpus,
../shared/dev-corpus and eval/plans: the only blocks they change there are the ones meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣–]|\(?[a-z0-9]{1,3}[.)])\s+")
NUMBERED_HEADING = re.compile(
    r"^\s*(?:(?:section|part|theme|appendix|annex)\s+[\w.]+|\d+(?:\.\d+)*\.?|[A-Z]\.)\s*[:.\-–—]?\s+\S",
    re.IGNORECASE,
)
TERMINAL = ".,;:"
# A table row, as Markdown writes it ("| 2021/22 | £9.2m | Management restructure |") or as the
# Word loader joins cells ("2021/22 | £9.2m | Management restructure"); and the rule under a
# Markdown table's header ("|---|---|")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|\n]+(?:\s\|\s[^|\n]+){2,}$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")

# Words that make a numbered line a statement rather than a title: auxiliaries and common
# irregular past tenses (regular ones end in -ed). A heading such as "4. The barriers
# preventing progress that the Government can help to reduce or remove." has its verb only
# inside a clause, after "that": words from the first clause word on are not looked at.
AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "will", "would", "shall", "should", "can",
               "could", "may", "might", "must", "did", "does", "be", "been"}
IRREGULAR_PAST = {"fell", "rose", "grew", "said", "met", "made", "took", "gave", "saw", "spent", "cut", "led",
                  "began", "became", "won", "lost", "paid", "sought", "brought", "told", "kept", "left", "sat",
                  "stood", "went", "came", "heard", "thought", "felt", "knew", "set", "put"}
CLAUSE_WORDS = {"that", "which", "who", "whom", "whose", "where", "when", "how", "what", "why", "whether"}
NOT_VERBS = {"hundred", "indeed", "exceed", "proceed", "succeed", "speed", "united", "limited"}

# "Our approach The council has ...": a heading run into its paragraph. The paragraph starts
# with one of these words, capitalised where no sentence ends: rare in running text.
# Prepositions are left out: title-case headings capitalise them ("Investing In the future").
SENTENCE_STARTERS = {"The", "This", "These", "Our", "We", "It", "Each", "Every"}
FUNCTION_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
                  "with", "our", "your", "their", "its", "this", "that", "these", "we", "is", "are"}
# "How we have transformed the way we design and deliver services to make better use of
# resources" on a line of its own: a heading worded as the letter's question, without its "?"
QUESTION_FORM = {"how", "what", "where", "why", "which", "when"}
FUSED_MAX_WORDS = 8  # a run-in heading is short: "Our approach", "Working with partners"
# A "heading" with a full stop and this many words (number included) is counted as a lost
# sentence by chunking's coverage; numbered ones this long with nothing under them are items.
STATEMENT_WORDS = 9
NUMBERED_STATEMENT_WORDS = 6


@dataclass
class Block:
    start: int  # offsets in the page text
    end: int
    kind: str  # heading | item | para | header (a table's header row: the lead-in of its rows)
    level: int = 2  # heading level
    lead_in: str = ""  # for list items: the line introducing the list


def reads_as_sentence(body: str) -> bool:
    """A numbered line's text (after its number) that states something: "Members noted that
    agency spend had fallen by 12 percent." A heading names a topic, even when it ends with a
    full stop ("The barriers preventing progress that the Government can help to reduce.")."""
    first = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0].rstrip(")\"'’” ")
    if not first or first[-1] not in ".!":
        return False
    words = [w.lower() for w in re.findall(r"[A-Za-z’']+", first)]
    if len(words) < 3 or words[0] in CLAUSE_WORDS:
        return False  # "How you plan to take advantage of technology." names a theme
    if words[0].endswith("ed") and words[1] in ("that", "to"):
        return True  # "Resolved that ...", "Agreed to ..."
    for i, word in enumerate(words):
        if word in CLAUSE_WORDS:
            return False
        if word in AUXILIARIES or word in IRREGULAR_PAST:
            return True
        if i > 0 and word.endswith("ed") and len(word) > 4 and word not in NOT_VERBS:
            return True
    return False


def reads_as_statement(heading: str) -> bool:
    """A block read as a heading that is probably a sentence: it ends with a full stop and is
    long. Such text is never quoted, so ingest counts it as lost (see chunking.Chunked)."""
    s = heading.strip().rstrip(")\"'’” ")
    return s[-1:] in (".", "!") and len(s.split()) >= STATEMENT_WORDS


def is_heading(line: str, prev_blank: bool, next_line: str) -> tuple[bool, int]:
    s = line.strip()
    if not s or "\t" in s or len(s) > 200:
        return False, 0
    if s.startswith("#"):
        return True, len(s) - len(s.lstrip("#"))
    next_starts_block = not next_line.strip() or next_line.strip()[:1].isupper() or bool(BULLET.match(next_line))
    if not (prev_blank and next_starts_block):
        return False, 0
    words = s.split()
    letters = [c for c in s if c.isalpha()]
    if letters and len(s) <= 80 and all(c.isupper() for c in letters) and len(letters) >= 4:
        return True, 2
    numbered = NUMBERED_HEADING.match(s)
    if BULLET.match(s) and not numbered:
        return False, 0
    body = s[numbered.end() - 1:] if numbered else s
    one_sentence = len(re.findall(r"[.?!]\s+[A-Z]", body)) == 0
    if numbered and one_sentence:
        label = s.split()[0].rstrip(".:")
        sub_numbered = "." in label
        if body[:1].islower() or s[-1] in ";,":
            return False, 0  # an item of a list: "1. how the council has transformed ...;"
        if reads_as_sentence(body):
            return False, 0  # a numbered paragraph of minutes
        if s[-1] not in TERMINAL or (not sub_numbered and len(s) <= 200):
            return True, 2 + label.count(".")
    if s.endswith("?") and len(s) <= 160 and one_sentence:
        return True, 3
    if words[0].lower() in QUESTION_FORM and s[-1] not in TERMINAL + "?!" and len(s) <= 160 and one_sentence \
            and words[-1].lower() not in FUNCTION_WORDS and not next_line.strip()[:1].isdigit():
        return True, 3  # the letter's questions as headings, unpunctuated: "How we have transformed the way..."
    bare = s.rstrip(" -–")
    if len(bare) <= 80 and len(words) <= 12 and bare[-1] not in TERMINAL and s[0].isupper():
        # title-case: most words that are not short function words start with a capital
        significant = [w for w in words if w.isalpha() and len(w) > 3]
        capitalised = sum(1 for w in significant if w[0].isupper())
        # "This is not a Key Decision and is on the Forward Plan"; but "What we will do" is a heading
        statement = words[0].lower() not in CLAUSE_WORDS and any(w in AUXILIARIES for w in words[1:])
        if (capitalised * 2 > len(significant) and not statement) or len(words) <= 2:
            return True, 3
    return False, 0


def _wrapped_heading(line: str, next_line: str, after: str, prev_blank: bool) -> tuple[bool, int]:
    """A numbered heading a PDF wrapped: "2. How we will use technology and" then "data to
    improve services", then a new block. Returns (is a heading over both lines, level)."""
    s, cont = line.strip(), next_line.strip()
    if not (prev_blank and NUMBERED_HEADING.match(s) and cont[:1].islower()) or BULLET.match(next_line):
        return False, 0
    if s[-1] in ".;:?!" or cont[-1] in ";," or len(s) + len(cont) > 200 or "\t" in s + cont:
        return False, 0
    joined = f"{s} {cont}"
    ok, level = is_heading(joined, True, after)
    return (ok, level) if ok and not joined.endswith(".") else (False, 0)


def _fused_heading(line: str) -> int:
    """Where the paragraph starts in a line that is a heading run into it ("Our approach The
    council has ..."): the offset in the stripped line, or 0 when the line is not one."""
    s = line.strip()
    words = list(re.finditer(r"\S+", s))
    for i in range(1, min(len(words) - 4, FUSED_MAX_WORDS + 1)):
        word, nxt, prev = words[i].group(), words[i + 1].group(), words[i - 1].group()
        if word not in SENTENCE_STARTERS or not nxt[:1].islower():
            continue
        head = s[:words[i].start()].strip()
        if not head[:1].isupper() or re.search(r"[.,;:!?()]", head) or prev.lower() in FUNCTION_WORDS:
            return 0
        rest = s[words[i].start():]
        if len(rest.split()) < 5 or not re.search(r"[.!?:]\s|[.!?:]$", rest):
            return 0  # the rest must read as sentences of their own
        return words[i].start()
    return 0


def split_blocks(text: str) -> list[Block]:
    """Read a page into heading, list-item and paragraph blocks (with offsets)."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    blocks: list[Block] = []
    lead_in = ""
    lead_in_indent = -1  # indentation of the list item that opened the current list (-1: a paragraph did)
    block_start = True  # the previous line was blank, a heading, or ended a sentence
    prev_blank = True
    skip = -1  # the second line of a wrapped heading, already in its block
    table_header = ""  # the header row of the table being read
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            block_start = prev_blank = True
            table_header = ""
            continue
        if i == skip:
            prev_blank, block_start = False, True
            continue
        start = offsets[i] + (len(line) - len(line.lstrip()))
        end = offsets[i] + len(line.rstrip())
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        if TABLE_RULE.match(line):
            prev_blank, block_start = False, True
            continue
        if TABLE_ROW.match(line):
            # each row a unit of its own, read under the table's header as a list item under its lead-in
            cells = stripped.strip("|").strip()
            start += stripped.index(cells)
            end = start + len(cells)
            if TABLE_RULE.match(next_line):
                table_header = re.sub(r"\s*\|\s*", " | ", cells)
                blocks.append(Block(start, end, "header"))
            else:
                blocks.append(Block(start, end, "item", lead_in=table_header or lead_in))
            prev_blank, block_start = False, True
            continue
        table_header = ""
        after = lines[i + 2] if i + 2 < len(lines) else ""
        # a list after its lead-in: "...themes:\n1. How you...", also with a blank line between
        # when the next line goes on with the list
        in_list = bool(lead_in) and bool(BULLET.match(line)) and (not prev_blank or (
            bool(BULLET.match(next_line)) and blocks[-1].kind == "para" and text[blocks[-1].end - 1] == ":"))
        heading, level = (False, 0) if in_list else is_heading(line, block_start, next_line)
        if not heading and not in_list and next_line.strip():
            heading, level = _wrapped_heading(line, next_line, after, block_start)
            if heading:
                end = offsets[i + 1] + len(next_line.rstrip())
                skip = i + 1
        fused = 0 if heading or in_list or not block_start else _fused_heading(line)
        if fused:
            head_end = start + len(stripped[:fused].rstrip())
            blocks.append(Block(start, head_end, "heading", level=3))
            blocks.append(Block(start + fused, end, "para"))
            lead_in = ""
        elif heading:
            blocks.append(Block(start, end, "heading", level=level))
            lead_in = ""
        elif BULLET.match(line):
            indent = len(line) - len(line.lstrip())
            if lead_in and lead_in_indent >= 0 and indent <= lead_in_indent:
                lead_in = ""  # a sibling of the item that opened the list, not one of its items
            blocks.append(Block(start, end, "item", lead_in=lead_in))
        elif blocks and blocks[-1].kind in ("para", "item") and (
                (not prev_blank and not block_start)
                # a sentence broken by a blank line (a page break in the source) goes on in lower case
                or (prev_blank and stripped[:1].islower() and text[blocks[-1].end - 1] not in ".!?:;")):
            blocks[-1].end = end  # a wrapped line continues its paragraph or list item
        else:
            blocks.append(Block(start, end, "para"))
            lead_in = ""
        last = blocks[-1]
        body = text[last.start:last.end].rstrip(" -–")
        if body.endswith(":"):
            # the sentence that introduces a list: "...the following four themes:"
            body = BULLET.sub("", body, count=1) if last.kind == "item" else body
            sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", body.strip())
            # the introducing sentence, with the one before it when it is as short as "Examples include:"
            lead_in = " ".join(sentences[-2:]) if len(sentences[-1].split()) < 5 else sentences[-1]
            lead_in_indent = len(line) - len(line.lstrip()) if last.kind == "item" else -1
        elif last.kind == "para":
            lead_in = ""
        prev_blank = False
        block_start = heading or stripped[-1] in ".:?!"
    return _numbered_statements(text, blocks)


def _numbered_statements(text: str, blocks: list[Block]) -> list[Block]:
    """Numbered "headings" with a full stop and nothing under them are numbered paragraphs
    (minutes: "1. Apologies for absence from Cllr Khan and Cllr Ford." "2. ..."): a run of
    two or more, one beside a numbered paragraph, or one directly followed by a numbered heading
    as deep, is read as a list item."""
    def candidate(block: Block) -> bool:
        s = text[block.start:block.end].strip()
        return (block.kind == "heading" and s[:1].isdigit() and s[-1] in ".!"
                and len(s.split()) >= NUMBERED_STATEMENT_WORDS)

    def depth(block: Block) -> int:
        label = text[block.start:block.end].split(maxsplit=1)[0]
        return label.rstrip(".:").count(".") if label[:1].isdigit() else -1

    for i, block in enumerate(blocks):
        if not candidate(block):
            continue
        prev = blocks[i - 1] if i else None
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        beside_paragraph = any(n is not None and n.kind == "item" and depth(n) == depth(block) for n in (prev, nxt))
        # straight before a numbered heading as deep: nothing is under it
        before_sibling = nxt is not None and nxt.kind == "heading" and depth(nxt) == depth(block)
        if beside_paragraph or before_sibling:
            block.kind = "item"
    return blocks


def heading_title(text: str) -> str:
    """A heading block's text as a section name: without Markdown marks, one line."""
    return " ".join(text.strip().lstrip("#").split())
