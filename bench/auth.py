"""Auth benchmark: requests per second on one API process, and what the session check adds.

    python -m bench.auth [--seconds 5] [--concurrency 32]

Starts ``soul serve`` (one process) on SQLite and the Redis at ``REDIS_URL`` (else an embedded
one), then drives it from this process with keep-alive connections. Both share the machine, so
the rates are lower bounds for the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

from soul_framework.testing import redis_for_tests
from soul_framework.testing.deployment import Deployment

JWT = "bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz"
PEPPER = "bench-only-pepper-0123456789"


@contextlib.contextmanager
def api_process(redis_url: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="soul-bench-auth-") as folder:
        settings = {
            "APP_ENV": "production",
            "JWT_SECRET_ENV": JWT,
            "ARGON2_PEPPER_ENV": PEPPER,
            "SOUL_LOG_LEVEL": "WARNING",
            "SOUL_RATE_LIMIT_GUEST": "100000000/hour",
            "SOUL_RATE_LIMIT_LOGIN_IP": "100000000/hour",
            "SOUL_RATE_LIMIT_LOGIN_ACCOUNT": "100000000/hour",
        }
        with Deployment(Path(folder), redis_url, settings).start(workers=0) as running:
            yield running.base


async def drive(
    seconds: float, concurrency: int, call: Callable[[], Awaitable[httpx.Response]]
) -> tuple[float, float, int]:
    """Run ``call`` from ``concurrency`` loops for ``seconds``: (per second, p50 ms, errors)."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await call()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies), errors


async def session_check_cost(redis_url: str, rounds: int = 2000) -> tuple[float, float]:
    """Microseconds per token check: the signature alone, and with the revocation lookup."""
    from soul_framework.auth.service import AuthService
    from soul_framework.config import Settings
    from soul_framework.domain.ids import utcnow
    from soul_framework.jobs.connection import async_redis
    from soul_plugins.storage_sqlite.store import SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            redis_url=redis_url,
            jwt_secret_env=JWT,
            argon2_pepper_env=PEPPER,
            soul_data_dir=Path(folder),
        )
        client = async_redis(settings)
        store = SQLiteStore(settings)
        await store.open()
        service = AuthService(settings, store, client)
        now = utcnow()
        # A real session: one the store does not know is refused.
        token = (await service.guest("bench", now)).access_token
        for _ in range(100):  # warm up the connection (and Redis's "live" mark)
            await service.authenticate(token, now)
        started = time.perf_counter()
        for _ in range(rounds):
            service.tokens.verify(token)
        verify_us = (time.perf_counter() - started) / rounds * 1e6
        started = time.perf_counter()
        for _ in range(rounds):
            await service.authenticate(token, now)
        full_us = (time.perf_counter() - started) / rounds * 1e6
        service.close()
        await store.close()
        await client.aclose()
    return verify_us, full_us


async def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    figures: dict[str, float] = {}
    with redis_for_tests() as redis_url, api_process(redis_url) as base:
        limits = httpx.Limits(max_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            signed_in = (await client.post("/v1/auth/guest")).json()
            await client.post(
                "/v1/auth/claim",
                headers={"Authorization": f"Bearer {signed_in['access_token']}"},
                json={
                    "email": "bench@example.org",
                    "password": "bench password",
                    "username": "bench_user",
                },
            )
            login = (
                await client.post(
                    "/v1/auth/login",
                    json={"email": "bench@example.org", "password": "bench password"},
                )
            ).json()
            bearer = {"Authorization": f"Bearer {login['access_token']}"}
            cases: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
                "guest": lambda: client.post("/v1/auth/guest"),
                "login": lambda: client.post(
                    "/v1/auth/login",
                    json={"email": "bench@example.org", "password": "bench password"},
                ),
                "authenticated GET /v1/auth/me": lambda: client.get("/v1/auth/me", headers=bearer),
                "unauthenticated GET /v1/meta/ping": lambda: client.get("/v1/meta/ping"),
            }
            for name, call in cases.items():
                rate, p50, errors = await drive(args.seconds, args.concurrency, call)
                figures[f"{name} rps"] = round(rate, 1)
                figures[f"{name} p50 ms"] = round(p50, 2)
                print(
                    f"{name:36} {rate:8.1f} req/s  p50 {p50:7.2f} ms  errors {errors}", flush=True
                )
        verify_us, full_us = await session_check_cost(redis_url)
    figures["token signature check us"] = round(verify_us, 1)
    figures["token + session check us"] = round(full_us, 1)
    figures["session check adds us"] = round(full_us - verify_us, 1)
    print(
        f"token check: signature {verify_us:.1f} us; with the session (Redis EXISTS) "
        f"{full_us:.1f} us; the session check adds {full_us - verify_us:.1f} us"
    )
    print("summary: " + ", ".join(f"{name} {value:g}" for name, value in figures.items()))
    return figures


if __name__ == "__main__":
    asyncio.run(main())
