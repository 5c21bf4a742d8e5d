"""A report as a terminal table, CSV or JSON.

CSV has one row per slice; a keyed metric (money per currency, handoffs per reason, gate
decisions per rule) becomes one column per key, named `metric[key]`, so a spreadsheet gets
plain cells. The terminal table is transposed (a metric per line, a slice per column),
because thirty-odd metrics do not fit across a terminal but a few slices do.
"""

from __future__ import annotations

import csv
import json
from typing import Any, Dict, List, TextIO

from bot.reports.metrics import METRICS, Report
from bot.reports.names import FORMATS  # noqa: F401  (re-exported)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def flat_columns(report: Report) -> List[str]:
    """Slice columns, then every metric (keyed ones expanded to the keys any row has)."""
    columns = list(report.query.by)
    for metric in METRICS:
        if not metric.keyed:
            columns.append(metric.name)
            continue
        keys = sorted({k for row in report.rows for k in (row.get(metric.name) or {})})
        columns.extend(f"{metric.name}[{k}]" for k in keys)
    return columns


def flat_row(row: Dict[str, Any]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name, value in row.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                out[f"{name}[{key}]"] = _cell(inner)
        else:
            out[name] = _cell(value)
    return out


def write_csv(report: Report, out: TextIO) -> None:
    columns = flat_columns(report)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in report.rows:
        flat = flat_row(row)
        writer.writerow([flat.get(c, "") for c in columns])


def write_json(report: Report, out: TextIO) -> None:
    out.write(json.dumps(report.as_json(), ensure_ascii=False, indent=1) + "\n")


def write_table(report: Report, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    q = report.query
    span = f"{q.start or 'start'} .. {q.end or 'now'}"
    if not report.rows:
        out.write(f"collections KPIs, {span}: no activity for these slices and filters\n")
        return
    table = Table(title=f"collections KPIs, {span}", show_lines=False)
    table.add_column("metric", style="bold")
    labels = [" / ".join(_cell(row.get(b)) or "-" for b in q.by) or "all" for row in report.rows]
    for label in labels:
        table.add_column(label, justify="right")
    flats = [flat_row(row) for row in report.rows]
    for column in flat_columns(report)[len(q.by):]:
        table.add_row(column, *[f.get(column, "") for f in flats])
    Console(file=out, width=max(100, 28 + 14 * len(labels))).print(table)


def write(report: Report, fmt: str, out: TextIO) -> None:
    {"table": write_table, "csv": write_csv, "json": write_json}[fmt](report, out)
