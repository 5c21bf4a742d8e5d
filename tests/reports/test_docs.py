"""docs/reports.md states every metric's formula exactly as `bot.reports.metrics` defines it."""

from pathlib import Path

from bot.reports.metrics import METRICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def test_every_metric_and_its_formula_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for metric in METRICS:
        assert f"| `{metric.name}` |" in text and metric.formula in text, metric.name
