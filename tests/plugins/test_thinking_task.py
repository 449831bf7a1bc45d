"""The bundled thinking task: registered by its plugin, runs a pass, tells observers."""

from __future__ import annotations

from soul_framework import hookimpl
from soul_framework.runtime import Runtime
from soul_framework.scheduling import scheduled_tasks
from soul_framework.testing.fake_llm import FakeLLMServer


class ThoughtRecorder:
    def __init__(self) -> None:
        self.events = []

    @hookimpl
    async def thought_generated(self, event, settings):
        self.events.append((event, settings.thinking_rate_seconds))


async def test_the_thinking_task_thinks_and_tells_observers(make_settings):
    recorder = ThoughtRecorder()
    with FakeLLMServer() as llm:
        llm.script({"thought": "Clouds are slow rivers.", "idle_expression": "thinking"})
        settings = make_settings(
            openai_api_key="sk-fake",
            openai_base_url=llm.url,
            gpt_fast_model="fake-fast",
            thinking_rate_seconds=120,
        )
        runtime = Runtime.build(settings, [("recorder", recorder)])
        [task] = [t for t in scheduled_tasks(runtime) if t.name == "thinking"]
        assert task.interval_seconds == 120  # THINKING_RATE_SECONDS
        await task.run(runtime)
        await runtime.store.open()
        latest = await runtime.store.latest_thought(runtime.agent_id)
        await runtime.aclose()
    assert latest.thought == "Clouds are slow rivers."
    [(event, rate)] = recorder.events
    assert (event.thought, event.agent_name, rate) == ("Clouds are slow rivers.", "Jasmine", 120)
