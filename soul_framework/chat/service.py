"""The /v1 service as a terminal client uses it: sign-in, messages, job events, the agent.

Standard library HTTP (``urllib``) only, so the client runs with the service's own runtime
dependencies. Every call waits out a 429 (``Retry-After``) and, on a 401, renews the sign-in
once (the refresh cookies first, then a new sign-in) before it gives up.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import quote

import certifi

from soul_framework.chat.events import ServerEvent, read_events

DEFAULT_URL = "http://127.0.0.1:8000"
REQUEST_TIMEOUT_SECONDS = 30.0  # the API answers in milliseconds; this only catches a hang
# The event stream sends a keep-alive at least every 15 s (API contract), so four missed ones
# mean the stream is dead.
EVENTS_READ_TIMEOUT_SECONDS = 60.0
RATE_LIMIT_WAITS = 3  # waits on 429 for one call before its error is shown
DEFAULT_RETRY_AFTER_SECONDS = 1.0  # a 429 without a usable Retry-After
REFRESH_COOKIES = ("sid", "rtoken", "refresh_csrf")


class ServiceUnreachable(Exception):
    """Nothing answers at the service's address (refused, unknown host, timed out)."""

    def __init__(self, base_url: str, reason: object) -> None:
        super().__init__(f"cannot reach the service at {base_url}: {reason}")
        self.base_url = base_url
        self.reason = reason


class ServiceError(Exception):
    """The service answered with an error: its HTTP status and the envelope's code and message."""

    def __init__(
        self, status: int, code: str, message: str, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class StreamLost(Exception):
    """The event stream broke off before its ``done`` event."""


@dataclass(frozen=True)
class Credentials:
    """An account's email and password, for ``POST /v1/auth/login``."""

    email: str
    password: str


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error_from(error: urllib.error.HTTPError) -> ServiceError:
    """The contract's error envelope of ``error``, or what can be said without one."""
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        body = {}
    envelope = body.get("error") if isinstance(body, dict) else None
    envelope = envelope if isinstance(envelope, dict) else {}
    return ServiceError(
        error.code,
        str(envelope.get("code") or f"http_{error.code}"),
        str(envelope.get("message") or error.reason or "Request failed."),
        retry_after_seconds(error.headers.get("Retry-After") if error.headers else None),
    )


class Service:
    """One signed-in user of the service at ``base_url``.

    ``credentials`` logs in to an account; without them the client signs in as a new guest.
    ``notice`` is told, in a sentence, whatever the user should know while a call waits or
    signs in again; ``sleep`` waits (seconds), replaceable in tests.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        notice: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.notice = notice
        self.sleep = sleep
        self.username: str | None = None
        self._access_token: str | None = None
        self._csrf_token: str | None = None
        self._cookies: dict[str, str] = {}
        context = ssl.create_default_context(cafile=certifi.where())
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))

    # Signing in.

    def sign_in(self) -> str:
        """Log in (with credentials) or start a guest account; returns the username."""
        if self.credentials:
            body = {"email": self.credentials.email, "password": self.credentials.password}
            self._take_grant(self._call("POST", "/v1/auth/login", body, auth=False))
        else:
            self._take_grant(self._call("POST", "/v1/auth/guest", auth=False))
        assert self.username is not None
        return self.username

    def refresh(self) -> None:
        """Rotate the refresh cookies for a new access token (ServiceError when refused)."""
        if not all(name in self._cookies for name in ("sid", "rtoken")):
            raise ServiceError(401, "no_refresh", "No refresh cookies to renew the sign-in.")
        cookie = "; ".join(f"{name}={value}" for name, value in self._cookies.items())
        headers = {"Cookie": cookie, "X-CSRF-Token": self._csrf_token or ""}
        self._take_grant(self._call("POST", "/v1/auth/refresh", auth=False, headers=headers))

    def _renew_sign_in(self) -> None:
        """After a 401: refresh; failing that, sign in again (a guest becomes a new guest)."""
        try:
            self.refresh()
            return
        except ServiceError:
            pass
        before = self.username
        username = self.sign_in()
        if not self.credentials:
            self.notice(
                f"the guest session {before} could not be renewed: "
                f"signed in again as {username}, a new guest"
            )

    def _take_grant(self, response: http.client.HTTPResponse) -> None:
        with response:
            try:
                body = json.loads(response.read())
            except (OSError, http.client.HTTPException) as exc:
                raise ServiceUnreachable(self.base_url, exc) from exc
            except ValueError:
                body = None
            if not isinstance(body, dict) or "access_token" not in body:
                raise ServiceError(response.status, "bad_response", "Unexpected sign-in answer.")
            for header in response.headers.get_all("Set-Cookie") or []:
                try:
                    cookie = SimpleCookie(header)
                except CookieError:
                    continue
                for name, morsel in cookie.items():
                    if name in REFRESH_COOKIES:
                        self._cookies[name] = morsel.value
        self._access_token = body["access_token"]
        self.username = str(body.get("username") or "you")
        self._csrf_token = body.get("csrf_token") or self._cookies.get("refresh_csrf")

    # The resources the chat uses.

    def agent_name(self) -> str:
        """The active agent's name (``GET /v1/``)."""
        return str(self._json("GET", "/v1/", auth=False)["active_agent"])

    def active_agent(self) -> dict[str, Any]:
        """``GET /v1/agents/active``'s ``agent`` object."""
        return self._json("GET", "/v1/agents/active")["agent"]

    def submit(self, message: str) -> str:
        """Send a direct message; returns its job id."""
        return str(
            self._json("POST", "/v1/messages/submit", {"message": message, "type": "dm"})["job_id"]
        )

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's snapshot (``GET /v1/jobs/{id}``)."""
        return self._json("GET", f"/v1/jobs/{quote(job_id, safe='')}")

    def job_events(self, job_id: str) -> Iterator[ServerEvent]:
        """The job's event stream, as the events arrive; StreamLost if it breaks off."""
        response = self._call(
            "GET",
            f"/v1/jobs/{quote(job_id, safe='')}/events",
            headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"},
            timeout=EVENTS_READ_TIMEOUT_SECONDS,
        )
        with response:
            try:
                yield from read_events(response)
            except (OSError, http.client.HTTPException) as exc:
                raise StreamLost(str(exc) or type(exc).__name__) from exc

    # HTTP.

    def _json(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, auth: bool = True
    ) -> dict[str, Any]:
        with self._call(method, path, body, auth=auth) as response:
            try:
                value = json.loads(response.read() or b"{}")
            except (OSError, http.client.HTTPException) as exc:
                raise ServiceUnreachable(self.base_url, exc) from exc
            except ValueError as exc:
                raise ServiceError(
                    response.status, "bad_response", "The service's answer was not JSON."
                ) from exc
        if not isinstance(value, dict):
            raise ServiceError(response.status, "bad_response", "Unexpected answer.")
        return value

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> http.client.HTTPResponse:
        """The open 2xx response, after waiting out rate limits and renewing a refused sign-in
        once; ServiceError for any other answer, ServiceUnreachable when none comes."""
        waits = 0
        renewed = not auth  # the sign-in calls themselves are never renewed
        while True:
            try:
                return self._open(method, path, body, auth, headers or {}, timeout)
            except ServiceError as error:
                if error.status == 429 and waits < RATE_LIMIT_WAITS:
                    waits += 1
                    seconds = error.retry_after_seconds
                    seconds = DEFAULT_RETRY_AFTER_SECONDS if seconds is None else seconds
                    self.notice(f"rate limited: waiting {seconds:g} s as the service asks")
                    self.sleep(seconds)
                    continue
                if error.status == 401 and not renewed:
                    renewed = True
                    self._renew_sign_in()
                    continue
                raise

    def _open(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        auth: bool,
        headers: dict[str, str],
        timeout: float,
    ) -> http.client.HTTPResponse:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth and self._access_token:
            request.add_header("Authorization", f"Bearer {self._access_token}")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            return self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            with error:
                raise _error_from(error) from None
        except urllib.error.URLError as error:
            raise ServiceUnreachable(self.base_url, error.reason) from None
        except (OSError, http.client.HTTPException) as error:
            raise ServiceUnreachable(self.base_url, error) from None
