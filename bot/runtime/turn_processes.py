"""`collectbot run`'s turn worker processes: the assistant's turns off the serving process.

A Rasa turn (NLU, dialogue policies, the tracker store) is CPU-bound Python that holds the
event loop it runs on. When the webhooks and the turns share one process, a burst of
turns delays every acknowledgement behind them, and one process uses one core however
many the host has. So with REDIS_URL set (the shared conversation lock), `collectbot run`
serves HTTP from one *front* process, which acknowledges SMS webhooks (signature check +
one inbox INSERT), answers voice, the API and the console, and starts N *turn* processes
(default one per core), each running inbox workers and an outbox sender on the shared
database, exactly like extra replicas. Without REDIS_URL the serving process runs the
turns itself (N = 0): several processes without a shared lock could run a campaign's
`trigger_intent` and an SMS turn of the same conversation at once.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.config import Settings, get_settings
from bot.runtime.action_server import die_with_parent

logger = logging.getLogger(__name__)

ROLE_ENV = "COLLECTBOT_PROCESS_ROLE"
#: Rasa's own settings for TensorFlow's thread pools (read by `tf_thread_env`'s caller,
#: `rasa.utils.tensorflow.environment.setup_tf_environment`, in `bot.runtime.server`)
TF_THREAD_ENVS = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")
#: a child that dies is started again, but not more often than this
RESTART_DELAY_SECONDS = 2.0


def default_count(settings: Settings) -> int:
    """COLLECTBOT_TURN_PROCESSES, else one per core with REDIS_URL, else 0 (in-process)."""
    if settings.turn_processes is not None:
        return max(0, settings.turn_processes)
    return (os.cpu_count() or 1) if settings.redis_url else 0


def tf_thread_env(count: int, cores: Optional[int] = None) -> Dict[str, str]:
    """TensorFlow thread pool sizes for each of `count` turn processes: the cores divided
    among them (at least one), unless the operator set Rasa's variables already.

    TensorFlow sizes its pools to every core of the host, in every process. With one turn
    process per core, each turn's few small matrix products were split across threads that
    the other turn process's threads were competing for, and the pools' threads spin while
    they wait for work: CPU spent per turn that grows with the number of turn processes."""
    cores = cores or os.cpu_count() or 1
    per_process = str(max(1, cores // max(1, count)))
    return {name: per_process for name in TF_THREAD_ENVS if not os.environ.get(name)}


def child_preexec(niceness: int) -> Callable[[], None]:
    """`preexec_fn` for a turn process: dies with its parent and runs `niceness` lower.

    Turns are CPU-bound and come in bursts; the front process's acknowledgements are tiny
    and must answer Twilio within its timeout. At equal priority a burst of turns takes
    most of the CPU the front needs, and on a busy host every acknowledgement queues behind
    it; a nicer turn process yields the CPU whenever the front has work. The turn process's
    own action server (its child) inherits the priority."""

    def setup() -> None:
        die_with_parent()
        if niceness:
            os.nice(niceness)

    return setup


class TurnProcesses:
    """N `python -m bot.runtime.server --role turns` children (each with its own action
    server, both at a lower CPU priority: `child_preexec`), restarted if one dies."""

    def __init__(self, count: int, *, model: Path, log_file: Optional[Path] = None) -> None:
        self.count = count
        self.model = model
        self.log_file = log_file
        self.procs: List[Optional[subprocess.Popen]] = [None] * count
        self.ports: List[int] = [0] * count
        self._stopping = threading.Event()
        self._watcher: Optional[threading.Thread] = None

    def _spawn(self, index: int) -> subprocess.Popen:
        """Start child `index`; it listens on its private port once its model is loaded."""
        from bot.runtime.action_server import free_port

        env = {**os.environ, ROLE_ENV: "turns", **tf_thread_env(self.count)}
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.server", "--port", str(port),
             "--action-port", str(free_port()), "--model", str(self.model),
             "--role", "turns"],
            cwd=str(get_settings().home), env=env,
            preexec_fn=child_preexec(get_settings().turn_nice),
        )
        logger.info("turn process %d started (pid %d, private port %d)", index, proc.pid, port)
        self.ports[index] = port
        return proc

    def start(self) -> TurnProcesses:
        for i in range(self.count):
            self.procs[i] = self._spawn(i)
        self._watcher = threading.Thread(target=self._watch, name="turn-processes", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for i, proc in enumerate(self.procs):
                if proc is not None and proc.poll() is not None and not self._stopping.is_set():
                    logger.error("turn process %d (pid %d) exited with %s; starting it again",
                                 i, proc.pid, proc.returncode)
                    time.sleep(RESTART_DELAY_SECONDS)
                    if not self._stopping.is_set():
                        self.procs[i] = self._spawn(i)

    def ready(self) -> int:
        """Children alive and serving: Sanic listens only after the model has loaded."""
        count = 0
        for proc, port in zip(self.procs, self.ports):
            if proc is None or proc.poll() is not None:
                continue
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                count += 1
            except OSError:
                pass
        return count

    def status(self) -> str:
        """For the health route: "2 of 2 ready" (alive with the model loaded)."""
        return f"{self.ready()} of {self.count} ready"

    def stop(self) -> None:
        from bot.runtime.action_server import stop_process

        self._stopping.set()
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None:
                stop_process(proc, timeout=20)
