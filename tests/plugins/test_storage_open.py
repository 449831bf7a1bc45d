"""Opening, checking and closing the bundled stores (their domain operations come later)."""

from __future__ import annotations

import sqlite3

import pytest

from soul_framework.errors import ConfigError, StorageUnavailable
from soul_plugins.storage_mongo.store import MongoStore
from soul_plugins.storage_sqlite import migrations
from soul_plugins.storage_sqlite.store import SQLiteStore


async def test_sqlite_opens_in_wal_mode_in_the_data_dir(make_settings, tmp_path):
    store = SQLiteStore(make_settings(soul_data_dir=tmp_path / "nested" / "data"))
    await store.open()
    try:
        await store.ping()
        assert store.path == tmp_path / "nested" / "data" / "soul.db"
        mode = await store.db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
        assert mode == "wal"
        assert await store.schema_version() == len(migrations.MIGRATIONS)
    finally:
        await store.close()
    with pytest.raises(StorageUnavailable):
        await store.ping()


async def test_sqlite_migrations_run_forward_once(make_settings, monkeypatch):
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [
            "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1)",
            "CREATE TABLE b (y TEXT)",
        ],
    )
    settings = make_settings()
    for _ in range(2):  # opening again applies nothing twice
        store = SQLiteStore(settings)
        await store.open()
        assert await store.schema_version() == 2
        rows = await store.db.read(lambda c: c.execute("SELECT COUNT(*) FROM a").fetchone()[0])
        assert rows == 1
        await store.close()


def test_sqlite_failed_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    monkeypatch.setattr(migrations, "MIGRATIONS", ["CREATE TABLE a (x INTEGER)"])
    connection = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert migrations.migrate(connection) == 1
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        ["CREATE TABLE a (x INTEGER)", "CREATE TABLE c (z INTEGER);\nTHIS IS NOT SQL"],
    )
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(connection)
    version = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert version == 1
    assert "c" not in tables  # the half-applied migration was rolled back
    connection.close()


def test_mongo_without_a_uri_names_the_variable(make_settings):
    with pytest.raises(ConfigError, match="MONGO_CONNECTION_LOCAL"):
        MongoStore(make_settings(storage_backend="mongo"))
    with pytest.raises(ConfigError, match="MONGO_CONNECTION_HOSTED"):
        MongoStore(make_settings(storage_backend="mongo", mongo_mode="hosted"))


async def test_mongo_unreachable_is_storage_unavailable(make_settings):
    store = MongoStore(
        make_settings(mongo_connection="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300")
    )
    try:
        with pytest.raises(StorageUnavailable, match="unreachable"):
            await store.open()
        with pytest.raises(StorageUnavailable, match="unreachable"):
            await store.ping()
    finally:
        await store.close()


@pytest.mark.parametrize("uri", ["mongodb://host:notaport/", "notmongo://host/"])
async def test_mongo_invalid_uri_is_a_config_error(make_settings, uri):
    store = MongoStore(make_settings(mongo_connection=uri))
    with pytest.raises(ConfigError, match="not valid"):
        await store.open()
