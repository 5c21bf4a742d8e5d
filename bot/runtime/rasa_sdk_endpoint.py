"""`python -m bot.runtime.rasa_sdk_endpoint`: rasa-sdk's action server, same arguments,
with the objects it loaded moved out of the garbage collector's reach.

The action server imports the actions package and everything it uses (the compliance
library and its learned weights, the negotiation rules, the store's models, jieba's
dictionary): hundreds of megabytes of objects that live as long as the process. Without
`gc.freeze` every full collection walks them all again, in the middle of whatever action
call is being answered; the turn processes already freeze theirs
(`bot.runtime.server._freeze_loaded_objects`). Modules that an action imports on first use
are frozen too: once more after the first `REFREEZE_AFTER` action calls.
"""

from __future__ import annotations

import gc
import logging
from typing import Any, List, Optional

logger = logging.getLogger(__name__)

#: action calls after which what the first calls loaded is frozen as well (once)
REFREEZE_AFTER = 100


def freeze(reason: str = "") -> int:
    """Collect what is garbage now, then freeze everything alive; how many objects the
    collector no longer walks."""
    gc.collect()
    gc.freeze()
    count = gc.get_freeze_count()
    if reason:
        logger.info("froze %d loaded objects out of the garbage collector (%s)", count, reason)
    return count


def create_app(action_package_name: Any, *args: Any, **kwargs: Any) -> Any:
    """rasa-sdk's `create_app`, with `freeze` after the server started and once more after
    `REFREEZE_AFTER` calls of its webhook."""
    from rasa_sdk import endpoint

    app = endpoint_create_app(endpoint)(action_package_name, *args, **kwargs)
    calls = [0]

    async def freeze_loaded(_app: Any, _loop: Any) -> None:
        freeze("server started")

    async def count_calls(request: Any) -> None:
        if calls[0] <= REFREEZE_AFTER and request.path == "/webhook":
            calls[0] += 1
            if calls[0] == REFREEZE_AFTER:
                freeze(f"after {REFREEZE_AFTER} action calls")

    app.register_listener(freeze_loaded, "after_server_start")
    app.register_middleware(count_calls, "request")
    return app


def endpoint_create_app(endpoint: Any) -> Any:
    """rasa-sdk's own `create_app` (the module's may have been replaced by `main`)."""
    return getattr(endpoint, "_collectbot_original_create_app", endpoint.create_app)


def main(argv: Optional[List[str]] = None) -> None:
    """Run the action server as `python -m rasa_sdk` would, with `create_app` above."""
    from rasa_sdk import endpoint
    from rasa_sdk.__main__ import main_from_args

    args = endpoint.create_argument_parser().parse_args(argv)
    if not hasattr(endpoint, "_collectbot_original_create_app"):
        endpoint._collectbot_original_create_app = endpoint.create_app  # type: ignore[attr-defined]
    # `endpoint.run` looks `create_app` up in its module when it is called
    endpoint.create_app = create_app
    main_from_args(args)


if __name__ == "__main__":
    main()
