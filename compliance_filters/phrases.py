"""The banned-phrase filter: spaCy PhraseMatchers over blank `en` and `zh` pipelines.

Text is first brought to a canonical form (compliance_filters.normalize.canonical: case,
full-width, Traditional Chinese, digit-for-letter swaps, letters spaced apart) so the
pack's plain phrases catch the usual evasions. A cheap keyword prefilter (one regex per
language built from every phrase) lets the common clean message skip spaCy altogether.
When a phrase is found, the clause before it is searched for a negation ("we will NOT
contact your employer") and the pack's exception phrases ("police report") are honoured,
so compliant messages that mention a banned word are not blocked.

The pipelines are built once per process; the matchers once per pack.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from compliance_filters.model import Decision, Reason
from compliance_filters.normalize import canonical, canonical_text
from compliance_filters.packs import Pack

LANGS = ("en", "zh")
_NEGATION_WINDOW = 8
_LOOK_AHEAD = 2
_lock = threading.Lock()
_pipelines: Dict[str, Any] = {}
_jieba_tokenizer: Any = None
_compiled: Dict[str, _Compiled] = {}


class _JiebaSegmenter:
    """A private jieba dictionary for the filter's spaCy pipeline.

    The pack's phrases are added as words here, not to jieba's global dictionary, so the
    NLU's tokenisation (trained elsewhere) is not changed by loading the gate. HMM is off:
    faster, and words the dictionary lacks fall apart into characters, which is harmless
    for phrase matching.
    """

    def __init__(self) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()

    def add_word(self, word: str) -> None:
        self.tokenizer.add_word(word, freq=200000)

    def cut(self, text: str, cut_all: bool = False) -> Any:
        return self.tokenizer.cut(text, cut_all=cut_all, HMM=False)


def pipeline(lang: str) -> Any:
    """The blank spaCy pipeline for `lang` (built on first use, then shared)."""
    global _jieba_tokenizer
    nlp = _pipelines.get(lang)
    if nlp is not None:
        return nlp
    with _lock:
        nlp = _pipelines.get(lang)
        if nlp is None:
            import spacy

            if lang == "zh":
                nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
                _jieba_tokenizer = _JiebaSegmenter()
                nlp.tokenizer.jieba_seg = _jieba_tokenizer
            else:
                nlp = spacy.blank("en")
            _pipelines[lang] = nlp
    return nlp


@dataclass
class _Rule:
    category: str
    kind: str  # "term" | "combo" | "allow"
    combo: int = -1
    group: int = -1


@dataclass
class _LangMatcher:
    lang: str
    trigger: Optional[re.Pattern]
    matcher: Any
    rules: Dict[int, _Rule]
    combos: Dict[Tuple[str, int], Tuple[int, int]]  # (category, index) -> (groups, within)
    negatable: Dict[str, bool]
    negators: FrozenSet[str]
    cancel: FrozenSet[str]
    boundaries: FrozenSet[str]


@dataclass
class _Compiled:
    langs: Dict[str, _LangMatcher] = field(default_factory=dict)


def _trie_regex(words: Sequence[str], word_start: bool) -> Optional[re.Pattern]:
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


def _compile(pack: Pack) -> _Compiled:
    from spacy.matcher import PhraseMatcher

    compiled = _Compiled()
    negation = pack.banned.get("negation") or {}
    categories = pack.banned.get("categories") or {}
    for lang in LANGS:
        nlp = pipeline(lang)
        phrases: Dict[str, List[str]] = {}
        triggers: List[str] = []
        rules: Dict[int, _Rule] = {}
        combos: Dict[Tuple[str, int], Tuple[int, int]] = {}
        negatable: Dict[str, bool] = {}

        def add(label: str, rule: _Rule, texts: Sequence[str], trigger: bool,
                _phrases: Dict[str, List[str]] = phrases, _rules: Dict[int, _Rule] = rules,
                _triggers: List[str] = triggers, _nlp: Any = nlp) -> None:
            canon = [c for c in (canonical_text(t).strip() for t in texts) if c]
            if not canon:
                return
            _rules[_nlp.vocab.strings.add(label)] = rule
            _phrases.setdefault(label, []).extend(canon)
            if trigger:
                _triggers.extend(canon)

        for category, spec in categories.items():
            negatable[category] = bool(spec.get("negatable", True))
            entry = spec.get(lang) or {}
            add(f"{category}|term", _Rule(category, "term"), entry.get("terms") or [], True)
            add(f"{category}|allow", _Rule(category, "allow"), entry.get("allow") or [], False)
            for i, combo in enumerate(entry.get("combos") or []):
                groups = combo.get("groups") or []
                combos[(category, i)] = (len(groups), int(combo.get("within", 4)))
                for g, group in enumerate(groups):
                    add(f"{category}|combo|{i}|{g}", _Rule(category, "combo", i, g), group,
                        g == len(groups) - 1)
        if lang == "zh":
            for texts in phrases.values():
                for text in texts:
                    _jieba_tokenizer.add_word(text)
            for key in ("negators", "cancel", "boundaries"):
                for word in (negation.get("zh") or {}).get(key) or []:
                    if len(word) > 1:
                        _jieba_tokenizer.add_word(canonical_text(word))
        matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for label, texts in phrases.items():
            matcher.add(label, [nlp.make_doc(t) for t in dict.fromkeys(texts)])
        conf = negation.get(lang) or {}
        compiled.langs[lang] = _LangMatcher(
            lang=lang,
            trigger=_trie_regex(sorted(set(triggers)), word_start=lang == "en"),
            matcher=matcher, rules=rules, combos=combos, negatable=negatable,
            negators=frozenset(canonical_text(w) for w in conf.get("negators") or []),
            cancel=frozenset(canonical_text(w) for w in conf.get("cancel") or []),
            boundaries=frozenset(canonical_text(w) for w in conf.get("boundaries") or []),
        )
    return compiled


def compiled_for(pack: Pack) -> _Compiled:
    """The matchers for `pack` (built once per distinct pack content)."""
    got = _compiled.get(pack.fingerprint)
    if got is None:
        with _lock:
            got = _compiled.get(pack.fingerprint)
        if got is None:
            got = _compile(pack)
            _compiled[pack.fingerprint] = got
    return got


def _negated(lm: _LangMatcher, doc: Any, start: int, end: int, interior: bool) -> bool:
    """Is the hit doc[start:end] negated within its clause?

    Looks back to the clause boundary (at most a few tokens), inside a combined hit, and
    a few tokens ahead ("the court has NOT been involved"); a cancelling word ("we will not
    HESITATE to ...", "不还钱就...") anywhere there means the negation is not about the hit.
    """
    words: List[str] = []
    i = start - 1
    while i >= 0 and len(words) < _NEGATION_WINDOW:
        tok = doc[i].text
        if tok in lm.boundaries or (lm.lang == "en" and tok in ".,;:!?"):
            break
        if not tok.isspace():
            words.append(tok)
        i -= 1
    if interior:
        words.extend(doc[j].text for j in range(start, end))
    ahead: List[str] = []
    j = end
    while j < len(doc) and len(ahead) < _LOOK_AHEAD:
        tok = doc[j].text
        if tok in lm.boundaries or tok in ".,;:!?。，；！？":
            break
        if not tok.isspace():
            ahead.append(tok)
        j += 1
    if lm.lang == "zh":
        joined = "".join(words + ahead)
        return any(n in joined for n in lm.negators) and not any(c in joined for c in lm.cancel)
    both = words + ahead
    return any(w in lm.negators for w in both) and not any(w in lm.cancel for w in both)


def _match_language(lm: _LangMatcher, canon: str) -> List[Tuple[str, int, int]]:
    """(category, first char, end char) of each banned hit in canonical text `canon`."""
    doc = pipeline(lm.lang).make_doc(canon)
    allow: Dict[str, List[Tuple[int, int]]] = {}
    terms: List[Tuple[str, int, int]] = []
    groups: Dict[Tuple[str, int], Dict[int, List[Tuple[int, int]]]] = {}
    for match_id, start, end in lm.matcher(doc):
        rule = lm.rules[match_id]
        if rule.kind == "allow":
            allow.setdefault(rule.category, []).append((start, end))
        elif rule.kind == "term":
            terms.append((rule.category, start, end))
        else:
            groups.setdefault((rule.category, rule.combo), {}).setdefault(rule.group, []).append((start, end))

    def excepted(category: str, start: int, end: int) -> bool:
        # an exception counts when it overlaps the hit without lying inside it: "police
        # report" excuses "police", but "an attorney" does not excuse "i am an attorney"
        return any(a < end and start < b and not (start <= a and b <= end)
                   for a, b in allow.get(category, ()))

    hits: List[Tuple[str, int, int]] = []
    for category, start, end in terms:
        if excepted(category, start, end):
            continue
        if lm.negatable.get(category, True) and _negated(lm, doc, start, end, interior=False):
            continue
        hits.append((category, start, end))
    for (category, index), found in groups.items():
        n_groups, within = lm.combos[(category, index)]
        if len(found) < n_groups:
            continue
        for span in _chains(found, n_groups, within):
            start, end = span
            if excepted(category, start, end):
                continue
            if lm.negatable.get(category, True) and _negated(lm, doc, start, end, interior=True):
                continue
            hits.append((category, start, end))
            break
    return [(c, doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)) for c, s, e in hits]


def _chains(found: Dict[int, List[Tuple[int, int]]], n_groups: int, within: int
            ) -> List[Tuple[int, int]]:
    """Token spans where group 0, 1, ... follow one another, each within `within` tokens."""
    spans = []
    for first in sorted(found[0]):
        end = first[1]
        ok = True
        for g in range(1, n_groups):
            nxt = [s for s in sorted(found[g]) if end <= s[0] <= end + within]
            if not nxt:
                ok = False
                break
            end = nxt[0][1]
        if ok:
            spans.append((first[0], end))
    return spans


def banned_hits(pack: Pack, text: str) -> List[Tuple[str, str]]:
    """(category, original matched text) for every banned phrase in `text`."""
    if not text or not text.strip():
        return []
    canon, index = canonical(text)
    compiled = compiled_for(pack)
    found: List[Tuple[str, str]] = []
    for lang in LANGS:
        lm = compiled.langs[lang]
        if lm.trigger is None or not lm.trigger.search(canon):
            continue
        for category, a, b in _match_language(lm, canon):
            found.append((category, text[index[a]:index[b - 1] + 1]))
    return found


def check_text(pack: Pack, text: str, lang: Optional[str] = None) -> Decision:
    """Blocked with `phrase.<category>` reasons if `text` holds banned content.

    Both languages' phrases are always checked (a Chinese message can carry an English
    threat); `lang` is accepted as a hint for callers and does not narrow the check.
    """
    hits = banned_hits(pack, text)
    if not hits:
        return Decision.allow()
    return Decision.block(*(Reason(f"phrase.{c}", m) for c, m in dict.fromkeys(hits)))
