"""The barrier tally embeds the mentions' texts a batch at a time (tally.EMBED_BATCH), so that a
national compare (~130,000 texts) does not hold them all: the barriers it finds, their
councils and quotes, must not depend on where the batches fall."""

from __future__ import annotations

import json

from tests.conftest import REPO, settings_for

LABELS = REPO / "eval" / "datasets" / "barriers.jsonl"


def labelled_mentions() -> list:
    """The labelled citations of eval/datasets/barriers.jsonl as mentions stated in so many
    words: some a named barrier takes, some (audit backlog, nutrient neutrality...) left to
    the clustering."""
    from assistant.compare.barriers import Mention

    mentions = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        for n, c in enumerate(json.loads(line)["citations"]):
            mentions.append(Mention(council=c["council"], document_id=c["document"], source=c["document"],
                                    title=c["document"], page=c["page"], quote=c["quote"], in_section=True,
                                    cue=True, paragraph=n + 1))
    return mentions


def test_the_barrier_tally_does_not_depend_on_how_its_texts_are_batched(home, monkeypatch):
    from assistant.compare import tally
    from assistant.compare.named import NAMED
    from assistant.guidance import load_guidance
    from assistant.index.embeddings import get_embedder
    from assistant.index.vector_cache import cached

    settings = settings_for(home)
    guidance = load_guidance(settings.guidance_path())
    embedder = cached(get_embedder(settings))
    mentions = labelled_mentions()

    def barriers(batch: int) -> list:
        monkeypatch.setattr(tally, "EMBED_BATCH", batch)
        return [(b.name, [(m.council, m.quote, m.page) for m in b.mentions])
                for b in tally.group_barriers(mentions, guidance, embedder)]

    at_once = barriers(10 ** 6)
    named = {name for name, _, _ in NAMED}
    assert any(name in named for name, _ in at_once) and any(name not in named for name, _ in at_once)
    for batch in (1, 7):  # a mention alone; several, its clauses never split from it
        assert barriers(batch) == at_once
