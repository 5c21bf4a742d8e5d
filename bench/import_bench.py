"""Portfolio import benchmark: 100,000 rows into SQLite and PostgreSQL.

A synthetic portfolio (`bot.demo_data`) is written to a temporary file and imported with
the real importer (`bot.store.portfolio.import_portfolio`: validation, spool, batched
upserts, one transaction) into a fresh SQLite file and into a fresh PostgreSQL schema that
is dropped afterwards. Each measurement runs in its own child process so that peak memory
(`ru_maxrss`) belongs to that job alone. The baseline, measured in the same run on the
same file, is plain `csv` parsing without validation or database; the ratio says what
validation + writing costs relative to just reading the file. A 10,000-row import is also
measured: if memory did not grow with the file, its peak is about the 100,000-row one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional

ROWS = 100_000
SMALL_ROWS = 10_000
SEED = 11
PG_BASE_URL = os.environ.get("COLLECTBOT_BENCH_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


# ---------------------------------------------------------------- child jobs
def _peak_rss_mb() -> float:
    """This process's own high-water RSS. Not ru_maxrss: Linux carries the parent's peak
    across fork+exec into it, so a child of a big parent would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _child_baseline(csv_path: str) -> Dict[str, Any]:
    import csv

    started = time.perf_counter()
    rows = 0
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for _ in reader:
            rows += 1
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _child_import(csv_path: str, url: str) -> Dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    from bot.config import reset_settings
    from bot.store.db import reset_engine
    from bot.store.migrate import upgrade
    from bot.store.portfolio import import_portfolio

    reset_settings()
    upgrade(url)
    reset_engine()
    started = time.perf_counter()
    result = import_portfolio(Path(csv_path))
    seconds = time.perf_counter() - started
    return {"rows": result.rows, "created": result.created, "seconds": seconds,
            "peak_rss_mb": _peak_rss_mb()}


def _in_child(job: str, *args: str, module: str = "bench.import_bench") -> Dict[str, Any]:
    """Run `module --child job args` in a fresh process; its last stdout line is JSON."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    proc = subprocess.run([sys.executable, "-m", module, "--child", job, *args],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
        raise RuntimeError(f"{job} child failed: {lines[-1]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- PostgreSQL schema
def _pg_schema() -> Optional[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_BASE_URL, future=True, connect_args={"connect_timeout": 3})
    schema = f"cbbench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return schema


def _drop_pg_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_BASE_URL, future=True)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


def _rate(result: Dict[str, Any]) -> Dict[str, Any]:
    return {**result, "rows_per_s": round(result["rows"] / result["seconds"]),
            "seconds": round(result["seconds"], 2), "peak_rss_mb": round(result["peak_rss_mb"], 1)}


def run(rows: int = ROWS, seed: int = SEED) -> Dict[str, Any]:
    """Measure and print; returns the numbers (rows/s, seconds, peak RSS, baseline ratio)."""
    from bot.demo_data import write_csv

    results: Dict[str, Any] = {"rows": rows}
    with tempfile.TemporaryDirectory(prefix="collectbot-bench-") as tmp:
        big, small = Path(tmp) / "portfolio.csv", Path(tmp) / "small.csv"
        started = time.perf_counter()
        write_csv(big, rows, seed)
        results["generate_seconds"] = round(time.perf_counter() - started, 2)
        write_csv(small, min(SMALL_ROWS, rows), seed)
        baseline = _rate(_in_child("baseline", str(big)))
        results["baseline_csv_parse"] = baseline
        print(f"   baseline (csv parse only): {baseline['rows_per_s']:>9,} rows/s  "
              f"peak {baseline['peak_rss_mb']:.0f} MB", flush=True)
        sqlite_small = _rate(_in_child("import", str(small), f"sqlite:///{Path(tmp) / 'small.db'}"))
        results[f"sqlite_{sqlite_small['rows']}"] = sqlite_small
        backends = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        schema = _pg_schema()
        if schema is not None:
            backends["postgresql"] = f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
        else:
            results["postgresql"] = {"skipped": "PostgreSQL not reachable"}
        try:
            for name, url in backends.items():
                measured = _rate(_in_child("import", str(big), url))
                measured["slowdown_vs_baseline"] = round(
                    baseline["rows_per_s"] / measured["rows_per_s"], 1)
                results[name] = measured
                print(f"   {name:<10} import: {measured['rows_per_s']:>9,} rows/s  "
                      f"{measured['seconds']:6.1f} s  peak {measured['peak_rss_mb']:.0f} MB  "
                      f"({measured['slowdown_vs_baseline']}x the baseline's time)", flush=True)
        finally:
            if schema is not None:
                _drop_pg_schema(schema)
        print(f"   memory: sqlite {sqlite_small['rows']:,} rows peak "
              f"{sqlite_small['peak_rss_mb']:.0f} MB vs {rows:,} rows peak "
              f"{results['sqlite']['peak_rss_mb']:.0f} MB", flush=True)
    return results


def _child_main(argv: list[str]) -> int:
    job, args = argv[0], argv[1:]
    result = _child_baseline(*args) if job == "baseline" else _child_import(*args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child_main(sys.argv[2:]))
    print(json.dumps(run(), indent=2))
