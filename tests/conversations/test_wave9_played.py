"""Wave 9 conversations found playing a debtor (tests/conversations/played9.py): every one
must pass, each is a fixed defect."""

from __future__ import annotations

import pytest

from tests.conversations.played9 import PLAYED9
from tests.conversations.suite import report, run_suite

pytestmark = pytest.mark.slow


def test_wave9_played_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, PLAYED9, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)
