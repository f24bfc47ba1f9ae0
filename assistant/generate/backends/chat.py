"""The chat-model backends (``openai``, ``azure``): one protocol over the provider modules.

An answer or a draft section is prompted with the passages as numbered, delimited data
(openai.py, prompts/), and the reply validated sentence by sentence before anyone sees it.
"""

from __future__ import annotations

from assistant.generate.backends.openai import complete_cited, require_configured
from assistant.models import Answer


class ChatBackend:
    def __init__(self, name: str):
        self.NAME = name

    def check(self, settings) -> None:
        require_configured(settings, self.NAME)

    def answer(self, workspace, retrieval, on_token=None) -> Answer:
        """`ask` with a chat model: the cited, validated answer, or a refusal saying what was searched."""
        from assistant.generate.refusal import refusal

        settings, backend = workspace.settings, self.NAME
        require_configured(settings, backend)
        if retrieval.cannot_answer:
            return refusal(retrieval, backend)
        if retrieval.barrier_of:  # a count over every council's documents: the tally's, not a model's
            from assistant.generate.backends import extractive

            return extractive.answer(workspace, retrieval)
        result = complete_cited(settings, backend, "ask", {"question": retrieval.question}, retrieval.hits,
                                workspace.index.embedder, on_token=on_token)
        if result.refused:
            answer = refusal(retrieval, backend)
        else:
            answer = Answer(question=retrieval.question, answer=result.text, refused=False, backend=backend,
                            citations=result.citations, filters=retrieval.filters, searched=retrieval.searched)
        answer.unsupported = result.unsupported
        answer.sentences_total, answer.sentences_supported = result.sentences_total, result.sentences_supported
        return answer

    def write_section(self, workspace, council: str, evidence, theme_title: str = "", word_budget: int = 0,
                      first_n: int = 1):
        """Prose for a draft section: (text, citations, status, unsupported); text is empty
        when the model wrote nothing the documents support."""
        from assistant.generate.backends.llm_section import compose_llm

        text, citations, unsupported = compose_llm(workspace.settings, self.NAME, council, evidence, theme_title,
                                                   word_budget, first_n, workspace.index.embedder)
        status = "own" if evidence.own else "peers" if evidence.peers else "none"
        return text, citations, status, unsupported


OPENAI = ChatBackend("openai")
AZURE = ChatBackend("azure")
