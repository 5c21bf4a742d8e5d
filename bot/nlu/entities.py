"""Rasa component: rule-based entities with normalised values (bot.nlu.extract).

For the entity types it owns (amount, currency, date, months, dob, id_last4, zip) it
replaces whatever an earlier extractor put on the message, so there is one entity per
span with a value the dialogue can use directly ("80.00", "2026-12-04", "6").

Message time: `metadata["at"]` (ISO 8601) when the channel sends it, else bot.clock.now().
Zone: `metadata["timezone"]`, else Asia/Shanghai for Chinese text, else America/New_York.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import clock
from bot.nlu import spacy_models
from bot.nlu.extract import ENTITY_TYPES, extract
from bot.nlu.language import detect_language

logger = logging.getLogger(__name__)


def message_time(metadata: Dict[str, Any] | None) -> datetime:
    """The instant the debtor sent the message: metadata "at" if valid ISO, else the clock."""
    raw = (metadata or {}).get("at")
    if isinstance(raw, str) and raw:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            logger.warning("ignoring unparseable metadata.at %r", raw)
    return clock.now()


def entities_for(text: str, metadata: Dict[str, Any] | None, use_spacy: bool = True) -> List[Dict[str, Any]]:
    """Rasa-shaped entity dicts for `text` (the pure function the component wraps)."""
    metadata = metadata or {}
    proposals = spacy_models.propose(text, detect_language(text)) if use_spacy else []
    found = extract(text, message_time(metadata), metadata.get("timezone"), proposals)
    return [f.as_rasa(CollectEntityExtractor.__name__) for f in found]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CollectEntityExtractor(GraphComponent):
    """Adds amount/currency/date/months/dob/id_last4/zip with normalised values."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"use_spacy": True}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._use_spacy = bool(config.get("use_spacy", True))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CollectEntityExtractor:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            ours = entities_for(text, message.get("metadata"), self._use_spacy) if text else []
            others = [e for e in message.get(ENTITIES, []) if e.get("entity") not in ENTITY_TYPES]
            message.set(ENTITIES, others + ours, add_to_output=True)
        return messages
