"""Accounts for a test's database, put there the way an operator does it: a CSV file
imported through the public `collectbot import` command. Going through the command means a
fixture's accounts pass the importer's validation, so a test can never rest on a row the
importer would have refused."""

from __future__ import annotations

from pathlib import Path


def import_csv(directory: Path, text: str, name: str = "portfolio.csv") -> Path:
    """Write `text` as `directory/name`, import it into the configured database and return
    the file (some tests read it back); a refused import fails the test at once."""
    from bot.cli import main

    path = directory / name
    path.write_text(text, encoding="utf-8")
    assert main(["import", str(path)]) == 0, f"collectbot import {name} was refused"
    return path
