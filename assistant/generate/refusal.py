"""The plain refusal: what was searched, and that the documents do not answer."""

from __future__ import annotations

import re

from assistant.models import Answer


def refusal(retrieval, backend: str, reason: str = "") -> Answer:
    from assistant.councils import named_longer

    analysis = retrieval.analysis
    if retrieval.missing_document:
        text = retrieval.missing_document
    elif analysis.unknown_names:
        councils = registered_councils(retrieval.question, analysis.unknown_names)
        if councils:  # "West Oxon": a real council, just not indexed
            names = " and ".join(councils)
            text = f"No document of {names} is in the index, so the documents cannot answer this. "
            alike = [c for n in analysis.unknown_names for c in named_longer(n, retrieval.councils_known)]
            if alike:  # "Wyre" is Wyre Borough Council; Wyre Forest District Council is indexed
                text += f"Did you mean {' or '.join(alike)}? "
        else:
            names = ", ".join(dict.fromkeys(analysis.unknown_names))
            text = f"The documents do not mention {names}, so they cannot answer this. "
        text += f"Councils in the index: {', '.join(c for c in retrieval.councils_known) or 'none'}."
    elif retrieval.unmentioned:
        terms = " or ".join(f"\"{t}\"" for t in retrieval.unmentioned)
        text = f"The documents do not say. I searched {retrieval.searched}, and none of them mentions {terms}."
    else:
        text = (f"The documents do not say. I searched {retrieval.searched}, and none of them answers "
                f"\"{retrieval.question}\".")
    if reason:
        text += f" {reason}"
    return Answer(question=retrieval.question, answer=text, refused=True, backend=backend,
                  filters=retrieval.filters, searched=retrieval.searched)


def registered_councils(question: str, unknown: list[str]) -> list[str]:
    """Official names of the register's current councils the question names with the words
    the index does not know ("West Oxon" -> West Oxfordshire District Council)."""
    from assistant.councils import register, tokens

    reg = register()
    words = tokens(re.sub(r"['’]s\b", "", question))  # "Leeds's plan"
    wanted = set(tokens(" ".join(unknown)))
    found, i = [], 0
    while i < len(words):
        for n in range(min(reg.longest, len(words) - i), 0, -1):
            span = words[i:i + n]
            codes = [c for c in reg.ranked(span) if reg.authorities[c].current]  # "King's Lynn": a merged name's first place too
            if codes and wanted & set(span) and span not in reg.not_councils:
                found.append(" ".join(reg.authorities[codes[0]].official_name.split()))  # ("North Somerset  Council")
                i += n
                break
        else:
            i += 1
    return list(dict.fromkeys(found))

