"""Rules every response follows: headers, the error envelope, CORS, body limit, access log."""

from __future__ import annotations

import logging
import re
import uuid

import pytest

from tests.plugins_for_tests import FailingRoutes

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
async def failing_client(make_app):
    app = make_app(
        extra_plugins=[("failing", FailingRoutes())],
        web_ui_domain="https://ui.example.org",
        soul_max_body_bytes=2048,
    )
    async with app.test_app() as test_app:
        yield test_app.test_client()


def assert_envelope(body, code, message=None):
    assert set(body) <= {"error", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if message:
        assert body["error"]["message"] == message
    assert UUID4.match(body["error"]["request_id"]) or body["error"]["request_id"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/meta/ping", 200),
        ("GET", "/v1/does-not-exist", 404),
        ("DELETE", "/v1/meta/ping", 405),
        ("GET", "/ext/test/boom", 500),
    ],
)
async def test_every_response_has_version_and_request_id(failing_client, method, path, status):
    response = await failing_client.open(path, method=method)
    assert response.status_code == status
    assert response.headers["X-API-Version"] == "1.2.0"
    assert UUID4.match(response.headers["X-Request-ID"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_sane_request_id_is_echoed(failing_client):
    response = await failing_client.get("/v1/does-not-exist", headers={"X-Request-ID": "req-42.a"})
    assert response.headers["X-Request-ID"] == "req-42.a"
    assert (await response.get_json())["error"]["request_id"] == "req-42.a"


@pytest.mark.parametrize("offered", ["", "a b", "x" * 200, "<script>", "id\u00e9"])
async def test_insane_request_id_is_replaced(failing_client, offered):
    response = await failing_client.get(
        "/v1/meta/ping", headers={"X-Request-ID": offered.encode("utf-8").decode("latin-1")}
    )
    assert UUID4.match(response.headers["X-Request-ID"])


async def test_unknown_route_is_404_in_the_envelope(failing_client):
    response = await failing_client.get("/v1/nothing/here")
    assert response.status_code == 404
    assert_envelope(await response.get_json(), "not_found", "Resource not found.")


async def test_wrong_method_is_405_with_allow(failing_client):
    response = await failing_client.post("/v1/meta/version")
    assert response.status_code == 405
    assert_envelope(await response.get_json(), "method_not_allowed", "Request failed.")
    assert "GET" in response.headers["Allow"]


async def test_unhandled_error_is_500_without_internals(failing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = await failing_client.get("/ext/test/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    text = await response.get_data(as_text=True)
    assert_envelope(await response.get_json(), "internal_error", "Request failed.")
    assert "passwd" not in text
    assert "Traceback" not in text
    # The request id ties the answer to the log line that has the details.
    assert any("boom-1" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_oversized_body_is_413(failing_client):
    response = await failing_client.post("/ext/test/echo", json={"text": "x" * 5000})
    assert response.status_code == 413
    assert_envelope(await response.get_json(), "payload_too_large")
    assert response.headers["X-API-Version"] == "1.2.0"


async def test_oversized_body_is_413_even_where_the_route_never_reads_it(failing_client):
    # A real client announces the length (the test client does not, so say it here).
    response = await failing_client.post(
        "/ext/test/ignore", data=b"x" * 5000, headers={"Content-Length": "5000"}
    )
    assert response.status_code == 413


async def test_body_within_the_limit_is_accepted(failing_client):
    response = await failing_client.post("/ext/test/echo", json={"text": "hello"})
    assert response.status_code == 200
    assert await response.get_json() == {"received": {"text": "hello"}}


@pytest.mark.parametrize("body", [b"{not json", b'{"a": "\xff\xfe"}'])
async def test_undecodable_json_is_422_validation_error(failing_client, body):
    response = await failing_client.post(
        "/ext/test/echo", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    payload = await response.get_json()
    assert_envelope(payload, "validation_error", "Request validation failed.")
    assert payload["details"][0]["loc"] == ["body"]


async def test_cors_allows_the_configured_origin_with_credentials(failing_client):
    response = await failing_client.get(
        "/v1/meta/ping", headers={"Origin": "https://ui.example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://ui.example.org"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"X-Request-ID", "X-API-Version", "Location", "Retry-After"}
    assert "Origin" in response.headers["Vary"]


async def test_cors_ignores_other_origins(failing_client):
    response = await failing_client.get("/v1/meta/ping", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    # Development's extra origin is not allowed outside development... this app is in
    # development, so it is; see the production test below.


async def test_cors_preflight(failing_client):
    response = await failing_client.options(
        "/v1/meta/ping",
        headers={
            "Origin": "https://ui.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, X-CSRF-Token",
        },
    )
    assert response.status_code == 204
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"Content-Type", "Authorization", "X-CSRF-Token", "X-Request-ID"}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["X-API-Version"] == "1.2.0"


async def test_vite_origin_only_in_development(make_app):
    from tests.conftest import STRONG_JWT, STRONG_PEPPER

    dev = make_app(web_ui_domain="https://ui.example.org")
    prod = make_app(
        app_env="production",
        web_ui_domain="https://ui.example.org",
        jwt_secret_env=STRONG_JWT,
        argon2_pepper_env=STRONG_PEPPER,
    )
    headers = {"Origin": "http://localhost:5173"}
    dev_response = await dev.test_client().get("/v1/meta/ping", headers=headers)
    prod_response = await prod.test_client().get("/v1/meta/ping", headers=headers)
    assert dev_response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Access-Control-Allow-Origin" not in prod_response.headers


async def test_one_access_log_line_per_request_without_query(failing_client, caplog):
    request_id = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="soul_framework.access"):
        await failing_client.get(
            "/v1/meta/ping?access_token=secret-token", headers={"X-Request-ID": request_id}
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "soul_framework.access"]
    assert len(lines) == 1
    assert "GET /v1/meta/ping 200" in lines[0]
    assert f"request_id={request_id}" in lines[0]
    assert "secret-token" not in lines[0]


def test_app_refuses_unsafe_secrets_in_production(make_settings):
    from soul_framework.api import create_app
    from soul_framework.errors import ConfigError

    with pytest.raises(ConfigError, match="JWT_SECRET_ENV"):
        create_app(make_settings(app_env="production"))
