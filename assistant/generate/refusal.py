"""The plain refusal: what was searched, and that the documents do not answer."""

from __future__ import annotations

from assistant.models import Answer


def refusal(retrieval, backend: str, reason: str = "") -> Answer:
    analysis = retrieval.analysis
    if analysis.unknown_names:
        names = ", ".join(dict.fromkeys(analysis.unknown_names))
        text = (f"The documents do not mention {names}, so they cannot answer this. "
                f"Councils in the index: {', '.join(c for c in retrieval.councils_known) or 'none'}.")
    else:
        text = (f"The documents do not say. I searched {retrieval.searched}, and none of them answers "
                f"\"{retrieval.question}\".")
    if reason:
        text += f" {reason}"
    return Answer(question=retrieval.question, answer=text, refused=True, backend=backend,
                  filters=retrieval.filters, searched=retrieval.searched)
