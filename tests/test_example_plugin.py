"""The example third-party plugin, installed for real with pip, is found, selected and used."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from soul_framework.api import create_app
from soul_framework.config import Settings
from soul_framework.runtime import Runtime
from soul_framework.testing.emotion_model_contract import EmotionModelContract

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "soul-plugin-stoic"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory) -> Path:
    """pip builds the example's wheel and installs it into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--target",
            str(target),
            str(EXAMPLE),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "soul_stoic" / "__init__.py").exists()
    return target


@pytest.fixture
def with_example(installed_example, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_example))
    yield
    sys.modules.pop("soul_stoic", None)


def test_example_is_discovered_through_its_entry_point(with_example, make_settings):
    runtime = Runtime.build(make_settings())
    info = runtime.pm.info["stoic"]
    assert (info.distribution, info.version) == ("soul-plugin-stoic", "0.1.0")
    assert "stoic" in runtime.registry.names("emotion_model")
    assert runtime.selection.emotion_model == "lite"  # installed, not selected


def test_example_is_selected_by_configuration_and_called(with_example, make_settings):
    runtime = Runtime.build(make_settings(soul_emotion_model="stoic"))
    model = runtime.emotion_model
    assert type(model).__module__ == "soul_stoic"
    assert set(model.emotions) == {"calm", "curiosity", "concern"}


async def test_example_shows_in_meta_plugins(with_example, make_settings):
    app = create_app(make_settings(soul_emotion_model="stoic"))
    body = await (await app.test_client().get("/v1/meta/plugins")).get_json()
    entry = next(p for p in body["plugins"] if p["name"] == "stoic")
    assert entry == {"name": "stoic", "version": "0.1.0", "hooks": ["register_emotion_models"]}
    assert body["selected"]["emotion_model"] == "stoic"


async def test_the_agent_feels_with_the_example_model(with_example, make_settings):
    app = create_app(make_settings(soul_emotion_model="stoic"))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        token = (await (await client.post("/v1/auth/guest")).get_json())["access_token"]
        reply = await client.get("/v1/agents/active", headers={"Authorization": f"Bearer {token}"})
        agent = (await reply.get_json())["agent"]
        assert agent["id"] == "jasmine-stoic"
        emotions = agent["emotional_status"]["emotions"]
        assert set(emotions) == {"calm", "curiosity", "concern"}
        assert emotions["calm"]["value"] > emotions["concern"]["value"]


def test_example_can_be_blocked(with_example, make_settings):
    runtime = Runtime.build(make_settings(soul_disable_plugins="stoic"))
    assert "stoic" not in runtime.pm.info


class TestTheExampleModelKeepsTheContract(EmotionModelContract):
    """The installed example passes what every emotion model must pass."""

    @pytest.fixture
    def model(self, with_example):
        stoic = importlib.import_module("soul_stoic")
        return stoic.StoicEmotionModel(Settings(_env_file=None))  # type: ignore[call-arg]
