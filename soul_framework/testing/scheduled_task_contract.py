"""The contract every scheduled task must pass, as a pytest class to subclass.

A scheduled task plugin's tests provide one fixture, ``task_factory``: what the plugin hands to
``register(...)`` in ``register_scheduled_tasks``. The suite builds it with ``task_settings``
(default settings in a temporary data folder; override the fixture to change them)::

    from soul_framework.testing.scheduled_task_contract import ScheduledTaskContract

    class TestMyTask(ScheduledTaskContract):
        @pytest.fixture
        def task_factory(self):
            return MyTask

It checks what the scheduler relies on before it runs a task (the core leaves out, with an
error in the log, a task that breaks these rules). What one run does is the plugin's own test:
run ``await task.run(runtime)`` against a real ``Runtime``.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest

from soul_framework import hookimpl
from soul_framework.config import Settings
from soul_framework.protocols import Factory, ScheduledTask
from soul_framework.runtime import Runtime
from soul_framework.scheduling import MIN_INTERVAL_SECONDS, scheduled_tasks


class ScheduledTaskContract:
    """Subclass and provide a ``task_factory`` fixture (the registered class or callable)."""

    @pytest.fixture
    def task_factory(self) -> Any:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError(
            "a ScheduledTaskContract subclass must provide a 'task_factory' fixture"
        )

    @pytest.fixture
    def task_settings(self, tmp_path) -> Settings:
        return Settings(_env_file=None, soul_data_dir=tmp_path)  # type: ignore[call-arg]

    @pytest.fixture
    def task(self, task_factory, task_settings) -> ScheduledTask:
        return task_factory(task_settings)

    def test_the_factory_is_named_and_builds_a_task(self, task_factory, task):
        assert isinstance(task_factory, Factory)
        assert isinstance(task, ScheduledTask)

    def test_the_task_has_the_name_it_is_registered_under(self, task_factory, task):
        assert isinstance(task.name, str)
        assert task.name.strip()
        assert task.name == task_factory.name

    def test_the_interval_is_a_number_of_at_least_a_second(self, task):
        interval = task.interval_seconds
        assert isinstance(interval, int | float)
        assert not isinstance(interval, bool)
        assert math.isfinite(interval)
        assert interval >= MIN_INTERVAL_SECONDS

    def test_run_is_a_coroutine_function_of_the_runtime(self, task):
        assert inspect.iscoroutinefunction(task.run)
        parameters = list(inspect.signature(task.run).parameters.values())
        assert len(parameters) == 1
        assert parameters[0].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )

    def test_the_core_schedules_it(self, task_factory, task_settings):
        # Installed plugins are loaded as in the service; a task not among them (a plugin
        # under test that is not installed) is registered for this test only.
        runtime = Runtime.build(task_settings)
        registration = runtime.registry.get("scheduled_task", task_factory.name)
        if registration is None:
            runtime = Runtime.build(task_settings, [("task-under-test", _Registers(task_factory))])
        else:
            assert registration.factory is task_factory, "another plugin's task has this name"
        assert task_factory.name in [task.name for task in scheduled_tasks(runtime)]


class _Registers:
    """A plugin that registers one scheduled task."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory

    @hookimpl
    def register_scheduled_tasks(self, register: Any) -> None:
        register(self.factory)
