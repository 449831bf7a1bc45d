"""When the database goes away the API says so (503, in the envelope) and recovers by itself."""

from __future__ import annotations

import pytest

from soul_framework.testing import free_port
from soul_plugins.storage_mongo.testing import StandInServer
from tests.plugins_for_tests import UserLookupRoute


@pytest.fixture
def server(tmp_path):
    server = StandInServer(free_port(), tmp_path / "db", tmp_path / "server.log").start()
    yield server
    server.stop()


async def test_store_outage_is_503_and_recovers_without_restart(make_app, server):
    app = make_app(
        extra_plugins=[("lookup", UserLookupRoute())],
        storage_backend="mongo",
        mongo_connection=f"{server.url}&serverSelectionTimeoutMS=500",
        database_name="outage_test",
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        response = await client.get("/ext/test/users/someone")
        assert response.status_code == 200
        assert await response.get_json() == {"found": False}

        server.stop()
        response = await client.get("/ext/test/users/someone")
        assert response.status_code == 503
        body = await response.get_json()
        assert body["error"]["code"] == "storage_unavailable"
        assert body["error"]["message"] == "The store is unavailable; try again shortly."
        text = await response.get_data(as_text=True)
        assert "Traceback" not in text
        assert "Mongo" not in text  # no internals: the cause is in the log only

        server.start()
        response = await client.get("/ext/test/users/someone")
        assert response.status_code == 200
