"""The bundled personality schemas pass the contract every personality schema must pass."""

from __future__ import annotations

import pytest

from soul_framework.config import Settings
from soul_framework.testing.personality_schema_contract import PersonalitySchemaContract
from soul_plugins.emotions_lite.schema import LitePersonalitySchema
from soul_plugins.emotions_rich.schema import RichPersonalitySchema


class TestLitePersonalitySchema(PersonalitySchemaContract):
    @pytest.fixture
    def schema(self):
        return LitePersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]


class TestRichPersonalitySchema(PersonalitySchemaContract):
    @pytest.fixture
    def schema(self):
        return RichPersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]
