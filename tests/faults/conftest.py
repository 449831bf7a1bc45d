"""Fault tests run on the job tests' deployment and fake model."""

from tests.jobs.conftest import deployment, llm  # noqa: F401  (fixtures)
