"""The refresh flow as a browser does it, against a real server: a cookie jar that honours
paths and HttpOnly, and page script that can read only ``refresh_csrf``."""

from __future__ import annotations

import threading

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
        # The sign-in keeps its CSRF token: a script that read it once may send it again.
        assert new_visible["refresh_csrf"] == visible["refresh_csrf"]

        token = refreshed.json()["access_token"]
        me = browser.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == signed_in["username"]

        # Without the header (a cross-site form post would have none), refresh is refused.
        forged = browser.post("/v1/auth/refresh")
        assert forged.status_code == 401
        assert forged.json()["error"]["code"] == "csrf_mismatch"


@pytest.fixture
def two_processes(tmp_path, redis_url):
    """Two API processes on one store and one Redis, as behind a load balancer."""
    settings = {
        "JWT_SECRET_ENV": STRONG_JWT,
        "ARGON2_PEPPER_ENV": STRONG_PEPPER,
        "SOUL_DATA_DIR": str(tmp_path / "data"),
    }
    first = Deployment(tmp_path / "first", redis_url, settings)
    second = Deployment(tmp_path / "second", redis_url, settings)
    with first.start(workers=0), second.start(workers=0):
        yield first.base, second.base


def test_two_refreshes_at_the_same_instant_in_two_processes_keep_the_user_signed_in(
    two_processes,
):
    """A page whose two parts both meet a 401 refreshes twice at once with the same cookies:
    whichever process rotates the token, both answers name the same successor."""
    with httpx.Client(base_url=two_processes[0]) as browser:
        signed_in = browser.post("/v1/auth/guest").json()
    cookies = dict(browser.cookies)
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def refresh(base: str) -> None:
        with httpx.Client(base_url=base, cookies=cookies) as part:
            start.wait()
            answers.append(
                part.post("/v1/auth/refresh", headers={"X-CSRF-Token": cookies["refresh_csrf"]})
            )

    parts = [threading.Thread(target=refresh, args=(base,)) for base in two_processes]
    for part in parts:
        part.start()
    for part in parts:
        part.join(30)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert len({a.cookies["rtoken"] for a in answers}) == 1
    assert len({a.cookies["sid"] for a in answers}) == 1
    for answer in answers:
        token = answer.json()["access_token"]
        me = httpx.get(
            f"{two_processes[1]}/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.json()["username"] == signed_in["username"]
    # The cookies the browser ends up with refresh again.
    with httpx.Client(base_url=two_processes[0], cookies=dict(answers[-1].cookies)) as browser:
        again = browser.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": answers[-1].cookies["refresh_csrf"]}
        )
    assert again.status_code == 200, again.text


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
