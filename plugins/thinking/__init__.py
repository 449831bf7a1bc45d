"""Thinking between conversations: the bundled scheduled task, every THINKING_RATE_SECONDS."""

from soul_framework import hookimpl
from soul_plugins.thinking.task import ThinkingTask


@hookimpl
def register_scheduled_tasks(register):
    register(ThinkingTask)
