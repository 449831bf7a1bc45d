"""The SQLite store passes the store contract, plus what only SQLite promises."""

from __future__ import annotations

import pytest

from soul_framework.testing.store_contract import StoreContract
from soul_plugins.storage_sqlite.store import SQLiteStore


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    async def store(self, make_settings):
        store = SQLiteStore(make_settings())
        await store.open()
        yield store
        await store.close()
