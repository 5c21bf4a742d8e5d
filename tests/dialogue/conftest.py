"""The project's domain and a CarePolicy as Rasa builds it, for the CarePolicy tests: one
definition, so the threshold the tests reason about is the same in every file."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load("bot/domain")


@pytest.fixture
def policy(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.dialogue.care import CarePolicy

    return CarePolicy.create({**CarePolicy.get_default_config(), "threshold": 0.8},
                             LocalModelStorage.create(tmp_path), Resource("care"),
                             ExecutionContext(GraphSchema({})))
