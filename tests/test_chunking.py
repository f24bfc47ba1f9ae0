"""Chunks respect headings and lists, keep pages, are verbatim, and carry themes."""

from assistant.guidance import load_guidance
from assistant.ingest.chunking import TARGET_CHARS, chunk_document, split_blocks
from assistant.models import Document, Page
from assistant.resources import corpus_dir

GUIDANCE = load_guidance(corpus_dir() / "guidance" / "productivity-plans-2024.toml")

PLAN = """Anytown Productivity Plan

1. How have you transformed the way you design and deliver services?

We share a chief executive and management team with Otherton District Council.

We measure productivity through:

- Quarterly performance reports to Cabinet.
- Benchmarking against similar councils.

4. The barriers preventing progress that the Government can help to reduce or remove.

Examples of barriers are:

- Single-year funding settlements.
- Competitive bidding for small grants.
"""


def _doc(**kw):
    return Document(id="d" * 16, source="/tmp/plan.txt", pages=1, title="Anytown plan", council="Anytown Council",
                    kind="plan", **kw)


def test_headings_lists_and_lead_ins_are_recognised():
    blocks = split_blocks(PLAN)
    headings = [PLAN[b.start:b.end] for b in blocks if b.kind == "heading"]
    assert headings[1].startswith("1. How have you transformed")
    assert headings[2].startswith("4. The barriers preventing progress")
    items = [b for b in blocks if b.kind == "item"]
    assert [PLAN[b.start:b.end] for b in items][-1] == "- Competitive bidding for small grants."
    assert items[0].lead_in == "We measure productivity through:"
    assert items[-1].lead_in == "Examples of barriers are:"


def test_a_numbered_list_after_a_lead_in_is_a_list_not_headings():
    text = "Plans should address the following four themes:\n1. How you have transformed services.\n2. Your plans to reduce waste.\n"
    kinds = [b.kind for b in split_blocks(text)]
    assert kinds == ["para", "item", "item"]


def test_chunks_are_verbatim_slices_with_sections_pages_and_themes():
    pages = [Page(number=1, text=PLAN), Page(number=2, text="Agency staff spend fell by a third after our review.")]
    chunks = chunk_document(_doc(), pages, GUIDANCE)
    for chunk in chunks:
        assert chunk.text in pages[chunk.page - 1].text
    barrier_chunk = next(c for c in chunks if "Single-year funding" in c.text)
    assert barrier_chunk.section.startswith("4. The barriers preventing progress")
    assert 4 in barrier_chunk.themes
    # the heading carries over to the next page's chunk
    assert chunks[-1].page == 2 and chunks[-1].section.startswith("4. The barriers")
    assert len({c.id for c in chunks}) == len(chunks)


def test_long_text_is_split_near_the_target_size():
    sentence = "The council reviewed every contract and renegotiated the largest ones to save money. "
    chunks = chunk_document(_doc(), [Page(number=1, text=sentence * 40)], GUIDANCE)
    assert len(chunks) > 3
    assert all(len(c.text) <= TARGET_CHARS * 1.5 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == (sentence * 40).replace(" ", "")


def test_chunk_ids_are_stable():
    pages = [Page(number=1, text=PLAN)]
    assert [c.id for c in chunk_document(_doc(), pages, GUIDANCE)] == [c.id for c in chunk_document(_doc(), pages, GUIDANCE)]
