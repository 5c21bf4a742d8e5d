"""The conversation gate: >= 40 multi-turn en+zh conversations with a simulated debtor,
through the signed SMS webhook and the trained model, >= 90% judged successful per language."""

from __future__ import annotations

import pytest

from tests.conversations.suite import SCENARIOS, report, run_suite, success_rates

pytestmark = pytest.mark.slow


def test_there_are_at_least_40_conversations_in_both_languages() -> None:
    assert len(SCENARIOS) >= 40
    assert {s.lang for s in SCENARIOS} == {"en", "zh"}
    assert min(sum(s.lang == lang for s in SCENARIOS) for lang in ("en", "zh")) >= 20


def test_conversations_succeed_per_language(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, workdir=tmp_path)
    print(report(results))
    rates = success_rates(results)
    print("success rate per language:", rates)
    assert rates["en"] >= 0.9 and rates["zh"] >= 0.9, report(results)
