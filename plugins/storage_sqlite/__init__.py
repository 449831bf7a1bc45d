"""SQLite as the store: embedded, zero set-up, the default."""

from soul_framework import hookimpl
from soul_plugins.storage_sqlite.store import SQLiteStore


@hookimpl
def register_stores(register):
    register(SQLiteStore)
