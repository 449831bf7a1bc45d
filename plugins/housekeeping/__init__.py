"""Housekeeping: what has outlived its retention is deleted, once an hour across the cluster.

Without it nothing would apply ``SOUL_MESSAGE_RETENTION_DAYS``, ``SOUL_EMOTION_HISTORY_DAYS``
or the expiry of sessions in stores that do not expire documents by themselves (SQLite).
"""

import logging
from typing import Any

from soul_framework import hookimpl
from soul_framework.config import Settings
from soul_framework.domain.ids import utcnow

log = logging.getLogger(__name__)


class RetentionTask:
    name = "retention"

    def __init__(self, settings: Settings) -> None:
        self.interval_seconds = settings.soul_retention_interval_seconds

    async def run(self, runtime: Any) -> None:
        store = runtime.fresh("store")
        try:
            await store.open()
            removed = await store.prune(utcnow())
        finally:
            await store.close()
        if any(removed.values()):
            log.info(
                "retention removed %s",
                ", ".join(f"{count} {kind}" for kind, count in removed.items() if count),
            )


@hookimpl
def register_scheduled_tasks(register):
    register(RetentionTask)
