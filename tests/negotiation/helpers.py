"""Shared builders for the negotiation tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

from bot.negotiation.policy import POLICY_DIR


def default_raw() -> dict:
    """The shipped default policy as a plain dict, to mutate in validation tests."""
    return yaml.safe_load((POLICY_DIR / "default.yml").read_text(encoding="utf-8"))


def write_policy(folder: Path, name: str, raw: object) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def money(text: str) -> Decimal:
    return Decimal(text)
