"""Credentials inside URLs, masked wherever a URL is shown: settings, ``/v1/meta/llm``, the
``soul`` commands' output, log lines and error messages.

``redis://:hunter2@db:6379`` becomes ``redis://:****@db:6379`` and
``mongodb://soul:hunter2@db/x`` becomes ``mongodb://soul:****@db/x`` (the user name stays, it
says which account is used); a user-info part without a colon is often a token by itself
(``https://<token>@host``) and is masked whole. The values of query parameters that carry
secrets (``?api_key=``, ``&password=``, ``token=``, ...) become ``****`` too.
"""

from __future__ import annotations

import re

MASK = "****"

# The user-info part runs from "://" to the last "@" before the URL ends (whitespace or a
# quote in free text). A password that is not percent-encoded may hold "/", "?" or "#", which
# a URL parser would take for the end of the authority: stopping there would show the rest of
# the password, so this masks too much sooner than too little.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s'\"<>`]*)@")

_SECRET_KEY_WORDS = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "access-key",
    "signature",
    "credential",
)
_SECRET_KEYS = {"key", "pass", "sig", "auth", "authorization", "code"}

# A query parameter: after "?", "&" or ";", a name, "=", and its value up to the next
# separator or the end of the URL.
_QUERY_PARAMETER = re.compile(
    r"(?P<lead>[?&;])(?P<name>[A-Za-z0-9_.\-]+)=(?P<value>[^&;#\s'\"<>`]*)"
)


def mask_credentials(text: str) -> str:
    """``text`` (a URL, or any text with URLs in it) with user-info and secret query values
    masked; text without either comes back unchanged."""
    if "://" in text and "@" in text:
        text = _USERINFO.sub(_mask_userinfo, text)
    if "=" in text:
        text = _QUERY_PARAMETER.sub(_mask_query_value, text)
    return text


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match["userinfo"]
    user, colon, _password = userinfo.partition(":")
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{match['scheme']}{shown}@"


def _is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_KEYS or any(word in lowered for word in _SECRET_KEY_WORDS)


def _mask_query_value(match: re.Match[str]) -> str:
    if not match["value"] or not _is_secret_name(match["name"]):
        return match[0]
    return f"{match['lead']}{match['name']}={MASK}"
