"""Schema migrations (Alembic), configured in code so no alembic.ini has to be found.

`upgrade()` brings the database named by the settings (or `url`) to the newest revision;
it is what `collectbot db upgrade`, `make setup` and the test fixtures run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    """An Alembic config pointing at our migrations and at `url` (default: settings)."""
    from bot.config import get_settings

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    """Create or migrate the schema to `revision`."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(connection) -> Optional[str]:
    """The revision the connected database is at (None: not migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
