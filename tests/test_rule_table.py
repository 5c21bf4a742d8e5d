"""The rule-by-rule tables (compliance_filters/README.md, docs/compliance-rules.md) name, for
each compliance rule, the test that checks it: every test named there must exist, so the
tables cannot point at a renamed or deleted test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("compliance_filters/README.md", "docs/compliance-rules.md")
REF = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")


def _table(doc: str) -> str:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert "## Rule by rule" in text, f"{doc} has no rule-by-rule table"
    return text.split("## Rule by rule", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("doc", DOCS)
def test_every_rule_names_a_source_and_an_existing_test(doc):
    rows = [line for line in _table(doc).splitlines() if re.match(r"\| [A-Z]\d+ \|", line)]
    assert len(rows) >= 40
    for row in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]  # "\|" is a pipe
        assert len(cells) == 5 and cells[2], row  # number, rule, source, code, tests
        refs = REF.findall(cells[4])
        assert refs, f"no test named for {cells[0]}"
        for path, name in refs:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{cells[0]}: {path}::{name} does not exist"


def test_both_documents_carry_the_same_table():
    assert _table(DOCS[0]) == _table(DOCS[1])
