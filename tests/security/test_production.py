"""Production (``APP_ENV=production``, strong secrets): nothing of development mode is left.

Against a real ``soul serve``: refresh cookies are ``Secure`` on every route that sets or
clears them, the Vite dev origin gets no CORS answer, an unhandled error shows no traceback even
with ``DEBUG_MODE=true``, and the process refuses to start with weak secrets, saying which
variable is wrong and how to make a good one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from http.cookies import Morsel, SimpleCookie
from pathlib import Path

import httpx
import pytest

from soul_framework.api import create_app
from soul_framework.testing.deployment import Deployment
from tests.conftest import STRONG_JWT, STRONG_PEPPER
from tests.plugins_for_tests import FailingRoutes
from tests.security.conftest import PRODUCTION, VITE_DEV_ORIGIN

REFRESH_COOKIES = {"sid", "rtoken", "refresh_csrf"}
START_TIMEOUT_SECONDS = 60


def set_cookies(reply: httpx.Response) -> dict[str, Morsel[str]]:
    """Each cookie the reply sets, with the attributes it was sent with."""
    cookies: dict[str, Morsel[str]] = {}
    for line in reply.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(line)
        cookies.update(parsed)
    return cookies


def assert_production_cookies(reply: httpx.Response) -> None:
    cookies = set_cookies(reply)
    assert set(cookies) == REFRESH_COOKIES
    for name, cookie in cookies.items():
        assert cookie["secure"] is True, cookie.OutputString()
        assert cookie["samesite"].lower() == "lax"
        # Only the CSRF value is for the page's script to read.
        assert bool(cookie["httponly"]) is (name != "refresh_csrf")


def cookie_header(reply: httpx.Response) -> str:
    """What a browser on https would send back (httpx keeps Secure cookies off plain http)."""
    return "; ".join(f"{name}={cookie.value}" for name, cookie in set_cookies(reply).items())


def test_every_route_that_sets_refresh_cookies_marks_them_secure(production: Deployment) -> None:
    with httpx.Client(base_url=production.base, timeout=30) as client:
        guest = client.post("/v1/auth/guest")
        assert_production_cookies(guest)
        bearer = {"Authorization": f"Bearer {guest.json()['access_token']}"}
        credentials = {"email": "prod@example.org", "password": "a long enough password"}
        claimed = client.post(
            "/v1/auth/claim", json={**credentials, "username": "prod_user"}, headers=bearer
        )
        assert_production_cookies(claimed)
        login = client.post("/v1/auth/login", json=credentials)
        assert_production_cookies(login)
        refreshed = client.post(
            "/v1/auth/refresh",
            headers={"Cookie": cookie_header(login), "X-CSRF-Token": login.json()["csrf_token"]},
        )
        assert refreshed.status_code == 200
        assert_production_cookies(refreshed)
        logout = client.post("/v1/auth/logout", headers={"Cookie": cookie_header(refreshed)})
        assert logout.status_code == 200
        assert_production_cookies(logout)  # clearing sends the same attributes


def test_development_sends_cookies_over_plain_http(development: Deployment) -> None:
    """The contrast that makes the test above mean something: only development drops Secure."""
    cookies = set_cookies(httpx.post(f"{development.base}/v1/auth/guest"))
    assert set(cookies) == REFRESH_COOKIES
    assert not any(cookie["secure"] for cookie in cookies.values())


def test_the_vite_dev_origin_gets_no_cors_answer(production: Deployment) -> None:
    reply = httpx.get(f"{production.base}/v1/meta/ping", headers={"Origin": VITE_DEV_ORIGIN})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers


async def test_an_unhandled_error_shows_no_traceback_even_with_debug_mode(make_settings) -> None:
    settings = make_settings(
        app_env="production",
        debug_mode=True,
        jwt_secret_env=STRONG_JWT,
        argon2_pepper_env=STRONG_PEPPER,
    )
    app = create_app(settings, extra_plugins=[("failing", FailingRoutes())])
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/ext/test/boom")
    text = await response.get_data(as_text=True)
    assert response.status_code == 500
    assert (await response.get_json())["error"]["code"] == "internal_error"
    for leak in ("Traceback", "RuntimeError", "secret internals", "/etc/passwd", ".py"):
        assert leak not in text


WEAK_SECRETS = [
    pytest.param({"JWT_SECRET_ENV": None}, "JWT_SECRET_ENV", id="no JWT secret"),
    pytest.param({"JWT_SECRET_ENV": "short-secret"}, "JWT_SECRET_ENV", id="short JWT secret"),
    pytest.param(
        {"JWT_SECRET_ENV": "changeme-changeme-changeme-changeme"},
        "JWT_SECRET_ENV",
        id="placeholder JWT secret",
    ),
    pytest.param({"ARGON2_PEPPER_ENV": "pepper"}, "ARGON2_PEPPER_ENV", id="short pepper"),
    pytest.param({"ARGON2_PEPPER_ENV": "a" * 40}, "ARGON2_PEPPER_ENV", id="repetitive pepper"),
    pytest.param({"APP_ENV": None, "JWT_SECRET_ENV": None}, "JWT_SECRET_ENV", id="APP_ENV unset"),
]


def start_serve(
    tmp_path: Path, redis_url: str, changes: dict[str, str | None]
) -> subprocess.CompletedProcess[str]:
    """``soul serve`` in production with ``changes`` to its environment (None: unset), run
    until it exits (it is expected to refuse to start)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOUL_", "APP_", "JWT_", "ARGON2_"))
    }
    env |= {**PRODUCTION, "REDIS_URL": redis_url, "SOUL_DATA_DIR": str(tmp_path / "data")}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "soul_framework.cli", "serve", "--port", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS,
    )


@pytest.mark.parametrize(("changes", "variable"), WEAK_SECRETS)
def test_soul_serve_refuses_weak_secrets_naming_the_variable(
    tmp_path: Path, redis_url: str, changes: dict[str, str | None], variable: str
) -> None:
    finished = start_serve(tmp_path, redis_url, changes)
    assert finished.returncode != 0
    said = finished.stdout + finished.stderr
    assert variable in said
    assert "secrets.token_urlsafe" in said  # how to make one
    assert "Traceback" not in said


def test_soul_serve_refuses_the_same_value_for_the_jwt_secret_and_the_pepper(
    tmp_path: Path, redis_url: str
) -> None:
    """Each is strong on its own; one value for both would sign tokens and key the hashes."""
    finished = start_serve(tmp_path, redis_url, {"ARGON2_PEPPER_ENV": PRODUCTION["JWT_SECRET_ENV"]})
    assert finished.returncode != 0
    assert "JWT_SECRET_ENV and ARGON2_PEPPER_ENV must be two different" in finished.stderr
    assert STRONG_JWT not in finished.stdout + finished.stderr
