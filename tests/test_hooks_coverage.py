"""Hooks that no other test implements, each used by an installed plugin as an author would.

``tests/test_docs.py`` checks that every hook has a test that implements or calls it; these are
the tests of the hooks that were otherwise reached only by the bundled plugins or by hand.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import pytest

from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.scope import Scope, ScopedText
from soul_framework.errors import PluginConflictError
from soul_framework.mind.reply import Mind, ReplyRequest, reply
from soul_framework.runtime import Runtime
from soul_framework.testing.deployment import Deployment
from soul_framework.testing.fake_llm import FakeLLMServer
from soul_framework.testing.pytest_plugin import GuestUser, forget_service_state
from tests.conftest import STRONG_JWT, STRONG_PEPPER, TESTS_THINKING_RATE_SECONDS

TEMPERAMENT_PLUGIN = """
from soul_framework import hookimpl
from soul_framework.domain.personality import BigFive


class Temperament:
    name = "temperament"
    description = "Two traits read straight off the Big Five."
    traits = {"sociability": "seeks company", "calmness": "keeps an even temper"}

    def __init__(self, settings):
        self.settings = settings

    def document(self, traits, *, preset, pinned, description):
        values = {name: float(traits.get(name, 50.0)) for name in self.traits}
        return {"traits": values, "pinned": list(pinned), "description": description}

    def big_five(self, document):
        traits = document["traits"]
        return BigFive(
            extraversion=traits["sociability"] / 100, neuroticism=1 - traits["calmness"] / 100
        )

    def api_view(self, document):
        return {"traits": dict(document["traits"]), "description": document["description"]}

    def traits_from_big_five(self, change):
        return {
            "sociability": change.get("extraversion", 0.0),
            "calmness": -change.get("neuroticism", 0.0),
        }


@hookimpl
def register_personality_schemas(register):
    register(Temperament)
"""


def test_a_personality_schema_plugin_is_selected_and_shapes_the_agent(
    make_settings, install_distribution
):
    install_distribution(
        "soul-temperament",
        {"temperament": "fake_temperament"},
        {"fake_temperament": TEMPERAMENT_PLUGIN},
    )
    runtime = Runtime.build(make_settings(soul_personality_schema="temperament"))
    assert runtime.selection.personality_schema == "temperament"
    assert runtime.selection.emotion_model == "lite"  # MODE still picks the emotion model
    traits = runtime.newborn_agent(utcnow()).personality["traits"]
    assert set(traits) == {"sociability", "calmness"}
    # The persona has no values for this schema: its lite traits (an ENFP, outgoing) reach
    # the new schema through the Big Five.
    assert traits["sociability"] > 50


def test_a_schema_named_like_a_bundled_one_is_refused_naming_both(
    make_settings, install_distribution
):
    source = TEMPERAMENT_PLUGIN.replace('name = "temperament"', 'name = "lite"')
    install_distribution("soul-impostor", {"impostor": "fake_impostor"}, {"fake_impostor": source})
    with pytest.raises(PluginConflictError, match="personality schema named 'lite'") as raised:
        Runtime.build(make_settings())
    assert "'emotions_lite' (from synthetic-soul" in raised.value.message
    assert "'impostor' (from soul-impostor 1.0)" in raised.value.message


WEATHER_PLUGIN = """
from soul_framework import hookimpl

SEEN = []


class Weather:
    name = "weather"
    priority = 400

    def __init__(self, settings):
        self.settings = settings

    async def render(self, context):
        SEEN.append(dict(context))
        return f"It is raining where {context['username']} lives."


class Silent:
    name = "silent"
    priority = 400

    def __init__(self, settings):
        pass

    async def render(self, context):
        return None


@hookimpl
def register_prompt_sections(register):
    register(Weather)
    register(Silent)
"""


async def test_a_prompt_section_plugin_reaches_the_reply_prompt(
    make_settings, install_distribution
):
    install_distribution(
        "soul-weather", {"weather": "fake_weather"}, {"fake_weather": WEATHER_PLUGIN}
    )
    with FakeLLMServer() as llm:
        settings = make_settings(
            openai_api_key="sk-fake", openai_base_url=llm.url, soul_llm_max_retries=0
        )
        runtime = Runtime.build(settings)
        assert runtime.registry.names("prompt_section") == ["silent", "weather"]
        await runtime.store.open()
        try:
            request = await said(runtime, "u1", "Should I take an umbrella?")
            llm.script({"message": "Yes, take one."})
            result = await reply(
                request,
                runtime.store,
                runtime.llm_provider,
                on_text=ignore,
                timeout_seconds=10,
                mind=Mind.of(runtime),
            )
        finally:
            await runtime.aclose()
        system = llm.chat_requests()[0].body["messages"][0]
    assert result["response"] == "Yes, take one."
    assert system["role"] == "system"
    assert "It is raining where user_u1 lives." in system["content"]
    import fake_weather

    (context,) = fake_weather.SEEN
    assert (context["user_id"], context["username"]) == ("u1", "user_u1")
    assert [m.message for m in context["conversation"]] == ["Should I take an umbrella?"]


async def ignore(_: str) -> None:
    return None


async def said(runtime: Runtime, user_id: str, text: str) -> ReplyRequest:
    """Store ``text`` from ``user_id`` as submit does, and return the request to answer it."""
    conversation = await runtime.store.conversation(runtime.agent_id, user_id, at=utcnow())
    message = await runtime.store.append_message(
        Message(
            id=new_id(),
            conversation_id=conversation.id,
            sender_id=user_id,
            sender_username=f"user_{user_id}",
            from_agent=False,
            message=ScopedText(text, Scope.user(user_id)),
            timestamp=utcnow(),
        )
    )
    return ReplyRequest(
        agent_id=runtime.agent_id,
        agent_name=runtime.agent_name,
        user_id=user_id,
        username=f"user_{user_id}",
        conversation_id=conversation.id,
        message_id=message.id,
        message=text,
    )


OBSERVER_PLUGINS = {
    "fake_reply_log": """
    import json

    from soul_framework import hookimpl


    @hookimpl
    async def reply_generated(event, settings):
        line = {"user_id": event.user_id, "message": event.message, "response": event.response,
                "expression": event.expression, "job_id": event.job_id}
        with (settings.soul_data_dir / "replies.jsonl").open("a") as log:
            log.write(json.dumps(line) + "\\n")
    """,
    "fake_reply_crash": """
    from soul_framework import hookimpl


    @hookimpl
    def reply_generated(event):
        raise RuntimeError("observer bug")
    """,
}


@pytest.mark.slow
def test_reply_observers_hear_of_each_reply_in_the_worker_and_their_failures_stay_theirs(
    tmp_path, redis_url, install_distribution, monkeypatch
):
    site = install_distribution(
        "soul-reply-observers",
        {"reply_log": "fake_reply_log", "reply_crash": "fake_reply_crash"},
        OBSERVER_PLUGINS,
    )
    # The worker is another process: it finds the plugins through the same site folder.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    )
    with FakeLLMServer() as llm:
        llm.script({"message": "Hello, you.", "expression": "happy"})
        env = {
            "JWT_SECRET_ENV": STRONG_JWT,
            "ARGON2_PEPPER_ENV": STRONG_PEPPER,
            "OPENAI_API_KEY": "sk-fake",
            "OPENAI_BASE_URL": llm.url,
            "SOUL_LLM_MAX_RETRIES": "0",
            "THINKING_RATE_SECONDS": str(TESTS_THINKING_RATE_SECONDS),
        }
        forget_service_state(redis_url)
        try:
            with Deployment(tmp_path, redis_url, env).start(workers=1) as deployment:
                with GuestUser(deployment.base) as guest:
                    job = guest.say("Hi there")
                # Observers run after the job reports its result, so the user is never kept
                # waiting by them: wait for their traces rather than for the job alone.
                log = deployment.folder / "data" / "replies.jsonl"
                eventually(lambda: log.exists() and "observer bug" in deployment.log_tail())
                lines = log.read_text().splitlines()
                tail = deployment.log_tail()
        finally:
            # The reply queued a reflection: it must not stay for the next test's worker.
            forget_service_state(redis_url)
    assert job["status"] == "succeeded", tail
    (heard,) = [json.loads(line) for line in lines]
    assert heard["message"] == "Hi there"
    assert heard["response"] == "Hello, you."
    assert heard["expression"] == "happy"
    assert heard["job_id"] == job["job_id"]
    assert "reply_generated observer of plugin 'reply_crash' failed" in tail
    assert "observer bug" in tail


OBSERVER_WAIT_SECONDS = 30.0
"""Longest wait for an observer's trace: far beyond the milliseconds it takes, so only a
missing trace ends the wait."""


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + OBSERVER_WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the observers left no trace")
        time.sleep(0.05)
