"""A throwaway PostgreSQL cluster of a test's own, so a test may stop and restart it.

The shared server on 5432 serves every other test and engineer; restarting it would break
them. This cluster lives in a temporary directory, listens on a free loopback port and is
removed afterwards. It uses the Debian server binaries (/usr/lib/postgresql/<v>/bin); when
run as root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

from bot.runtime.action_server import free_port


def server_binaries() -> Optional[Path]:
    """The newest installed PostgreSQL server bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """initdb + pg_ctl start/stop/restart on a free port; `url` is a SQLAlchemy URL."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cb-private-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        prefix: List[str] = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        subprocess.run([*prefix, str(self.bin_dir / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def init(self) -> PrivateCluster:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        return self.start()

    def start(self) -> PrivateCluster:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut off, as in a real restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
