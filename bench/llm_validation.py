"""Citation validation on the shipped corpus: what it keeps, what it catches, how fast.

For each question, the passages `ask` retrieves are turned into scripted model replies:
a sentence of a passage cited correctly (should be kept), the same sentence citing a
passage that was not provided, citing a different passage, with an invented figure added,
or with no citation (all should be removed). Prints the rates, validation speed, and the
warm end-to-end time of `ask --llm openai` against a local scripted server (the pipeline's
own overhead: retrieval + prompt + HTTP + validating a three-sentence reply) next to `ask` extractive.

    .venv/bin/python bench/llm_validation.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from assistant.ask import ask  # noqa: E402
from assistant.workspace import open_workspace  # noqa: E402
from assistant.generate.citations import validate  # noqa: E402
from assistant.text.sentences import split_units  # noqa: E402
from assistant.index import open_index  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from tests.conftest import run_cli  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402

QUESTIONS = [
    "What barriers did peer councils cite?", "How do councils measure productivity?",
    "What did Redditch say about agency and consultant spend?", "What was the Towns Fund amount?",
    "What did the county council say about SEND?", "How are councils using technology and data?",
    "What did Blaby say about funding?", "What did Sandwell say about its productivity plan?",
]


def cases(hits):
    """(reply, should_keep, kind) from the retrieved passages."""
    out = []
    for i, hit in enumerate(hits[:6], start=1):
        units = [u for u in split_units(hit.chunk) if len(u.text.split()) >= 6]
        if not units:
            continue
        sentence = units[0].text.rstrip(" .;:")
        other = next((j for j, h in enumerate(hits, start=1) if h.chunk.document_id != hit.chunk.document_id), None)
        out.append((f"{sentence} [{i}].", True, "correct citation"))
        out.append((f"The council says that {sentence[0].lower()}{sentence[1:]} [{i}].", True, "reworded, cited"))
        out.append((f"{sentence} [{len(hits) + 3}].", False, "passage not provided"))
        if other:
            out.append((f"{sentence} [{other}].", False, "another document's passage"))
        out.append((f"{sentence}, saving £7.3m in 2019 [{i}].", False, "invented figure"))
        out.append((f"{sentence}.", False, "no citation"))
    return out


def scripted_answer(request) -> str:
    """A model that cites the first sentence of each of the first three documents."""
    from assistant.text.sentences import sentence_spans

    lines = []
    for n, text in list(request.documents().items())[:3]:
        sentences = [text[a:b].strip("- ") for a, b in sentence_spans(text)]
        first = next((s for s in sentences if len(s.split()) >= 6), "")
        if first:
            lines.append(f"- {first.rstrip('.')} [{n}].")
    return "\n".join(lines) or "The documents do not say."


def main() -> None:
    home = Path(os.environ.get("ASSISTANT_HOME") or tempfile.mkdtemp()) / "bench-llm"
    if not (home / "index" / "catalog.sqlite").exists():
        run_cli("ingest", "--shipped", "--json", home=home)
    settings = load_settings(home)
    workspace = open_workspace(settings)
    index = workspace.index
    tally: dict[str, list[int]] = {}
    sentences, seconds = 0, 0.0
    for question in QUESTIONS:
        hits = workspace.evidence.retrieve(question).hits
        for reply, keep, kind in cases(hits):
            start = time.perf_counter()
            result = validate(reply, hits, index.embedder)
            seconds += time.perf_counter() - start
            sentences += 1
            right = (result.sentences_supported == 1) == keep
            tally.setdefault(kind, [0, 0])
            tally[kind][0] += right
            tally[kind][1] += 1
    index.close()
    print(f"Citation validation on {len(QUESTIONS)} questions of the shipped corpus ({sentences} scripted sentences)")
    for kind, (right, total) in tally.items():
        verb = "kept" if kind in ("correct citation", "reworded, cited") else "removed"
        print(f"  {kind:28s} {verb} {right:3d}/{total:3d} ({right / total:.0%})")
    print(f"  validation speed: {sentences / seconds:.1f} sentences/s ({1000 * seconds / sentences:.1f} ms each)")

    with OpenAIServer() as server:
        server.respond = scripted_answer
        os.environ.update({"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-bench", "ASSISTANT_MODEL": "gpt-test"})
        settings = load_settings(home)
        for backend in ("extractive", "openai"):
            ask(settings, QUESTIONS[0], llm=backend)  # warm up
            times = []
            for question in QUESTIONS:
                start = time.perf_counter()
                ask(settings, question, llm=backend)
                times.append(time.perf_counter() - start)
            print(f"  ask --llm {backend:10s} warm, model time excluded: p50 {1000 * statistics.median(times):.0f} ms, "
                  f"max {1000 * max(times):.0f} ms over {len(times)} questions")


if __name__ == "__main__":
    main()
