"""Pinyin and homophone evasions of Chinese banned phrases, turned back into the phrase.

Writers dodge a Chinese keyword filter by spelling the word in pinyin ("gong jian fa",
"laolai"), by mixing pinyin and characters ("报jing"), or by writing characters that
sound the same (公减法 for 公检法, 坐劳 for 坐牢). All three read the same aloud, so the
rule compares sounds: the text becomes a sequence of toneless syllables (a character's
common reading from pypinyin's table, spaces dropped, Latin letters kept) and every run
that spells a pack phrase, starting and ending on syllable or word edges, is rewritten to
the phrase's characters. The normal phrase filter then judges the rewritten text, so
negation ("我们不会上门"), exceptions and combinations apply as usual.

Guards against false alarms: a Latin run must be whole words and, without any Chinese
character in the run, at least 5 letters (so an English "Dani" is not 打你); a run made
only of characters must share at least one character with the phrase and differ in at
least one (a homophone swap, not a different word that happens to sound alike), the
swapped characters must not be grammar characters (是, 的, 了 ...: "不是政府" stays), and
must match the tones too: toneless, 出生 (birth) reads as 畜生 and 不要联系 as 不要脸.
Swaps that change the tone (傻比 for 傻逼, 拘溜 for 拘留) therefore pass: a known gap.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from compliance_filters.normalize import (
    char_class,
    fast_simplified,
    latin_segments,
    translation_sequence,
)
from compliance_filters.phrase_index import trie_pattern, trie_scanner

_MIN_LATIN_LETTERS = 5
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
# grammar characters are not swapped in for a homophone: "不是政府" is not "不市政府"
_FUNCTION_CHARS = frozenset("是的了不在有我你他她它们这那就都也和与会要到说对把被给让吗呢吧啊")


@lru_cache(maxsize=1)
def _table() -> Dict[int, str]:
    """pypinyin's character table (code point -> readings). Only this one module of
    pypinyin is needed: it is loaded on its own, because importing the package first runs
    pypinyin/__init__, which loads the phrase dictionary and the segmenter (about 1 s of
    start-up for nothing, issue 13 item 10)."""
    import importlib.util
    import sys

    loaded = sys.modules.get("pypinyin.pinyin_dict")
    if loaded is not None:
        return loaded.pinyin_dict
    package = importlib.util.find_spec("pypinyin")
    if package is None or not package.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is not installed", name="pypinyin")
    path = Path(list(package.submodule_search_locations)[0]) / "pinyin_dict.py"
    spec = importlib.util.spec_from_file_location("_compliance_pinyin_dict", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.pinyin_dict


@lru_cache(maxsize=65536)
def reading(char: str) -> Tuple[str, str]:
    """(toneless, toned) common reading of one Chinese character ('' if unknown)."""
    raw = _table().get(ord(char), "")
    toned = raw.split(",")[0] if raw else ""
    return _toneless(toned), toned


def _toneless(toned: str) -> str:
    """A toned syllable without its tone marks (NFKD, combining marks dropped; ü -> v)."""
    toneless = "".join(c for c in unicodedata.normalize("NFKD", toned) if not unicodedata.combining(c))
    return toneless.replace("ü", "v")


@lru_cache(maxsize=1)
def _sound_table() -> Dict[int, Optional[str]]:
    """str.translate table: a Chinese character -> its toneless syllable, whitespace -> ''
    (so "gong jian fa" reads as one run); everything else stays (and is a barrier).

    Built from the ~1,500 distinct readings, not per character (~27,000): `_toneless` once
    per reading was a tenth of a second of every Chinese check's start-up (issue 13 item 10).
    """
    table: Dict[int, Optional[str]] = {}
    toneless: Dict[str, str] = {}
    for code, raw in _table().items():
        if 0x3400 <= code <= 0x9FFF and raw:
            toned = raw.split(",")[0]
            syllable = toneless.get(toned)
            if syllable is None:
                syllable = toneless[toned] = _toneless(toned)
            if syllable:
                table[code] = syllable
    for char in WHITESPACE:
        table[ord(char)] = None
    return table


#: every character `str.isspace` calls space: the compact form drops exactly what
#: `compact_offsets` skips. It dropped only seven, so "请\u2003还 ni\u2003shi lao lai" (an em
#: space, which survives when no NFKC ran first) gave offsets one short of the compact
#: text and the check raised IndexError instead of answering.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@lru_cache(maxsize=1)
def _sound_sequence() -> List[object]:
    """`_sound_table` as a list for `str.translate` (see normalize.translation_sequence)."""
    return translation_sequence(_sound_table())


@lru_cache(maxsize=1)
def _single_syllables() -> FrozenSet[str]:
    """Every toneless syllable a character reads as."""
    return frozenset(value for value in _sound_table().values() if value)


def compact_offsets(text: str) -> List[int]:
    """Compact offset -> offset in `text` (the compact form is
    `text.translate(_sound_sequence())`): a Chinese character's syllable gives its offset
    once per letter, a character `str.isspace` calls space gives none (as `restore` has
    always counted them), any other character gives it once.

    A range test and one dict look-up per character, not a regex match and three calls
    of the cached table function as before: half the cost, paid by every Chinese text in
    which a spelling of a phrase is found (issue 13 item 10; the tests compare the two)."""
    sounds = _sound_table()
    where: List[int] = []
    for i, char in enumerate(text):
        if "\u3400" <= char <= "\u9fff":  # what _CJK_CHAR matches
            syllable = sounds.get(ord(char))
            if syllable:
                where.extend([i] * len(syllable))
                continue
        elif char.isspace():
            continue
        where.append(i)
    return where


#: whitespace the sound table does not drop (str.isspace, but not one of its seven):
#: `compact_offsets` skips it while the compact text keeps it, so a text holding one is
#: restored as one piece, as it always was (`PinyinRestorer.restore`)
_ODD_SPACE = re.compile(r"[^\S \t\n\r\f\v\u3000]")
_LETTERS_ONLY = re.compile(r"[a-z]+")
#: segments remembered per restorer (at the limit the memo is emptied and fills again)
SEGMENT_MEMO_LIMIT = 50_000


@lru_cache(maxsize=1)
def _segment_regex() -> Optional[re.Pattern]:
    """Runs of the characters a spelling can be read from: a-z, the whitespace the sound
    table drops, and the Chinese characters it reads (None if some reading is not plain
    a-z letters: then no character is known to end every spelling).

    Every other character stays itself in the compact text and is no letter a-z, so no
    spelling (letters a-z only) is found across one: a text's spellings are its
    segments' spellings (`PinyinRestorer.restore`)."""
    table = _sound_table()
    codes = [ord(c) for c in "abcdefghijklmnopqrstuvwxyz"]
    for code, syllable in table.items():
        if syllable is None:
            codes.append(code)
        elif _LETTERS_ONLY.fullmatch(syllable):
            codes.append(code)
        else:
            return None
    return re.compile(char_class(codes) + "+")


class PinyinRestorer:
    """Rewrites pinyin / homophone spellings of `phrases` back to the phrases."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.by_letters: Dict[str, List[Tuple[str, Tuple[str, ...]]]] = {}
        for phrase in dict.fromkeys(phrases):
            if len(phrase) < 2 or not all(_CJK_CHAR.match(c) for c in phrase):
                continue
            readings = [reading(c) for c in phrase]
            if not all(r[0] for r in readings):
                continue
            self.by_letters.setdefault("".join(r[0] for r in readings), []).append(
                (phrase, tuple(r[1] for r in readings)))
        # every spelling as one Aho-Corasick scanner (quicker to build and run than a regex)
        self._letters = trie_scanner(sorted(self.by_letters), word_start=False)
        # Latin-only text: the syllables as whole words, any spacing between them (written
        # out and compiled on the first text that could hold one: most processes never need
        # it, and writing the trie pattern alone took a tenth of a second of start-up)
        self._spelled = sorted({"\x00".join(r[0] for r in (reading(c) for c in phrase))
                                for entries in self.by_letters.values() for phrase, _ in entries})
        self._latin_regex: Optional[re.Pattern] = None
        # segments of Chinese texts (see `restore`): those with no spelling to rewrite,
        # and the others with what `_segment_edits` found in them
        self._segments = _segment_regex() if all(
            _LETTERS_ONLY.fullmatch(letters) for letters in self.by_letters) else None
        self._clean: Set[str] = set()
        self._edits: Dict[str, List[Tuple[int, int, str, str]]] = {}
        self._latin_clean: Set[str] = set()

    @property
    def _latin(self) -> Optional[re.Pattern]:
        if self._latin_regex is None and self._spelled:
            latin = trie_pattern(self._spelled, word_start=True)
            assert latin is not None
            self._latin_regex = re.compile(latin.replace("\x00", r"\s*") + "(?![a-z])")
        return self._latin_regex

    def restore(self, text: str) -> Tuple[str, Optional[List[int]]]:
        """`text` (lower case) with every accepted sound-alike run replaced by its phrase,
        and the offset map back to `text` (None when nothing changed).

        A text with Chinese characters is read segment by segment (`_segment_regex`: no
        spelling crosses the characters between segments, so the scanner's choices in one
        segment never depend on another), and what each segment holds is remembered:
        the clauses of a batch repeat even where every line is personalised, so most
        texts cost one set look-up where each cost a translation into syllables and a scan
        (issue 13 item 10). The one check that reads the whole text, that the phrase
        is not written as itself anywhere in it, is made here per text;
        `restore_whole` is the definition this must match (the tests compare them)."""
        if self._letters is None:
            return text, None
        if text.isascii():
            return self._restore_latin(text)
        segments = self._segments
        if segments is None or _ODD_SPACE.search(text):
            return self.restore_whole(text)
        clean = self._clean
        if clean.issuperset(segments.findall(text)):
            return text, None
        edits: List[Tuple[int, int, str]] = []
        for m in segments.finditer(text):
            segment = m.group()
            if segment in clean:
                continue
            found = self._edits.get(segment)
            if found is None:
                found = self._segment_edits(segment)
                if not found:
                    if len(clean) >= SEGMENT_MEMO_LIMIT:
                        clean.clear()
                    clean.add(segment)
                    continue
                if len(self._edits) >= SEGMENT_MEMO_LIMIT:
                    self._edits.clear()
                self._edits[segment] = found
            offset = m.start()
            for start, end, letters, phrase in found:
                # a phrase written as itself is the phrase filter's business, not an evasion
                if not any(p in text for p, _ in self.by_letters[letters]):
                    edits.append((offset + start, offset + end, phrase))
        if not edits:
            return text, None
        return _apply(text, edits)

    def _segment_edits(self, segment: str) -> List[Tuple[int, int, str, str]]:
        """(start, end, letters, phrase) of each run of `segment` that `restore_whole`
        would rewrite were `segment` the whole text and none of the phrases it spells
        written as itself in it."""
        compact = segment.translate(_sound_sequence())
        one_syllable = _single_syllables()
        found = [(a, b, compact[a:b]) for a, b in self._letters.spans(compact)  # type: ignore[union-attr]
                 if compact[a:b] not in one_syllable]
        if not found:
            return []
        return self._accepted(segment, found)

    def _accepted(self, text: str, found: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str, str]]:
        """(start, end, letters, phrase) in `text` of each spelling `found` in its compact
        form (compact start, end, letters) that covers whole syllables and is accepted."""
        where = compact_offsets(text)
        edits: List[Tuple[int, int, str, str]] = []
        for first, last, letters in found:
            start, end = where[first], where[last - 1] + 1
            if first > 0 and where[first - 1] == start:
                continue  # starts inside a Chinese syllable
            if last < len(where) and where[last] == end - 1:
                continue  # ends inside a Chinese syllable
            phrase = self._accept(text, start, end, letters)
            if phrase:
                edits.append((start, end, letters, phrase))
        return edits

    def restore_whole(self, text: str) -> Tuple[str, Optional[List[int]]]:
        """`restore` of a text with Chinese characters, read as one piece (the definition
        `restore` must match, and its way for texts it cannot cut into segments)."""
        if self._letters is None:
            return text, None
        compact = text.translate(_sound_sequence())
        one_syllable = _single_syllables()
        found = [(a, b, compact[a:b]) for a, b in self._letters.spans(compact)
                 # "lian" is one syllable (联) before it is 立案 (li an); and a phrase written
                 # as itself is the phrase filter's business, not an evasion
                 if compact[a:b] not in one_syllable
                 and not any(p in text for p, _ in self.by_letters[compact[a:b]])]
        if not found:
            return text, None
        edits = [(start, end, phrase) for start, end, _, phrase in self._accepted(text, found)]
        if not edits:
            return text, None
        return _apply(text, edits)

    def _restore_latin(self, text: str) -> Tuple[str, Optional[List[int]]]:
        """Pinyin in a text without Chinese characters ("ni jiu shi ge laolai")."""
        if not self._spelled or self._letters is None:
            return text, None
        # A match, its spaces taken out, is one of the spellings, so a text whose spellings
        # scanner finds none with its spaces taken out holds no match: the regex (and its
        # compilation) is skipped for ~98% of English texts.
        if not self._latin_found(text):
            return text, None
        assert self._latin is not None
        edits = []
        for m in self._latin.finditer(text):
            letters = "".join(m.group().split())
            if len(letters) >= _MIN_LATIN_LETTERS:
                edits.append((m.start(), m.end(), self.by_letters[letters][0][0]))
        if not edits:
            return text, None
        return _apply(text, edits)

    def _latin_found(self, text: str) -> bool:
        """Does the spellings scanner find a spelling in ASCII `text` with its whitespace
        taken out? Asked segment by segment (normalize.latin_segments), and the segments where
        it finds none remembered: a reminder's clauses repeat, so most texts cost one
        set look-up, not a scan of the whole text (issue 13 item 10)."""
        assert self._letters is not None
        clean = self._latin_clean
        segments = latin_segments(text)  # no spelling (letters a-z) crosses another character
        if clean.issuperset(segments):
            return False
        for segment in segments:
            if segment in clean:
                continue
            if self._letters.found_in("".join(segment.split())):
                return True
            if len(clean) >= SEGMENT_MEMO_LIMIT:
                clean.clear()
            clean.add(segment)
        return False

    def _accept(self, text: str, start: int, end: int, letters: str) -> Optional[str]:
        """The phrase the run text[start:end] spells, if it is an evasion (see module doc)."""
        span = text[start:end]
        latin = sum(1 for c in span if "a" <= c <= "z")
        if latin:
            if (start > 0 and "a" <= text[start - 1] <= "z") or (end < len(text) and "a" <= text[end] <= "z"):
                return None  # not whole Latin words
            if latin == sum(1 for c in span if not c.isspace()) and latin < _MIN_LATIN_LETTERS:
                return None
            return self.by_letters[letters][0][0]
        chars = fast_simplified("".join(c for c in span if not c.isspace()))
        toned = tuple(reading(c)[1] for c in chars)
        for phrase, phrase_toned in self.by_letters[letters]:
            same = sum(1 for a, b in zip(chars, phrase) if a == b)
            swapped = [a for a, b in zip(chars, phrase) if a != b]
            if len(chars) == len(phrase) and swapped and same and toned == phrase_toned \
                    and _FUNCTION_CHARS.isdisjoint(swapped):
                return phrase
        return None


def _apply(text: str, edits: Sequence[Tuple[int, int, str]]) -> Tuple[str, List[int]]:
    """`text` with each (start, end, phrase) edit made, and the map back to `text`."""
    out: List[str] = []
    out_index: List[int] = []
    pos = 0
    for start, end, phrase in edits:
        if start < pos:
            continue
        out.append(text[pos:start])
        out_index.extend(range(pos, start))
        out.append(phrase)
        out_index.extend([start] * (len(phrase) - 1) + [end - 1])
        pos = end
    out.append(text[pos:])
    out_index.extend(range(pos, len(text)))
    return "".join(out), out_index
