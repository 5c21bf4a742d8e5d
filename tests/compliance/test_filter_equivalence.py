"""Issue 13 item 10: the faster phrase filter decides exactly as the slower one did.

The speed-ups replaced pieces of the engine with quicker ones that must find the same
things: a token trie for the phrase index, Aho-Corasick scanners for the English prefilter
and the pinyin spellings, a separator scan for `_INNER_SEP`, a per-reading sound table,
libyaml for the packs, and (in `collectbot compliance text`) repeated lines checked once
and long batches split over forked processes. Each piece is compared with the one it
replaced on generated input (hypothesis), and the whole filter is run twice over the
labelled sets, the held-out sets and generated evasions, once with the replaced pieces
put back (`reference_engine`), and must give the same decisions, rules and matched text.
The reference pieces are kept here, as they were, so the comparison survives the lexicon
growing.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import re
import sys
import unicodedata
from pathlib import Path
from typing import Dict, Hashable, Iterator, List, Sequence, Tuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance_filters import check_text, load_pack, normalize, phrases, pinyin, spelling
from compliance_filters.packs import LEARNED_OFF, PACK_DIR
from compliance_filters.phrase_index import PhraseIndex, TrieScanner, trie_regex, trie_scanner

DATA = Path(__file__).parent / "data"
SETS = ("blocked.txt", "allowed.txt", "heldout.txt", "heldout2.txt", "heldout3.txt", "heldout4.txt")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class NaivePhraseIndex:
    """The phrase index before issue 13 item 10: phrases listed under their first token."""

    def __init__(self) -> None:
        self._by_first: Dict[Hashable, List[Tuple[Tuple[Hashable, ...], int]]] = {}

    def add(self, label: int, words: Sequence[Hashable]) -> None:
        if words:
            entries = self._by_first.setdefault(words[0], [])
            if (tuple(words), label) not in entries:
                entries.append((tuple(words), label))

    def __call__(self, words: Sequence[Hashable]) -> List[Tuple[int, int, int]]:
        found: List[Tuple[int, int, int]] = []
        for i, word in enumerate(words):
            for phrase, label in self._by_first.get(word, ()):
                end = i + len(phrase)
                if end <= len(words) and tuple(words[i:end]) == phrase:
                    found.append((label, i, end))
        found.sort(key=lambda hit: (hit[1], hit[2]))
        return found


class RegexScanner:
    """A TrieScanner's interface over the trie regex it replaced."""

    def __init__(self, words: Sequence[str], word_start: bool) -> None:
        self.regex = trie_regex(words, word_start)

    def spans(self, text: str) -> List[Tuple[int, int]]:
        return [m.span() for m in self.regex.finditer(text)]

    def found_in(self, text: str) -> bool:
        return True  # no pre-check: the Latin pinyin regex runs over every English text, as before


def regex_inner_separators(text: str) -> List[Tuple[int, int]]:
    return [m.span() for m in normalize._INNER_SEP.finditer(text)]


def regex_sound_alike_matches(self: spelling.SoundAlike, text: str) -> List[Tuple[int, int, int]]:
    """`SoundAlike.matches` before it ran over a padded text: the look-behind regex."""
    if self._regex is None:
        return []
    return [(m.start(), m.end(), int(m.lastgroup[1:])) for m in self._regex.finditer(text)]  # type: ignore[index]


def _rows(name: str) -> List[str]:
    return [line.split("\t")[-1] for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


DATA_TEXTS = [text for name in SETS for text in _rows(name)]

# --- the pieces, one by one --------------------------------------------------------------

tokens_ = st.sampled_from(["not", "no", "you", "will", "be", "jail", "arrest", "call", "your", "boss"])
phrase_lists = st.lists(st.tuples(st.integers(0, 5), st.lists(tokens_, min_size=1, max_size=4)),
                        min_size=1, max_size=25)


@SETTINGS
@given(phrases_=phrase_lists, words=st.lists(tokens_, max_size=30))
def test_token_trie_finds_what_the_first_token_lists_found(phrases_, words) -> None:
    fast, slow = PhraseIndex(), NaivePhraseIndex()
    for label, phrase in phrases_:
        fast.add(label, phrase)
        slow.add(label, phrase)
    assert fast(words) == slow(words)


# a small alphabet so that words overlap, nest and sit next to each other often
letters = st.text(alphabet="abcl1 .-", min_size=1, max_size=6)


@SETTINGS
@given(words=st.lists(letters, min_size=1, max_size=30), text=st.text(alphabet="abcl1 .-x0", max_size=80),
       word_start=st.booleans())
def test_aho_corasick_scanner_finds_what_the_trie_regex_found(words, text, word_start) -> None:
    scanner = trie_scanner(words, word_start)
    assert scanner is not None
    assert scanner.spans(text) == [m.span() for m in trie_regex(words, word_start).finditer(text)]


def _sound_alike_words() -> List[str]:
    return list(PACKS["us"].banned.get("sound_alike") or ())


@SETTINGS
@given(parts=st.lists(st.sampled_from(["arested", "arrest", "poleece", "police", "jale", "jail", "sherrif", "prisun",
                                       "a", "ar", "x", " ", "-", "1", "\n", "é", "报", "s", "ed", "e"]), max_size=14))
def test_sound_alike_over_padded_text_finds_what_the_look_behind_regex_found(parts) -> None:
    finder = spelling.sound_alike(_sound_alike_words())
    text = "".join(parts)
    assert finder.matches(text) == regex_sound_alike_matches(finder, text)


@SETTINGS
@given(words=st.lists(st.sampled_from(["jail", "jale", "jailed", "arrest", "arest", "arrested", "police", "polis",
                                       "sheriff", "sherif"]), min_size=1, max_size=6),
       parts=st.lists(st.sampled_from(["jale", "jail", "jaled", "arest", "arrest", "areste", "poleece", "polis",
                                       "sherrif", " ", ".", "x", "1"]), max_size=10))
def test_sound_alike_word_is_the_alternative_the_regex_took(words, parts) -> None:
    """Word lists whose spellings overlap ("jail" and "jale" both read "jale"): the word
    found for a match is the one the named-group regex chose."""
    finder = spelling.SoundAlike(words)
    text = "".join(parts)
    assert finder.matches(text) == regex_sound_alike_matches(finder, text)


def test_sound_alike_over_padded_text_agrees_on_the_data_sets() -> None:
    finder = spelling.sound_alike(_sound_alike_words())
    texts = [t.lower() for t in DATA_TEXTS + GENERATED]
    found = [finder.matches(t) for t in texts]
    assert sum(1 for f in found if f) > 50  # the comparison sees matches
    assert found == [regex_sound_alike_matches(finder, t) for t in texts]


def test_scanner_of_no_words_is_none_like_the_regex() -> None:
    assert trie_scanner([], True) is None and trie_regex([], True) is None
    assert trie_scanner([""], False) is None


@SETTINGS
@given(text=st.text(alphabet="ab z09$@-_.*·~+ ", max_size=60))
def test_separator_scan_finds_what_the_inner_separator_regex_found(text) -> None:
    assert normalize.inner_separators(text) == regex_inner_separators(text)


def test_sound_table_gives_every_character_its_reading() -> None:
    table = pinyin._sound_table()
    expected = {code: pinyin.reading(chr(code))[0] for code in pinyin._table() if 0x3400 <= code <= 0x9FFF}
    assert {code: s for code, s in table.items() if 0x3400 <= code <= 0x9FFF} == \
        {code: s for code, s in expected.items() if s}


def _strip(toned: str) -> str:  # the per-character reading's original formula
    return "".join(c for c in unicodedata.normalize("NFKD", toned) if not unicodedata.combining(c))


def test_toneless_reading_is_the_nfkd_formula() -> None:
    readings = {raw.split(",")[0] for raw in pinyin._table().values() if raw}
    assert all(pinyin._toneless(r) == _strip(r).replace("ü", "v") for r in readings)


@pytest.mark.parametrize("path", sorted(PACK_DIR.glob("*.yml")), ids=lambda p: p.name)
def test_libyaml_reads_each_pack_as_the_python_loader_does(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == yaml.safe_load(text)


# --- the whole filter ----------------------------------------------------------------------

# rules only: this file compares the rule engine's pieces with the ones they replaced; the
# learned check (learned.py) runs after them on what they allow (tests in test_learned.py)
PACKS = {name: dataclasses.replace(pack, learned=dict(LEARNED_OFF)) for name, pack in (
    ("us", load_pack("us")), ("cn", load_pack("cn")), ("us+strict", load_pack("us", {"strict": True})))}


def _decisions(texts: Sequence[str]) -> List[Tuple[str, bool, Tuple[Tuple[str, str], ...]]]:
    return [(name, d.allowed, tuple((r.rule, r.match) for r in d.reasons))
            for text in texts for name, pack in PACKS.items() for d in [check_text(pack, text)]]


@pytest.fixture
def reference_engine(monkeypatch) -> Iterator[None]:
    """The filter with the replaced pieces put back and every cache built afresh."""
    monkeypatch.setattr(phrases, "PhraseIndex", NaivePhraseIndex)
    monkeypatch.setattr(phrases, "_trigger", lambda words, lang: trie_regex(words, word_start=lang == "en"))
    monkeypatch.setattr(pinyin, "trie_scanner", lambda words, word_start: RegexScanner(words, word_start))
    monkeypatch.setattr(normalize, "inner_separators", regex_inner_separators)
    monkeypatch.setattr(spelling.SoundAlike, "matches", regex_sound_alike_matches)
    monkeypatch.setattr(phrases, "_MEMO_LIMIT", 0)  # every sentence matched afresh
    for cache in ("_compiled", "_triggers", "_restorers"):
        monkeypatch.setattr(phrases, cache, {})
    yield


def _evasions(seed: int, count: int) -> List[str]:
    """Data-set texts with the evasions the filter folds (look-alikes, digits for letters,
    spacing, masks, zero-width characters, pinyin and homophones, full-width, styled
    letters), cut and joined at random."""
    rng = random.Random(seed)
    cyrillic = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
    leet = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "l": "1"}
    inserts = ["\u200b", "\u00ad", "gong jian fa", "laolai", "bao jing", "zuo lao", "ju liu", "公减法", "坐劳",
               "报jing", "拘溜", "傻比", "not ", "never ", "不会", "no one ", "jail", "arrest", "police", "坐牢",
               "老赖", " l ", "1", "$", "@", "!", "|", "。", "，"]
    out = []
    for _ in range(count):
        text = rng.choice(DATA_TEXTS)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(9)
            if op == 0:
                text = "".join(cyrillic.get(c, c) if rng.random() < 0.3 else c for c in text)
            elif op == 1:
                text = "".join(leet.get(c.lower(), c) if rng.random() < 0.25 else c for c in text)
            elif op == 2:
                words = text.split(" ")
                j = rng.randrange(len(words))
                words[j] = rng.choice([" ", "-", ".", "*", "·", "_", "/"]).join(words[j])
                text = " ".join(words)
            elif op == 3:
                text = text.upper() if rng.random() < 0.5 else text.swapcase()
            elif op == 4:
                i = rng.randrange(len(text) + 1)
                text = text[:i] + rng.choice(inserts) + text[i:]
            elif op == 5:
                text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.3 else c for c in text)
            elif op == 6:
                text = "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" and rng.random() < 0.3 else c
                               for c in text)
            elif op == 7:
                text = text + rng.choice(["", " "]) + rng.choice(DATA_TEXTS)
            else:
                a = rng.randrange(len(text))
                text = text[a:rng.randrange(a, len(text) + 1)] or text
        out.append(text)
    return out


GENERATED = _evasions(20261130, 1500)


def test_the_comparison_sees_blocks_allowances_and_evasions() -> None:
    found = _decisions(DATA_TEXTS + GENERATED)
    assert sum(1 for _, allowed, _ in found if allowed) > 1000
    assert sum(1 for _, allowed, _ in found if not allowed) > 1000
    assert {rule for _, _, reasons in found for rule, _ in reasons} >= {"phrase.obscenity", "phrase.threat_arrest"}


def test_data_sets_and_evasions_get_the_decisions_of_the_reference_engine(request) -> None:
    texts = DATA_TEXTS + GENERATED
    fast = _decisions(texts)
    request.getfixturevalue("reference_engine")
    assert isinstance(phrases.trigger_for(PACKS["us"], "en"), re.Pattern)  # the reference is in use
    slow = _decisions(texts)
    differ = [(text, a, b) for text, a, b in zip([t for t in texts for _ in PACKS], fast, slow) if a != b]
    assert differ == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.sampled_from(DATA_TEXTS), st.text(max_size=12),
                                st.text(alphabet="aeilnorst 01$@*-.·报警坐牢老赖公检法jing", max_size=20)),
                      min_size=1, max_size=4))
def test_generated_texts_get_the_decisions_of_the_reference_engine(parts) -> None:
    text = "".join(parts)
    fast = _decisions([text])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(phrases, "PhraseIndex", NaivePhraseIndex)
        mp.setattr(phrases, "_trigger", lambda words, lang: trie_regex(words, word_start=lang == "en"))
        mp.setattr(pinyin, "trie_scanner", lambda words, word_start: RegexScanner(words, word_start))
        mp.setattr(normalize, "inner_separators", regex_inner_separators)
        mp.setattr(spelling.SoundAlike, "matches", regex_sound_alike_matches)
        mp.setattr(phrases, "_MEMO_LIMIT", 0)
        for cache in ("_compiled", "_triggers", "_restorers"):
            mp.setattr(phrases, cache, _REFERENCE_CACHES[cache])
        slow = _decisions([text])
    assert fast == slow


# the reference engine's caches, kept between examples (building them takes a second)
_REFERENCE_CACHES: Dict[str, dict] = {"_compiled": {}, "_triggers": {}, "_restorers": {}}


def test_trie_scanner_is_what_the_prefilter_uses() -> None:
    assert isinstance(phrases.trigger_for(PACKS["us"], "en"), TrieScanner)


# --- `collectbot compliance text` over stdin ----------------------------------------------

def _run_cli(capsys, monkeypatch, lines: Sequence[str]) -> Tuple[int, List[dict]]:
    from bot.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["compliance", "text", "--pack", "us"])
    out, _ = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()]


def test_repeated_lines_are_checked_once_and_printed_each_time(capsys, monkeypatch) -> None:
    """A batch's repeated line (a template sent to many debtors) is checked once; every
    line still gets its own output line, in input order."""
    import compliance_filters

    calls: List[str] = []
    real = compliance_filters.check_text

    def counting(pack, text, lang=None):  # type: ignore[no-untyped-def]
        calls.append(text)
        return real(pack, text, lang)

    monkeypatch.setattr(compliance_filters, "check_text", counting)
    lines = ["You will be arrested.", "Hello from Acme.", "You will be arrested.", "Hello from Acme.",
             "You will be arrested."]
    code, out = _run_cli(capsys, monkeypatch, lines)
    assert code == 3
    assert [row["text"] for row in out] == lines
    assert [row["allowed"] for row in out] == [False, True, False, True, False]
    assert sorted(calls) == ["Hello from Acme.", "You will be arrested."]


def test_batch_over_forked_workers_prints_what_one_process_prints(capsys, monkeypatch) -> None:
    from bot.cli import compliance_commands

    lines = [t for t in DATA_TEXTS + GENERATED[:300] if t.strip() and "\n" not in t and "\r" not in t]
    monkeypatch.setattr(compliance_commands, "_worker_count", lambda n: 1)
    one = _run_cli(capsys, monkeypatch, lines)
    monkeypatch.setattr(compliance_commands, "_worker_count", lambda n: 2)
    monkeypatch.setattr(compliance_commands, "_CHUNK", 97)
    forked = _run_cli(capsys, monkeypatch, lines)
    assert forked == one
    assert len(one[1]) == len(lines) and one[0] == 3


@SETTINGS
@given(text=st.text(max_size=40) | st.text(alphabet="ａＺ０＄　報警還錢𠀾𡃁 abc，。", max_size=40))
def test_translation_lists_translate_as_the_tables_did(text) -> None:
    """str.translate over a code-point list gives what it gave over the dict tables."""
    assert normalize.fold_width(text) == text.translate(normalize._FULL_WIDTH)
    table = dict(normalize._FULL_WIDTH)
    table.update(normalize._t2s_table())
    assert text.translate(normalize._fold_table()) == text.translate(table)
    assert text.translate(pinyin._sound_sequence()) == text.translate(pinyin._sound_table())


def _latin_by_regex_alone(restorer: pinyin.PinyinRestorer, text: str) -> tuple:
    """`_restore_latin` before its pre-check: the regex over every text."""
    edits = []
    for m in restorer._latin.finditer(text):
        letters = "".join(m.group().split())
        if len(letters) >= pinyin._MIN_LATIN_LETTERS:
            edits.append((m.start(), m.end(), restorer.by_letters[letters][0][0]))
    return pinyin._apply(text, edits) if edits else (text, None)


@SETTINGS
@given(parts=st.lists(st.sampled_from(["lao", "lai", "gong", "jian", "fa", "bao", "jing", "zuo", "sha", "bi",
                                       "ni", "shi", " ", "  ", "\t", "x", "1", ".", "hello", "a"]), max_size=12))
def test_pinyin_pre_check_skips_only_texts_the_regex_would_not_change(parts) -> None:
    restorer = phrases.restorer_for(PACKS["us"])
    text = "".join(parts)
    assert restorer._restore_latin(text) == _latin_by_regex_alone(restorer, text)


def test_pinyin_pre_check_lets_pinyin_through() -> None:
    restorer = phrases.restorer_for(PACKS["us"])
    for text in ("ni jiu shi ge laolai", "gong jian fa", "gong  jian\tfa"):
        restored, where = restorer._restore_latin(text)
        assert where is not None and (restored, where) == _latin_by_regex_alone(restorer, text)


# --- sentences remembered (issue 13 item 10, third pass) ------------------------------------

_CROSSING = ["Call the U.S. Treasury now.", "us. treasury agents will arrest you. Pay.",
             "You owe the US. Treasury! You will go to jail.", "We are not the U.S. Treasury; no one will arrest you."]


def _personalised(texts: Sequence[str]) -> List[str]:
    """Distinct lines whose sentences repeat, as a campaign's personalised lines do."""
    rng = random.Random(7)
    return [(f"Maria (ref {rng.randrange(10**5)}): " if rng.random() < 0.5 else f"王芳（编号{rng.randrange(10**5)}）：")
            + text for text in texts]


def test_remembered_sentences_decide_as_matching_each_sentence_afresh(monkeypatch) -> None:
    """A sentence's hits (and, where no phrase crosses a sentence end, its prefilter
    answer) are remembered: the first and the second pass over the texts, and a run with a
    memo so small it is emptied every few sentences, give what matching every sentence
    afresh through the whole-text prefilter gives."""
    texts = DATA_TEXTS + GENERATED[:600] + _CROSSING + _personalised(DATA_TEXTS + GENERATED[:300] + _CROSSING)
    first = _decisions(texts)
    again = _decisions(texts)
    monkeypatch.setattr(phrases, "_MEMO_LIMIT", 3)
    tiny = _decisions(texts)
    monkeypatch.setattr(phrases, "_MEMO_LIMIT", 0)
    afresh = _decisions(texts)
    assert first == again == tiny == afresh
    assert sum(1 for _, allowed, _ in afresh if not allowed) > 500


def test_a_phrase_across_a_sentence_end_keeps_the_whole_text_scan(monkeypatch) -> None:
    us = PACKS["us"]
    assert phrases._crossing_words(us, "en") == ("us. treasury",)
    assert phrases._crossing_words(us, "zh") == ()
    by_sentence: List[str] = []
    real = phrases._hits_by_sentence

    def spy(pack, lang, trigger, canon):  # type: ignore[no-untyped-def]
        by_sentence.append(canon)
        return real(pack, lang, trigger, canon)

    monkeypatch.setattr(phrases, "_hits_by_sentence", spy)
    for text in _CROSSING:
        check_text(us, text)
    assert by_sentence == []
    check_text(us, "You will be arrested. Call the Treasury.")
    assert by_sentence == ["you wiii be arrested. caii the treasury."]


def test_a_new_jieba_word_retires_the_remembered_chinese_sentences(monkeypatch) -> None:
    """A word joining the private jieba dictionary can change how a sentence is cut, so
    sentences remembered before it are matched again."""
    us = PACKS["us"]
    text = "你这个老赖，我们会通知你的家人。"
    before = check_text(us, text)
    calls: List[str] = []
    real = phrases._match_language

    def counting(lm, sentence):  # type: ignore[no-untyped-def]
        calls.append(sentence)
        return real(lm, sentence)

    monkeypatch.setattr(phrases, "_match_language", counting)
    assert check_text(us, text) == before and calls == []  # remembered
    segmenter = phrases._JiebaSegmenter()  # a private one: the shared dictionary stays as it is
    version = phrases._dictionary_version
    segmenter.add_word("一个测试用的词")
    assert phrases._dictionary_version == version + 1
    segmenter.add_word("一个测试用的词")  # already held: nothing changes
    assert phrases._dictionary_version == version + 1
    assert check_text(us, text) == before and calls  # matched again


# --- wave 6: cheaper look-alike words, compact offsets, the batch's reading and writing ----

_LEET_LOOK_ALIKES = "abil01!|$@.x -"


def _leet_by_character_list(folded: str) -> str:
    """`canonical`'s look-alike step before wave 6: a list of characters, each word's
    edges found one character at a time, the translated word assigned into the list."""
    near = normalize._LEET_NEAR.search(folded)
    if not near:
        return folded
    chars = list(folded)
    done_until = -1
    while near:
        start = end = near.start()
        if start >= done_until:
            while start > 0 and folded[start - 1] in normalize._WORD_CHARS:
                start -= 1
            while end < len(folded) and folded[end] in normalize._WORD_CHARS:
                end += 1
            while start < end and folded[start] in "!|":
                start += 1
            while end > start and folded[end - 1] in "!|":
                end -= 1
            chars[start:end] = list(folded[start:end].translate(normalize._LEET))
            done_until = end
        near = normalize._LEET_NEAR.search(folded, max(near.start() + 1, done_until))
    return "".join(chars)


@SETTINGS
@given(text=st.text(alphabet=_LEET_LOOK_ALIKES, max_size=30) | st.text(max_size=30))
def test_look_alike_words_fold_as_the_character_loop_folded(text) -> None:
    assert normalize._fold_leet_words(text) == _leet_by_character_list(text)


def test_look_alike_words_fold_as_the_character_loop_folded_on_the_data_sets() -> None:
    for text in DATA_TEXTS + GENERATED:
        folded = text.lower().replace("l", "i")
        assert normalize._fold_leet_words(folded) == _leet_by_character_list(folded)
    assert normalize._fold_leet_words("p0iice!! |$5th|") == "poiice!! |ssth|"


def _compact_offsets_by_regex(text: str) -> List[int]:
    """`PinyinRestorer.restore`'s offset map before wave 6 (a regex match per character)."""
    where: List[int] = []
    for i, char in enumerate(text):
        if char.isspace():
            continue
        if pinyin._CJK_CHAR.match(char) and ord(char) in pinyin._sound_table():
            where.extend([i] * len(pinyin._sound_table()[ord(char)]))
        else:
            where.append(i)
    return where


@SETTINGS
@given(text=st.text(max_size=30) | st.text(alphabet="报警坐牢老赖公检法 \u00a0\u3000\tjing㐀鿿\u4dbf", max_size=30))
def test_compact_offsets_are_the_regex_loop_s(text) -> None:
    assert pinyin.compact_offsets(text) == _compact_offsets_by_regex(text)


def _cli_bytes(capsys, monkeypatch, stdin: str, workers: int, chunk: int = 2000) -> Tuple[int, str]:
    from bot.cli import compliance_commands, main

    monkeypatch.setattr(compliance_commands, "_worker_count", lambda n: workers)
    monkeypatch.setattr(compliance_commands, "_CHUNK", chunk)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["compliance", "text", "--pack", "us"])
    out, _ = capsys.readouterr()
    return code, out


def test_distinct_lines_from_workers_are_written_as_one_process_writes_them(capsys, monkeypatch) -> None:
    """Every line distinct: the workers' encoded chunks go straight to stdout's bytes, in
    order, and make the same output as one process."""
    lines = list(dict.fromkeys(t for t in DATA_TEXTS + GENERATED[:300] + _personalised(DATA_TEXTS[:200])
                               if t.strip() and "\n" not in t and "\r" not in t))
    stdin = "\n".join(lines) + "\n"
    one = _cli_bytes(capsys, monkeypatch, stdin, workers=1)
    forked = _cli_bytes(capsys, monkeypatch, stdin, workers=2, chunk=61)
    assert forked == one
    assert one[0] == 3 and len(one[1].splitlines()) == len(lines)


@pytest.mark.parametrize("workers", [1, 2])
def test_stdin_lines_end_at_newline_with_their_carriage_returns_stripped(capsys, monkeypatch, workers) -> None:
    """One read and one split give the lines iterating over stdin gave: "\\r\\n" and
    "\\r\\r\\n" ends are stripped, a "\\r" inside a line stays, blank lines are skipped."""
    stdin = "Hello from Acme.\r\nYou will be arrested.\r\r\n \r\nfoo\rbar\n\n报警了\r"
    code, out = _cli_bytes(capsys, monkeypatch, stdin, workers=workers, chunk=2)
    assert [json.loads(line)["text"] for line in out.splitlines()] == \
        ["Hello from Acme.", "You will be arrested.", "foo\rbar", "报警了"]
    assert code == 3
