"""`ask`: one question through the pipeline — the evidence engine reads the question and
retrieves, the chosen backend composes and cites — into an Answer. A refusal is an answer
(refused=True) that says plainly what was searched."""

from __future__ import annotations

from assistant.models import Answer, Filters


def answer(workspace, retrieval, llm: str | None = None, on_token=None) -> Answer:
    """The one dispatch from a retrieval to a backend's answer."""
    from assistant.generate import backends

    return backends.get(llm, workspace.settings).answer(workspace, retrieval, on_token=on_token)


def ask(settings, question: str, filters: Filters | None = None, llm: str | None = None, on_token=None,
        workspace=None) -> Answer:
    """Answer one question. ``llm`` overrides settings.llm; ``on_token`` streams text;
    ``workspace`` is an open one to reuse (chat, eval, the web app), else one is opened."""
    from assistant.errors import UserError
    from assistant.generate import backends
    from assistant.workspace import open_workspace

    question = (question or "").strip()
    if not question:
        raise UserError("the question is empty. Ask something, e.g. assistant ask \"What barriers did peers cite?\"")
    backend = backends.name_of(llm, settings)
    backends.get(backend).check(settings)  # not configured: exit 3 before any work
    ws = workspace or open_workspace(settings)
    try:
        return answer(ws, ws.evidence.retrieve(question, filters), backend, on_token)
    finally:
        if workspace is None:
            ws.close()
