"""Shared fixtures: an isolated environment for every test, and the `db` fixture.

Every test gets its own COLLECTBOT_VAR (so nothing touches the developer's var/), fixed
secrets and no DATABASE_URL from the outside. `db` runs the test against SQLite and, when
the server on 127.0.0.1:5432 is reachable, PostgreSQL: the schema is created once per
session and backend (Alembic upgrade, so the migrations are what is tested) and emptied
before each test. In CI (CI=true) an unreachable PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

# `tests.*` imports need the project root on sys.path also when pytest is started as
# `.venv/bin/pytest` rather than `python -m pytest` (which adds the working directory).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

pytest_plugins = ["tests.model_fixture"]

PG_BASE_URL = os.environ.get("COLLECTBOT_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
TEST_HMAC_KEY = "test-hmac-key-0123456789abcdef"
TEST_API_TOKEN = "test-api-token"


def _reset() -> None:
    from bot.config import reset_settings
    from bot.store.db import reset_engine

    reset_settings()
    reset_engine()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private var/ directory, fixed secrets and the default (SQLite) database."""
    monkeypatch.setenv("COLLECTBOT_VAR", str(tmp_path_factory.mktemp("var")))
    monkeypatch.setenv("COLLECTBOT_HMAC_KEY", TEST_HMAC_KEY)
    monkeypatch.setenv("COLLECTBOT_API_TOKEN", TEST_API_TOKEN)
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    _reset()
    yield
    _reset()


def _schema_url(base: str, schema: str) -> str:
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def _sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from bot.store.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'collectbot.db'}"
    upgrade(url)
    return url


def pg_available(base: str = PG_BASE_URL) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(base, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def require_pg() -> None:
    """Skip (or, in CI, fail) when the PostgreSQL server is not reachable."""
    if not pg_available():
        message = f"PostgreSQL not reachable at {PG_BASE_URL.split('@')[-1]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL is required)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def _pg_store() -> Iterator[str]:
    """A fresh schema in the `test` database for this session, dropped afterwards."""
    import sqlalchemy as sa

    from bot.store.migrate import upgrade

    require_pg()
    schema = f"cbtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_BASE_URL, future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _schema_url(PG_BASE_URL, schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _empty_tables(url: str) -> None:
    import sqlalchemy as sa

    from bot.store.db import create_store_engine
    from bot.store.models import Base

    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty, migrated store on each backend; `session_scope()` uses it. Yields the URL."""
    fixture = "_sqlite_store" if request.param == "sqlite" else "_pg_store"
    url = request.getfixturevalue(fixture)
    _empty_tables(url)
    monkeypatch.setenv("DATABASE_URL", url)
    _reset()
    yield url
    _reset()
