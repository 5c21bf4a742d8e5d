"""`collectbot run`: the Rasa server with the compliant channels, plus the action server.

The Rasa server gets the HTTP API (auth token = COLLECTBOT_API_TOKEN), the channels from
credentials.yml (plus the screened REST channel when COLLECTBOT_ENABLE_REST is on) and the
stores from endpoints.yml. The action server is a child process stopped with the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import List, Optional

from bot.config import get_settings

logger = logging.getLogger(__name__)

#: connections the kernel queues for the front process before it accepts them. Sanic's
#: default, 100, overflows when a burst of webhooks opens more connections at once than
#: that: the kernel drops the surplus handshakes and those clients retry a second or more
#: later. The kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 1024


def input_channels(credentials: Path, enable_rest: bool) -> List[object]:
    """The channels to serve: credentials.yml's, plus the screened REST channel if enabled."""
    from rasa.core.run import create_http_input_channels

    channels = list(create_http_input_channels(None, str(credentials)))
    if enable_rest:
        from bot.channels.rest import ScreenedRestInput

        channels.append(ScreenedRestInput())
    return channels


def endpoints_for(endpoints_file: Path, action_url: str):
    """endpoints.yml, with the action endpoint pointing at our action server.

    The endpoint has Rasa's selective domain on: Rasa then sends the domain (65 KB of
    JSON, both languages' responses) only with the calls of actions that read it (a
    form's `validate_*` action, or one marked `send_domain`), not with every call, where
    the turn process serialised it and the action server parsed it for nothing. No other
    action of ours reads its `domain` argument (tests/runtime/test_selective_domain.py)."""
    from rasa.core.actions.constants import SELECTIVE_DOMAIN
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    endpoints.action = EndpointConfig(url=action_url, **{SELECTIVE_DOMAIN: True})
    return endpoints


async def _tracker_errors_fail_the_turn(app, _loop) -> None:
    """After the agent loaded: a tracker store error fails the turn (the inbox retries it)
    instead of Rasa silently answering from an empty or in-memory tracker."""
    from bot.runtime.tracker_store import fail_loudly

    if not fail_loudly(getattr(app.ctx, "agent", None)):
        logger.warning("tracker store is not fail-safe wrapped; errors are not intercepted")


async def _freeze_loaded_objects(_app, _loop) -> None:
    """After the agent loaded: move every object alive now (the model, TensorFlow, Rasa's
    modules: millions of them) out of the garbage collector's reach. They live as long as
    the process; without this every full collection walks them all again, a pause of tens
    to hundreds of milliseconds that lands on whatever request is being served."""
    import gc

    gc.collect()
    gc.freeze()


def serve(port: int = 5005, action_port: int = 5055, model: Optional[Path] = None,
          *, with_action_server: bool = True, role: Optional[str] = None,
          turn_processes: Optional[int] = None) -> None:
    """Run the assistant until interrupted; the action server and the turn processes
    (`bot.runtime.turn_processes`) stop with it.

    `role` "turns" is a child started by another `collectbot run`: it starts its own
    action server and serves only on 127.0.0.1 (nobody calls it; Rasa's agent is loaded by
    the server's start listener, and the port gives it a status route)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.core import run as rasa_run

    from bot.config import reset_settings
    from bot.runtime import rasa_speedups
    from bot.runtime import turn_processes as tp
    from bot.runtime.action_server import start_action_server, stop_process

    rasa_speedups.install()
    # TensorFlow's thread pools, as `rasa run` sets them (TF_INTRA_OP_PARALLELISM_THREADS,
    # TF_INTER_OP_PARALLELISM_THREADS; turn processes get theirs from `tf_thread_env`):
    # before the model loads, since TensorFlow fixes them when it first runs an op
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()

    if role is not None:
        os.environ[tp.ROLE_ENV] = role
        reset_settings()
    settings = get_settings()
    if model is None:
        from bot.training import ensure_model

        model = ensure_model()
    is_child = settings.process_role == "turns"
    # a turn process has an action server of its own: one shared action server (one event
    # loop) would cap the turns of every turn process at what it alone can serve
    action_proc = start_action_server(action_port) if with_action_server else None
    children: Optional[tp.TurnProcesses] = None
    count = 0 if is_child else (turn_processes if turn_processes is not None
                                else tp.default_count(settings))
    if count > 0:
        # this process serves and acknowledges; the children run the SMS turns
        os.environ[tp.ROLE_ENV] = "front"
        reset_settings()
        settings = get_settings()
        children = tp.TurnProcesses(count, model=model).start()
        from bot.channels import health

        health.turn_processes_status = children.status
    try:
        channels = input_channels(settings.home / "credentials.yml", settings.enable_rest_channel)
        endpoints = endpoints_for(settings.home / "endpoints.yml",
                                  f"http://127.0.0.1:{action_port}/webhook")
        app = rasa_run.configure_app(
            channels, cors=None, auth_token=settings.api_token, enable_api=True,
            port=port, endpoints=endpoints, route="/webhooks/",
        )
        from functools import partial

        from bot.console.web import console_blueprint
        from bot.reports.dashboard import dashboard_blueprint

        app.blueprint(console_blueprint())
        app.blueprint(dashboard_blueprint())  # /console/dashboard (issue 14)

        app.register_listener(
            partial(rasa_run.load_agent_on_start, str(model), endpoints, None),
            "before_server_start",
        )
        app.register_listener(_tracker_errors_fail_the_turn, "before_server_start")
        app.register_listener(_freeze_loaded_objects, "before_server_start")
        app.register_listener(rasa_run.close_resources, "after_server_stop")
        logger.info("collectbot %s on port %d (actions on %d, %d turn processes)",
                    settings.process_role, port, action_port, count)
        app.run(host="127.0.0.1" if is_child else "0.0.0.0", port=port, workers=1,
                access_log=False, motd=False, backlog=LISTEN_BACKLOG)
    finally:
        if children is not None:
            children.stop()
        if action_proc is not None:
            stop_process(action_proc)


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m bot.runtime.server` (what `collectbot run` runs)."""
    parser = argparse.ArgumentParser(prog="collectbot run")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None,
                        help="turn worker processes (default: one per core with REDIS_URL, "
                             "else 0: this process runs the turns)")
    parser.add_argument("--role", choices=("turns",), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from bot.runtime.logs import configure_logs

    configure_logs(logging.INFO)
    if args.workers is not None and args.workers < 0:
        parser.error("--workers must be 0 or more")
    serve(args.port, args.action_port, args.model, role=args.role, turn_processes=args.workers)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
