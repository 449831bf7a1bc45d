"""Credentials inside URLs are masked wherever a URL is shown: ``GET /v1/meta/llm`` (which anyone
may call), ``soul config``, ``soul plugins``, ``soul llm check``, log lines and error messages.

Operators put user names, passwords and tokens in URLs (``redis://:pw@host``,
``mongodb://user:pw@host``, ``https://token@host``, ``?api_key=``); showing the URL must not
show them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from quart_schema import hide

from soul_framework import hookimpl
from soul_framework.api import create_app
from soul_framework.errors import SoulError
from soul_framework.masking import mask_credentials
from soul_framework.testing.deployment import Deployment
from soul_framework.testing.fake_llm import FakeLLMServer
from tests.security.conftest import DEVELOPMENT

SECRET = "hunter2-s3cret"
SECRET_TOKEN = "tok-4f9a1c"
SECRET_IN_QUERY = "q-51d2e8"


@pytest.mark.parametrize(
    ("shown", "masked"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:****@cache:6379/0"),
        ("rediss://default:hunter2@cache:6380", "rediss://default:****@cache:6380"),
        (
            "mongodb://soul:hunter2@db1,db2/x?replicaSet=rs",
            "mongodb://soul:****@db1,db2/x?replicaSet=rs",
        ),
        (
            "mongodb+srv://soul:hunter2@cluster.example.org",
            "mongodb+srv://soul:****@cluster.example.org",
        ),
        ("https://tok123@git.example.org/x", "https://****@git.example.org/x"),
        ("http://u:p/ss#w@rd@host/v1", "http://u:****@host/v1"),  # not percent-encoded
        ("http://host/v1?api_key=k1&model=m", "http://host/v1?api_key=****&model=m"),
        ("http://host/v1?model=m&password=p1", "http://host/v1?model=m&password=****"),
        ("http://host/?access_token=t1;sig=s1", "http://host/?access_token=****;sig=****"),
        (
            "http://host/?x-api-key=k&clientSecret=c",
            "http://host/?x-api-key=****&clientSecret=****",
        ),
        (
            "mongodb://h/?tlsCertificateKeyFilePassword=p",
            "mongodb://h/?tlsCertificateKeyFilePassword=****",
        ),
        ("mongodb://h/?authSource=admin", "mongodb://h/?authSource=admin"),
        ("failed: 'redis://:pw@h:1' refused", "failed: 'redis://:****@h:1' refused"),
        ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
        ("someone@example.org", "someone@example.org"),
        ("", ""),
    ],
)
def test_mask_credentials(shown: str, masked: str) -> None:
    assert mask_credentials(shown) == masked


# --- the API --------------------------------------------------------------------------------


def test_meta_llm_shows_the_base_url_without_its_credentials(
    start_server: Callable[..., Deployment],
) -> None:
    base_url = f"http://ollama:{SECRET}@llm.internal:11434/v1?api_key={SECRET_IN_QUERY}"
    server = start_server({**DEVELOPMENT, "OLLAMA_BASE_URL": base_url})
    reply = httpx.get(f"{server.base}/v1/meta/llm", timeout=30)
    assert reply.status_code == 200
    assert reply.json()["base_url"] == "http://ollama:****@llm.internal:11434/v1?api_key=****"
    assert SECRET not in reply.text
    assert SECRET_IN_QUERY not in reply.text


class LeakyRoute:
    """A plugin route whose error message quotes a URL with its credentials."""

    @hookimpl
    def register_blueprints(self, register):
        from quart import Blueprint

        blueprint = Blueprint("leaky", __name__, url_prefix="/ext/leaky")

        @blueprint.get("/hook")
        @hide
        async def hook():
            raise HookRefused(f"The webhook at https://bot:{SECRET}@hooks.example.org refused.")

        register(blueprint)


class HookRefused(SoulError):
    status = 409
    code = "hook_refused"
    message = "The webhook refused."


async def test_error_messages_show_urls_without_their_credentials(make_settings) -> None:
    app = create_app(make_settings(), extra_plugins=[("leaky", LeakyRoute())])
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/ext/leaky/hook")
    body = await response.get_json()
    assert response.status_code == 409
    assert body["error"]["code"] == "hook_refused"
    assert body["error"]["message"] == "The webhook at https://bot:****@hooks.example.org refused."


# --- the soul command -----------------------------------------------------------------------


def soul(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``soul ARGS`` in a process of its own, with only these settings."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOUL_", "REDIS_", "MONGO_", "OLLAMA_", "OPENAI_", "LLM_"))
    }
    environment |= {"SOUL_LOCAL_MODEL": "off", **env}
    return subprocess.run(
        [sys.executable, "-m", "soul_framework.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=cwd,
    )


def test_soul_config_shows_urls_without_their_credentials(tmp_path: Path) -> None:
    result = soul(
        "config",
        cwd=tmp_path,
        REDIS_URL=f"redis://:{SECRET}@cache.internal:6379/0",
        MONGO_CONNECTION_HOSTED=(
            f"mongodb+srv://soul:{SECRET}@cluster.example.org/"
            f"?tlsCertificateKeyFilePassword={SECRET_IN_QUERY}"
        ),
        OPENAI_BASE_URL=f"https://{SECRET_TOKEN}@gateway.example.org/v1",
        OLLAMA_BASE_URL=f"http://llm.internal/v1?api_key={SECRET_IN_QUERY}",
    )
    assert result.returncode == 0, result.stderr
    for secret in (SECRET, SECRET_TOKEN, SECRET_IN_QUERY):
        assert secret not in result.stdout
    assert "redis://:****@cache.internal:6379/0" in result.stdout
    assert "mongodb+srv://soul:****@cluster.example.org/" in result.stdout
    assert "https://****@gateway.example.org/v1" in result.stdout
    assert "http://llm.internal/v1?api_key=****" in result.stdout


BROKEN_PLUGIN = f"""
raise ConnectionError("cannot reach the licence server at https://shop:{SECRET}@licences.example.org")
"""


def test_soul_plugins_shows_a_failure_without_the_credentials_it_quotes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist_info = site / "soul_licensed-1.0.dist-info"
    dist_info.mkdir(parents=True)
    metadata = "Metadata-Version: 2.1\nName: soul-licensed\nVersion: 1.0\n"
    (dist_info / "METADATA").write_text(metadata)
    (dist_info / "entry_points.txt").write_text("[soul_framework]\nlicensed = fake_licensed\n")
    (site / "fake_licensed.py").write_text(BROKEN_PLUGIN)
    python_path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    result = soul("plugins", cwd=tmp_path, PYTHONPATH=python_path)
    assert result.returncode == 0, result.stderr
    assert "licensed  (NOT LOADED: ConnectionError: cannot reach" in result.stdout
    assert "https://shop:****@licences.example.org" in result.stdout
    assert "https://shop:****@licences.example.org" in result.stderr  # the log line
    assert SECRET not in result.stdout + result.stderr


def test_soul_llm_check_shows_the_endpoint_without_its_credentials(tmp_path: Path) -> None:
    with FakeLLMServer() as server:
        server.script({"greeting": "Hello!", "mood": "cheerful"})
        base_url = server.url.replace("://", f"://checker:{SECRET}@", 1)
        result = soul(
            "llm",
            "check",
            cwd=tmp_path,
            OPENAI_API_KEY="sk-check",
            OPENAI_BASE_URL=base_url,
        )
    assert result.returncode == 0, result.stderr
    assert "provider: openai (hosted) at http://checker:****@127.0.0.1:" in result.stdout
    assert SECRET not in result.stdout + result.stderr
