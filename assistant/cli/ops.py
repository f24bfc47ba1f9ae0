"""`assistant doctor`, `assistant eval` and `assistant chat`: checking the install,
scoring the pipeline, and the conversation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.options import (CouncilOption, JsonOption, KindOption, ThemeOption, require_documents,
                                   resolve_filters, with_backend_options)


def doctor(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the install, the offline embedder, the index, Chroma and each language-model backend,
    with how to fix what fails. Exit 0 when the default (offline) path works, else 3."""
    from assistant.cli.doctor import report, run_checks
    from assistant.render.console import console, print_json
    from assistant.render.doctor import checks_table

    checks = run_checks(ctx.obj.settings())
    result = report(checks)
    if as_json:
        print_json(result)
    else:
        checks_table(console(), checks, result["ok"])
    if not result["ok"]:
        raise typer.Exit(3)


@with_backend_options
def chat(
    ctx: typer.Context,
    council: CouncilOption = None,
    kind: KindOption = None,
    theme: ThemeOption = None,
    backend: dict | None = None,
) -> None:
    """Ask questions with follow-ups ("and what about Blaby?"); /help inside lists the commands.

    Reads questions from stdin when it is not a terminal: echo "question" | assistant chat"""
    from assistant.chat.loop import run
    from assistant.generate import backends
    from assistant.workspace import open_workspace

    settings = ctx.obj.settings(**backend)
    with open_workspace(settings) as workspace:
        filters = resolve_filters(workspace, council, kind, theme)
        require_documents(workspace)
        backends.get(settings.llm, settings).check(settings)  # not configured: fail now, with the fix
        run(workspace, filters)


@with_backend_options
def eval_(
    dataset: Annotated[Optional[Path], typer.Option(
        "--dataset", help="Questions, one JSON object a line (default: eval/datasets/qa.jsonl). "
                          "judge_pairs.jsonl and gaps.jsonl beside it are used too.", show_default=False)] = None,
    judge: Annotated[str, typer.Option(
        "--judge", help="Who decides support: offline (quote match + embeddings, no model) or llm "
                        "(claims and verdicts from the chat model).")] = "offline",
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Folder for the JSON and Markdown results and the eval's own index "
                      "(default: eval/results).", show_default=False)] = None,
    thresholds: Annotated[Optional[Path], typer.Option(
        "--thresholds", help="TOML of minimum/maximum headline metrics to mark (default: eval/thresholds.toml).",
        show_default=False)] = None,
    compare: Annotated[Optional[tuple[Path, Path]], typer.Option(
        "--compare", help="Compare two result files (A.json B.json) instead of running.", show_default=False)] = None,
    as_json: JsonOption = False,
    backend: dict | None = None,
) -> None:
    """Run the pipeline over an evaluation dataset and score it: retrieval recall, gold-fact
    recall, point precision, faithfulness, citation recall and precision, refusals, councils
    exactness, traps, gap check, latency.

    Indexes into its own index under --out (your index is never used): the shipped corpus
    for qa.jsonl; for dev.jsonl and test.jsonl also eval/plans and ../shared/dev-corpus."""
    from assistant.evaluation import report
    from assistant.render.console import console, print_json
    from assistant.render.progress import StepProgress

    if compare:
        diff = report.compare(report.load_result(compare[0]), report.load_result(compare[1]))
        if as_json:
            print_json(diff)
        else:
            report.compare_table(console(), diff, str(compare[0]), str(compare[1]))
        return
    from assistant.evaluation.runner import default_results_dir, run

    limits_file = thresholds or default_results_dir().parent / "thresholds.toml"
    limits = report.load_thresholds(limits_file) if thresholds or limits_file.is_file() else None
    bar = StepProgress(console(stderr=True), "Evaluating", enabled=not as_json)
    try:
        result = run(dataset, out, judge, backend["llm"], progress=bar.update, model=backend["model"],
                     openai_base_url=backend["openai_base_url"])
    finally:
        bar.stop()
    result["command"] = " ".join(["assistant", *sys.argv[1:]])
    json_path, md_path = report.write(result, Path(out or default_results_dir()), limits)
    if as_json:
        print_json({**result, "json": str(json_path), "markdown": str(md_path)})
        return
    screen = console()
    report.table(screen, result, limits)
    screen.print(f"Results: {json_path} · report: {md_path}", markup=False)
