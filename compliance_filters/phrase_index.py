"""Exact token-sequence matching of many phrases at once.

What spaCy's PhraseMatcher did for the filter, as a trie over tokens:
the phrase filter matches words and the pinyin rule matches syllables with it, and
neither needs spaCy (whose thinc import pulls in TensorFlow: seconds of start-up).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple

_END = object()  # marks the end of a phrase in the token trie (no token is this object)


class PhraseIndex:
    """Every (label, start, end) where a phrase's tokens occur in a token list,
    overlapping hits included, in text order (by start, then end; labels of the same
    span in the order they were added).

    A trie over tokens: a lookup walks only the phrases that continue the text's own
    tokens, so a first token shared by hundreds of phrasings ("not", "no": the expanded
    families of banned_phrasings.yml) costs one step per matching token, not one
    comparison per phrase (issue 13 item 10: this was a third of a check's time).
    """

    def __init__(self) -> None:
        # node: {token: child}; a node's labels sit under the key _END (no token is None)
        self._root: Dict[Hashable, Any] = {}

    def add(self, label: int, words: Sequence[Hashable]) -> None:
        if not words:
            return
        node = self._root
        for word in words:
            node = node.setdefault(word, {})
        labels = node.setdefault(_END, [])
        if label not in labels:
            labels.append(label)

    def __call__(self, words: Sequence[Hashable]) -> List[Tuple[int, int, int]]:
        found: List[Tuple[int, int, int]] = []
        root = self._root
        n = len(words)
        for i in range(n):
            node = root.get(words[i])
            j = i + 1
            while node is not None:
                labels = node.get(_END)
                if labels is not None:
                    for label in labels:
                        found.append((label, i, j))
                if j >= n:
                    break
                node = node.get(words[j])
                j += 1
        return found


def trie_regex(words: Sequence[str], word_start: bool) -> Optional[re.Pattern]:
    """One regex matching any of `words`, as a prefix trie (fast with Python's re)."""
    pattern = trie_pattern(words, word_start)
    return None if pattern is None else re.compile(pattern)


def trie_pattern(words: Sequence[str], word_start: bool) -> Optional[str]:
    """The source of `trie_regex` (for callers that edit it before compiling: compiling
    a pattern of thousands of phrases costs tens of milliseconds)."""
    trie: Dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: Dict[str, Any]) -> str:
        if "" in node and len(node) == 1:
            return ""
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    if not trie:
        return None
    return (r"(?<![a-z0-9])" if word_start else "") + build(trie)


_WORD_START_BLOCKERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class TrieScanner:
    """What `trie_regex(words, word_start).finditer(text)` finds, as (start, end) spans,
    from an Aho-Corasick automaton (pyahocorasick) instead of Python's regex engine.

    The regex finds, left to right, the first position where a word starts (after a
    non-letter/digit when `word_start`), takes the longest word there and goes on after
    it. Here the automaton reports every occurrence in one pass of C code, and the same
    choice is made from them. Built in milliseconds, where compiling the regex of a few
    thousand phrases took a tenth of a second or more at every start-up, and a scan is
    about twice as fast (issue 13 item 10); tests/compliance/test_filter_equivalence.py
    checks that both give the same spans.
    """

    def __init__(self, words: Sequence[str], word_start: bool) -> None:
        import ahocorasick

        self.word_start = word_start
        self._automaton = ahocorasick.Automaton()
        for word in words:
            if word:
                self._automaton.add_word(word, len(word))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def spans(self, text: str) -> List[Tuple[int, int]]:
        if self._empty:
            return []
        longest: Dict[int, int] = {}
        blockers = _WORD_START_BLOCKERS if self.word_start else ()
        for last, length in self._automaton.iter(text):
            start = last - length + 1
            if blockers and start and text[start - 1] in blockers:
                continue
            if longest.get(start, 0) < length:
                longest[start] = length
        if not longest:
            return []
        spans: List[Tuple[int, int]] = []
        pos = 0
        for start in sorted(longest):
            if start >= pos:
                pos = start + longest[start]
                spans.append((start, pos))
        return spans

    def found_in(self, text: str) -> bool:
        """Does any word occur in `text` (anywhere, whatever `word_start` says)?"""
        if self._empty:
            return False
        for _ in self._automaton.iter(text):
            return True
        return False

    def starts(self, text: str) -> List[int]:
        """The start of every span (what the filter's prefilter needs)."""
        return [start for start, _ in self.spans(text)]


def trie_scanner(words: Sequence[str], word_start: bool) -> Optional[TrieScanner]:
    """A TrieScanner over `words` (None when there are none, as `trie_regex`)."""
    words = [w for w in words if w]
    return TrieScanner(words, word_start) if words else None
