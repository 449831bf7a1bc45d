"""The refresh flow as a browser does it, against a real server: a cookie jar that honours
paths and HttpOnly, and page script that can read only ``refresh_csrf``."""

from __future__ import annotations

import httpx
import pytest

from soul_framework.testing.deployment import Deployment
from tests.conftest import STRONG_JWT, STRONG_PEPPER


@pytest.fixture
def server(tmp_path, redis_url):
    settings = {"JWT_SECRET_ENV": STRONG_JWT, "ARGON2_PEPPER_ENV": STRONG_PEPPER}
    with Deployment(tmp_path, redis_url, settings).start(workers=0) as running:
        yield running.base


def script_visible(jar: httpx.Cookies) -> dict[str, str]:
    """What ``document.cookie`` shows a page: cookies without HttpOnly, on the page's path."""
    return {
        c.name: c.value
        for c in jar.jar
        if not c.has_nonstandard_attr("HttpOnly") and "/".startswith(c.path)
    }


def test_browser_refresh_flow(server):
    with httpx.Client(base_url=server) as browser:
        signed_in = browser.post("/v1/auth/guest").json()
        visible = script_visible(browser.cookies)
        assert set(visible) == {"refresh_csrf"}  # sid and rtoken stay out of script's reach
        assert visible["refresh_csrf"] == signed_in["csrf_token"]

        # The page's script sends the cookie's value back as the header.
        refreshed = browser.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": visible["refresh_csrf"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        new_visible = script_visible(browser.cookies)
        assert new_visible["refresh_csrf"] == refreshed.json()["csrf_token"]
        assert new_visible["refresh_csrf"] != visible["refresh_csrf"]

        token = refreshed.json()["access_token"]
        me = browser.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == signed_in["username"]

        # Without the header (a cross-site form post would have none), refresh is refused.
        forged = browser.post("/v1/auth/refresh")
        assert forged.status_code == 401
        assert forged.json()["error"]["code"] == "csrf_mismatch"


def test_refresh_cookies_are_not_sent_outside_auth_paths(server):
    sent: list[str] = []

    def record(request: httpx.Request) -> None:
        sent.append(f"{request.url.path} {request.headers.get('cookie', '')}")

    with httpx.Client(base_url=server, event_hooks={"request": [record]}) as browser:
        browser.post("/v1/auth/guest")
        browser.get("/v1/meta/ping")
    ping = next(line for line in sent if line.startswith("/v1/meta/ping"))
    assert "rtoken=" not in ping
    assert "sid=" not in ping
    assert "refresh_csrf=" in ping


def test_no_server_banner(server):
    response = httpx.get(f"{server}/v1/meta/ping")
    assert "server" not in response.headers
