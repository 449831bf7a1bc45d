"""MongoDB as the store, through PyMongo's asyncio client."""

from soul_framework import hookimpl
from soul_plugins.storage_mongo.store import MongoStore


@hookimpl
def register_stores(register):
    register(MongoStore)
