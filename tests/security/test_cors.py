"""CORS on a real server: only ``WEB_UI_DOMAIN`` (and the Vite dev origin, in development only)
may read answers with the user's credentials; nobody ever gets ``*``."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soul_framework.config import load_settings
from soul_framework.errors import ConfigError
from soul_framework.testing.deployment import Deployment
from tests.security.conftest import VITE_DEV_ORIGIN, WEB_UI

ALLOWED_REQUEST_HEADERS = {"Content-Type", "Authorization", "X-CSRF-Token", "X-Request-ID"}
EXPOSED_HEADERS = {"X-Request-ID", "X-API-Version", "Location", "Retry-After"}

FOREIGN_ORIGINS = [
    "https://evil.example",
    "https://ui.example.org.evil.example",  # the allowed origin as a prefix
    "https://evil-ui.example.org",
    "http://ui.example.org",  # same host, other scheme
    "https://ui.example.org:8443",  # same host, other port
    "null",  # sandboxed frames and file:// pages
    "*",
    "",
]


def header_set(value: str) -> set[str]:
    return {part.strip() for part in value.split(",") if part.strip()}


def preflight(server: Deployment, origin: str, path: str = "/v1/messages/submit") -> httpx.Response:
    return httpx.options(
        f"{server.base}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, X-CSRF-Token",
        },
    )


def test_the_web_ui_reads_answers_with_credentials(production: Deployment) -> None:
    reply = httpx.post(f"{production.base}/v1/auth/guest", headers={"Origin": WEB_UI})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == WEB_UI
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert header_set(reply.headers["access-control-expose-headers"]) == EXPOSED_HEADERS
    assert "Origin" in header_set(reply.headers["vary"])


def test_the_preflight_answers_with_the_contract_headers(production: Deployment) -> None:
    reply = preflight(production, WEB_UI)
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-origin"] == WEB_UI
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert header_set(reply.headers["access-control-allow-headers"]) == ALLOWED_REQUEST_HEADERS
    assert {"GET", "POST"} <= header_set(reply.headers["access-control-allow-methods"])
    assert int(reply.headers["access-control-max-age"]) > 0


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_foreign_origin_gets_nothing(production: Deployment, origin: str) -> None:
    simple = httpx.get(f"{production.base}/v1/meta/ping", headers={"Origin": origin})
    answered = preflight(production, origin)
    for reply in (simple, answered):
        assert not any(name.startswith("access-control-") for name in reply.headers)
        assert "Origin" in header_set(reply.headers["vary"])  # caches keep answers apart


def test_the_vite_origin_is_allowed_in_development_only(
    development: Deployment, production: Deployment
) -> None:
    in_development = preflight(development, VITE_DEV_ORIGIN)
    in_production = preflight(production, VITE_DEV_ORIGIN)
    assert in_development.headers["access-control-allow-origin"] == VITE_DEV_ORIGIN
    assert "access-control-allow-origin" not in in_production.headers


origins = st.one_of(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
    st.builds(
        lambda scheme, host, port: f"{scheme}://{host}{port}",
        st.sampled_from(["http", "https", "HTTPS", "ftp"]),
        st.sampled_from(["ui.example.org", "UI.example.org", "example.org", "localhost"]),
        st.sampled_from(["", ":443", ":5173", ":80", "/"]),
    ),
)


@settings(
    max_examples=60,
    deadline=None,  # real HTTP calls
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(origin=origins)
def test_only_exact_allowed_origins_are_echoed_and_never_a_wildcard(
    production: Deployment, origin: str
) -> None:
    reply = httpx.get(f"{production.base}/v1/meta/ping", headers={"Origin": origin})
    allowed = reply.headers.get("access-control-allow-origin")
    assert allowed != "*"
    if origin.rstrip("/") == WEB_UI:
        assert allowed == WEB_UI
    else:
        assert allowed is None


@pytest.mark.parametrize("value", ["*", "null", "https://*.example.org", "ui.example.org"])
def test_a_wildcard_or_non_origin_web_ui_domain_is_refused_at_start(value: str) -> None:
    with pytest.raises(ConfigError, match="WEB_UI_DOMAIN"):
        load_settings(_env_file=None, web_ui_domain=f"https://ok.example.org,{value}")


def test_several_web_ui_origins_are_each_allowed() -> None:
    settings_ = load_settings(
        _env_file=None, web_ui_domain="https://a.example.org, https://b.example.org:8443/"
    )
    assert settings_.cors_origins == {"https://a.example.org", "https://b.example.org:8443"}
