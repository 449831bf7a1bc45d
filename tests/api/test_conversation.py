"""``/v1/messages/conversation``: the caller's own messages, oldest first, paged, on both stores."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import redis

from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.scope import Scope, ScopedText
from tests.api.test_auth import bearer, guest

URL = "/v1/messages/conversation"
MESSAGE_KEYS = {
    "id",
    "message",
    "purpose",
    "tone",
    "timestamp",
    "sender_id",
    "sender_username",
    "from_agent",
    "started_by_agent",
}


@pytest.fixture(params=["sqlite", "mongo"])
def store_values(request) -> dict[str, object]:
    if request.param == "sqlite":
        return {"storage_backend": "sqlite"}
    return {
        "storage_backend": "mongo",
        "mongo_connection": request.getfixturevalue("mongo_url"),
        "database_name": f"conversation_{new_id()[:12]}",
    }


@pytest.fixture
async def served(make_app, store_values, redis_url):
    async with make_app(**store_values).test_app() as test_app:
        yield test_app
    # Guest sign-ins count against a per-address limit kept in the run's shared Redis.
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("soul:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app(served):
    return served.app


@pytest.fixture
def client(served):
    return served.test_client()


def whole_second() -> datetime:
    """Now, to the second: MongoDB keeps milliseconds, so finer times would not round-trip."""
    return utcnow().replace(microsecond=0)


async def sign_in(client) -> tuple[dict[str, str], dict]:
    """A new guest: its Authorization header and its ``/v1/auth/me``."""
    headers = bearer((await guest(client))["access_token"])
    me = await (await client.get("/v1/auth/me", headers=headers)).get_json()
    return headers, me


async def write(app, me: dict, texts: list[str], *, start: datetime | None = None) -> list[Message]:
    """Store ``texts`` as the user's messages to the active agent, one second apart."""
    runtime = app.extensions["soul"].runtime
    start = start or whole_second()
    conversation = await runtime.store.conversation(runtime.agent_id, me["user_id"], at=start)
    stored = []
    for i, text in enumerate(texts):
        stored.append(
            await runtime.store.append_message(
                Message(
                    id=new_id(),
                    conversation_id=conversation.id,
                    sender_id=me["user_id"],
                    sender_username=me["username"],
                    from_agent=False,
                    message=ScopedText(text, Scope.user(me["user_id"])),
                    timestamp=start + timedelta(seconds=i),
                )
            )
        )
    return stored


async def page(client, headers, **query) -> dict:
    response = await client.get(URL, headers=headers, query_string=query)
    assert response.status_code == 200, await response.get_data()
    return (await response.get_json())["conversation"]


async def test_a_token_is_required(client):
    response = await client.get(URL)
    assert response.status_code == 401
    assert (await response.get_json())["error"]["code"] == "missing_token"


async def test_a_new_user_gets_an_empty_conversation_with_an_id(client):
    headers, me = await sign_in(client)
    active = (await (await client.get("/v1/")).get_json())["active_agent"]
    conversation = await page(client, headers)
    assert set(conversation) == {"id", "user_id", "agent_name", "messages", "next_before"}
    assert conversation["id"]
    assert conversation["user_id"] == me["user_id"]
    assert conversation["agent_name"] == active == "Jasmine"
    assert conversation["messages"] == []
    assert conversation["next_before"] is None
    assert (await page(client, headers))["id"] == conversation["id"]  # the same one, kept


async def test_messages_have_the_contract_shape_and_expression_only_from_the_agent(app, client):
    headers, me = await sign_in(client)
    runtime = app.extensions["soul"].runtime
    start = whole_second()
    conversation = await runtime.store.conversation(runtime.agent_id, me["user_id"], at=start)

    def message(i: int, **fields) -> Message:
        values = {
            "id": f"m{i}",
            "conversation_id": conversation.id,
            "sender_id": me["user_id"],
            "sender_username": me["username"],
            "from_agent": False,
            "message": f"text {i}",
            "timestamp": start + timedelta(seconds=i),
        }
        values.update(fields)
        theirs = Scope.user(me["user_id"])
        for name in ("message", "purpose", "tone"):
            values[name] = ScopedText(str(values.get(name, "")), theirs)
        return Message(**values)

    agent = {"sender_id": runtime.agent_id, "sender_username": "Jasmine", "from_agent": True}
    for stored in (
        message(0, expression="smirk"),  # a user's message never shows an expression
        message(1, **agent, purpose="answer", tone="warm", expression="happy", reply_to="m0"),
        message(2, **agent, expression=None),
        message(3, **agent, expression="curious", started_by_agent=True),
    ):
        await runtime.store.append_message(stored)

    messages = (await page(client, headers))["messages"]
    assert [m["id"] for m in messages] == ["m0", "m1", "m2", "m3"]
    assert set(messages[0]) == MESSAGE_KEYS
    assert set(messages[1]) == MESSAGE_KEYS | {"expression"}
    assert set(messages[2]) == MESSAGE_KEYS  # no expression: the key is left out, not null
    assert messages[0] | {"timestamp": None} == {
        "id": "m0",
        "message": "text 0",
        "purpose": "",
        "tone": "",
        "timestamp": None,
        "sender_id": me["user_id"],
        "sender_username": me["username"],
        "from_agent": False,
        "started_by_agent": False,
    }
    assert (messages[1]["purpose"], messages[1]["tone"]) == ("answer", "warm")
    assert (messages[1]["expression"], messages[1]["from_agent"]) == ("happy", True)
    assert [m["started_by_agent"] for m in messages] == [False, False, False, True]
    assert messages[3]["expression"] == "curious"
    for i, shown in enumerate(messages):
        assert shown["timestamp"].endswith(("Z", "+00:00"))
        assert datetime.fromisoformat(shown["timestamp"]) == start + timedelta(seconds=i)


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "1001"}, {"limit": "many"}])
async def test_limit_outside_1_to_1000_is_a_validation_error(client, query):
    headers, _ = await sign_in(client)
    response = await client.get(URL, headers=headers, query_string=query)
    assert response.status_code == 422
    body = await response.get_json()
    assert body["error"]["code"] == "validation_error"
    assert body["details"][0]["loc"][-1] == "limit"


@pytest.mark.parametrize("before", ["0", "-3", "later", str(2**53)])
async def test_a_cursor_that_we_never_hand_out_is_a_validation_error(client, before):
    headers, _ = await sign_in(client)
    response = await client.get(URL, headers=headers, query_string={"before": before})
    assert response.status_code == 422
    assert (await response.get_json())["error"]["code"] == "validation_error"


async def test_the_default_page_is_the_latest_100_oldest_first(app, client):
    headers, me = await sign_in(client)
    stored = await write(app, me, [f"n{i}" for i in range(150)])
    conversation = await page(client, headers)
    assert [m["message"] for m in conversation["messages"]] == [f"n{i}" for i in range(50, 150)]
    assert conversation["next_before"] is not None
    largest = await page(client, headers, limit=1000)
    assert [m["id"] for m in largest["messages"]] == [m.id for m in stored]
    assert largest["next_before"] is None


async def test_paging_back_gives_every_message_exactly_once_in_order(app, client):
    headers, me = await sign_in(client)
    stored = await write(app, me, [f"n{i}" for i in range(250)])
    pages: list[list[dict]] = []
    cursor = None
    while True:
        query = {"limit": 100} if cursor is None else {"limit": 100, "before": cursor}
        conversation = await page(client, headers, **query)
        pages.append(conversation["messages"])
        cursor = conversation["next_before"]
        if cursor is None:
            break
        assert len(pages) < 10, "paging never ends"
    assert [len(p) for p in pages] == [100, 100, 50]
    seen = [m["id"] for p in reversed(pages) for m in p]
    assert seen == [m.id for m in stored]
    timestamps = [m["timestamp"] for p in reversed(pages) for m in p]
    assert [datetime.fromisoformat(t) for t in timestamps] == [m.timestamp for m in stored]


async def test_an_exact_multiple_of_the_limit_ends_without_an_empty_page(app, client):
    headers, me = await sign_in(client)
    await write(app, me, [f"n{i}" for i in range(20)])
    first = await page(client, headers, limit=10)
    second = await page(client, headers, limit=10, before=first["next_before"])
    assert [m["message"] for m in second["messages"]] == [f"n{i}" for i in range(10)]
    assert second["next_before"] is None


async def test_each_user_sees_only_their_own_conversation(app, client):
    ada_headers, ada = await sign_in(client)
    bob_headers, bob = await sign_in(client)
    await write(app, ada, ["ada's secret"])
    await write(app, bob, ["bob's secret", "bob again"])

    ada_view = await page(client, ada_headers)
    bob_view = await page(client, bob_headers)
    assert ada_view["id"] != bob_view["id"]
    assert [m["message"] for m in ada_view["messages"]] == ["ada's secret"]
    assert [m["message"] for m in bob_view["messages"]] == ["bob's secret", "bob again"]
    assert {m["sender_id"] for m in ada_view["messages"]} == {ada["user_id"]}
    assert {m["sender_id"] for m in bob_view["messages"]} == {bob["user_id"]}
    # A cursor from someone else's page reads only one's own conversation.
    bob_from_ada_cursor = await page(client, bob_headers, before=10**6)
    assert [m["message"] for m in bob_from_ada_cursor["messages"]] == ["bob's secret", "bob again"]


async def test_another_agents_conversation_with_the_user_is_not_shown(app, client):
    headers, me = await sign_in(client)
    store = app.extensions["soul"].runtime.store
    other = await store.conversation("orion", me["user_id"], at=utcnow())
    await store.append_message(
        Message(
            id=new_id(),
            conversation_id=other.id,
            sender_id=me["user_id"],
            sender_username=me["username"],
            from_agent=False,
            message=ScopedText("to orion", Scope.user(me["user_id"])),
            timestamp=utcnow(),
        )
    )
    conversation = await page(client, headers)
    assert conversation["id"] != other.id
    assert conversation["messages"] == []
