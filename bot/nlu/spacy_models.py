"""The saved blank spaCy pipelines the entity component uses to propose spans.

spaCy models cannot be downloaded here, so `build()` makes them from scratch: a blank
Chinese pipeline with the jieba segmenter and a blank English one, each with an
EntityRuler holding MONEY / DATE / CARDINAL token patterns for both languages. They are
saved under var/spacy/ by scripts/build_spacy_models.py and loaded once per process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "var" / "spacy"
PIPELINES = {"zh": "zh_collect", "en": "en_collect"}

_CN_NUM = r"^[0-9零〇一二两三四五六七八九十百千万.]+$"
_CURRENCY_WORDS = ["块", "块钱", "元", "美元", "美金", "人民币", "dollars", "dollar", "bucks", "buck", "usd", "rmb", "yuan"]
_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december", "jan", "feb", "mar", "apr",
              "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]


def ruler_patterns() -> list[dict[str, Any]]:
    """EntityRuler patterns shared by both pipelines (token patterns, so they follow the
    segmenter: jieba for Chinese, spaCy's rules for English)."""
    number = {"TEXT": {"REGEX": _CN_NUM}}
    return [
        {"label": "MONEY", "pattern": [{"TEXT": {"IN": ["$", "¥", "￥"]}}, number]},
        {"label": "MONEY", "pattern": [{"TEXT": {"REGEX": r"^[$¥￥]\d[\d,.]*k?$"}}]},
        {"label": "MONEY", "pattern": [number, {"LOWER": {"IN": _CURRENCY_WORDS}}]},
        {"label": "MONEY", "pattern": [number, {"TEXT": {"IN": ["万", "千"]}}, {"LOWER": {"IN": _CURRENCY_WORDS}, "OP": "?"}]},
        {"label": "MONEY", "pattern": [{"TEXT": {"REGEX": r"^[0-9零〇一二两三四五六七八九十百千万.]+(块钱|块|元|万)$"}}]},
        {"label": "MONEY", "pattern": [{"LOWER": {"REGEX": r"^\d+(\.\d+)?k$"}}]},
        {"label": "DATE", "pattern": [{"LOWER": {"IN": ["next", "this", "coming"]}, "OP": "?"}, {"LOWER": {"IN": _EN_WEEKDAYS}}]},
        {"label": "DATE", "pattern": [{"LOWER": {"IN": _EN_MONTHS}}, {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}]},
        {"label": "DATE", "pattern": [{"LOWER": {"IN": ["tomorrow", "today", "tonight"]}}]},
        {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^(今天|明天|后天|大后天|月底|月末|下周[一二三四五六日天]?|下个?月\d*号?)$"}}]},
        {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"TEXT": {"IN": ["号", "日"]}}]},
        {"label": "CARDINAL", "pattern": [{"TEXT": {"REGEX": r"^\d+$"}}]},
    ]


def build(name: str) -> Language:
    """Build one blank pipeline ("zh" or "en") with its EntityRuler."""
    if name == "zh":
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    elif name == "en":
        nlp = spacy.blank("en")
    else:
        raise ValueError(f"unknown pipeline {name!r}: choose 'zh' or 'en'")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(ruler_patterns())
    return nlp


def save_all(target: Path = MODEL_DIR) -> list[Path]:
    """Build and save both pipelines under `target` (replacing older copies)."""
    saved = []
    for lang, dirname in PIPELINES.items():
        path = target / dirname
        path.parent.mkdir(parents=True, exist_ok=True)
        build(lang).to_disk(path)
        saved.append(path)
    return saved


@lru_cache(maxsize=2)
def load(lang: str) -> Language:
    """The saved pipeline for `lang`; built in memory if `make setup` has not saved it yet."""
    path = MODEL_DIR / PIPELINES[lang]
    if path.exists():
        return spacy.load(path)
    return build(lang)


def propose(text: str, lang: str) -> list[tuple[int, int, str]]:
    """(start, end, label) character spans the EntityRuler finds in `text`."""
    doc = load(lang)(text)
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
