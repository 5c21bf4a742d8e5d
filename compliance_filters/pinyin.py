"""Pinyin and homophone evasions of Chinese banned phrases, turned back into the phrase.

Writers dodge a Chinese keyword filter by spelling the word in pinyin ("gong jian fa",
"laolai"), by mixing pinyin and characters ("报jing"), or by writing characters that
sound the same (公减法 for 公检法, 坐劳 for 坐牢). All three read the same aloud, so the
rule compares sounds: the text becomes a sequence of toneless syllables (a character's
common reading from pypinyin's table; a Latin word split into pinyin syllables when it
is pinyin) and every run of syllables that spells a pack phrase is rewritten to the
phrase's characters. The normal phrase filter then judges the rewritten text, so
negation ("我们不会上门"), exceptions and combinations apply as usual.

Guards against false alarms: a Latin run must be whole words and, without any Chinese
character in the run, at least 5 letters (so an English "Dani" is not 打你); a run made
only of characters must share at least one character with the phrase and differ in at
least one (a homophone swap, not a different word that happens to sound alike), and
must match the tones too: toneless, 出生 (birth) reads as 畜生 and 不要联系 as 不要脸.
Swaps that change the tone (傻比 for 傻逼, 拘溜 for 拘留) therefore pass: a known gap.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from compliance_filters.normalize import fast_simplified
from compliance_filters.phrase_index import PhraseIndex, trie_regex

_MIN_LATIN_LETTERS = 5
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _table() -> Dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@lru_cache(maxsize=65536)
def reading(char: str) -> Tuple[str, str]:
    """(toneless, toned) common reading of one Chinese character ('' if unknown)."""
    raw = _table().get(ord(char), "")
    toned = raw.split(",")[0] if raw else ""
    toneless = "".join(c for c in unicodedata.normalize("NFKD", toned) if not unicodedata.combining(c))
    return toneless.replace("ü", "v"), toned


@lru_cache(maxsize=1)
def syllables() -> FrozenSet[str]:
    """Every toneless pinyin syllable (from pypinyin's character table)."""
    out = set()
    for raw in _table().values():
        for toned in raw.split(","):
            out.add("".join(c for c in unicodedata.normalize("NFKD", toned)
                            if not unicodedata.combining(c)).replace("ü", "v"))
    out.discard("")
    return frozenset(out)


@lru_cache(maxsize=8192)
def split_pinyin(word: str) -> Optional[Tuple[str, ...]]:
    """`word` as pinyin syllables (fewest syllables; None if it is not pinyin)."""
    known = syllables()
    n = len(word)
    best: List[Optional[Tuple[str, ...]]] = [None] * (n + 1)
    best[n] = ()
    for i in range(n - 1, -1, -1):
        for j in range(min(n, i + 6), i, -1):
            rest = best[j]
            if rest is not None and word[i:j] in known:
                candidate = (word[i:j],) + rest
                if best[i] is None or len(candidate) < len(best[i]):
                    best[i] = candidate
    return best[0]


@dataclass(frozen=True)
class _Unit:
    syllable: str
    start: int
    end: int
    char: str        # the Chinese character ('' for a Latin syllable)
    toned: str
    word_first: bool
    word_last: bool


def _units(text: str) -> List[List[_Unit]]:
    """Runs of syllables in `text` (lower case); punctuation and digits end a run,
    spaces do not ("gong jian fa")."""
    runs: List[List[_Unit]] = [[]]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _CJK_CHAR.match(ch):
            toneless, toned = reading(ch)
            if toneless:
                runs[-1].append(_Unit(toneless, i, i + 1, ch, toned, True, True))
            else:
                runs.append([])
            i += 1
        elif "a" <= ch <= "z":
            m = _LATIN_WORD.match(text, i)
            word = m.group()
            parts = split_pinyin(word) if len(word) <= 30 else None
            if parts:
                pos = i
                for k, syl in enumerate(parts):
                    runs[-1].append(_Unit(syl, pos, pos + len(syl), "", "", k == 0, k == len(parts) - 1))
                    pos += len(syl)
            else:
                runs.append([])
            i = m.end()
        elif ch.isspace():
            i += 1
        else:
            if runs[-1]:
                runs.append([])
            i += 1
    return [r for r in runs if r]


class PinyinRestorer:
    """Rewrites pinyin / homophone spellings of `phrases` back to the phrases."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.index = PhraseIndex()
        self.phrases: List[str] = []
        self.toned: List[Tuple[str, ...]] = []
        seen = set()
        for phrase in phrases:
            if len(phrase) < 2 or phrase in seen or not all(_CJK_CHAR.match(c) for c in phrase):
                continue
            readings = [reading(c) for c in phrase]
            if not all(r[0] for r in readings):
                continue
            seen.add(phrase)
            label = len(self.phrases)
            self.phrases.append(phrase)
            self.toned.append(tuple(r[1] for r in readings))
            self.index.add(label, [r[0] for r in readings])
        self._letters = trie_regex(sorted({"".join(reading(c)[0] for c in p) for p in self.phrases}),
                                   word_start=False)

    def restore(self, text: str, index: List[int]) -> Tuple[str, List[int]]:
        """`text` with every accepted sound-alike run replaced by its phrase (offset map kept)."""
        if not _CJK_CHAR.search(text):
            letters = re.sub(r"[^a-z]", "", text)
            if len(letters) < _MIN_LATIN_LETTERS or self._letters is None or not self._letters.search(letters):
                return text, index
        edits: List[Tuple[int, int, str]] = []
        for run in _units(text):
            taken_until = -1
            for label, i, j in self.index([u.syllable for u in run]):
                if i < taken_until:
                    continue
                span = run[i:j]
                if self._accept(label, span):
                    edits.append((span[0].start, span[-1].end, self.phrases[label]))
                    taken_until = j
        if not edits:
            return text, index
        out: List[str] = []
        out_index: List[int] = []
        pos = 0
        for start, end, phrase in sorted(edits):
            if start < pos:
                continue
            out.append(text[pos:start])
            out_index.extend(index[pos:start])
            out.append(phrase)
            out_index.extend([index[start]] * (len(phrase) - 1) + [index[end - 1]])
            pos = end
        out.append(text[pos:])
        out_index.extend(index[pos:])
        return "".join(out), out_index

    def _accept(self, label: int, span: Sequence[_Unit]) -> bool:
        phrase = self.phrases[label]
        latin = [u for u in span if not u.char]
        if latin:
            if not span[0].word_first or not span[-1].word_last:
                return False
            if len(latin) == len(span) and sum(u.end - u.start for u in span) < _MIN_LATIN_LETTERS:
                return False
            return True
        chars = fast_simplified("".join(u.char for u in span))
        same = sum(1 for a, b in zip(chars, phrase) if a == b)
        if chars == phrase or same == 0:
            return False
        return tuple(u.toned for u in span) == self.toned[label]
