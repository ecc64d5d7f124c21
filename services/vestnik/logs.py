"""structlog set-up: JSON lines when not on a terminal (containers), pretty on a terminal.

Each stage writes one canonical line per message: ``event_id``, ``entry_id``, ``stage``,
``outcome`` and ``duration_ms``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from vestnik.settings import Settings


def configure_logging(settings: Settings) -> None:
    json_lines = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    level = getattr(logging, settings.log_level)
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # FastStream and redis-py log through the standard library: same destination and level.
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s", force=True)
    # FastStream's access logger narrates its task supervisor at INFO; vestnik writes its
    # own line per message, so only FastStream's warnings and errors are kept.
    for name in ("faststream", "vestnik.faststream"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def get_logger(**context: Any) -> Any:
    return structlog.get_logger("vestnik").bind(**context)
