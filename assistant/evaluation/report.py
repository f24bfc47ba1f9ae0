"""An evaluation result as a rich table, JSON and Markdown; thresholds; comparing two runs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from assistant.errors import UserError

# (key in the summary, label, True when higher is better, what it is)
METRICS = [
    ("source_recall@10", "Retrieval recall@10", True, "gold (document, page) among the first 10 passages"),
    ("context_recall", "Context claim recall", True, "RAGChecker: gold facts the retrieved passages support"),
    ("fact_recall", "Gold-fact recall", True, "RAGChecker claim recall: gold facts the answer states"),
    ("faithfulness", "Faithfulness", True, "Ragas: answer claims the retrieved context supports"),
    ("citation_recall", "Citation recall", True, "ALCE: statements their cited passages support"),
    ("citation_precision", "Citation precision", True, "ALCE: citations that are not irrelevant"),
    ("refusal_accuracy", "Refusal accuracy", True, "unanswerable items refused"),
    ("false_refusal_rate", "False-refusal rate", False, "answerable items refused"),
    ("gap_precision", "Gap-check precision", True, "reported gaps that are real (labelled drafts)"),
    ("gap_recall", "Gap-check recall", True, "real gaps reported (labelled drafts)"),
    ("judge_accuracy", "Judge accuracy", True, "judge vs hand labels (judge_pairs.jsonl)"),
    ("judge_kappa", "Judge kappa", True, "Cohen's kappa, judge vs hand labels"),
    ("latency_p50_s", "Latency p50 (s)", False, "ask, warm, per question"),
    ("latency_p95_s", "Latency p95 (s)", False, "ask, warm, per question"),
]
CATEGORY_METRICS = ["fact_recall", "faithfulness", "citation_recall", "refusal_accuracy", "false_refusal_rate"]


def fmt(value, key: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if key.startswith("latency") else f"{value:.3f}"


# --- thresholds --------------------------------------------------------------------------------
def load_thresholds(path: Path) -> dict:
    """{"minimum": {metric: bound}, "maximum": {metric: bound}} from a TOML file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no thresholds file. Create it with [minimum] and [maximum] tables.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc}).") from None
    known = {key for key, *_ in METRICS}
    for table in ("minimum", "maximum"):
        for name in data.get(table, {}):
            if name not in known:
                raise UserError(f"{path}: [{table}] {name} is not a metric. Known: {', '.join(sorted(known))}.")
    return {"minimum": data.get("minimum", {}), "maximum": data.get("maximum", {})}


def bound_of(key: str, thresholds: dict | None) -> tuple[str, float] | None:
    if not thresholds:
        return None
    if key in thresholds["minimum"]:
        return "≥", thresholds["minimum"][key]
    if key in thresholds["maximum"]:
        return "≤", thresholds["maximum"][key]
    return None


def passes(key: str, value, thresholds: dict | None) -> bool | None:
    """Whether ``value`` meets the metric's threshold (None: no threshold)."""
    bound = bound_of(key, thresholds)
    if bound is None:
        return None
    op, limit = bound
    return value is not None and (value >= limit if op == "≥" else value <= limit)


def failures(summary: dict, thresholds: dict) -> list[str]:
    """The headline metrics that miss their threshold, each as a sentence."""
    return [f"{label} ({key}) is {fmt(summary.get(key), key)}, must be {' '.join(map(str, bound_of(key, thresholds)))}"
            for key, label, *_ in METRICS if passes(key, summary.get(key), thresholds) is False]


# --- output ------------------------------------------------------------------------------------------
def write(result: dict, out_dir: Path, thresholds: dict | None) -> tuple[Path, Path]:
    """eval/results/<time>-<backend>-<judge>.json and .md; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{result['created'][:19].replace(':', '').replace('-', '')}-{result['backend']}-{result['judge']}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(result, thresholds), encoding="utf-8")
    return json_path, md_path


def problems(item: dict) -> list[str]:
    """What went wrong with one item, in words ([] when nothing did)."""
    out = []
    if item["answerable"] and item["refused"]:
        out.append("refused, but the documents answer it")
    if not item["answerable"] and not item["refused"]:
        out.append("answered, but the documents do not say")
    if item["missed_facts"] and not item["refused"]:
        out.append("missed: " + "; ".join(f"“{f}”" for f in item["missed_facts"]))
    if item["unsupported"]:
        out.append("not supported by the context: " + "; ".join(f"“{s[:100]}”" for s in item["unsupported"]))
    if item["uncited"]:
        out.append("citations do not support: " + "; ".join(f"“{s[:100]}”" for s in item["uncited"]))
    return out


def table(console, result: dict, thresholds: dict | None = None, show_items: int = 15) -> None:
    from rich.table import Table

    summary = result["summary"]
    t = Table(title=f"Evaluation: {summary['items']} questions · backend {result['backend']} · "
                    f"judge {result['judge']}", title_justify="left")
    for name, justify in (("Metric", "left"), ("Value", "right"), ("Threshold", "right"), ("", "center"),
                          ("Definition", "left")):
        t.add_column(name, justify=justify, overflow="fold")
    for key, label, _, definition in METRICS:
        if key not in summary:
            continue
        bound = bound_of(key, thresholds)
        mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: ""}[passes(key, summary[key], thresholds)]
        t.add_row(label, fmt(summary[key], key), f"{bound[0]} {bound[1]}" if bound else "", mark, definition)
    console.print(t)
    by_category = Table(title="By category", title_justify="left")
    by_category.add_column("Category")
    by_category.add_column("Items", justify="right")
    for key in CATEGORY_METRICS:
        by_category.add_column(dict((k, lbl) for k, lbl, *_ in METRICS)[key], justify="right")
    for category, values in result["by_category"].items():
        by_category.add_row(category or "–", str(values["items"]), *(fmt(values.get(k)) for k in CATEGORY_METRICS))
    console.print(by_category)
    wrong = [(i, problems(i)) for i in result["items"] if problems(i)]
    if wrong:
        console.print(f"[bold]{len(wrong)} items with problems[/] (all of them in the Markdown report):")
        for item, said in wrong[:show_items]:
            console.print(f"  [bold]{item['id']}[/] {item['question']}\n    " + "\n    ".join(said), markup=True,
                          highlight=False)


def markdown(result: dict, thresholds: dict | None = None) -> str:
    summary = result["summary"]
    lines = [f"# Evaluation report — {result['created']}", "",
             f"Dataset `{result['dataset']}` ({summary['items']} questions), backend `{result['backend']}`, "
             f"judge `{result['judge']}`." + (f" Command: `{result['command']}`." if result.get("command") else ""),
             "", "| Metric | Value | Threshold | Definition |", "|---|---:|---:|---|"]
    for key, label, _, definition in METRICS:
        if key in summary:
            bound = bound_of(key, thresholds)
            lines.append(f"| {label} | {fmt(summary[key], key)} | {f'{bound[0]} {bound[1]}' if bound else ''} "
                         f"| {definition} |")
    missed = failures(summary, thresholds) if thresholds else []
    if missed:
        lines += ["", "**Below threshold:** " + "; ".join(missed) + "."]
    labels = {key: label for key, label, *_ in METRICS}
    lines += ["", "## By category", "", "| Category | Items | " + " | ".join(labels[k] for k in CATEGORY_METRICS) + " |",
              "|---|---:|" + "---:|" * len(CATEGORY_METRICS)]
    for category, values in result["by_category"].items():
        lines.append(f"| {category or '–'} | {values['items']} | "
                     + " | ".join(fmt(values.get(k)) for k in CATEGORY_METRICS) + " |")
    if result.get("gaps"):
        gaps = result["gaps"]
        lines += ["", "## Gap check", "", f"{gaps['labelled_questions']} labelled questions: precision "
                  f"{fmt(gaps['precision'])}, recall {fmt(gaps['recall'])}; themes: precision "
                  f"{fmt(gaps['theme_precision'])}, recall {fmt(gaps['theme_recall'])}.", "",
                  "| Draft | Precision | Recall | Reported, not a gap | Gap not reported |", "|---|---:|---:|---|---|"]
        for case in gaps["cases"]:
            lines.append(f"| {case['id']} | {fmt(case['precision'])} | {fmt(case['recall'])} | "
                         f"{', '.join(case['false_gaps'])} | {', '.join(case['missed_gaps'])} |")
    if result.get("judge_agreement"):
        a = result["judge_agreement"]
        lines += ["", "## Judge agreement", "", f"{a['pairs']} hand-labelled pairs: accuracy {fmt(a['accuracy'])}, "
                  f"precision {fmt(a['precision'])}, recall {fmt(a['recall'])}, Cohen's kappa {fmt(a['kappa'])}. "
                  f"Disagreements: {', '.join(a['disagreements']) or 'none'}."]
    wrong = [(i, problems(i)) for i in result["items"] if problems(i)]
    lines += ["", f"## Items with problems ({len(wrong)})", ""]
    for item, said in wrong:
        lines.append(f"- **{item['id']}** — {item['question']}")
        lines += [f"  - {s}" for s in said]
    return "\n".join(lines) + "\n"


# --- comparing two runs ---------------------------------------------------------------------------------
def load_result(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such result file. Results are written to eval/results/*.json.") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not a JSON result of assistant eval ({exc.msg}).") from None
    if not isinstance(data, dict) or "summary" not in data or "items" not in data:
        raise UserError(f"{path}: not a result of assistant eval (no summary or items).")
    return data


def compare(a: dict, b: dict) -> dict:
    """Metric by metric (A, B, B - A, better?) and the items whose outcome changed."""
    rows = []
    for key, label, higher, _ in METRICS:
        va, vb = a["summary"].get(key), b["summary"].get(key)
        delta = vb - va if va is not None and vb is not None else None
        better = None if not delta else (delta > 0) == higher
        rows.append({"metric": key, "label": label, "a": va, "b": vb, "delta": delta, "better": better})
    items_a = {i["id"]: i for i in a["items"]}
    changed = []
    for item in b["items"]:
        old = items_a.get(item["id"])
        if old is None:
            continue
        was, now = problems(old), problems(item)
        if was != now:
            changed.append({"id": item["id"], "before": was, "after": now})
    return {"metrics": rows, "changed": changed}


def compare_table(console, diff: dict, a_name: str, b_name: str) -> None:
    from rich.table import Table

    console.print(f"A = {a_name}\nB = {b_name}", highlight=False)
    t = Table()
    for name, justify in (("Metric", "left"), ("A", "right"), ("B", "right"), ("B − A", "right")):
        t.add_column(name, justify=justify)
    for row in diff["metrics"]:
        if row["a"] is None and row["b"] is None:
            continue
        colour = {True: "green", False: "red"}.get(row["better"], "")
        delta = f"{row['delta']:+.3f}" if row["delta"] is not None else "–"
        t.add_row(row["label"], fmt(row["a"], row["metric"]), fmt(row["b"], row["metric"]),
                  f"[{colour}]{delta}[/]" if colour else delta)
    console.print(t)
    for change in diff["changed"]:
        console.print(f"  [bold]{change['id']}[/]: {'; '.join(change['before']) or 'fine'} → "
                      f"{'; '.join(change['after']) or 'fine'}", highlight=False)
