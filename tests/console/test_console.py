"""The web console in a real browser: headless Chromium (the system's, via Playwright) against a
real deployment (API, worker, Redis, SQLite) answering with the fake model.

Skipped when /usr/bin/chromium or the playwright package is missing; CI installs Chromium
(``.ci/run``), and the dev extra brings playwright. No browser is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from soul_framework.console import CONSOLE_POLICY
from soul_framework.testing.deployment import Deployment
from soul_framework.testing.fake_llm import FakeLLMServer
from soul_framework.testing.schema_instances import schema_instance
from tests.jobs.conftest import forget_jobs, llm_deployment

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
REPLY = "How lovely to hear from you! I feel brighter already."
WAIT_MS = 30_000  # generous: a loaded CI machine starts Chromium and the workers slowly
IMAGE_SHOWN = "() => document.getElementById('expression').naturalWidth > 0"
# Page functions are passed as functions, not expressions: Playwright evaluates a bare
# expression with eval(), which the console's policy (no 'unsafe-eval') rightly refuses.
TOKEN_DELAY_SECONDS = 0.03  # the reply arrives in many small token events, as from a model

if not CHROMIUM.exists():
    pytest.skip(
        "/usr/bin/chromium is missing (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing (the dev extra installs it)"
)


def cheerful(body: dict) -> dict:
    """Answers any schema; a reply is REPLY, happy, with a rise in joy."""
    schema = body["response_format"]["json_schema"]
    answer = schema_instance(schema["schema"])
    if schema["name"] == "ReplyOutput":
        # Full confidence: the schema's smallest instance says 0, which would move nothing.
        answer.update(message=REPLY, confidence=1.0)
        answer["emotions"] = {**answer.get("emotions", {}), "joy": 20}
        answer["expression"] = "happy"  # one of the default persona's faces
    elif schema["name"] == "Reflection":
        answer.update(keep_memory=False, identity="")
    return answer


@pytest.fixture
def service(tmp_path: Path, redis_url: str) -> Iterator[Deployment]:
    with FakeLLMServer() as llm:
        llm.token_delay_seconds = TOKEN_DELAY_SECONDS
        llm.script(*([cheerful] * 50))
        forget_jobs(redis_url)
        running = llm_deployment(tmp_path / "deployment", redis_url, llm).start(1)
        try:
            yield running
        finally:
            running.stop()
            forget_jobs(redis_url)


def test_console_pages_carry_their_policy_and_serve_only_their_files(service):
    for path in ("/console", "/console/", "/console/app.js", "/console/style.css"):
        response = httpx.get(service.base + path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CONSOLE_POLICY
    assert "text/html" in httpx.get(service.base + "/console").headers["content-type"]
    assert httpx.get(service.base + "/console/secrets.env").status_code == 404
    assert httpx.get(service.base + "/console/..%2Fapp.py").status_code == 404
    assert "content-security-policy" not in httpx.get(service.base + "/v1/").headers


def test_console_chats_with_a_streamed_reply_and_shows_the_feelings_change(service, tmp_path):
    agent_name = httpx.get(service.base + "/v1/").json()["active_agent"]
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 720})
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("console", lambda message: note_console_error(message, problems))
            page.on("response", lambda response: note_failed_response(response, problems))
            page.goto(service.base + "/console")
            page.wait_for_selector("body[data-ready='true']")
            assert page.get_by_test_id("agent-name").inner_text() == agent_name
            page.wait_for_function(IMAGE_SHOWN)

            joy = page.get_by_test_id("emotion-bar-joy")
            joy_before = float(joy.get_attribute("data-value"))
            chart = page.get_by_test_id("emotion-chart")
            points_before = int(chart.get_attribute("data-points"))
            assert page.locator("#emotion-chart polyline").count() >= 1
            assert page.get_by_test_id("thought").inner_text() == "No thoughts yet."

            page.get_by_test_id("chat-input").fill("Hello there!")
            page.get_by_test_id("chat-send").click()
            assert page.get_by_test_id("user-bubble").last.inner_text() == "Hello there!"
            bubble = page.get_by_test_id("agent-bubble").last
            # Part of the reply shows while it is still being written: it streams.
            page.wait_for_function(
                """() => {
                    const b = [...document.querySelectorAll("[data-testid=agent-bubble]")].pop();
                    return b.classList.contains("pending") && b.textContent.length > 0;
                }"""
            )
            page.wait_for_function("() => !document.querySelector('.bubble.pending')")
            assert bubble.inner_text() == REPLY
            assert int(bubble.get_attribute("data-deltas")) > 1

            # After the reply the feelings are read again: joy rose, the chart has more points.
            page.wait_for_function(
                "before => Number(document.querySelector('[data-emotion=joy]').dataset.value)"
                " > before",
                arg=joy_before,
            )
            assert int(chart.get_attribute("data-points")) > points_before
            # The face follows the reply's expression.
            face = page.get_by_test_id("expression")
            assert face.get_attribute("data-expression") == "happy"
            assert face.get_attribute("src").endswith("/happy")
            page.wait_for_function(IMAGE_SHOWN)
            page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems


TWO_REFRESHES_AT_ONCE = """async () => {
    const csrf = () => document.cookie.split("; ")
        .find((c) => c.startsWith("refresh_csrf=")).slice("refresh_csrf=".length);
    const refresh = () => fetch("/v1/auth/refresh", {
        method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf()},
    });
    const me = async (token) => (await fetch("/v1/auth/me", {
        headers: {Authorization: `Bearer ${token}`},
    })).json();
    const first = await me((await (await fetch("/v1/auth/guest", {method: "POST"})).json())
        .access_token);
    const both = await Promise.all([refresh(), refresh()]);
    const next = await refresh();  // with the cookies the browser kept
    const nextBody = await next.json();
    return {
        statuses: both.map((r) => r.status),
        codes: await Promise.all(both.map(async (r) => (await r.json()).error?.code)),
        next: next.status,
        nextUser: await me(nextBody.access_token),
        first,
    };
}"""


def test_a_page_refreshing_twice_at_once_stays_signed_in(service):
    """The 1.1 web UI polls two endpoints; when the token expires both refresh at the same
    instant with the same cookies. Both succeed (Chromium may send the second with the
    cookies the first answer set, or with the old ones), and the browser's cookies refresh
    again for the same user."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(service.base + "/console")
            page.wait_for_selector("body[data-ready='true']")
            seen = page.evaluate(TWO_REFRESHES_AT_ONCE)
        finally:
            browser.close()
    assert seen["statuses"] == [200, 200], seen
    assert seen["next"] == 200, seen
    assert seen["nextUser"]["username"] == seen["first"]["username"]


def note_console_error(message, problems: list[str]) -> None:
    """Errors the page logs (a policy violation among them); failed loads are judged by
    ``note_failed_response``, which knows their URL."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console: {message.text}")


def note_failed_response(response, problems: list[str]) -> None:
    """Any failed request but the one the contract expects: no thought yet is a 404."""
    if response.status >= 400 and not response.url.endswith("/v1/thoughts/latest"):
        problems.append(f"HTTP {response.status}: {response.url}")
