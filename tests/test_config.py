"""Settings: the old API's names, our additions, and refusing unsafe secrets in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from soul_framework.config import Settings, load_settings
from soul_framework.errors import ConfigError
from tests.conftest import STRONG_JWT, STRONG_PEPPER


def test_production_is_the_default(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.app_env == "production"
    assert not settings.is_development


def test_old_api_variable_names_are_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APP_ENV", "Development")
    monkeypatch.setenv("BOT_NAME", "Rose")
    monkeypatch.setenv("MODE", "rich")
    monkeypatch.setenv("LLM_MODE", "local")
    monkeypatch.setenv("MONGO_MODE", "hosted")
    monkeypatch.setenv("MONGO_CONNECTION_HOSTED", "mongodb+srv://u:pw@cluster/?tls=true")
    monkeypatch.setenv("THINKING_RATE_SECONDS", "60")
    monkeypatch.setenv("RQ_USE_FORK_WORKER", "false")
    settings = load_settings()
    assert settings.is_development
    assert settings.bot_name == "Rose"
    assert settings.mode == "rich"
    assert settings.llm_provider_name == "ollama"
    assert settings.mongo_uri == "mongodb+srv://u:pw@cluster/?tls=true"
    assert settings.store_name == "mongo"
    assert settings.thinking_rate_seconds == 60
    assert settings.use_fork_worker is False


def test_dotenv_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text("BOT_NAME=Jade\nWEB_UI_DOMAIN=https://ui.example.org\n")
    settings = load_settings()
    assert settings.bot_name == "Jade"
    assert settings.cors_origins == {"https://ui.example.org"}


def test_legacy_mongo_connection_is_the_fallback():
    settings = Settings(_env_file=None, mongo_connection="mongodb://legacy/")
    assert settings.mongo_uri == "mongodb://legacy/"
    local = Settings(
        _env_file=None,
        mongo_connection="mongodb://legacy/",
        mongo_connection_local="mongodb://local/",
    )
    assert local.mongo_uri == "mongodb://local/"


def test_development_adds_the_vite_origin_only_in_development():
    dev = Settings(_env_file=None, app_env="development", web_ui_domain="https://a.org/")
    prod = Settings(_env_file=None, web_ui_domain="https://a.org/")
    assert dev.cors_origins == {"https://a.org", "http://localhost:5173"}
    assert prod.cors_origins == {"https://a.org"}


def test_invalid_value_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MODE", "medium")
    with pytest.raises(ConfigError, match="MODE"):
        load_settings()


@pytest.mark.parametrize(
    ("jwt", "pepper", "variable"),
    [
        (None, STRONG_PEPPER, "JWT_SECRET_ENV"),
        ("short", STRONG_PEPPER, "JWT_SECRET_ENV"),
        ("changeme-changeme-changeme-changeme-1", STRONG_PEPPER, "JWT_SECRET_ENV"),
        ("a" * 40, STRONG_PEPPER, "JWT_SECRET_ENV"),
        (STRONG_JWT, None, "ARGON2_PEPPER_ENV"),
        (STRONG_JWT, "tooShort1", "ARGON2_PEPPER_ENV"),
        (STRONG_JWT, "your-pepper-goes-here", "ARGON2_PEPPER_ENV"),
    ],
)
def test_production_refuses_unsafe_secrets(jwt, pepper, variable):
    settings = Settings(_env_file=None, jwt_secret_env=jwt, argon2_pepper_env=pepper)
    with pytest.raises(ConfigError) as caught:
        settings.check_secrets()
    assert variable in caught.value.message
    assert "secrets.token_urlsafe" in caught.value.message


def test_production_refuses_the_jwt_secret_as_the_pepper():
    """Both are long and random, but one value would both sign tokens and key the hashes."""
    settings = Settings(_env_file=None, jwt_secret_env=STRONG_JWT, argon2_pepper_env=STRONG_JWT)
    with pytest.raises(ConfigError) as caught:
        settings.check_secrets()
    assert "JWT_SECRET_ENV and ARGON2_PEPPER_ENV must be two different secrets" in (
        caught.value.message
    )
    assert STRONG_JWT not in caught.value.message
    Settings(  # development generates its own secrets and checks none
        _env_file=None, app_env="development", jwt_secret_env="x" * 40, argon2_pepper_env="x" * 40
    ).check_secrets()


def test_production_accepts_strong_secrets_and_development_needs_none():
    Settings(
        _env_file=None, jwt_secret_env=STRONG_JWT, argon2_pepper_env=STRONG_PEPPER
    ).check_secrets()
    Settings(_env_file=None, app_env="development").check_secrets()


def test_masked_settings_hide_secrets_and_uri_passwords():
    settings = Settings(
        _env_file=None,
        jwt_secret_env=STRONG_JWT,
        mongo_connection="mongodb://soul:hunter2@db.example.org/x",
    )
    shown = settings.masked()
    assert shown["JWT_SECRET_ENV"] == "********"
    assert shown["MONGO_CONNECTION"] == "mongodb://soul:****@db.example.org/x"
    assert STRONG_JWT not in str(shown)
    assert "hunter2" not in str(shown)
