"""Negative-emotion signal for every debtor message (three negatives in a row -> a human).

A small bilingual lexicon with weights, longest phrase first, and negation handling
("not angry", "我不生气" do not count). The signal is deliberately simple and explainable:
it is a trigger for human review, not a diagnosis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import detect_language
from bot.nlu.textnorm import normalize_text

THRESHOLD = 0.5
NEGATIVE_INTENTS = ("express_anger", "express_distress")

EN_LEXICON: dict[str, float] = {
    "harassment": 0.8, "harassing": 0.8, "harass": 0.8, "scam": 0.7, "scammers": 0.8,
    "leave me alone": 0.8, "stop calling": 0.6, "sick of": 0.7, "fed up": 0.7, "hate": 0.7,
    "ridiculous": 0.6, "angry": 0.7, "furious": 0.9, "pissed": 0.8, "annoying": 0.6,
    "annoyed": 0.6, "stupid": 0.6, "idiot": 0.8, "idiots": 0.8, "wtf": 0.7, "fuck": 0.9,
    "fucking": 0.9, "shit": 0.7, "bullshit": 0.8, "damn": 0.5, "hell": 0.4, "sue you": 0.7,
    "upset": 0.6, "stressed": 0.6, "stress": 0.5, "desperate": 0.8, "hopeless": 0.9,
    "can't take": 0.8, "cant take": 0.8, "overwhelmed": 0.8, "depressed": 0.8,
    "crying": 0.7, "suicide": 1.0, "kill myself": 1.0, "end it all": 1.0, "give up": 0.6,
    "scared": 0.6, "afraid": 0.5, "worried": 0.5, "terrible": 0.6, "awful": 0.6,
    "lost my job": 0.6, "broke": 0.5, "miserable": 0.8, "unfair": 0.5, "disgusting": 0.8,
    "liars": 0.8, "liar": 0.8, "rude": 0.6, "breaking down": 0.8, "falling apart": 0.8,
}
ZH_LEXICON: dict[str, float] = {
    "烦不烦": 0.9, "烦死": 0.9, "别烦我": 0.8, "烦": 0.6, "滚": 0.9, "骗子": 0.8, "骚扰": 0.8,
    "讨厌": 0.7, "生气": 0.7, "气死": 0.9, "崩溃": 0.9, "绝望": 0.9, "活不下去": 1.0,
    "不想活": 1.0, "自杀": 1.0, "难受": 0.6, "压力": 0.5, "焦虑": 0.7, "害怕": 0.6,
    "垃圾": 0.8, "妈的": 0.9, "他妈": 0.9, "操": 0.7, "恶心": 0.8, "受不了": 0.8,
    "去死": 1.0, "痛苦": 0.8, "没钱": 0.5, "失业": 0.5, "哭": 0.6, "无语": 0.5,
    "过分": 0.6, "有病": 0.8, "神经病": 0.9, "投诉": 0.4, "撑不下去": 0.9, "走投无路": 0.9,
    "太惨": 0.6, "欺负": 0.7, "威胁": 0.6, "不要脸": 0.9, "混蛋": 0.9,
}
EN_NEGATORS = {"not", "no", "never", "don't", "dont", "isn't", "isnt", "aren't", "wasn't",
               "am't", "nothing", "without"}
ZH_NEGATORS = ("不", "没", "没有", "并不", "别", "不是")
# "Is this a scam?" / "你们是不是骗子？" asks whether we are genuine: a debtor right to check,
# not an angry one. These cues count only when the message is not such a question
# ("you're scammers", "一群骗子" still count); three "negative" questions in a row would
# otherwise have handed a careful debtor to a person as an angry one.
DOUBT_CUES = frozenset({"scam", "scammers", "骗子"})
_DOUBT_QUESTION = re.compile(
    r"[?？]|吗|么|是不是|真的假的|^\s*(?:is|are|r|how|can|could|do|does|am)\b", re.I)
# phrases that contain a negator themselves and must not be negated again
_SELF_NEGATED = {"受不了", "不想活", "活不下去", "撑不下去", "没钱", "别烦我", "烦不烦", "不要脸", "can't take", "cant take"}


@dataclass(frozen=True)
class Emotion:
    negative: bool
    score: float
    cues: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"negative": self.negative, "score": self.score}


def _en_negated(text: str, start: int) -> bool:
    before = re.findall(r"[a-z']+", text[:start])[-3:]
    return any(word in EN_NEGATORS for word in before)


def _zh_negated(text: str, start: int) -> bool:
    window = text[max(0, start - 3):start]
    return any(window.endswith(neg) or window.endswith(neg + "太") or window.endswith(neg + "会")
               for neg in ZH_NEGATORS)


def asks_if_genuine(text: str) -> bool:
    """A question, so a "scam"/"骗子" in it doubts us rather than insults us."""
    return bool(_DOUBT_QUESTION.search(text or ""))


def score_text(text: str) -> Emotion:
    """Score one message: weights of non-negated cues, capped at 1.0."""
    norm = normalize_text(text or "").lower()
    total, cues = 0.0, []
    consumed: list[tuple[int, int]] = []
    for lexicon, is_zh in ((ZH_LEXICON, True), (EN_LEXICON, False)):
        for phrase in sorted(lexicon, key=len, reverse=True):
            pattern = re.escape(phrase) if is_zh else rf"\b{re.escape(phrase)}\b"
            for match in re.finditer(pattern, norm):
                start, end = match.span()
                if any(start < c_end and c_start < end for c_start, c_end in consumed):
                    continue
                consumed.append((start, end))
                negated = phrase not in _SELF_NEGATED and (
                    _zh_negated(norm, start) if is_zh else _en_negated(norm, start)
                )
                if phrase in DOUBT_CUES and asks_if_genuine(norm):
                    continue
                if not negated:
                    total += lexicon[phrase]
                    cues.append(phrase)
    if total and (text.count("!") >= 2 or (len(text) > 6 and text.isupper())):
        total += 0.2
    score = round(min(1.0, total), 2)
    return Emotion(negative=score >= THRESHOLD, score=score, cues=tuple(cues))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EmotionAnnotator(GraphComponent):
    """Sets `emotion` {"negative", "score"} and `language` ("en"|"zh") on every message,
    as output properties so they reach tracker.latest_message.

    Placed after the intent classifier, it also counts an angry/distressed intent
    (confidence >= `intent_threshold`) as negative: the classifier knows phrasings such
    as "you're the worst" that no lexicon lists.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"negative_intents": list(NEGATIVE_INTENTS), "intent_threshold": 0.6}

    def __init__(self, config: Dict[str, Any] | None = None) -> None:
        config = {**self.get_default_config(), **(config or {})}
        self._negative_intents = frozenset(config["negative_intents"])
        self._intent_threshold = float(config["intent_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmotionAnnotator:
        return cls(config)

    def _intent_score(self, message: Message) -> float:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) in self._negative_intents:
            confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            return round(confidence, 2) if confidence >= self._intent_threshold else 0.0
        return 0.0

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            score = max(score_text(text).score, self._intent_score(message))
            emotion = {"negative": score >= THRESHOLD, "score": score}
            message.set("emotion", emotion, add_to_output=True)
            message.set("language", detect_language(text), add_to_output=True)
        return messages
