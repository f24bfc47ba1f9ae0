"""Questions in the browser: one turn of a conversation, answered by the same calls as
`assistant ask` (the evidence engine's retrieval, then the backend's answer), with
follow-ups read as `assistant chat` reads them (assistant.chat.followup).

A conversation lives in the server's memory, under an unguessable id carried in the
page's follow-up form. A turn is stored with its number, so reloading a turn's page (or a
streamed answer's reconnection) shows the stored answer instead of asking again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from assistant.errors import UserError
from assistant.models import Answer


@dataclass
class Ask:
    """What the officer asked: the form's fields."""

    text: str
    councils: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    themes: list[int] = field(default_factory=list)
    llm: str | None = None


@dataclass
class Turn:
    asked: str  # what the officer typed
    answer: Answer  # keys redacted; answer.question is the standalone question
    standalone: str  # the question with its context, for the next follow-up
    note: str = ""  # how a follow-up was read
    across: bool = False
    documents: dict = field(default_factory=dict)  # chunk id -> document id, for the source links


@dataclass
class Conversation:
    id: str
    turns: list[Turn] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stored(self, number: int, text: str) -> Turn | None:
        """Turn ``number`` if it was this question (a reload), else None."""
        with self.lock:
            if number < len(self.turns) and self.turns[number].asked == text.strip():
                return self.turns[number]
        return None

    def previous(self, number: int) -> list[Turn]:
        with self.lock:
            return list(self.turns[:number])

    def keep(self, number: int, turn: Turn, limit: int) -> int:
        """Store ``turn`` as turn ``number`` (a turn asked again from an earlier page
        replaces what followed it); returns the number it was stored as."""
        with self.lock:
            del self.turns[number:]
            self.turns.append(turn)
            if len(self.turns) > limit:
                del self.turns[:len(self.turns) - limit]
            return len(self.turns) - 1


def answer_turn(workspace, ask: Ask, history: list[Turn], on_token=None) -> Turn:
    """One question (a follow-up if ``history`` has turns), in a question thread."""
    from assistant.ask import answer as compose
    from assistant.evidence.question import resolve_filters
    from assistant.generate import backends
    from assistant.text.safety import scrub

    text = (ask.text or "").strip()
    if not text:
        raise UserError("Enter a question, for example: What barriers did peer councils cite?")
    settings = workspace.settings
    backend = backends.name_of(ask.llm, settings)
    backends.get(backend).check(settings)  # not configured: said before any work
    catalog = workspace.index.catalog
    if catalog.count_chunks() == 0:
        raise UserError(f"the index in {settings.home} is empty. Add documents on the Sources page first "
                        "(or run: assistant ingest --shipped).")
    filters = resolve_filters(ask.councils, ask.kinds, ask.themes, catalog.councils())
    note, question = "", text
    if not history:
        retrieval = workspace.evidence.retrieve(text, filters)  # exactly what `assistant ask` does
    else:
        rewrite = _rewrite(workspace, backend, history, text, filters)
        question = rewrite.question
        if rewrite.councils and not filters.councils:
            filters = filters.model_copy(update={"councils": rewrite.councils})
        if rewrite.narrow:
            last = history[-1]
            ids = list(dict.fromkeys(c.chunk_id for c in last.answer.citations))
            note = f"within answer {len(history)}'s sources: {rewrite.question}"
            retrieval = workspace.evidence.within(rewrite.question, ids, last.answer.filters, last.across,
                                                  f"answer {len(history)} (\"{last.answer.question}\")")
        else:
            note = f"read as: {rewrite.question}" if rewrite.followup else ""
            retrieval = workspace.evidence.retrieve(rewrite.question, filters)
        question = rewrite.standalone
    answer = compose(workspace, retrieval, backend, on_token)
    chunks = catalog.chunks(list(dict.fromkeys(c.chunk_id for c in answer.citations)))
    return Turn(asked=text, answer=scrub(answer), standalone=question, note=scrub(note), across=retrieval.across,
                documents={cid: chunk.document_id for cid, chunk in chunks.items()})


def _rewrite(workspace, backend, history: list[Turn], text: str, filters):
    """The follow-up made standalone: the chat's offline rules, or the model's condensed
    question (the rules still decide a narrowing)."""
    from assistant.chat.followup import Previous, Rewrite, condense_with_llm, rewrite
    from assistant.generate import backends

    last = history[-1]
    councils = filters.councils or last.answer.filters.councils
    previous = Previous(last.standalone, councils, last.across, len(last.answer.citations))
    found = rewrite(text, previous, workspace.index.catalog.councils())
    if not backends.is_model(backend):
        return found
    condensed = condense_with_llm(workspace.settings, backend, [(t.standalone, t.answer.answer) for t in history],
                                  text)
    return Rewrite(condensed, narrow=found.narrow, councils=found.councils,
                   followup=condensed.strip() != text.strip())


def options(workspace) -> dict:
    """What the ask form offers: the index's councils, the kinds, the themes, the backends
    that are configured (a key's value never leaves the server: only the names)."""
    from assistant.errors import AssistantError
    from assistant.generate import backends
    from assistant.models import KINDS

    settings = workspace.settings
    usable = []
    for name in backends.NAMES:
        try:
            backends.get(name).check(settings)
            usable.append(name)
        except AssistantError:
            continue
    return {"councils": workspace.index.catalog.councils(), "kinds": list(KINDS),
            "themes": [(t.number, t.title) for t in workspace.guidance.themes],
            "backends": usable, "default_backend": backends.name_of(None, settings),
            "documents": workspace.index.catalog.count_chunks() > 0}
