"""Rasa component: normalise message text (Traditional -> Simplified, full-width ->
half-width) before the tokenizer sees it, in training and at inference alike.

Registered as a featurizer-type component so the recipe runs it in pipeline order on
both the training data (`process_training_data`) and each parsed message (`process`);
put it first in config.yml.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_VALUE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.textnorm import normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites `text` in place; offsets are preserved because both folds are 1:1."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text:
            normalized = normalize_text(text)
            if normalized != text:
                message.set(TEXT, normalized)
                # Annotated values that were just the span ("[後天](date)") follow the text,
                # else EntitySynonymMapper would learn a 后天 -> 後天 "synonym".
                for entity in message.get(ENTITIES) or []:
                    if entity.get(ENTITY_ATTRIBUTE_VALUE) == text[entity["start"]:entity["end"]]:
                        entity[ENTITY_ATTRIBUTE_VALUE] = normalized[entity["start"]:entity["end"]]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages
