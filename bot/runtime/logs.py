"""Logging for the processes that host the assistant (`collectbot run`, `chat`, `demo`).

Rasa configures structlog only in its own CLI; hosting the agent ourselves without this
leaves structlog at its default, which renders every debug event (whole tracker states at
each prediction) and cost more per message than the NLU. Twilio's client logs each
request's headers at INFO; that is noise in production logs, so it is held to WARNING.
"""

from __future__ import annotations

import logging


def configure_logs(level: int = logging.INFO) -> None:
    """Rasa's loggers and structlog at `level`; chatty libraries at WARNING."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(level)
    configure_structlog(level)
    for name in ("twilio.http_client", "sanic.access", "jieba"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
