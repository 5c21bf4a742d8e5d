"""The wave-9 corpus of engineer corpus2 (written as train_*_w9b.txt on its branch; renamed w9d here, since the learned engineer had taken w9b and w9c) (compliance_filters/training/train_*_w9d.txt) keeps its shape.

scripts/train_learned_filter.py globs every training file, so a malformed line would stop the
weights build, and a line labelled with the wrong language would train the wrong script's
features. The corpus was written to teach the contrast between lawful texts that use a
threat's words and banned near-twins (issue 13 item 9): it is only useful while both sides
are large, so the counts the brief asked for (>= 350 lawful, >= 150 banned per language)
are checked, and so is that no text repeats (a repeat would weigh one text twice).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import List, Tuple

import pytest

TRAINING = Path(__file__).resolve().parents[2] / "compliance_filters" / "training"


def _rows(lang: str) -> List[Tuple[int, str, str, str]]:
    """(line number, label, language, text) of every data line of the w9d file for `lang`."""
    lines = (TRAINING / f"train_{lang}_w9d.txt").read_text(encoding="utf-8").splitlines()
    return [(n, *line.split("\t")) for n, line in enumerate(lines, 1)
            if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_w9d_lines_are_well_formed(lang: str) -> None:
    for number, *parts in _rows(lang):
        assert len(parts) == 3, f"line {number}: want <label>\\t<lang>\\t<text>"
        label, line_lang, text = parts
        assert label in ("allowed", "blocked"), f"line {number}: label {label!r}"
        assert line_lang == lang, f"line {number}: language {line_lang!r} in the {lang} file"
        assert text and text == text.strip(), f"line {number}: empty text or stray spaces"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_w9d_has_both_sides_of_the_contrast(lang: str) -> None:
    labels = [parts[0] for _, *parts in _rows(lang)]
    assert labels.count("allowed") >= 350
    assert labels.count("blocked") >= 150


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_w9d_texts_do_not_repeat(lang: str) -> None:
    texts = [unicodedata.normalize("NFKC", parts[2]).casefold() for _, *parts in _rows(lang)]
    assert len(texts) == len(set(texts))


def test_w9d_chinese_lines_hold_chinese() -> None:
    """Every zh line has a CJK character or is a pinyin evasion: a line of plain English in the
    zh file would be scored with the Chinese bias (learned.py's per-script threshold)."""
    pinyin = {"bu huan qian jiu zuo lao", "ni shi lao lai, quan cun dou zhi dao",
              "gong an ming tian shang men zhua ni"}
    for number, _, _, text in _rows("zh"):
        cjk = any("\u3400" <= ch <= "\u9fff" for ch in text)
        fullwidth = any("\uff01" <= ch <= "\uff5e" for ch in text)
        assert cjk or fullwidth or text in pinyin, f"line {number}: {text!r}"
