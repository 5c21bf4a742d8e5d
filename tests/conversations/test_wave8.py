"""Wave 8 conversations: known defects and what playing a debtor found. Unlike the gate
(>= 90% per language), every one of these must pass: each is a fixed defect."""

from __future__ import annotations

import pytest

from tests.conversations.suite import WAVE8, report, run_suite

pytestmark = pytest.mark.slow


def test_wave8_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, WAVE8, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)
