"""Accounts and sign-in sessions in MongoDB.

Uniqueness of emails and usernames is the unique indexes' job; the explicit checks before a
claim only pick the right error. Every change to one account or session is a single-document
update, so nothing is ever half-applied.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from soul_framework.domain.accounts import Session, User
from soul_framework.errors import AlreadyClaimed, EmailInUse, NotFound, UsernameInUse
from soul_plugins.storage_mongo.base import StorePart
from soul_plugins.storage_mongo.documents import (
    session_document,
    session_from,
    user_document,
    user_from,
)
from soul_plugins.storage_mongo.errors import account_conflict, translate_errors


def email_is(email: str) -> dict[str, Any]:
    """The filter for an email, case-insensitively. It repeats the unique index's partial
    filter (string emails only) so that the server may use that index for it."""
    return {"email": {"$eq": email.lower(), "$type": "string"}}


class Accounts(StorePart):
    @translate_errors
    async def create_user(self, user: User) -> None:
        users = await self.collection("users")
        try:
            await users.insert_one(user_document(user))
        except DuplicateKeyError as exc:
            raise account_conflict(exc) from None

    @translate_errors
    async def get_user(self, user_id: str) -> User | None:
        document = await (await self.collection("users")).find_one({"_id": user_id})
        return user_from(document) if document else None

    @translate_errors
    async def find_user_by_email(self, email: str) -> User | None:
        users = await self.collection("users")
        document = await users.find_one(email_is(email))
        return user_from(document) if document else None

    @translate_errors
    async def find_user_by_username(self, username: str) -> User | None:
        users = await self.collection("users")
        document = await users.find_one({"username_key": username.lower()})
        return user_from(document) if document else None

    @translate_errors
    async def claim_user(
        self, user_id: str, *, email: str, username: str, password_hash: str, at: datetime
    ) -> User:
        users = await self.collection("users")
        email, username_key = email.lower(), username.lower()
        current = await users.find_one({"_id": user_id})
        if current is None:
            raise NotFound("No such account.")
        if current.get("email") is not None:
            raise AlreadyClaimed()
        if await users.find_one({**email_is(email), "_id": {"$ne": user_id}}, {"_id": 1}):
            raise EmailInUse()
        if await users.find_one(
            {"username_key": username_key, "_id": {"$ne": user_id}}, {"_id": 1}
        ):
            raise UsernameInUse()
        changes = {
            "email": email,
            "username": username,
            "username_key": username_key,
            "password_hash": password_hash,
            "claimed_at": at,
        }
        try:
            # Only while the account is still a guest: of concurrent claims one wins, and the
            # unique indexes turn a claim racing for the same email or username into an error.
            claimed = await users.find_one_and_update(
                {"_id": user_id, "email": None},
                {"$set": changes},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise account_conflict(exc) from None
        if claimed is None:
            raise AlreadyClaimed()  # another claim of this account got there first
        return user_from(claimed)

    @translate_errors
    async def create_session(self, session: Session) -> None:
        await (await self.collection("sessions")).insert_one(session_document(session))

    @translate_errors
    async def get_session(self, session_id: str) -> Session | None:
        document = await (await self.collection("sessions")).find_one({"_id": session_id})
        return session_from(document) if document else None

    @translate_errors
    async def rotate_session(
        self, session_id: str, refresh_hash: str, successor: Session, at: datetime
    ) -> bool:
        sessions = await self.collection("sessions")
        # The successor goes in first and is taken out again if the revocation loses: a failure
        # between the two steps then leaves an unused session whose token nobody was given,
        # never a revoked session without its successor.
        await sessions.insert_one(session_document(successor))
        try:
            revoked = await sessions.find_one_and_update(
                {
                    "_id": session_id,
                    "revoked_at": None,
                    "refresh_hash": refresh_hash,
                    "expires_at": {"$gt": at},
                },
                {"$set": {"revoked_at": at, "replaced_by": successor.id}},
                projection={"_id": 1},
            )
        except Exception:
            with contextlib.suppress(Exception):
                await sessions.delete_one({"_id": successor.id})
            raise
        if revoked is None:
            await sessions.delete_one({"_id": successor.id})
            return False
        return True

    @translate_errors
    async def revoke_session(self, session_id: str, at: datetime) -> bool:
        sessions = await self.collection("sessions")
        result = await sessions.update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": at}}
        )
        return result.modified_count == 1

    @translate_errors
    async def revoke_user_sessions(self, user_id: str, at: datetime) -> list[str]:
        sessions = await self.collection("sessions")
        active = {"user_id": user_id, "revoked_at": None, "expires_at": {"$gt": at}}
        revoked = []
        # One conditional update per session, so each id returned was revoked by this call.
        async for document in sessions.find(active, {"_id": 1}):
            result = await sessions.update_one(
                {"_id": document["_id"], "revoked_at": None}, {"$set": {"revoked_at": at}}
            )
            if result.modified_count:
                revoked.append(document["_id"])
        return revoked
