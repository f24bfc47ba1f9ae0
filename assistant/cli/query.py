"""`assistant search` and `assistant ask`: passages for a query, and a cited answer."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.options import (CouncilOption, JsonOption, KindOption, ThemeOption, require_documents,
                                   resolve_filters, with_backend_options)


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages.", min=1, max=200)] = 8,
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the passages hybrid search finds (dense + BM25, fused), with their scores."""
    from assistant.render import passages as render
    from assistant.render.console import console, print_json
    from assistant.workspace import open_workspace

    with open_workspace(ctx.obj.settings()) as workspace:
        filters = resolve_filters(workspace, council, kind, theme)
        found = workspace.evidence.search(query, filters, k)
    if as_json:
        print_json(render.hits_json(query, filters, found))
    else:
        render.hits(console(), found)


@with_backend_options
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    stream: Annotated[bool, typer.Option(
        "--stream/--no-stream", help="With a language model, show its reply as it is written (before it is checked).")] = True,
    as_json: JsonOption = False,
    backend: dict | None = None,
) -> None:
    """Answer a question from the indexed documents, citing document and page — or say they do not say."""
    from assistant.ask import ask as run_ask
    from assistant.generate import backends
    from assistant.render import answer as render
    from assistant.render.console import console, print_json
    from assistant.workspace import open_workspace

    settings = ctx.obj.settings(**backend)
    with open_workspace(settings) as workspace:
        filters = resolve_filters(workspace, council, kind, theme)
        require_documents(workspace)
        streamer = None
        if stream and not as_json and backends.is_model(settings.llm):
            from assistant.render.stream import DraftStream

            streamer = DraftStream(console(stderr=True))
        result = run_ask(settings, question, filters, on_token=streamer, workspace=workspace)
    if streamer:
        streamer.close(result)
    if as_json:
        print_json(result.contract())
    else:
        render.full(console(), result)
