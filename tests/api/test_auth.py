"""``/v1/auth/*``: every flow and every rejection, on real Redis and on both stores."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import timedelta
from http.cookies import SimpleCookie

import jwt
import pytest
import redis

from soul_framework.auth.passwords import Passwords
from soul_framework.auth.tokens import AUDIENCE, ISSUER
from soul_framework.domain.ids import new_id
from tests.conftest import STRONG_JWT, STRONG_PEPPER

SECRET = STRONG_JWT


@pytest.fixture(params=["sqlite", "mongo"])
def store_values(request):
    """Settings that select each store in turn."""
    if request.param == "sqlite":
        return {"storage_backend": "sqlite"}
    url = request.getfixturevalue("mongo_url")
    return {
        "storage_backend": "mongo",
        "mongo_connection": url,
        "database_name": f"auth_{new_id()[:12]}",
    }


@pytest.fixture
def auth_app(make_app, store_values, redis_url):
    def build(**values):
        merged = {"jwt_secret_env": SECRET, "argon2_pepper_env": STRONG_PEPPER, **store_values}
        merged.update(values)
        return make_app(**merged)

    yield build
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("soul:*"):
        client.delete(key)
    client.close()


@pytest.fixture
async def client(auth_app):
    app = auth_app()
    async with app.test_app() as test_app:
        yield test_app.test_client()


def cookies_of(response) -> dict[str, dict[str, str]]:
    """Set-Cookie headers as {name: {"value", attribute: value}} (flags map to "")."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            attributes = {k: v for k, v in morsel.items() if v}
            attributes["value"] = morsel.value
            found[name] = attributes
            found[name]["_raw"] = header
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def guest(client) -> dict:
    response = await client.post("/v1/auth/guest")
    assert response.status_code == 200
    return await response.get_json()


async def claimed(client, email="ada@example.org", username="ada_l", password="correct horse"):
    reply = await guest(client)
    response = await client.post(
        "/v1/auth/claim",
        headers=bearer(reply["access_token"]),
        json={"email": email, "password": password, "username": username},
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    return await response.get_json()


def put_cookie(client, name: str, value: str) -> None:
    """Replace a cookie in the client's jar, as a browser would hold it."""
    client.set_cookie("localhost", name, value, path="/" if name == "refresh_csrf" else "/v1/auth")


def put_cookies(client, cookies: dict[str, str]) -> None:
    for name in ("sid", "rtoken", "refresh_csrf"):
        put_cookie(client, name, cookies[name])


async def error_code(response) -> str:
    return (await response.get_json())["error"]["code"]


# --- guest and me -------------------------------------------------------------------------------


async def test_guest_reply_and_cookies(client):
    response = await client.post("/v1/auth/guest")
    body = await response.get_json()
    assert set(body) == {"access_token", "username", "expires_in", "csrf_token"}
    assert body["username"].startswith("guest_")
    assert body["expires_in"] == 15 * 60
    cookies = cookies_of(response)
    assert cookies["refresh_csrf"]["value"] == body["csrf_token"]
    for name in ("sid", "rtoken"):
        assert cookies[name]["path"] == "/v1/auth"
        assert "HttpOnly" in cookies[name]["_raw"]
        assert "SameSite=Lax" in cookies[name]["_raw"]
        assert cookies[name]["max-age"] == str(30 * 86400)
    assert cookies["refresh_csrf"]["path"] == "/"
    assert "HttpOnly" not in cookies["refresh_csrf"]["_raw"]
    # Development (these tests) sends cookies over plain http.
    assert all("Secure" not in c["_raw"] for c in cookies.values())
    assert response.headers["Cache-Control"] == "no-store"


async def test_cookies_are_secure_outside_development(auth_app):
    app = auth_app(app_env="production")
    async with app.test_app() as test_app:
        response = await test_app.test_client().post("/v1/auth/guest")
    assert all("Secure" in c["_raw"] for c in cookies_of(response).values())


async def test_me_answers_for_the_token(client):
    reply = await guest(client)
    response = await client.get("/v1/auth/me", headers=bearer(reply["access_token"]))
    body = await response.get_json()
    assert set(body) == {"user_id", "username", "sid"}
    assert body["username"] == reply["username"]


async def test_guests_cost_no_password_hashing(client, monkeypatch):
    calls = []
    monkeypatch.setattr(Passwords, "hash", lambda *a: calls.append("hash"))
    monkeypatch.setattr(Passwords, "_check", lambda *a: calls.append("check"))
    await guest(client)
    assert calls == []


# --- token rejections ---------------------------------------------------------------------------


def forged(claims_update: dict, key: str = SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u",
        "sid": "s",
        "username": "x",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(claims_update)
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(claims_update: dict) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u",
        "sid": "s",
        "iat": now,
        "exp": now + 600,
        **claims_update,
    }
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode())
    return f"{header.decode().rstrip('=')}.{payload.decode().rstrip('=')}."


async def test_missing_token(client):
    response = await client.get("/v1/auth/me")
    assert response.status_code == 401
    assert await error_code(response) == "missing_token"
    body = await response.get_json()
    assert body["error"]["message"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-jwt", id="garbage"),
        pytest.param(unsigned({}), id="alg-none"),
        pytest.param(forged({}, key="another-secret-that-is-long-enough-1234"), id="wrong-key"),
        pytest.param(forged({"aud": "someone-else"}), id="wrong-aud"),
        pytest.param(forged({"iss": "someone-else"}), id="wrong-iss"),
        pytest.param(forged({"exp": int(time.time()) - 60}), id="expired"),
        pytest.param(forged({}, key=SECRET * 2, algorithm="HS512"), id="other-algorithm"),
    ],
)
async def test_bad_tokens_are_invalid(client, token):
    response = await client.get("/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert await error_code(response) == "invalid_token"


async def test_missing_claims_are_invalid(client):
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "u", "iat": now, "exp": now + 60},
        SECRET,
        algorithm="HS256",
    )
    response = await client.get("/v1/auth/me", headers=bearer(token))
    assert await error_code(response) == "invalid_token"


async def test_logout_revokes_the_access_token_at_once(client):
    reply = await guest(client)
    token = reply["access_token"]
    response = await client.post("/v1/auth/logout", headers=bearer(token))
    assert response.status_code == 200
    assert await response.get_json() == {"ok": True}
    cleared = cookies_of(response)
    assert {"sid", "rtoken", "refresh_csrf"} <= set(cleared)
    assert all(c["value"] == "" for c in cleared.values())
    response = await client.get("/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert await error_code(response) == "session_revoked"


async def test_a_signed_token_of_a_session_that_never_was_is_refused(client):
    """Redis knows nothing of the session (no revocation either): the store is asked."""
    reply = await guest(client)
    me = await client.get("/v1/auth/me", headers=bearer(reply["access_token"]))
    user_id = (await me.get_json())["user_id"]
    token = forged({"sub": user_id, "sid": new_id()})
    for _ in range(2):  # the answer is remembered, and stays the same
        response = await client.get("/v1/auth/me", headers=bearer(token))
        assert response.status_code == 401
        assert await error_code(response) == "session_revoked"


async def test_session_check_falls_back_to_the_store_without_redis(auth_app):
    """Redis away: tokens are still checked, against the store (slower, never wrong)."""
    app = auth_app(redis_url="redis://127.0.0.1:1/0")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        reply = await guest(client)  # rate limit unchecked but the account is made
        token = reply["access_token"]
        assert (await client.get("/v1/auth/me", headers=bearer(token))).status_code == 200
        await client.post("/v1/auth/logout", headers=bearer(token))
        response = await client.get("/v1/auth/me", headers=bearer(token))
        assert await error_code(response) == "session_revoked"


async def test_expired_session_is_refused(auth_app):
    """A token still valid while its session has expired (e.g. the clock moved): refused."""
    from soul_framework.domain.accounts import Session
    from soul_framework.domain.ids import utcnow

    app = auth_app(redis_url="redis://127.0.0.1:1/0")
    async with app.test_app() as test_app:
        state = app.extensions["soul"]
        now = utcnow()
        await state.runtime.store.create_session(
            Session(
                id="old-session",
                user_id="u",
                refresh_hash="h",
                created_at=now - timedelta(days=40),
                expires_at=now - timedelta(seconds=1),
            )
        )
        token = forged({"sid": "old-session"})
        response = await test_app.test_client().get("/v1/auth/me", headers=bearer(token))
        assert await error_code(response) == "session_expired"


# --- claim and login ----------------------------------------------------------------------------


async def test_claim_keeps_the_account_and_ends_the_guest_session(client):
    reply = await guest(client)
    before = await (
        await client.get("/v1/auth/me", headers=bearer(reply["access_token"]))
    ).get_json()
    response = await client.post(
        "/v1/auth/claim",
        headers=bearer(reply["access_token"]),
        json={"email": "Ada@Example.org", "password": "correct horse", "username": "ada_l"},
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert body["username"] == "ada_l"
    after = await (await client.get("/v1/auth/me", headers=bearer(body["access_token"]))).get_json()
    assert after["user_id"] == before["user_id"]  # same account: history kept
    old = await client.get("/v1/auth/me", headers=bearer(reply["access_token"]))
    assert await error_code(old) == "session_revoked"


async def test_claim_twice_is_already_claimed(client):
    body = await claimed(client)
    response = await client.post(
        "/v1/auth/claim",
        headers=bearer(body["access_token"]),
        json={"email": "other@example.org", "password": "correct horse", "username": "other"},
    )
    assert response.status_code == 409
    assert await error_code(response) == "already_claimed"


@pytest.mark.parametrize(
    ("email", "username", "code"),
    [
        ("ADA@example.org", "fresh_name", "email_in_use"),
        ("new@example.org", "Ada_L", "username_in_use"),
    ],
)
async def test_claim_refuses_taken_email_or_username(client, email, username, code):
    await claimed(client)
    reply = await guest(client)
    response = await client.post(
        "/v1/auth/claim",
        headers=bearer(reply["access_token"]),
        json={"email": email, "password": "correct horse", "username": username},
    )
    assert response.status_code == 409
    assert await error_code(response) == code


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@b.co", "password": "short", "username": "valid_name"}, "password"),
        ({"email": "a@b.co", "password": "x" * 129, "username": "valid_name"}, "password"),
        ({"email": "not-an-email", "password": "long enough", "username": "valid_name"}, "email"),
        ({"email": "a@b.co", "password": "long enough", "username": "-bad"}, "username"),
        ({"email": "a@b.co", "password": "long enough", "username": "ab"}, "username"),
        ({"email": "a@b.co", "password": "long enough"}, "username"),
    ],
)
async def test_claim_validates_its_body(client, body, field):
    reply = await guest(client)
    response = await client.post("/v1/auth/claim", headers=bearer(reply["access_token"]), json=body)
    assert response.status_code == 422
    payload = await response.get_json()
    assert payload["error"]["code"] == "validation_error"
    assert any(field in detail["loc"] for detail in payload["details"])


async def test_claim_needs_a_token(client):
    response = await client.post(
        "/v1/auth/claim", json={"email": "a@b.co", "password": "long enough", "username": "abc"}
    )
    assert response.status_code == 401


async def test_login_with_the_right_password(client):
    await claimed(client)
    response = await client.post(
        "/v1/auth/login", json={"email": "ada@example.org", "password": "correct horse"}
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert body["username"] == "ada_l"
    assert (
        await client.get("/v1/auth/me", headers=bearer(body["access_token"]))
    ).status_code == 200


async def test_login_failures_look_the_same_and_cost_the_same(client, monkeypatch):
    await claimed(client)
    checks = []
    original = Passwords._check
    monkeypatch.setattr(
        Passwords, "_check", lambda self, h, p: checks.append(h) or original(self, h, p)
    )
    wrong = await client.post(
        "/v1/auth/login", json={"email": "ada@example.org", "password": "wrong password"}
    )
    unknown = await client.post(
        "/v1/auth/login", json={"email": "nobody@example.org", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    wrong_body, unknown_body = await wrong.get_json(), await unknown.get_json()
    assert wrong_body["error"]["code"] == unknown_body["error"]["code"] == "invalid_credentials"
    assert wrong_body["error"]["message"] == unknown_body["error"]["message"]
    # Both ran one full argon2 verification (the unknown email against a dummy hash).
    assert len(checks) == 2
    assert all(h.startswith("$argon2id$") for h in checks)


async def test_passwords_are_peppered_argon2id(auth_app):
    app = auth_app()
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await claimed(client)
        store = app.extensions["soul"].runtime.store
        user = await store.find_user_by_email("ada@example.org")
    assert user.password_hash.startswith("$argon2id$")
    from argon2 import PasswordHasher
    from argon2.exceptions import VerifyMismatchError

    with pytest.raises(VerifyMismatchError):  # the raw password alone does not verify
        PasswordHasher().verify(user.password_hash, "correct horse")


# --- refresh ------------------------------------------------------------------------------------


async def test_refresh_rotates_the_session_and_keeps_the_csrf_token(client):
    reply = await guest(client)
    old = {c.name: c.value for c in client.cookie_jar}
    response = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": reply["csrf_token"]})
    assert response.status_code == 200
    body = await response.get_json()
    assert body["access_token"] != reply["access_token"]
    cookies = cookies_of(response)
    assert cookies["sid"]["value"] != old["sid"]
    assert cookies["rtoken"]["value"] != old["rtoken"]
    assert body["csrf_token"] == reply["csrf_token"]  # the sign-in's, for its whole life
    assert cookies["refresh_csrf"]["value"] == body["csrf_token"]
    me = await client.get("/v1/auth/me", headers=bearer(body["access_token"]))
    assert (await me.get_json())["username"] == reply["username"]
    old = await client.get("/v1/auth/me", headers=bearer(reply["access_token"]))
    assert await error_code(old) == "session_revoked"


async def test_refresh_needs_the_csrf_header(client):
    reply = await guest(client)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": reply["csrf_token"][:-1]}):
        response = await client.post("/v1/auth/refresh", headers=headers)
        assert response.status_code == 401
        assert await error_code(response) == "csrf_mismatch"


async def test_refresh_without_cookies(auth_app):
    app = auth_app()
    async with app.test_app() as test_app:
        client = test_app.test_client()
        response = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": "x"})
    assert response.status_code == 401
    assert await error_code(response) == "no_refresh"


async def test_refresh_with_a_tampered_token(client):
    reply = await guest(client)
    put_cookie(client, "rtoken", "forged-token")
    response = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": reply["csrf_token"]})
    assert response.status_code == 401
    assert await error_code(response) == "bad_refresh"


def jar_of(client) -> dict[str, str]:
    return {c.name: c.value for c in client.cookie_jar}


async def refreshed(client, csrf: str) -> dict:
    response = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, await response.get_data(as_text=True)
    return await response.get_json()


async def test_replaying_a_rotated_token_after_the_grace_window_revokes_the_whole_family(
    auth_app,
):
    app = auth_app(soul_refresh_grace_seconds=0.5)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        reply = await guest(client)
        stolen = jar_of(client)
        fresh = await refreshed(client, reply["csrf_token"])
        await asyncio.sleep(0.6)  # the window is over
        # The thief presents the old cookies again.
        put_cookies(client, stolen)
        replay = await client.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": stolen["refresh_csrf"]}
        )
        assert replay.status_code == 401
        assert await error_code(replay) == "revoked"
        # The legitimate holder's newer session went with it.
        me = await client.get("/v1/auth/me", headers=bearer(fresh["access_token"]))
        assert await error_code(me) == "session_revoked"


async def test_a_token_presented_again_within_the_grace_window_gets_the_same_successor(client):
    reply = await guest(client)
    old = jar_of(client)
    first = await refreshed(client, reply["csrf_token"])
    successor = jar_of(client)
    put_cookies(client, old)  # the page's other part, a moment later, with the same cookies
    again = await refreshed(client, old["refresh_csrf"])
    assert jar_of(client) == successor  # the same session, refresh token and CSRF token
    assert again["csrf_token"] == first["csrf_token"] == successor["refresh_csrf"]
    for token in (first["access_token"], again["access_token"]):
        me = await client.get("/v1/auth/me", headers=bearer(token))
        assert (await me.get_json())["sid"] == successor["sid"]  # nothing was revoked
    later = await refreshed(client, successor["refresh_csrf"])  # and the cookies work on
    me = await client.get("/v1/auth/me", headers=bearer(later["access_token"]))
    assert (await me.get_json())["username"] == reply["username"]


async def test_a_refresh_sent_with_the_first_answers_cookies_and_the_old_header_passes(client):
    """A browser may send the second of two simultaneous refreshes with the cookies the first
    answer has just set, while the page read the CSRF cookie for both before either left."""
    reply = await guest(client)
    await refreshed(client, reply["csrf_token"])
    second = await refreshed(client, reply["csrf_token"])
    me = await client.get("/v1/auth/me", headers=bearer(second["access_token"]))
    assert (await me.get_json())["username"] == reply["username"]


async def test_two_refreshes_at_once_both_sign_in_the_same_successor(client):
    reply = await guest(client)
    replies = await asyncio.gather(
        *(
            client.post("/v1/auth/refresh", headers={"X-CSRF-Token": reply["csrf_token"]})
            for _ in range(2)
        )
    )
    assert [r.status_code for r in replies] == [200, 200]
    assert len({cookies_of(r)["rtoken"]["value"] for r in replies}) == 1
    assert len({cookies_of(r)["sid"]["value"] for r in replies}) == 1
    for response in replies:
        token = (await response.get_json())["access_token"]
        assert (await client.get("/v1/auth/me", headers=bearer(token))).status_code == 200
    later = await refreshed(client, jar_of(client)["refresh_csrf"])
    me = await client.get("/v1/auth/me", headers=bearer(later["access_token"]))
    assert me.status_code == 200


async def test_a_signed_out_successor_is_not_handed_out_again(client):
    """Within the window, the old token cannot bring back a successor that has ended."""
    reply = await guest(client)
    old = jar_of(client)
    fresh = await refreshed(client, reply["csrf_token"])
    await client.post("/v1/auth/logout", headers=bearer(fresh["access_token"]))
    put_cookies(client, old)
    again = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": old["refresh_csrf"]})
    assert again.status_code == 401
    assert await error_code(again) == "revoked"


async def test_refresh_after_logout_is_revoked(client):
    reply = await guest(client)
    jar = {c.name: c.value for c in client.cookie_jar}
    await client.post("/v1/auth/logout", headers=bearer(reply["access_token"]))
    put_cookies(client, jar)
    response = await client.post("/v1/auth/refresh", headers={"X-CSRF-Token": jar["refresh_csrf"]})
    assert await error_code(response) == "revoked"


# --- rate limits --------------------------------------------------------------------------------


async def test_guest_creation_is_rate_limited_with_retry_after(auth_app):
    app = auth_app(soul_rate_limit_guest="2/minute")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        statuses = [(await client.post("/v1/auth/guest")).status_code for _ in range(2)]
        limited = await client.post("/v1/auth/guest")
    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert await error_code(limited) == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-API-Version"] == "1.2.0"


async def test_a_revoked_session_is_refused_before_its_rate_limit(auth_app):
    """Polling checks the session and counts the request together; the session wins."""
    app = auth_app(soul_rate_limit_poll="1/minute")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        token = (await guest(client))["access_token"]
        first = await client.get("/v1/jobs/no-such-job", headers=bearer(token))
        limited = await client.get("/v1/jobs/no-such-job", headers=bearer(token))
        await client.post("/v1/auth/logout", headers=bearer(token))
        revoked = await client.get("/v1/jobs/no-such-job", headers=bearer(token))
    assert first.status_code == 404
    assert limited.status_code == 429
    assert await error_code(limited) == "rate_limited"
    assert revoked.status_code == 401
    assert await error_code(revoked) == "session_revoked"


async def test_login_is_rate_limited_per_account(auth_app):
    app = auth_app(soul_rate_limit_login_account="3/minute", soul_rate_limit_login_ip="100/minute")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        body = {"email": "target@example.org", "password": "guessing"}
        statuses = [(await client.post("/v1/auth/login", json=body)).status_code for _ in range(4)]
        other = await client.post("/v1/auth/login", json={**body, "email": "else@example.org"})
    assert statuses == [401, 401, 401, 429]
    assert other.status_code == 401  # another account has its own budget
