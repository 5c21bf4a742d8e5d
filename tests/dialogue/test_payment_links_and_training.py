"""PaymentLinks templates and the training fingerprint (no model, no database)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from actions.payment_links import PaymentLinkError, PaymentLinks
from bot.config import PROJECT_ROOT
from bot.training import TrainingError, fingerprint


def test_link_quotes_values() -> None:
    links = PaymentLinks("https://pay.example.com/{account_id}?amount={amount}&c={currency}")
    assert links.link_for("A 1/2", Decimal("80"), "USD") == "https://pay.example.com/A%201%2F2?amount=80.00&c=USD"


@pytest.mark.parametrize(
    "template, message",
    [
        ("https://pay.example.com/{acct}", "unknown placeholder(s) ['acct']"),
        ("ftp://pay.example.com/{account_id}", "must start with https:// or http://"),
    ],
)
def test_bad_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(PaymentLinkError, match=re.escape(message)):
        PaymentLinks(template)


def test_non_positive_amount_is_refused() -> None:
    with pytest.raises(PaymentLinkError, match="must be positive"):
        PaymentLinks("https://p.example/{account_id}").link_for("A1", Decimal("0"))


def _copy_inputs(tmp: Path) -> Path:
    for name in ("bot/domain", "bot/stories", "bot/rules", "nlu_data"):
        shutil.copytree(PROJECT_ROOT / name, tmp / name)
    shutil.copy(PROJECT_ROOT / "config.yml", tmp / "config.yml")
    return tmp


def test_fingerprint_changes_only_with_training_inputs(tmp_path: Path) -> None:
    home = _copy_inputs(tmp_path)
    before = fingerprint(home)
    (home / "README.md").write_text("not a training input\n")
    assert fingerprint(home) == before
    rules = home / "bot/rules/basics.yml"
    rules.write_text(rules.read_text() + "\n# changed\n")
    assert fingerprint(home) != before


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="config.yml not found"):
        fingerprint(tmp_path)
