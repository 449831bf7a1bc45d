"""Granting the creator relationship: an explicit operator action, never a side effect."""

from __future__ import annotations

import dataclasses

from soul_framework.config import Settings
from soul_framework.domain.ids import utcnow
from soul_framework.errors import NotFound
from soul_framework.runtime import Runtime


async def grant_creator(settings: Settings, email: str) -> tuple[str, str]:
    """Set the intrinsic relationship of the active agent to the account with ``email`` to
    ``creator``. Returns the account's username and the agent's name."""
    runtime = Runtime.build(settings)
    store = runtime.store
    await store.open()
    try:
        user = await store.find_user_by_email(email)
        if user is None:
            raise NotFound(f"No account has the email {email!r} (claim one first).")
        await store.update_relationship(
            runtime.agent_id,
            user.id,
            lambda r: dataclasses.replace(r, intrinsic="creator"),
            at=utcnow(),
        )
        return user.username, runtime.agent_name
    finally:
        await runtime.aclose()
