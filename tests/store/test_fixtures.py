"""The shared `db` fixture's PostgreSQL rule: skip when unreachable, fail when CI=true."""

from __future__ import annotations

import pytest

import tests.conftest as shared


def test_unreachable_postgres_skips_locally(monkeypatch):
    monkeypatch.setattr(shared, "pg_available", lambda base=shared.PG_BASE_URL: False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL not reachable"):
        shared.require_pg()


def test_unreachable_postgres_fails_in_ci(monkeypatch):
    monkeypatch.setattr(shared, "pg_available", lambda base=shared.PG_BASE_URL: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: PostgreSQL is required"):
        shared.require_pg()


def test_an_unreachable_server_is_reported_unavailable():
    assert shared.pg_available("postgresql+psycopg2://nobody@127.0.0.1:1/none") is False


def test_each_test_gets_its_own_settings(tmp_path):
    from bot.config import get_settings

    settings = get_settings()
    assert settings.hmac_key == shared.TEST_HMAC_KEY
    assert settings.database_url == f"sqlite:///{settings.var_dir / 'collectbot.db'}"
    assert "pytest" in str(settings.var_dir)
