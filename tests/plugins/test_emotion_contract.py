"""The bundled emotion models pass the contract every emotion model must pass."""

from __future__ import annotations

import pytest

from soul_framework.config import Settings
from soul_framework.testing.emotion_model_contract import EmotionModelContract
from soul_plugins.emotions_lite.model import LiteEmotionModel
from soul_plugins.emotions_rich.model import RichEmotionModel


class TestLiteEmotionModel(EmotionModelContract):
    @pytest.fixture
    def model(self):
        return LiteEmotionModel(Settings(_env_file=None))  # type: ignore[call-arg]


class TestRichEmotionModel(EmotionModelContract):
    @pytest.fixture
    def model(self):
        return RichEmotionModel(Settings(_env_file=None))  # type: ignore[call-arg]
