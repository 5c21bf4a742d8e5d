"""Small helpers shared by the store tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

from sqlalchemy import func, select

#: the store tests' fixed clock, A1's phone and our Twilio number
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
EN = "+12025550143"
OURS = "+15005550006"

HEADER = "account_id,name,phone,balance,language,timezone,pack,currency,principal,interest,fees,due_date,dob,id_last4,zip"
GOOD_ROWS = [
    "A1,Ada Lovelace,+12025550143,1200.00,en,America/New_York,us,USD,1000.00,150.00,50.00,2026-10-01,1980-01-31,4821,20500",
    "Z1,王芳,13912345678,6000.00,zh,Asia/Shanghai,cn,CNY,5000.00,800.00,200.00,2026-09-01,1985-06-15,9067,200000",
]


def write(tmp_path: Path, text: str, name: str = "portfolio.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good_csv(tmp_path: Path) -> Path:
    return write(tmp_path, "\n".join([HEADER, *GOOD_ROWS]) + "\n")


def table_counts() -> Dict[str, int]:
    """Rows per table, to prove a failed import changed nothing."""
    from bot.store.db import session_scope
    from bot.store.models import Base

    with session_scope() as s:
        return {t.name: s.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def stderr_lines(captured) -> List[str]:
    return [line for line in captured.err.splitlines() if line.strip()]


def kill_pooled_connection() -> None:
    """Terminate, from a second engine, the server side of the connection the store's
    durable pool hands out next (PostgreSQL): the next statement on it fails as it would
    after a database restart, without restarting the shared server."""
    from sqlalchemy import text

    from bot.store import db as store_db

    with store_db.connection_scope() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = store_db.create_store_engine(store_db.get_engine().url.render_as_string(
        hide_password=False))
    try:
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
