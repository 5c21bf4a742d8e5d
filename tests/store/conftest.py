"""The store tests' shared fixture: the two good accounts imported, the clock fixed."""

from __future__ import annotations

import pytest

from bot import clock
from bot.cli import main
from bot.clock import FixedClock
from tests.store.helpers import NOW, good_csv


@pytest.fixture
def store(db, tmp_path):
    """`db` (tests/conftest.py, SQLite and PostgreSQL) with A1 and Z1 imported at `NOW`;
    a module that needs more (test_repo's alternate phone) defines its own."""
    previous = clock.set_clock(FixedClock(NOW))
    assert main(["import", str(good_csv(tmp_path))]) == 0
    yield db
    clock.set_clock(previous)
