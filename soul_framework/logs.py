"""Logging set-up shared by every process: one line per event, the request id where known."""

from __future__ import annotations

import logging

from soul_framework.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def configure_logging(settings: Settings) -> None:
    level = getattr(logging, settings.soul_log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format=FORMAT, force=True)
    # Quiet libraries that log every connection at INFO.
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "pymongo"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
