"""Issue 13 item 10, wave 7: the batch's hot path remembers pieces of texts and decides as
the whole-text definitions do.

`collectbot compliance text` checks 100,000 personalised lines ("Maria (ref 48213): ...")
whose clauses repeat. The learned check sums its features piece by piece (cut at
`learned._PIECE_CUT`), the pinyin restorer reads Chinese texts segment by segment, the
pinyin pre-check of English texts and the misspelling pass ask about Latin segments
(`normalize.latin_segments`), and each remembers the pieces it has seen; `normalize.fold`
reuses the width fold just made. Each is compared here with the definition it must match,
on the labelled and held-out sets, generated evasions, personalised lines, and generated
text (hypothesis), with the memos cold, warm and at a tiny limit (emptied all the time).
"""

from __future__ import annotations

import gc
import random
import re
import zlib
from typing import List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_filters import learned, load_pack, normalize, phrases, pinyin, spelling
from compliance_filters.learned import NEG_CUES, LearnedModel
from compliance_filters.normalize import fold_lookalikes, fold_width

from .test_filter_equivalence import DATA_TEXTS, GENERATED

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _personalised(texts: List[str], seed: int = 5) -> List[str]:
    """The bench's distinct lines: each text addressed to someone with a reference."""
    rng = random.Random(seed)
    names = ["Maria", "John", "Wei", "Li Na", "Zhang Wei"]
    out = []
    for text in texts:
        name, ref = rng.choice(names), rng.randrange(1000, 99999)
        out.append(f"{name} (ref {ref}): {text}" if text.isascii() else f"{name}（编号{ref}）：{text}")
    return out


TEXTS = DATA_TEXTS + GENERATED + _personalised(DATA_TEXTS)


class _EveryFeatureWeighs(dict):
    """Weights where every feature string has its own weight (a CRC of it): a feature the
    fast path misses, adds or counts twice changes the sum, whatever the text."""

    def get(self, key: str, default: int = 0) -> int:  # type: ignore[override]
        return zlib.crc32(key.encode("utf-8")) - 2**31


def _probe() -> LearnedModel:
    return LearnedModel(_EveryFeatureWeighs(), 12345, {}, zh_bias=-777)


# --- the learned check ----------------------------------------------------------------------

def test_learned_sum_by_pieces_is_the_whole_text_sum_cold_and_warm() -> None:
    model = _probe()
    cold = [model.logit(t) for t in TEXTS]
    assert model._pieces  # the pieces were remembered
    warm = [model.logit(t) for t in TEXTS]
    reference = [model.reference_logit(t) for t in TEXTS]
    assert cold == reference
    assert warm == reference
    assert [model.whole_logit(t) for t in TEXTS] == reference


def test_learned_sum_by_pieces_with_a_memo_emptied_all_the_time(monkeypatch) -> None:
    monkeypatch.setattr(learned, "PIECE_MEMO_LIMIT", 2)
    model = _probe()
    assert [model.logit(t) for t in TEXTS[:800] * 2] == [model.reference_logit(t) for t in TEXTS[:800] * 2]
    assert len(model._pieces) <= 2


def test_built_model_decides_as_its_reference() -> None:
    model = learned.load_model()
    for text in TEXTS:
        assert model.logit(text) == model.reference_logit(text)


_LEARNED_ALPHABET = (list("ab$@*' .,;:!?\n\r-") + sorted(NEG_CUES) + ["we", "you", "jail", "call"]
                     + list("不会绝没有谨防任何你坐牢上门單位，。！？；：、") + ["Ｗ", "’", "İ", "\u3000"])


@SETTINGS
@given(parts=st.lists(st.sampled_from(_LEARNED_ALPHABET) | st.text(max_size=4), max_size=25))
def test_learned_sum_by_pieces_on_generated_text(parts: List[str]) -> None:
    text = " ".join(parts) if len(parts) % 2 else "".join(parts)
    model = _probe()
    assert model.logit(text) == model.reference_logit(text)
    assert model.logit(text) == model.reference_logit(text)  # from the memo


# --- pinyin ----------------------------------------------------------------------------------

def _lowered(text: str) -> str:
    """What `phrases._canonical_restored` gives the restorers."""
    return text.lower() if text.isascii() else fold_lookalikes(fold_width(text).lower())


def _restore_or_error(restore, text: str) -> object:  # type: ignore[no-untyped-def]
    try:
        return restore(text)
    except IndexError:  # the whole-text way's own failure on some odd spaces: the same here
        return "IndexError"


@pytest.fixture(scope="module")
def restorer() -> pinyin.PinyinRestorer:
    return phrases.restorer_for(load_pack("us"))


def test_chinese_texts_are_restored_segment_by_segment_as_whole(restorer) -> None:
    fresh = pinyin.PinyinRestorer([p for entries in restorer.by_letters.values() for p, _ in entries])
    texts = [_lowered(t) for t in TEXTS if not _lowered(t).isascii()]
    assert len(texts) > 1000
    changed = 0
    for _ in range(2):  # cold, then from the memo
        for text in texts:
            got = fresh.restore(text)
            assert got == fresh.restore_whole(text), text
            changed += got[1] is not None
    assert changed > 20  # spellings were found and rewritten, not only clean texts
    assert fresh._clean and fresh._edits


@SETTINGS
@given(text=st.text(alphabet="报警坐牢老赖公检法减劳拘溜傻比jingbaolaogongjian \u3000\t\u00a0\u2003,.1（）㐀〇A",
                    max_size=30))
def test_generated_chinese_texts_are_restored_as_whole(restorer, text: str) -> None:
    if text.isascii():
        return
    assert _restore_or_error(restorer.restore, text) == _restore_or_error(restorer.restore_whole, text)
    assert _restore_or_error(restorer.restore, text) == _restore_or_error(restorer.restore_whole, text)


def test_segment_memo_emptied_all_the_time(monkeypatch, restorer) -> None:
    monkeypatch.setattr(pinyin, "SEGMENT_MEMO_LIMIT", 2)
    fresh = pinyin.PinyinRestorer([p for entries in restorer.by_letters.values() for p, _ in entries])
    texts = [_lowered(t) for t in TEXTS[:1500]]
    for text in texts * 2:
        if not text.isascii():
            assert fresh.restore(text) == fresh.restore_whole(text)
    assert len(fresh._clean) <= 2 and len(fresh._edits) <= 2


@SETTINGS
@given(parts=st.lists(st.sampled_from(["lao", "lai", "gong", "jian", "fa", "bao", "jing", "zuo", "sha", "bi",
                                       "ni", " ", "  ", "\t", "\x1c", "\n", "x", "1", ".", "hello", "a"]),
                      max_size=12))
def test_latin_pre_check_by_segments_is_the_whole_text_scan(restorer, parts: List[str]) -> None:
    text = "".join(parts)
    expected = restorer._letters.found_in("".join(text.split()))
    assert restorer._latin_found(text) == expected
    assert restorer._latin_found(text) == expected  # from the memo


# --- misspellings -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sound_words() -> List[str]:
    return list(load_pack("us").banned.get("sound_alike") or ())


def test_misspellings_by_segment_are_the_whole_text_scan(sound_words) -> None:
    sound = spelling.SoundAlike(sound_words)
    texts = [_lowered(t) for t in TEXTS]
    rewritten = 0
    for _ in range(2):
        for text in texts:
            edits = [(s, e) for s, e, n in sound.matches(text) if text[s:e] not in sound._known]
            got = sound.restore(text)
            assert (got[1] is None) == (not edits), text
            rewritten += bool(edits)
    assert rewritten > 10
    assert sound._clean


@SETTINGS
@given(parts=st.lists(st.sampled_from(["arested", "poleece", "jale", "police", "jail", " ", "\t", "x", "1",
                                       ".", "sherrif", "prison", "presun", "a", "warrent", "é", "报", "\x1c"]),
                      max_size=10))
def test_generated_misspellings_by_segment(sound_words, parts: List[str]) -> None:
    text = "".join(parts)
    sound = spelling.sound_alike(sound_words)
    edits = [(s, e) for s, e, n in sound.matches(text) if text[s:e] not in sound._known]
    assert (sound.restore(text)[1] is None) == (not edits)
    assert (sound.restore(text)[1] is None) == (not edits)


def test_sound_alike_of_a_new_list_is_built_for_it(sound_words) -> None:
    first = spelling.sound_alike(sound_words)
    assert spelling.sound_alike(sound_words) is first
    other = spelling.sound_alike(["jail"])
    assert other.words == ["jail"]
    assert spelling.sound_alike(list(sound_words)) is first  # an equal list: the same one


# --- folds, sentences -------------------------------------------------------------------------

@SETTINGS
@given(text=st.text(max_size=30) | st.text(alphabet="ａＺ０＄　報警還錢𠀾𡃁 abc，。乾干著", max_size=30),
       other=st.text(alphabet="ａ報b", max_size=5))
def test_fold_is_the_fold_table_translation_whatever_came_before(text: str, other: str) -> None:
    table = normalize._fold_table()
    assert normalize.fold(text) == text.translate(table)
    normalize.fold_width(text)
    assert normalize.fold(text) == text.translate(table)
    normalize.fold_width(other)
    assert normalize.fold(text) == text.translate(table)
    assert normalize.fold(other) == other.translate(table)
    fresh = text + "x"  # a new string object: never taken for `text`
    assert normalize.fold(fresh) == fresh.translate(table)


def test_fold_reuses_the_width_fold_of_the_same_text() -> None:
    text = "您好，请回电。"
    width = normalize.fold_width(text)
    assert normalize.fold(text) is width


def _old_sentence_cut(canon: str, lang: str) -> List[str]:
    ends = [m.end() for m in phrases._SENTENCE_END[lang].finditer(canon)] + [len(canon)]
    out, pos = [], 0
    for end in ends:
        if end > pos:
            out.append(canon[pos:end])
            pos = end
    return out


@SETTINGS
@given(canon=st.text(alphabet="ab .!?;\n。！？；，,：:x", max_size=20), lang=st.sampled_from(["en", "zh"]))
def test_sentences_are_cut_where_the_end_marks_cut_them(canon: str, lang: str) -> None:
    assert phrases._sentence_pieces(lang).findall(canon) == _old_sentence_cut(canon, lang)


# --- the batch's parent -----------------------------------------------------------------------

def test_batch_parent_freezes_its_objects_for_the_workers_and_thaws_them(capsys, monkeypatch) -> None:
    import io
    import sys

    from bot.cli import compliance_commands, main

    calls: List[str] = []
    real_freeze, real_unfreeze = gc.freeze, gc.unfreeze
    monkeypatch.setattr(gc, "freeze", lambda: (calls.append("freeze"), real_freeze())[1])
    monkeypatch.setattr(gc, "unfreeze", lambda: (calls.append("unfreeze"), real_unfreeze())[1])
    monkeypatch.setattr(compliance_commands, "_worker_count", lambda n: 2)
    monkeypatch.setattr(compliance_commands, "_CHUNK", 3)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello from Acme.\nYou will be arrested.\n报警了\nhi\n"))
    assert main(["compliance", "text", "--pack", "us"]) == 3
    out, _ = capsys.readouterr()
    assert len(out.splitlines()) == 4
    assert calls == ["freeze", "unfreeze"]
    assert gc.get_freeze_count() == 0


# --- jieba's cache ----------------------------------------------------------------------------

def test_jieba_cache_reader_is_swapped_in_and_put_back() -> None:
    import marshal
    import types

    from compliance_filters.jieba_cache import cache_read_at_once

    module = types.SimpleNamespace(marshal=marshal)
    with cache_read_at_once(module):
        assert module.marshal is not marshal
        assert module.marshal.loads(marshal.dumps({"a": 1})) == {"a": 1}
    assert module.marshal is marshal
    odd = types.SimpleNamespace(marshal=types.SimpleNamespace())
    before = odd.marshal
    with cache_read_at_once(odd):
        assert odd.marshal is before  # not the module jieba was written against: left be


def test_segmenter_reads_jieba_s_cache_in_one_piece(monkeypatch) -> None:
    import os
    import tempfile

    from compliance_filters import jieba_cache

    cache = os.path.join(tempfile.gettempdir(), "jieba.cache")  # jieba's default dictionary's
    if not os.path.exists(cache):
        pytest.skip("jieba has not written its cache here yet")
    reads: List[int] = []
    real = jieba_cache._load_at_once
    monkeypatch.setattr(jieba_cache, "_load_at_once", lambda file: (reads.append(1), real(file))[1])
    segmenter = phrases._JiebaSegmenter()
    assert reads == [1]
    assert segmenter.tokenizer.FREQ and segmenter.cut("我们今天") == ["我们", "今天"]
    assert re.compile(r"\w").match(segmenter.cut("报警")[0])
