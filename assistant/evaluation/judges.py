"""The two judges the metrics use to decide support.

- ``OfflineJudge``: the offline support judge (``assistant.generate.judge``: verbatim or
  fuzzy quote match, figures, content words and embedding similarity). Claims are the
  answer's statements as they stand.
- ``LLMJudge``: the configured chat model, as Ragas and RAGChecker use one: it decomposes
  an answer into atomic claims (prompts/eval-claims.*) and gives a verdict on each claim
  against the passages (prompts/eval-verdict.*).

Both memoise verdicts: the metrics ask the same question more than once (a statement's
joint support serves citation recall and precision alike).
"""

from __future__ import annotations

from assistant.errors import BackendUnavailable


class OfflineJudge:
    name = "offline"

    def __init__(self, embedder):
        from assistant.index.vector_cache import cached  # embeds each passage once per run

        self.embedder = cached(embedder)
        self.memo: dict = {}

    def supports(self, claim: str, passages: list[str]) -> bool:
        from assistant.generate.judge import judge, strip_citations

        key = (claim, tuple(passages))
        if key not in self.memo:
            joined = "\n\n".join(passages)
            quoted = " ".join(strip_citations(claim).split()).lower()
            # the judge's first rule (a verbatim span is supported), decided here without
            # splitting the whole context into sentences for every claim of an extractive answer
            if passages and quoted and quoted in self._normal(joined):
                self.memo[key] = True
            else:
                self.memo[key] = bool(passages) and judge(claim, joined, self.embedder).supported
        return self.memo[key]

    def _normal(self, text: str) -> str:
        if getattr(self, "_last", (None,))[0] != text:
            self._last = (text, " ".join(text.split()).lower())
        return self._last[1]

    def claims(self, statements: list[str], question: str = "") -> list[str]:
        return list(statements)

    def prefetch(self, claims: list[str], passages: list[str]) -> None:
        """Nothing to batch offline."""


class LLMJudge:
    name = "llm"

    def __init__(self, settings, backend: str):
        from assistant.generate.backends.openai import chat_model

        chat_model(settings, backend)  # fails now, with the fix, if the backend is not configured
        self.settings, self.backend = settings, backend
        self.memo: dict = {}

    def _ask(self, prompt: str, **variables):
        from assistant.generate.backends.openai import generate
        from assistant.generate.prompts import load_prompt

        reply = generate(self.settings, self.backend, load_prompt(prompt).messages(**variables))
        return _json_in(reply, prompt)

    def claims(self, statements: list[str], question: str = "") -> list[str]:
        """Ragas' statement generator: the answer broken into atomic, self-contained claims."""
        if not statements:
            return []
        data = self._ask("eval-claims", question=question, answer="\n".join(f"- {s}" for s in statements))
        claims = data.get("claims") if isinstance(data, dict) else data
        if not isinstance(claims, list):
            raise BackendUnavailable("the judge model did not return a list of claims (prompt eval-claims); "
                                     "try a stronger model with --model.")
        return [str(c).strip() for c in claims if str(c).strip()]

    def prefetch(self, claims: list[str], passages: list[str]) -> None:
        """Verdicts on several claims against the same passages in one request (as Ragas batches them)."""
        todo = [c for c in dict.fromkeys(claims) if (c, tuple(passages)) not in self.memo]
        if not todo:
            return
        if not passages:
            self.memo.update({(c, ()): False for c in todo})
            return
        context = "\n".join(f'<passage n="{i}">\n{p}\n</passage>' for i, p in enumerate(passages, start=1))
        listed = "\n".join(f"{i}. {c}" for i, c in enumerate(todo, start=1))
        data = self._ask("eval-verdict", passages=context, claims=listed)
        verdicts = data.get("verdicts") if isinstance(data, dict) else data
        if not isinstance(verdicts, list) or len(verdicts) != len(todo):
            raise BackendUnavailable(f"the judge model returned {len(verdicts) if isinstance(verdicts, list) else 'no'} "
                                     f"verdicts for {len(todo)} claims (prompt eval-verdict); try a stronger model.")
        for claim, verdict in zip(todo, verdicts):
            value = verdict.get("verdict") if isinstance(verdict, dict) else verdict
            self.memo[(claim, tuple(passages))] = str(value).strip().lower() in ("1", "true", "yes", "supported")

    def supports(self, claim: str, passages: list[str]) -> bool:
        self.prefetch([claim], passages)
        return self.memo[(claim, tuple(passages))]


def _json_in(reply: str, prompt: str):
    """The JSON in a model's reply (LangChain's parser tolerates a ```json fence around it)."""
    from langchain_core.utils.json import parse_json_markdown

    try:
        return parse_json_markdown(reply)
    except ValueError:
        raise BackendUnavailable(f"the judge model's reply to prompt {prompt} is not JSON: {reply[:120]!r}. "
                                 "Use a model that follows instructions (--model), or --judge offline.") from None


def make_judge(kind: str, settings, embedder, backend: str = "openai"):
    """The judge ``kind`` names: "offline", or "llm" with ``backend`` (openai or azure)."""
    from assistant.errors import UserError

    if kind == "offline":
        return OfflineJudge(embedder)
    if kind == "llm":
        return LLMJudge(settings, backend)
    raise UserError(f"unknown --judge '{kind}'. Use offline (no model needed) or llm (the configured chat model).")
