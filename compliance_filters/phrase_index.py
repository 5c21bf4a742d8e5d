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
