"""The bundled retention task: scheduled hourly, it applies the stores' retention."""

from __future__ import annotations

from datetime import timedelta

from soul_framework.domain.ids import utcnow
from soul_framework.runtime import Runtime
from soul_framework.scheduling import scheduled_tasks
from soul_framework.testing.store_contract import a_session


async def test_the_retention_task_prunes_what_has_expired(make_settings):
    runtime = Runtime.build(make_settings(soul_retention_interval_seconds=600))
    [task] = [t for t in scheduled_tasks(runtime) if t.name == "retention"]
    assert task.interval_seconds == 600
    store = runtime.store
    await store.open()
    now = utcnow()
    expired = a_session(
        "u1", created_at=now - timedelta(days=2), expires_at=now - timedelta(days=1)
    )
    live = a_session("u1", created_at=now, expires_at=now + timedelta(days=1))
    await store.create_session(expired)
    await store.create_session(live)
    await task.run(runtime)
    assert await store.get_session(expired.id) is None
    assert await store.get_session(live.id) == live
    await runtime.aclose()
