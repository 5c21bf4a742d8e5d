"""Starting turn processes: TensorFlow's thread pools shared out among them by core, and
the action server's start timeout (a crowded host needs longer)."""

from __future__ import annotations

import subprocess
import sys

from bot.runtime import turn_processes
from bot.runtime.turn_processes import TF_THREAD_ENVS, tf_thread_env


def test_each_turn_process_gets_its_share_of_the_cores(monkeypatch):
    for name in TF_THREAD_ENVS:
        monkeypatch.delenv(name, raising=False)
    assert tf_thread_env(2, cores=2) == dict.fromkeys(TF_THREAD_ENVS, "1")
    assert tf_thread_env(1, cores=4) == dict.fromkeys(TF_THREAD_ENVS, "4")
    assert tf_thread_env(3, cores=8) == dict.fromkeys(TF_THREAD_ENVS, "2")
    assert tf_thread_env(4, cores=2) == dict.fromkeys(TF_THREAD_ENVS, "1")  # never 0


def test_an_operators_setting_is_kept(monkeypatch):
    monkeypatch.setenv("TF_INTRA_OP_PARALLELISM_THREADS", "3")
    monkeypatch.delenv("TF_INTER_OP_PARALLELISM_THREADS", raising=False)
    assert tf_thread_env(2, cores=2) == {"TF_INTER_OP_PARALLELISM_THREADS": "1"}


def test_a_spawned_turn_process_is_given_its_thread_pool_sizes(monkeypatch, tmp_path):
    for name in TF_THREAD_ENVS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    seen = {}
    real_popen = subprocess.Popen

    def fake_popen(argv, **kwargs):  # the real spawn's environment, a tiny program instead
        seen.update(kwargs["env"])
        return real_popen([sys.executable, "-c", "pass"])

    monkeypatch.setattr(turn_processes.subprocess, "Popen", fake_popen)
    turn_processes.TurnProcesses(2, model=tmp_path)._spawn(0).wait(60)
    assert {name: seen[name] for name in TF_THREAD_ENVS} == dict.fromkeys(TF_THREAD_ENVS, "1")
    assert seen[turn_processes.ROLE_ENV] == "turns"


def test_the_action_servers_start_timeout_can_be_raised_and_must_be_a_number(monkeypatch):
    """A crowded host (a benchmark beside other work) needs longer than the default."""
    import pytest

    from bot.runtime import action_server

    waited = []
    monkeypatch.setattr(action_server, "wait_http", lambda url, timeout, proc: waited.append(
        timeout))
    monkeypatch.setattr(action_server.subprocess, "Popen", lambda *a, **k: None)
    monkeypatch.setenv("COLLECTBOT_ACTION_START_TIMEOUT", "900")
    action_server.start_action_server(1)
    monkeypatch.delenv("COLLECTBOT_ACTION_START_TIMEOUT")
    action_server.start_action_server(1)
    action_server.start_action_server(1, timeout=5)
    assert waited == [900.0, action_server.DEFAULT_START_TIMEOUT, 5]
    monkeypatch.setenv("COLLECTBOT_ACTION_START_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="COLLECTBOT_ACTION_START_TIMEOUT"):
        action_server.start_action_server(1)
