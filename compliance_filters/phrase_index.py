"""Exact token-sequence matching of many phrases at once.

What spaCy's PhraseMatcher did for the filter, as a dict keyed by a phrase's first token:
the phrase filter matches words and the pinyin rule matches syllables with it, and
neither needs spaCy (whose thinc import pulls in TensorFlow: seconds of start-up).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple


class PhraseIndex:
    """Every (label, start, end) where a phrase's tokens occur in a token list,
    overlapping hits included, in text order (by start, then end)."""

    def __init__(self) -> None:
        self._by_first: Dict[Hashable, List[Tuple[Tuple[Hashable, ...], int]]] = {}

    def add(self, label: int, words: Sequence[Hashable]) -> None:
        if words:
            entries = self._by_first.setdefault(words[0], [])
            if (tuple(words), label) not in entries:
                entries.append((tuple(words), label))

    def __call__(self, words: Sequence[Hashable]) -> List[Tuple[int, int, int]]:
        found: List[Tuple[int, int, int]] = []
        by_first = self._by_first
        n = len(words)
        for i, word in enumerate(words):
            entries = by_first.get(word)
            if entries is None:
                continue
            for phrase, label in entries:
                end = i + len(phrase)
                if end <= n and (len(phrase) == 1 or tuple(words[i:end]) == phrase):
                    found.append((label, i, end))
        found.sort(key=lambda hit: (hit[1], hit[2]))
        return found


def trie_regex(words: Sequence[str], word_start: bool) -> Optional[re.Pattern]:
    """One regex matching any of `words`, as a prefix trie (fast with Python's re)."""
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
    return re.compile((r"(?<![a-z0-9])" if word_start else "") + build(trie))
