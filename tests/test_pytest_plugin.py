"""The pytest plugin for plugin authors works in a project of its own, run as its author runs it.

Each test writes a small test file into an empty folder and runs pytest on it in a separate
process, with nothing of this repository's test set-up (no conftest, no fixtures but the
plugin's), so the fixtures are checked exactly as a third-party plugin's tests would use them.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

PLUGIN_MODULE = "soul_framework.testing.pytest_plugin"


def plugin_arguments() -> list[str]:
    """``-p <module>`` until the plugin is declared as a ``pytest11`` entry point, which then
    loads it by itself (asking for it twice would register it twice)."""
    declared = any(ep.value == PLUGIN_MODULE for ep in entry_points(group="pytest11"))
    return [] if declared else ["-p", PLUGIN_MODULE]


@pytest.fixture
def author_project(pytester: pytest.Pytester, redis_url: str, monkeypatch: pytest.MonkeyPatch):
    """An empty project with pytest-asyncio in auto mode, whose run reuses this run's Redis
    server (it claims a database of its own there)."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n'
        'asyncio_default_fixture_loop_scope = "function"\n'
    )
    return pytester


def run(project: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    return project.runpytest_subprocess(*plugin_arguments(), "-p", "no:cacheprovider", *arguments)


FIXTURES_IN_USE = """
import httpx
import pytest

from soul_framework import hookimpl
from soul_framework.domain.ids import utcnow


class Greeting:
    name = "greeting"
    priority = 400

    def __init__(self, settings):
        self.settings = settings

    async def render(self, context):
        return "Greet the user warmly."


class GreetingPlugin:
    @hookimpl
    def register_prompt_sections(self, register):
        register(Greeting)


def test_settings_are_built_from_the_test_alone(soul_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("MODE", "rich")
    settings = soul_settings()
    assert settings.mode == "lite"
    assert settings.is_development
    assert settings.soul_data_dir.is_relative_to(tmp_path)
    assert soul_settings(mode="rich").mode == "rich"
    soul_settings(app_env="production").check_secrets()  # strong enough for production


def test_settings_point_at_the_fake_model(soul_settings, soul_fake_llm):
    settings = soul_settings()
    assert settings.llm_provider_name == "openai"
    assert settings.openai_base_url == soul_fake_llm.url
    soul_fake_llm.script("scripted")
    reply = httpx.post(
        soul_fake_llm.url + "/chat/completions",
        json={"model": "fake-fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert reply.json()["choices"][0]["message"]["content"] == "scripted"
    assert soul_fake_llm.chat_requests()[0].prompt == "hi"


async def test_the_app_carries_the_plugin(soul_app):
    app = soul_app(GreetingPlugin(), mode="rich")
    async with app.test_app() as running:
        client = running.test_client()
        plugins = await (await client.get("/v1/meta/plugins")).get_json()
        guest = await client.post("/v1/auth/guest")
    entry = {"name": "GreetingPlugin", "version": None, "hooks": ["register_prompt_sections"]}
    assert entry in plugins["plugins"]
    assert plugins["selected"]["emotion_model"] == "rich"
    assert guest.status_code == 200


async def test_the_store_is_open_and_empty(soul_store):
    assert soul_store.name == "sqlite"
    await soul_store.ping()
    assert await soul_store.list_agents() == []
    conversation = await soul_store.conversation("jasmine", "u1", at=utcnow())
    assert conversation.id == (await soul_store.conversation("jasmine", "u1", at=utcnow())).id
"""


def test_the_fixtures_work_in_a_plugin_authors_project(author_project):
    author_project.makepyfile(test_fixtures=FIXTURES_IN_USE)
    result = run(author_project)
    result.assert_outcomes(passed=4)


def test_a_failing_expectation_still_fails(author_project):
    # The fixtures must not swallow failures (a plugin that hides them passes everything).
    author_project.makepyfile(
        test_wrong="""
        def test_wrong_mode(soul_settings):
            assert soul_settings(mode="rich").mode == "lite"
        """
    )
    result = run(author_project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 'rich' == 'lite'*"])


WORKER_IN_USE = """
from soul_framework.testing.pytest_plugin import GuestUser


def test_a_real_worker_answers_with_the_fake_model(soul_worker, soul_fake_llm):
    deployment = soul_worker()
    soul_fake_llm.script({"message": "Nice to meet you.", "expression": "happy"})
    with GuestUser(deployment.base) as guest:
        job = guest.say("Hello there")
    assert job["status"] == "succeeded", deployment.log_tail()
    assert job["result"]["response"] == "Nice to meet you."
    assert "Hello there" in soul_fake_llm.chat_requests()[0].prompt
"""


@pytest.mark.slow
def test_the_worker_fixture_runs_a_real_deployment(author_project):
    author_project.makepyfile(test_worker=WORKER_IN_USE)
    result = run(author_project)
    result.assert_outcomes(passed=1)
