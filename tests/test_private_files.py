"""The data folder is its owner's only: the store's database, the embedded Redis's files and
the secrets are created 0600 in 0700 folders under the usual umask 022, and those an older
version left readable by everyone are tightened when they are opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from soul_framework.config import Settings
from soul_framework.domain.accounts import User
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.embedded_redis import EmbeddedRedis
from soul_framework.private_files import private_file, private_folder
from soul_framework.supervisor import development_secrets
from soul_plugins.storage_sqlite.store import SQLiteStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems give users: files 0644 and folders 0755 unless the code says
    otherwise, so these tests prove the code, not the environment."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def older_version_files(folder: Path, *names: str) -> None:
    """Files and their folder as a version that did not mind permissions left them."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for name in names:
        (folder / name).write_text("")
        (folder / name).chmod(0o644)


def test_a_new_folder_and_file_are_the_owners_only(tmp_path):
    folder = private_folder(tmp_path / "data" / "inner")
    assert mode(folder) == 0o700
    assert mode(private_file(folder / "file")) == 0o600


def test_existing_ones_are_tightened(tmp_path):
    older_version_files(tmp_path / "data", "file")
    (tmp_path / "data").chmod(0o750)
    private_folder(tmp_path / "data")
    private_file(tmp_path / "data" / "file")
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "file") == 0o600


def test_a_data_folder_that_is_the_current_folder_is_left_as_it_is(tmp_path, monkeypatch):
    tmp_path.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    private_folder(Path("."))
    assert mode(tmp_path) == 0o755


async def test_the_sqlite_database_and_its_journal_files(tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(Settings(_env_file=None, soul_data_dir=data))
    await store.open()
    try:
        user = User(id=new_id(), username="private", created_at=utcnow(), password_hash="x")
        await store.create_user(user)
        assert await store.get_user(user.id) is not None  # a reader's connection too
        files = [data / "soul.db", data / "soul.db-wal", data / "soul.db-shm"]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(data) == 0o700
    finally:
        await store.close()


async def test_an_older_sqlite_database_is_tightened_when_opened(tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(Settings(_env_file=None, soul_data_dir=data))
    await store.open()
    await store.close()
    for name in ("soul.db", "soul.db-wal", "soul.db-shm"):
        if (data / name).exists():
            (data / name).chmod(0o644)
    data.chmod(0o755)
    store = SQLiteStore(Settings(_env_file=None, soul_data_dir=data))
    await store.open()
    try:
        await store.get_user(new_id())
        assert mode(data) == 0o700
        for path in data.iterdir():
            assert mode(path) == 0o600, path
    finally:
        await store.close()


def test_the_embedded_redis_files(tmp_path):
    folder = tmp_path / "data" / "redis"
    older_version_files(folder, "soul-redis.aof", "redis.log")
    with EmbeddedRedis(folder) as server:
        assert mode(folder) == 0o700
        assert mode(folder / "soul-redis.aof") == 0o600
        assert mode(folder / "redis.log") == 0o600
        assert mode(server.socket_path) & 0o077 == 0
    fresh = tmp_path / "fresh" / "redis"
    with EmbeddedRedis(fresh):
        names = {path.name for path in fresh.iterdir()}
        assert {"soul-redis.aof", "redis.log"} <= names
        for path in fresh.iterdir():
            assert mode(path) & 0o077 == 0, path


def test_the_development_secrets(tmp_path):
    older_version_files(tmp_path / "data")
    (tmp_path / "data" / "secrets.env").write_text("JWT_SECRET_ENV=x\n")
    (tmp_path / "data" / "secrets.env").chmod(0o644)
    development_secrets(tmp_path / "data")
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secrets.env") == 0o600
