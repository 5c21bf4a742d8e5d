"""Misspelt threat words written back as the words: "arested", "poleece", "jale", "sherrif".

Issue 13 item 9 (evasions): a collector who misspells a banned word ("you'll be arested")
gets past an exact phrase match. Each core word the pack lists (`sound_alike`) becomes one
pattern that accepts the spellings of the same sounds: any consonant doubled or not ("rr" /
"r"), a soft c as c, s or k, the first vowel as any spelling of its sound ("i" / "ee" / "ea" /
"ie" / "y"; "ai" / "a" / "ay"), an unstressed later "a" as "e" too, an s as s or c (the
Cyrillic "с" is an s that looks like a c: "arrесted" reads "arrected" once folded), and a
silent e at the end or not ("jail" / "jale"). A word must keep its consonants in order and have a vowel
where the core word has one, so "policy", "polite", "poles", "person" and "place" stay as
they are. One regex pass over the text; the core word's own spellings are left alone.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

from compliance_filters.normalize import latin_segments

_VOWELS = "aeiouy"
# a vowel: the spellings of its sound (later, unstressed "a" may also be written "e")
_FIRST = {
    "i": "ee|ea|ie|ei|i|y", "ee": "ee|ea|ie|ei|i|y", "ea": "ee|ea|e|ie", "e": "ea|ee|e|i",
    "ai": "ai|ay|a|ei|ey", "a": "ai|ay|a", "o": "oa|oe|o|u", "u": "oo|ou|u|o", "oo": "oo|ou|u",
}


def _pattern(word: str) -> str:
    runs = re.findall(r"[aeiouy]+|[^aeiouy]+", word)
    parts: List[str] = []
    first = True
    for i, run in enumerate(runs):
        last = i == len(runs) - 1
        if run[0] in _VOWELS:
            if last and run == "e":  # a silent e at the end: there or not
                parts.append("e?")
            elif not first and run == "a":
                parts.append("(?:a|e)")
            else:
                parts.append("(?:" + _FIRST.get(run, re.escape(run)) + ")")
            first = False
        else:
            for char in dict.fromkeys(run):  # "rr" -> r+, "ff" -> f+
                parts.append("[cks]+" if char == "c" else "[sc]+" if char == "s" else re.escape(char) + "+")
    if runs and runs[-1][0] not in _VOWELS:
        parts.append("e?")  # "jale" for "jail"
    return "".join(parts)


def _literal_first(pattern: str) -> str:
    """`pattern` with a leading "x+" written "xx*" (the same strings, tried in the same
    order), so that it starts with a plain letter."""
    if len(pattern) >= 2 and "a" <= pattern[0] <= "z" and pattern[1] == "+":
        return pattern[0] + pattern[0] + "*" + pattern[2:]
    return pattern


class SoundAlike:
    """Rewrites misspellings of `words` (lower case, a-z) back to the words."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = sorted({w.lower() for w in words if w and w.isalpha()}, key=len, reverse=True)
        # the look-ahead on the words' first letters lets the engine skip most positions
        # at once (about five times faster than the alternation alone on SMS text)
        firsts = "".join(sorted({w[0] for w in self.words}))
        patterns = [_pattern(w) for w in self.words]
        # the regex `matches` stands in for (compiled only where asked for: the tests)
        self._regex_source = f"(?<![a-z])(?=[{firsts}])(?:" + "|".join(
            f"(?P<w{i}>{p})" for i, p in enumerate(patterns)) + ")(?![a-z])"
        # The same matches, found about twice as fast (issue 13 item 10): run over " " + text
        # and starting with a character set, the regex jumps from non-letter to non-letter
        # (one that starts with a look-behind is tried at every position); without named
        # groups, and with "p+" written "pp*", each alternative starts with a plain letter,
        # which the engine compares before entering it. A match at padded offset s..e is the
        # word at text offset s..e-1, and its word is the first whose pattern matches all of
        # it (an earlier one that did would have been the alternative taken).
        # tests/compliance/test_filter_equivalence.py compares the two.
        plain = [_literal_first(p) for p in patterns]
        self._padded = re.compile(
            f"[^a-z](?=[{firsts}])(?:" + "|".join(plain) + ")(?![a-z])") if self.words else None
        self._plain = plain
        self._each: List[re.Pattern] = []  # one regex per word, compiled at the first match (start-up)
        self._known = frozenset(self.words)
        self._clean: Set[str] = set()  # segments with no misspelt word (`restore`)

    @property
    def _regex(self) -> Optional[re.Pattern]:
        return re.compile(self._regex_source) if self.words else None

    def matches(self, text: str) -> List[Tuple[int, int, int]]:
        """(start, end, word number) of every match of `_regex` in `text`, left to right."""
        if self._padded is None:
            return []
        found: List[Tuple[int, int, int]] = []
        for m in self._padded.finditer(" " + text):
            if not self._each:
                self._each = [re.compile(p) for p in self._plain]
            start, end = m.start(), m.end() - 1
            word = text[start:end]
            found.append((start, end, next(i for i, p in enumerate(self._each) if p.fullmatch(word))))
        return found

    def _misspelt(self, text: str) -> bool:
        """Does `text` hold a word `restore` would replace (a match not spelt right)?"""
        assert self._padded is not None
        known = self._known
        return any(m.group()[1:] not in known for m in self._padded.finditer(" " + text))

    def restore(self, text: str) -> Tuple[str, Optional[List[int]]]:
        """`text` (lower case) with each misspelt word replaced, and the offset map back to
        `text` (None when nothing changed)."""
        if self._padded is None:
            return text, None
        # A match is a whole word of letters a-z, which lies inside one of the text's
        # segments (normalize.latin_segments): the segments with no misspelt word are
        # remembered, and a text made of them (most: a reminder's clauses repeat) costs
        # one set look-up instead of the scan (issue 13 item 10).
        segments = latin_segments(text)
        clean = self._clean
        if clean.issuperset(segments):
            return text, None
        for segment in segments:
            if segment not in clean:
                if self._misspelt(segment):
                    break
                if len(clean) >= SEGMENT_MEMO_LIMIT:
                    clean.clear()
                clean.add(segment)
        else:
            return text, None
        edits: List[Tuple[int, int, str]] = []
        for start, end, number in self.matches(text):
            if text[start:end] in self._known:
                continue
            edits.append((start, end, self.words[number]))
        if not edits:
            return text, None
        out: List[str] = []
        index: List[int] = []
        pos = 0
        for start, end, word in edits:
            out.append(text[pos:start])
            index.extend(range(pos, start))
            out.append(word)
            # each letter of the word maps into the misspelling (its last letter to the end)
            span = end - start
            index.extend(start + min(k * span // len(word), span - 1) for k in range(len(word) - 1))
            index.append(end - 1)
            pos = end
        out.append(text[pos:])
        index.extend(range(pos, len(text)))
        return "".join(out), index


#: segments remembered per SoundAlike (at the limit the memo is emptied and fills again)
SEGMENT_MEMO_LIMIT = 50_000
_cache: Dict[Tuple[str, ...], SoundAlike] = {}
#: the last word list asked for and its SoundAlike (the filter asks with the same pack
#: list for every text: no tuple of it built and hashed per text)
_last: Tuple[object, Tuple[str, ...], Optional[SoundAlike]] = (None, (), None)


def sound_alike(words: Sequence[str]) -> SoundAlike:
    """The SoundAlike for `words` (built once per word list). The list asked for last is
    known by identity: a pack's lists are not changed once loaded (one changed in place
    after use would need a new list object to be seen)."""
    global _last
    source, key, got = _last
    if source is words and got is not None and len(key) == len(words):
        return got
    key = tuple(words)
    got = _cache.get(key)
    if got is None:
        got = _cache[key] = SoundAlike(words)
    _last = (words, key, got)
    return got
