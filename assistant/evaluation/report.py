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
    ("context_recall_4000c", "Context fact recall @4,000 chars", True,
     "gold facts verbatim in the first 4,000 characters of the retrieved passages (the tutorial baseline's size)"),
    ("fact_recall", "Gold-fact recall", True, "RAGChecker claim recall: gold facts the answer states"),
    ("point_precision", "Point precision", True, "an answer's cited points that answer the question (point judge)"),
    ("faithfulness", "Faithfulness", True, "Ragas: answer claims the retrieved context supports"),
    ("citation_recall", "Citation recall", True, "ALCE: statements their cited passages support"),
    ("citation_precision", "Citation precision", True, "ALCE: citations that are not irrelevant"),
    ("refusal_accuracy", "Refusal accuracy", True, "unanswerable items refused"),
    ("false_refusal_rate", "False-refusal rate", False, "answerable items refused"),
    ("quotes_verbatim", "Verbatim quotes", True, "citations whose quote is on the cited page, verbatim"),
    ("councils_exact", "Councils exactness", True, "questions naming councils answered from exactly those councils"),
    ("trap_pass", "Trap pass rate", True, "traps refused, or citing none of the Government's words they are about"),
    ("gap_precision", "Gap-check precision", True, "reported gaps that are real (labelled drafts)"),
    ("gap_recall", "Gap-check recall", True, "real gaps reported (labelled drafts)"),
    ("judge_accuracy", "Judge accuracy", True, "judge vs hand labels (judge_pairs.jsonl)"),
    ("judge_kappa", "Judge kappa", True, "Cohen's kappa, judge vs hand labels"),
    ("point_judge_accuracy", "Point judge accuracy", True, "point judge vs hand labels (point_labels.jsonl)"),
    ("point_judge_kappa", "Point judge kappa", True, "Cohen's kappa, point judge vs hand labels"),
    ("latency_p50_s", "Latency p50 (s)", False, "ask, warm, per question"),
    ("latency_p95_s", "Latency p95 (s)", False, "ask, warm, per question"),
]
CATEGORY_METRICS = ["fact_recall", "point_precision", "context_recall_4000c", "councils_exact", "trap_pass",
                    "faithfulness", "citation_recall", "refusal_accuracy", "false_refusal_rate"]


def fmt(value, key: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if key.startswith("latency") else f"{value:.3f}"


# --- thresholds --------------------------------------------------------------------------------
def load_thresholds(path: Path) -> dict:
    """{"minimum": {metric: bound}, "maximum": {...}, "datasets": {stem: {"minimum", "maximum"}}}
    from a TOML file: [minimum] and [maximum] for the shipped dataset (and any dataset
    without its own), [dev.minimum], [test.maximum] ... for the dataset of that file stem."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no thresholds file. Create it with [minimum] and [maximum] tables.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc}).") from None
    known = {key for key, *_ in METRICS}

    def bounds(table: dict, where: str) -> dict:
        for side in ("minimum", "maximum"):
            for name in table.get(side, {}):
                if name not in known:
                    raise UserError(f"{path}: [{where}{side}] {name} is not a metric. Known: {', '.join(sorted(known))}.")
        return {"minimum": table.get("minimum", {}), "maximum": table.get("maximum", {})}

    datasets = {stem: bounds(table, f"{stem}.") for stem, table in data.items()
                if stem not in ("minimum", "maximum") and isinstance(table, dict)}
    return {**bounds(data, ""), "datasets": datasets}


def for_dataset(thresholds: dict | None, dataset: str | None) -> dict | None:
    """The bounds that apply to a run on ``dataset`` (a path: its file stem picks the table)."""
    if not thresholds or "datasets" not in thresholds:
        return thresholds
    stem = Path(dataset or "").stem
    return thresholds["datasets"].get(stem) or {"minimum": thresholds["minimum"], "maximum": thresholds["maximum"]}


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
    dataset = Path(result.get("dataset") or "qa").stem
    stem = f"{result['created'][:19].replace(':', '').replace('-', '')}-{dataset}-{result['backend']}-{result['judge']}"
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
    if item.get("off_topic_points"):
        out.append("off-topic points: " + "; ".join(f"“{s[:100]}”" for s in item["off_topic_points"]))
    if item.get("quotes_not_verbatim"):
        out.append("quotes not verbatim on their page: " + "; ".join(f"“{s[:100]}”" for s in item["quotes_not_verbatim"]))
    if item.get("scores", {}).get("councils_exact") == 0.0 and not item["refused"]:
        out.append(f"councils: named {', '.join(item['councils_named'])}; cited {', '.join(item['councils_cited']) or 'none'}")
    if item.get("scores", {}).get("trap_pass") == 0.0:
        out.append("cites the Government's words: " + "; ".join(f"“{s[:100]}”" for s in item["forbidden_cited"]))
    return out


def table(console, result: dict, thresholds: dict | None = None, show_items: int = 15) -> None:
    from rich.table import Table

    thresholds = for_dataset(thresholds, result.get("dataset"))
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
    thresholds = for_dataset(thresholds, result.get("dataset"))
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
    for note in result.get("notes", []):
        lines += ["", f"Note: {note}"]
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
    if result.get("point_judge_agreement"):
        a = result["point_judge_agreement"]
        lines += ["", "## Point judge agreement", "", f"{a['pairs']} hand-labelled points: accuracy {fmt(a['accuracy'])}, "
                  f"precision {fmt(a['precision'])}, recall {fmt(a['recall'])} (of \"on-topic\"), Cohen's kappa "
                  f"{fmt(a['kappa'])}. Disagreements: {', '.join(a['disagreements']) or 'none'}."]
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
