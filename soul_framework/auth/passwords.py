"""Passwords: argon2id over an HMAC of the password, off the event loop.

The pepper is applied as ``HMAC-SHA256(pepper, password)`` (not concatenation), so a stolen
database without the pepper cannot be attacked offline. Hashing and verifying run on a thread
pool sized to the machine, so a burst of logins cannot stall the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, pepper: str) -> None:
        self._pepper = pepper.encode()
        self._hasher = PasswordHasher()  # argon2id with the library's current recommendations
        self._pool = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 2, thread_name_prefix="soul-argon2"
        )
        self._dummy_hash: str | None = None

    def _peppered(self, password: str) -> bytes:
        return hmac.new(self._pepper, password.encode(), hashlib.sha256).hexdigest().encode()

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, self._peppered(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no hash, spends the same time and says False."""
        if password_hash is None and self._dummy_hash is None:
            # A real hash to verify against when an account does not exist, so that an unknown
            # email costs the same time as a wrong password.
            self._dummy_hash = await self.hash("no account has this password")
        target = password_hash or self._dummy_hash
        assert target is not None
        matched = await self._run(self._check, target, self._peppered(password))
        return matched and password_hash is not None

    def _check(self, password_hash: str, peppered: bytes) -> bool:
        try:
            return self._hasher.verify(password_hash, peppered)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def _run(self, function, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
