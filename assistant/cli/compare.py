"""`assistant compare`: every council's plan against the guidance, and the barriers they cite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli.options import JsonOption


def compare(
    ctx: typer.Context,
    council: Annotated[Optional[list[str]], typer.Option(
        "--council", "-c", help="Only this council (repeatable; 'Redditch' matches 'Redditch Borough Council').",
        show_default=False)] = None,
    council_type: Annotated[Optional[list[str]], typer.Option(
        "--type", help="Only councils of this type (repeatable): district, unitary, county, metropolitan borough, "
                       "London borough...", show_default=False)] = None,
    region: Annotated[Optional[list[str]], typer.Option(
        "--region", help="Only councils in this region or nation (repeatable): 'West Midlands', 'South East', "
                         "Wales...", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Also write FILE.csv (with FILE-barriers.csv), FILE.xlsx or FILE.md: every "
                            "question's quote and every barrier's quotes.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare every council's plan with the guidance (covered / partial / missing per theme and
    prompting question, with the best verbatim quote and page), and tally the barriers councils
    cite, each with every council citing it. Reads every indexed plan; results are cached, so
    a re-run reads only new or changed documents."""
    from assistant.compare import compare as run_compare
    from assistant.render import compare as render
    from assistant.render.console import console, print_json
    from assistant.render.progress import StepProgress
    from assistant.workspace import open_workspace

    if out is not None:
        render.output_format(out)  # a bad --out fails before any work
    settings = ctx.obj.settings()
    bar = StepProgress(console(stderr=True), "Comparing", enabled=not as_json)
    try:
        with open_workspace(settings) as workspace:
            result = run_compare(workspace, council, council_type, region, progress=bar.update)
    finally:
        bar.stop()
    written = render.write(result, out) if out is not None else []
    if as_json:
        print_json(result.to_json())
        return
    render.show(console(), result, written)
