"""Text normalisation, language detection and the negative-emotion signal."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.emotion import EmotionAnnotator, score_text
from bot.nlu.language import detect_language
from bot.nlu.normalizer import TextNormalizer
from bot.nlu.textnorm import fold_width, normalize_text, to_simplified


def test_traditional_to_simplified():
    assert to_simplified("我想還錢，能分期嗎") == "我想还钱，能分期吗"


def test_full_width_to_half_width():
    assert fold_width("ＳＴＯＰ　１２３４＄") == "STOP 1234$"


def test_normalize_keeps_length_for_offsets():
    text = "身份證後四位１２３４"
    assert normalize_text(text) == "身份证后四位1234"
    assert len(normalize_text(text)) == len(text)


def test_normalizer_component_rewrites_text_in_training_and_inference():
    component = TextNormalizer()
    message = Message(data={"text": "我已經還了５００"})
    component.process([message])
    assert message.get("text") == "我已经还了500"


def test_normalizer_rewrites_annotated_entity_values_with_the_text():
    from rasa.shared.nlu.training_data.training_data import TrainingData

    example = Message(data={
        "text": "後天還五百塊", "intent": "promise_to_pay",
        "entities": [{"entity": "date", "start": 0, "end": 2, "value": "後天"},
                     {"entity": "amount", "start": 3, "end": 6, "value": "500"}],
    })
    TextNormalizer().process_training_data(TrainingData([example]))
    assert example.get("text") == "后天还五百块"
    assert [e["value"] for e in example.get("entities")] == ["后天", "500"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("hello", "en"), ("您好", "zh"), ("我想pay一半", "zh"), ("ok", "en"), ("", "en"),
     ("can I pay with 支付宝 or card please", "en")],
)
def test_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    ["this is harassment!", "I'm so sick of you", "你们烦不烦", "我快崩溃了", "stop harassing me, scammers",
     "我真的受不了了", "你們煩不煩"],
)
def test_negative_messages(text):
    assert score_text(text).negative is True


@pytest.mark.parametrize(
    "text",
    ["ok sounds good", "I'm not angry, just asking", "我不生气", "您好", "what's my balance",
     "not stressed at all"],
)
def test_not_negative(text):
    assert score_text(text).negative is False


def test_score_is_capped_and_cues_listed():
    emotion = score_text("you fucking scammers, this is harassment!!")
    assert emotion.score == 1.0
    assert set(emotion.cues) == {"fucking", "scammers", "harassment"}


def test_emotion_and_language_are_output_properties():
    # Rasa's processor builds parse data from as_dict(only_output_properties=True),
    # which is what reaches UserUttered.parse_data and tracker.latest_message.
    message = Message(data={"text": "我快崩溃了"})
    EmotionAnnotator().process([message])
    output = message.as_dict(only_output_properties=True)
    assert output["emotion"] == {"negative": True, "score": 0.9}
    assert output["language"] == "zh"


def test_angry_intent_counts_as_negative_only_when_confident():
    confident = Message(data={"text": "you're the worst", "intent": {"name": "express_anger", "confidence": 0.93}})
    unsure = Message(data={"text": "you're the worst", "intent": {"name": "express_anger", "confidence": 0.4}})
    other = Message(data={"text": "ok", "intent": {"name": "affirm", "confidence": 0.99}})
    EmotionAnnotator().process([confident, unsure, other])
    assert confident.get("emotion") == {"negative": True, "score": 0.93}
    assert unsure.get("emotion") == {"negative": False, "score": 0.0}
    assert other.get("emotion") == {"negative": False, "score": 0.0}
