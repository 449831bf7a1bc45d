"""The bundled scheduled tasks pass the contract every scheduled task must pass."""

from __future__ import annotations

import pytest

from soul_framework.testing.scheduled_task_contract import ScheduledTaskContract
from soul_plugins.housekeeping import RetentionTask
from soul_plugins.thinking.task import ThinkingTask


class TestThinkingTask(ScheduledTaskContract):
    @pytest.fixture
    def task_factory(self):
        return ThinkingTask


class TestRetentionTask(ScheduledTaskContract):
    @pytest.fixture
    def task_factory(self):
        return RetentionTask
