"""config.yml builds the graph we mean, and our components compose on one message."""

from pathlib import Path

from rasa.engine.recipes.recipe import Recipe
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import read_config_file

from bot.nlu.emotion import EmotionAnnotator
from bot.nlu.entities import CollectEntityExtractor
from bot.nlu.normalizer import TextNormalizer

CONFIG = Path(__file__).resolve().parents[2] / "config.yml"


def test_config_builds_the_nlu_graph_in_order():
    config = read_config_file(str(CONFIG))
    assert (config["recipe"], config["language"], config["assistant_id"]) == ("default.v1", "zh", "collectbot")
    model_config = Recipe.recipe_for_name("default.v1").graph_config_for_recipe(
        config, {}, training_type=TrainingType.BOTH
    )
    nlu = [
        node.uses.__name__
        for name, node in model_config.predict_schema.nodes.items()
        if name.startswith("run_") and name != "run_RegexMessageHandler" and "Policy" not in name
    ]
    assert nlu == [
        "TextNormalizer", "JiebaTokenizer", "RegexFeaturizer", "LexicalSyntacticFeaturizer",
        "CountVectorsFeaturizer", "CountVectorsFeaturizer", "DIETClassifier",
        "CollectEntityExtractor", "EntitySynonymMapper", "EmotionAnnotator", "FallbackClassifier",
    ]
    diet = next(c for c in config["pipeline"] if c["name"] == "DIETClassifier")
    assert (diet["entity_recognition"], diet["random_seed"]) == (False, 42)


def test_components_compose_into_the_parse_output():
    message = Message(data={
        "text": "下週三還５００塊",
        "metadata": {"at": "2026-11-28T02:00:00+00:00", "timezone": "Asia/Shanghai"},
        "intent": {"name": "promise_to_pay", "confidence": 0.97},
        "entities": [{"entity": "amount", "start": 4, "end": 7, "value": "500", "extractor": "DIETClassifier"}],
    })
    TextNormalizer().process([message])
    CollectEntityExtractor({"use_spacy": True}).process([message])
    EmotionAnnotator().process([message])
    output = message.as_dict(only_output_properties=True)
    assert output["text"] == "下周三还500块"
    assert [(e["entity"], e["value"], e["extractor"]) for e in output["entities"]] == [
        ("date", "2026-12-02", "CollectEntityExtractor"),
        ("amount", "500.00", "CollectEntityExtractor"),
        ("currency", "CNY", "CollectEntityExtractor"),
    ]
    assert output["emotion"] == {"negative": False, "score": 0.0}
    assert output["language"] == "zh"
