"""The banned-phrase filter: token-sequence phrase matching for `en` and `zh`.

Text is first brought to a canonical form (compliance_filters.normalize.canonical: case,
full-width, Traditional Chinese, digit-for-letter swaps, letters spaced apart) so the
pack's plain phrases catch the usual evasions. A cheap keyword prefilter (one regex per
language built from every phrase) lets the common clean message skip spaCy altogether.
When a phrase is found, the clause before it is searched for a negation ("we will NOT
contact your employer") and the pack's exception phrases ("police report") are honoured,
so compliant messages that mention a banned word are not blocked.

Phrases are matched as exact token sequences (what spaCy's PhraseMatcher did here, in a
dict keyed by first token): no spaCy/thinc import, so `collectbot compliance text` starts
without TensorFlow. English tokens come from one regex; Chinese from a private jieba
dictionary, loaded only when a text holds Chinese. Matchers are built once per pack and
language, on first use.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from compliance_filters.learned import learned_verdict
from compliance_filters.model import Decision, Reason
from compliance_filters.normalize import (
    canonical,
    canonical_text,
    fold_lookalikes,
    fold_width,
    has_cjk,
)
from compliance_filters.packs import Pack
from compliance_filters.phrase_index import PhraseIndex, TrieScanner, trie_scanner
from compliance_filters.pinyin import PinyinRestorer
from compliance_filters.spelling import sound_alike

LANGS = ("en", "zh")
_NEGATION_WINDOW = 8
_LIST_WINDOW = 16  # a negated list of promises reaches further (`_promise_list`)
_COORDINATION = frozenset(["or", "nor", "and"])
# "no one can SAVE you from jail" keeps the threat
_RESCUE = frozenset(["save", "help", "protect", "rescue", "escape"])
_LOOK_AHEAD = 2
# a denied group may be a list: "police, courts, the IRS and real attorneys never ask ..."
_GROUP_WINDOW = 14
# "NOT PAYING this debt will not get you arrested": a negated failure that is the subject,
# not the condition of a threat (`_negated`)
_FAILURE_GERUNDS = frozenset(canonical_text(w) for w in [
    "paying", "responding", "answering", "replying", "settling", "returning"])
# a banned word naming a place: 法院路, 派出所旁边, "Court Street", "Police Plaza"
_PLACE_AFTER_EN = frozenset(canonical_text(w) for w in [
    "street", "st", "road", "rd", "avenue", "ave", "plaza", "drive", "blvd", "boulevard", "lane",
    "square", "station", "parking", "cafeteria", "building"])
_PLACE_AFTER_ZH = re.compile(r"(?:路|街|大道|大街|巷|胡同|旁边|对面|隔壁|附近的|地铁站|公交站|站|宿舍|家属院|家属楼|小区|大院)")
# wave 7b: the debtor's own words quoted back (You asked "am I going to jail?" No.; 您说“你们是不是
# 把我当老赖了”，绝对没有): what opens the quotation, read from the tokens right before it
_DEBTOR_SAID_EN = re.compile(r"(?:^| )you (?:asked|asked us|asked me|said|told us|told me|wrote|wrote to us|"
                             r"texted|texted us|mentioned|wanted to know|wondered)(?: [:,])?$")
_DEBTOR_SAID_ZH_IN = re.compile(r"(?:您|你)(?:说|问|问我们|问道|提到|反映|来电说|留言说|写道|在电话里说|在电话中说|"
                                r"在电话里问|在电话中问|刚才说|之前说)[：:]?[\"“]?")
_ZH_CLAUSE_END = re.compile(r"[，。；！？,;!?.]")
_OPEN_QUOTES = frozenset(["\"", "\u201c", "\u2018", "\u300c", "\u300e"])
_CLOSE_QUOTES = frozenset(["\u201d", "\u2019", "\u300d", "\u300f"])
# "ONLY a court CAN order ...", 只有法院…才能…: what the law allows, not what will happen
def _words_re(words: Sequence[str]) -> str:
    """An alternation of canonical `words` (canonical text folds look-alikes: "only" is "oniy")."""
    return "|".join(re.escape(canonical_text(w)) for w in sorted(words, key=len, reverse=True))


_ONLY_AUTHORITY_EN = re.compile(
    "(?:^| )" + _words_re(["only"]) + " (?:" + _words_re(["a ", "an ", "the ", "your ", "our "]) + ")?(?:"
    + _words_re(["court", "courts", "judge", "judges", "police", "law enforcement", "government",
                 "sheriff", "sheriffs"])
    + r")(?: [a-z0-9'$]+){0,3}? (?:" + _words_re(["can", "may", "could", "has the power", "have the power",
                                                  "is allowed", "are allowed", "is able"]) + ")(?= |$)")
_ONLY_AUTHORITY_ZH = re.compile(r"只有(?:人民)?(?:法院|法官|司法机关|公安机关|警方|政府|公检法)[^，。；！？]*?才")
# "we ... called you a deadbeat" is the insult itself, not a report of one
_ONLY = canonical_text("only")
# what only an authority may do to the debtor's things, as a rule of law
_PERMITS = frozenset(canonical_text(w) for w in [
    "order", "approve", "authorize", "authorise", "issue", "allow", "grant", "sign", "decide", "permit"])
# the categories a closed case or a lifted measure excuses (`_lawful_mention`)
_LEGAL = frozenset(["impersonation", "false_legal", "threat_arrest"])
# "... pretending to be the sheriff OR THE fbi": a coordination before a determiner
_DETERMINERS = frozenset(canonical_text(w) for w in ["the", "a", "an", "any", "your", "our"])
_RIGHT_OPENERS = frozenset(canonical_text(w) for w in ["you", "victims", "if", "feel"])
_SELF = frozenset(canonical_text(w) for w in ["i", "we", "i've", "we've", "i'll", "we'll"])
# a civil case's docket number as canonical text has it ("26-CV-1187" is "26cviibt", digit
# look-alikes folded inside a word): a fact about a filed case
_CIVIL_DOCKET = re.compile(r"(?:^| )\d+(?: - )?(?:cv|civ|sc)(?: - )?[a-z0-9]+(?= |$)")
_QUOTES = frozenset(["\"", "'", "\u201c", "\u201d", "\u2018", "\u2019", "`"])
# a coordination followed by one of these joins clauses, not phrases ("... and YOU will")
_SUBJECTS = frozenset(canonical_text(w) for w in [
    "you", "we", "i", "they", "he", "she", "it", "your", "our", "their", "his", "her", "my",
    "the", "this", "that", "these", "those", "there", "then", "else", "so", "if", "unless",
    "when", "until", "now"])
# who makes a promise a list carries: "WE will never ...", "OUR agents do not ..."
_PROMISERS = frozenset(canonical_text(w) for w in [
    "we", "i", "our", "my", "they", "their", "staff", "agents", "agent", "collectors",
    "collector", "company", "team", "representatives", "representative", "employees"])
# the verbs of a collector's promises, which open each item of a negated list
_PROMISE_VERBS = frozenset(canonical_text(w) for w in [
    "tell", "inform", "contact", "call", "text", "email", "message", "notify", "visit", "post",
    "publish", "share", "spread", "send", "threaten", "use", "shout", "yell", "curse", "swear",
    "insult", "embarrass", "shame", "humiliate", "expose", "discuss", "talk", "speak", "reach",
    "show", "come", "take", "seize", "garnish", "freeze", "sue", "report", "put", "list",
    "mention", "reveal", "disclose", "write", "harass", "bother", "pressure", "lie", "charge",
    "publicly", "ever", "make", "pretend", "claim", "sell", "give"])
# a coordination followed by one of these starts a clause with its own subject
_PRONOUNS = frozenset(canonical_text(w) for w in ["you", "we", "i", "they", "he", "she", "it", "else", "then"])
# words that end the clause a reported-speech or rights marker governs
_SWITCHES = frozenset(canonical_text(w) for w in [
    "but", "so", "then", "otherwise", "unless", "else", "until", "because", ":", ";", "we",
    "we'll", "i", "now", "yes"])
# "scammers LIKE YOU end up in prison" is an insult, not a warning
_LIKE_YOU = ([canonical_text("like"), "you"], ["as", "you"], [canonical_text("such"), "as"])
# "police and courts never ASK for PAYMENT ...": a denial of a request for money
_ASKING = frozenset(canonical_text(w) for w in [
    "ask", "asks", "demand", "demands", "request", "requests", "collect", "collects",
    "accept", "accepts"])
_MONEY = frozenset(canonical_text(w) for w in [
    "payment", "payments", "pay", "money", "debt", "debts", "bill", "bills", "fee", "fees",
    "fine", "fines", "gift", "cash", "wire", "transfer", "transfers", "card", "cards",
    "crypto", "bitcoin"])
_PHRASE_FREQ = 200000  # a pack phrase's frequency in the private jieba dictionary
# a list that is the subject of a verb starts a new clause: "..., police or deputies WILL come"
_AUXILIARIES = frozenset(canonical_text(w) for w in ["are", "is", "will", "'ll", "'re", "'s", "have", "has", "can", "could", "would",
                          "may", "might", "shall", "should", "were", "was", "must", "gonna", "going"])  # canonical: "will" is "wiii"
_lock = threading.RLock()
_jieba_tokenizer: Any = None
#: bumped whenever a word joins the private jieba dictionary (it can change how a sentence
#: is cut), so remembered sentence results of an older dictionary are never used
_dictionary_version = 0
#: remembered sentence results per language matcher (0 turns remembering off; at the
#: limit the memo is emptied and fills again)
_MEMO_LIMIT = 20000
_compiled: Dict[str, _Compiled] = {}
_restorers: Dict[str, PinyinRestorer] = {}


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources: jieba only uses it to open its own data files
    and falls back to a plain open() without it, while importing pkg_resources costs more
    than half a second of start-up (issue 13 item 10). Where something else has already
    loaded pkg_resources nothing changes."""
    import sys

    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


class _JiebaSegmenter:
    """A private jieba dictionary for the filter's Chinese tokens.

    The pack's phrases are added as words here, not to jieba's global dictionary, so the
    NLU's tokenisation (trained elsewhere) is not changed by loading the gate. `cut` is
    jieba's own dictionary segmentation without the HMM (jieba's DAG from `get_DAG`, the
    best route by word log-frequency, runs of single Latin letters/digits joined), with
    the log-frequencies cached: the same tokens as `jieba.Tokenizer.cut(HMM=False)`,
    about twice as fast. Words missing from the dictionary fall apart into characters,
    which is harmless for phrase matching.
    """

    _ENG = re.compile(r"[a-zA-Z0-9]")

    def __init__(self) -> None:
        import logging

        from compliance_filters.jieba_cache import cache_read_at_once

        jieba = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        with cache_read_at_once(jieba):  # one read of the 9 MB cache, not many small ones
            self.tokenizer.initialize()
        self._logs: Dict[str, float] = {}

    def add_word(self, word: str) -> None:
        # jieba's add_word adds the frequency to the dictionary total every time, even for a
        # word it holds: each pack compiled after the first (cn, an overlay) would then shift
        # every log-probability and change how the same text is cut ("全村"+"人" became
        # "全村人" once the strict overlay was loaded), so a word is added once
        global _dictionary_version
        if self.tokenizer.FREQ.get(word) == _PHRASE_FREQ:
            return
        self.tokenizer.add_word(word, freq=_PHRASE_FREQ)
        self._logs.clear()
        _dictionary_version += 1

    def cut(self, text: str, cut_all: bool = False) -> List[str]:
        if not text:
            return []
        tok = self.tokenizer
        dag = tok.get_DAG(text)
        n = len(text)
        freq = tok.FREQ
        logs = self._logs
        log_total = math.log(tok.total)
        score = [0.0] * (n + 1)
        best_end = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            top_score, top_end = None, idx
            for x in dag[idx]:
                word = text[idx:x + 1]
                value = logs.get(word)
                if value is None:
                    value = logs[word] = math.log(freq.get(word) or 1) - log_total
                candidate = value + score[x + 1]
                # jieba takes max over (score, end): ties go to the longer word
                if top_score is None or candidate > top_score or (candidate == top_score and x > top_end):
                    top_score, top_end = candidate, x
            score[idx] = top_score
            best_end[idx] = top_end
        out: List[str] = []
        buf = ""
        x = 0
        while x < n:
            y = best_end[x] + 1
            word = text[x:y]
            if y - x == 1 and self._ENG.match(word):
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)
        return out


# English tokens of the canonical text: words, the "n't" of contractions, any other mark
_EN_TOKEN = re.compile(r"[a-z0-9$@]+(?=n't)|n't|'[a-z]+|[a-z0-9$@/]+|[^\sa-z0-9$@]")


def tokens(lang: str, text: str) -> Tuple[List[str], List[int]]:
    """Tokens of canonical `text` and their character offsets (spaces dropped).

    English uses one regex (the same for patterns and texts, so they always line up);
    Chinese uses the private jieba dictionary that holds every pack phrase.
    """
    words: List[str] = []
    offsets: List[int] = []
    if lang == "en":
        for m in _EN_TOKEN.finditer(text):
            words.append(m.group())
            offsets.append(m.start())
        return words, offsets
    pos = 0
    for piece in _segmenter().cut(text):
        if piece and not piece.isspace():
            words.append(piece)
            offsets.append(pos)
        pos += len(piece)
    return words, offsets


def _segmenter() -> _JiebaSegmenter:
    """The private jieba segmenter (built on first Chinese text, then shared)."""
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _lock:
            if _jieba_tokenizer is None:
                _jieba_tokenizer = _JiebaSegmenter()
    return _jieba_tokenizer


@dataclass
class _Rule:
    category: str
    kind: str  # "term" | "combo" | "allow"
    combo: int = -1
    group: int = -1


@dataclass
class _LangMatcher:
    lang: str
    trigger: Union[None, re.Pattern, TrieScanner]
    matcher: Any
    rules: Dict[int, _Rule]
    # (category, index) -> (groups, within per step)
    combos: Dict[Tuple[str, int], Tuple[int, Tuple[int, ...]]]
    negatable: Dict[str, bool]
    negators: FrozenSet[str]
    cancel: FrozenSet[str]
    boundaries: FrozenSet[str]
    excuse_re: Any = None
    negator_re: Any = None
    cancel_re: Any = None
    # issue 13 wave 6 (see `_reported`): what makes a hit reported, not threatened
    reported_re: Any = None
    scam_after_re: Any = None
    rights_re: Any = None
    report_verb_re: Any = None
    cancel_phrase_re: Any = None
    # a cheap first look for `_reported`: en, one token of each of its markers; zh, all of them
    reported_keys: FrozenSet[str] = frozenset()
    reported_any_re: Any = None
    cancel_phrase_keys: FrozenSet[str] = frozenset()
    # issue 13 wave 7 (see `_lawful_mention`): a right to contact someone, a fact about the
    # debtor's own case, a past insult reported
    contact_verb_re: Any = None
    case_status_re: Any = None
    suit_condition_re: Any = None
    case_closed_re: Any = None
    # cheap first looks for `_lawful_mention` (en: a token of each marker; zh: any marker)
    lawful_keys: FrozenSet[str] = frozenset()
    called_keys: FrozenSet[str] = frozenset()
    naming_re: Any = None
    naming_keys: FrozenSet[str] = frozenset()
    lawful_any_re: Any = None
    called_you_re: Any = None
    third_parties: FrozenSet[str] = frozenset()
    third_party_re: Any = None
    # (dictionary version, canonical sentence) -> its hits (see `_sentence_hits`)
    memo: Dict[Tuple[int, str], Tuple[Tuple[str, int, int], ...]] = field(default_factory=dict)


@dataclass
class _Compiled:
    langs: Dict[str, _LangMatcher] = field(default_factory=dict)


def _alternation(words: Sequence[str]) -> re.Pattern:
    """One regex for "any of these phrases as a substring" (Chinese has no word gaps;
    English phrases are matched on the space-joined tokens, at word starts)."""
    canon = sorted({canonical_text(w) for w in words if w}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in canon)
    if not body:
        return re.compile(r"(?!x)x")
    return re.compile(body if all(has_cjk(w) for w in canon) else r"(?<![a-z])(?:" + body + ")")


def _token_alternation(words: Sequence[str], lang: str) -> re.Pattern:
    """`_alternation` for text joined from `tokens` (English tokens joined by spaces, so
    "you wouldn't want" is looked for as "you would n't want", whole tokens only)."""
    if lang != "en":
        return _alternation(words)
    joined = sorted({" ".join(tokens("en", canonical_text(w).strip())[0]) for w in words if w.strip()},
                    key=len, reverse=True)
    if not joined:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![^ ])(?:" + "|".join(re.escape(w) for w in joined) + r")(?![^ ])")


def _key_tokens(phrases: Sequence[str]) -> FrozenSet[str]:
    """The longest token of each English phrase: a sentence holding none of them holds
    none of the phrases (the cheap first look of `_reported`)."""
    keys = set()
    for phrase in phrases:
        words = tokens("en", canonical_text(phrase).strip())[0]
        if words:
            keys.add(max(words, key=len))
    return frozenset(keys)


def _compile_language(pack: Pack, lang: str) -> _LangMatcher:
    """The matcher for one language of `pack` (Chinese phrases join the private jieba
    dictionary first, so they come out of segmentation as whole tokens)."""
    negation = pack.banned.get("negation") or {}
    categories = pack.banned.get("categories") or {}
    phrases: Dict[int, List[str]] = {}
    triggers: List[str] = []
    rules: Dict[int, _Rule] = {}
    combos: Dict[Tuple[str, int], Tuple[int, Tuple[int, ...]]] = {}
    negatable: Dict[str, bool] = {}

    def add(rule: _Rule, texts: Sequence[str], trigger: bool) -> None:
        canon = [c for c in (canonical_text(t).strip() for t in texts) if c]
        if not canon:
            return
        label = len(rules)
        rules[label] = rule
        phrases[label] = canon
        if trigger:
            triggers.extend(canon)

    for category, spec in categories.items():
        negatable[category] = bool(spec.get("negatable", True))
        entry = spec.get(lang) or {}
        add(_Rule(category, "term"), entry.get("terms") or [], True)
        add(_Rule(category, "allow"), entry.get("allow") or [], False)
        for i, combo in enumerate(entry.get("combos") or []):
            groups = combo.get("groups") or []
            combos[(category, i)] = (len(groups), _steps(combo.get("within", 4), len(groups)))
            for g, group in enumerate(groups):
                add(_Rule(category, "combo", i, g), group, g == len(groups) - 1)
    conf = negation.get(lang) or {}
    if lang == "zh":
        segmenter = _segmenter()
        with _lock:
            for texts in phrases.values():
                for text in texts:
                    segmenter.add_word(text)
            for key in ("negators", "cancel", "boundaries"):
                for word in conf.get(key) or []:
                    if len(word) > 1:
                        segmenter.add_word(canonical_text(word))
    matcher = PhraseIndex()
    for label, texts in phrases.items():
        for text in dict.fromkeys(texts):
            matcher.add(label, tokens(lang, text)[0])
    return _LangMatcher(
        lang=lang,
        trigger=_trigger(sorted(set(triggers)), lang),
        matcher=matcher, rules=rules, combos=combos, negatable=negatable,
        negators=frozenset(canonical_text(w) for w in conf.get("negators") or []),
        cancel=frozenset(canonical_text(w) for w in conf.get("cancel") or []),
        boundaries=frozenset([canonical_text(w) for w in conf.get("boundaries") or []]
                             + list(".,;:!?。，；！？：")),
        negator_re=_alternation(conf.get("negators") or []),
        excuse_re=_token_alternation(conf.get("excuses") or [], lang),
        cancel_re=_alternation(conf.get("cancel") or []),
        reported_re=_token_alternation(conf.get("reported") or [], lang),
        scam_after_re=_token_alternation(conf.get("scam_after") or [], lang),
        rights_re=_token_alternation(conf.get("rights") or [], lang),
        report_verb_re=_token_alternation(conf.get("report_verbs") or [], lang),
        cancel_phrase_re=_token_alternation(conf.get("cancel_phrases") or [], lang),
        contact_verb_re=_token_alternation(conf.get("contact_verbs") or [], lang),
        case_status_re=_token_alternation(conf.get("case_status") or [], lang),
        suit_condition_re=_token_alternation(conf.get("suit_conditions") or [], lang),
        case_closed_re=_token_alternation(conf.get("case_closed") or [], lang),
        lawful_keys=frozenset(_key_tokens([w for key in ("called_you", "case_status", "case_closed",
                                                         "suit_conditions", "naming") for w in conf.get(key) or []])
                              | {_ONLY}) if lang == "en" else frozenset(),
        called_keys=_key_tokens(conf.get("called_you") or []) if lang == "en" else frozenset(),
        naming_re=_token_alternation(conf.get("naming") or [], lang) if lang == "en"
        else _alternation(conf.get("naming") or []),
        naming_keys=_key_tokens(conf.get("naming") or []) if lang == "en" else frozenset(),
        lawful_any_re=_alternation([w for key in ("called_you", "case_status", "case_closed", "naming")
                                    for w in conf.get(key) or []] + ["只有"]) if lang == "zh" else None,
        called_you_re=_token_alternation(conf.get("called_you") or [], lang),
        third_parties=frozenset(canonical_text(w) for w in conf.get("third_parties") or []),
        third_party_re=_alternation(conf.get("third_parties") or []),
        reported_keys=_key_tokens([w for key in ("reported", "scam_after", "report_verbs", "contact_verbs")
                                   for w in conf.get(key) or []]) if lang == "en" else frozenset(),
        cancel_phrase_keys=_key_tokens(conf.get("cancel_phrases") or []) if lang == "en" else frozenset(),
        reported_any_re=_alternation([w for key in ("reported", "scam_after", "rights")
                                      for w in conf.get(key) or []] + ["任何"]) if lang == "zh" else None,
    )


def lang_matcher(pack: Pack, lang: str) -> _LangMatcher:
    """The matcher for `lang` of `pack` (built on first use per distinct pack content)."""
    compiled = _compiled.get(pack.fingerprint)
    if compiled is None:
        with _lock:
            compiled = _compiled.setdefault(pack.fingerprint, _Compiled())
    got = compiled.langs.get(lang)
    if got is None:
        with _lock:
            got = compiled.langs.get(lang)
            if got is None:
                got = compiled.langs[lang] = _compile_language(pack, lang)
    return got


Trigger = Union[re.Pattern, TrieScanner]
_triggers: Dict[Tuple[str, str], Optional[Trigger]] = {}


def _trigger(words: Sequence[str], lang: str) -> Optional[Trigger]:
    """The prefilter over `words`: an Aho-Corasick scanner (what the trie regex finds,
    faster to build and to run). Chinese used the trie regex until issue 13 item 10's
    third pass: with pyahocorasick 2 the scanner is a quarter faster on Chinese SMS too
    (7.6 against 9.9 us per text), and it is built in a millisecond where the regex of
    2,500 phrases took a tenth of a second to compile at every Chinese start-up."""
    return trie_scanner(words, word_start=lang == "en")


def trigger_starts(trigger: Trigger, canon: str) -> List[int]:
    """Where the prefilter finds a phrase in canonical text (leftmost-longest, no overlaps)."""
    if isinstance(trigger, TrieScanner):
        return trigger.starts(canon)
    return [m.start() for m in trigger.finditer(canon)]


def _trigger_words(pack: Pack, lang: str) -> List[str]:
    """The canonical phrases the prefilter of `lang` looks for (terms and the last group
    of each combination), as `_compile_language` collects them."""
    words: List[str] = []
    for spec in (pack.banned.get("categories") or {}).values():
        entry = spec.get(lang) or {}
        words += entry.get("terms") or []
        for combo in entry.get("combos") or []:
            groups = combo.get("groups") or []
            words += groups[-1] if groups else []
    return sorted({c for c in (canonical_text(w).strip() for w in words) if c})


def trigger_for(pack: Pack, lang: str) -> Optional[Trigger]:
    """The prefilter regex of `lang` (the same one the matcher holds), built without
    jieba: a Chinese text with no trigger never loads jieba's dictionary."""
    key = (pack.fingerprint, lang)
    if key not in _triggers:
        compiled = _compiled.get(pack.fingerprint)
        if compiled is not None and lang in compiled.langs:
            _triggers[key] = compiled.langs[lang].trigger
        else:
            _triggers[key] = _trigger(_trigger_words(pack, lang), lang)
    return _triggers[key]


def compiled_for(pack: Pack) -> _Compiled:
    """The matchers for every language of `pack` (built now if not yet)."""
    for lang in LANGS:
        lang_matcher(pack, lang)
    return _compiled[pack.fingerprint]


def warm_up(pack: Pack, chinese: bool = True) -> None:
    """Build now what the first checks would build lazily: the matchers, the pinyin and
    spelling restorers, the look-alike tables and (with `chinese`) the jieba dictionary.

    A caller that forks workers for a batch calls this first, so each worker inherits the
    built state instead of paying for it again (jieba's dictionary alone is ~0.5 s)."""
    # Cyrillic look-alikes, styled letters; a text the rules allow loads the learned weights
    samples = ["you will be arrested", "роlice 𝐚rrest", "thank you"]
    if chinese:
        samples += ["你这个老赖", "報警", "谢谢"]
        compiled_for(pack)
    else:
        lang_matcher(pack, "en")
    for text in samples:
        check_text(pack, text)


def _negated(lm: _LangMatcher, words: List[str], start: int, end: int, interior: bool) -> bool:
    """Is the hit words[start:end] negated within its clause?

    Looks back to the clause boundary (at most a few tokens), inside a combined hit, and
    a few tokens ahead ("the court has NOT been involved"); a cancelling word ("we will not
    HESITATE to ...", "不还钱就...") anywhere there means the negation is not about the hit.
    """
    stops = lm.boundaries
    if _reported(lm, words, start, end):
        return True
    lo = start
    anchor = start  # the negation window counts back from here (the first conjunct's start)
    if lm.lang == "en":
        # coordination carries the negation: "we will never threaten you with arrest OR jail"
        if lo > 1 and words[lo - 1] in _COORDINATION:
            lo -= 1
        else:
            # "... the sheriff OR THE fbi", "not a legal notice OR A COURT summons": a
            # coordination up to two words back, in one clause (no auxiliary after it) ...
            k = lo
            while k > 0 and lo - k < 2 and words[k - 1] not in lm.boundaries and words[k - 1] not in _COORDINATION:
                k -= 1
            # ... the coordination followed by a determiner ("and RISK jail" is a consequence)
            if k > 1 and lo - k >= 1 and words[k - 1] in _COORDINATION and words[k] in _DETERMINERS \
                    and _AUXILIARIES.isdisjoint(words[k:end + 2]):
                lo = k - 1
                anchor = max(0, lo - 2)
        # a negative subject opens the sentence: "No one from our company will visit your home"
        subject = 2 if words[:2] == ["no", "one"] else 1 if words[:1] in (["nobody"], ["none"]) else 0
        if subject and start >= subject and lm.cancel.isdisjoint(words[:end]) \
                and _RESCUE.isdisjoint(words[:end]):
            return True
    while lo > 0 and anchor - lo < _NEGATION_WINDOW and (
            words[lo - 1] not in stops or (lm.lang == "en" and _list_comma(words, lo - 1, stops, chain=True))):
        lo -= 1
    hi = end
    while hi < len(words) and hi - end < _LOOK_AHEAD and words[hi] not in stops:
        hi += 1
    if lo + 2 < start and words[lo] in lm.negators and words[lo + 1] in _FAILURE_GERUNDS:
        lo += 2  # "Not paying this debt WILL NOT get you arrested": the subject's negation is its own
    window = words[lo:start] + (words[start:end] if interior else []) + words[end:hi]
    if interior:  # a combination: "you can talk to your family first" is permission, not a threat
        if lm.excuse_re.search(("" if lm.lang == "zh" else " ").join(words[lo:start])):
            return True
    if lm.lang == "zh":
        joined = "".join(window)
        return lm.negator_re.search(joined) is not None and lm.cancel_re.search(joined) is None
    if not lm.cancel_phrase_keys.isdisjoint(words[lo:hi]) and lm.cancel_phrase_re.search(" ".join(words[lo:hi])):
        return False
    if not lm.negators.isdisjoint(window) and lm.cancel.isdisjoint(window) and _RESCUE.isdisjoint(window):
        return True
    return _promise_list(lm, words, start, hi)


def _list_comma(words: List[str], comma: int, stops: FrozenSet[str], chain: bool = False) -> bool:
    """Is words[comma] the comma of a list ("not ... any court, sheriff or police
    department")? Then a negation before it covers the items after it. It is when an "or",
    "nor" or "and" follows within a few tokens, with no other clause mark between, and the
    list is not the subject of a verb ("don't wait, police and deputies ARE coming")."""
    if words[comma] != ",":
        return False
    for j in range(comma + 1, min(comma + (9 if chain else 5), len(words))):
        if words[j] in _COORDINATION:
            after = words[j + 1:j + 4]
            return _AUXILIARIES.isdisjoint(after)
        # with `chain`, a comma before another list comma is one too ("shout, curse, or ...")
        if words[j] in stops and not (chain and words[j] == "," and j - comma <= 4):
            return False
    return False


def _list_link(words: List[str], link: int) -> bool:
    """Does the "or"/"and"/"nor" at words[link] join two phrases of one clause ("we will
    never post about you OR message your friends"), not two clauses ("... and YOU WILL
    be arrested", "... or THE SHERIFF is next")? It does when no subject (a pronoun, a
    determiner) or auxiliary follows it within a few tokens."""
    if words[link] not in _COORDINATION:
        return False
    after = words[link + 1:link + 4]
    return bool(after) and after[0] not in _SUBJECTS and _AUXILIARIES.isdisjoint(after)


def _promise_list(lm: _LangMatcher, words: List[str], start: int, hi: int) -> bool:
    """Is the (English) hit words[start:...] an item of a list of verb phrases that a
    promise with a subject negates ("WE will NEVER call you names, shout at you, OR tell
    your coworkers")? Items are joined by "or"/"and" that start no new clause
    (`_list_link`) and list commas, up to _LIST_WINDOW tokens back; an imperative whose
    "and" states a consequence ("don't ignore this AND risk jail") is no promise."""
    if lm.negators.isdisjoint(words[max(0, start - _LIST_WINDOW):start]):
        return False
    stops = lm.boundaries
    lo, linked = start, False
    while lo > 0 and start - lo < _LIST_WINDOW:
        if words[lo - 1] in stops:
            # each item a promise's verb: "... and DEPUTIES come tomorrow" is a new clause
            if _list_link(words, lo - 1) and words[lo] in _PROMISE_VERBS:
                linked = True
            elif not _list_comma(words, lo - 1, stops, chain=True):
                break
        lo -= 1
    first = next((i for i in range(lo, start) if words[i] in lm.negators), None)
    if not linked or first is None or _PROMISERS.isdisjoint(words[max(0, lo - 1):first]):
        return False
    window = words[lo:hi]
    return lm.cancel.isdisjoint(window) and _RESCUE.isdisjoint(window)


def _span_is_one_clause(words: List[str], a: int, b: int) -> bool:
    """Do words[a:b] stay in one clause: no "but", "so", "unless", "then" and no comma,
    "and" or "or" that starts a new clause (list commas and links are fine)?"""
    for j in range(a, b):
        w = words[j]
        if w in _SWITCHES:
            return False
        if w == "," and not _list_comma(words, j, frozenset([",", ";", ":"])):
            return False
        # "... to the CFPB or your state attorney general" goes on; "... or you will" does not
        if w in _COORDINATION and (words[j + 1:j + 2] and words[j + 1] in _PRONOUNS
                                   or not _AUXILIARIES.isdisjoint(words[j + 1:j + 4])):
            return False
    return True


def _last(pattern: re.Pattern, text: str) -> Optional[re.Match]:
    """The last match of `pattern` in `text` (the marker nearest the hit governs it)."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007
        pass
    return found


def _reported(lm: _LangMatcher, words: List[str], start: int, end: int) -> bool:
    """Is the hit words[start:end] reported, not threatened: what an impostor or a scammer
    does ("someone CLAIMING TO BE from the police", "FRAUDSTERS threaten jail", "谨防…冒充
    法院"), what the debtor asked or said ("you asked whether you could be arrested"), what
    another creditor did, the debtor's right ("you may REPORT it to your local police",
    "您可以向…投诉"), a denial for a whole group ("police never ASK for PAYMENT by text",
    "任何法院都不会…"), or what is called a scam ("a text threatening arrest IS A SCAM")?

    Each marker counts only within the hit's clause and with no cancelling word, so a
    threat that merely contains one stays blocked ("scammers LIKE YOU end up in prison",
    "this is not a scam: you will be arrested", "我们可以向公安机关报案")."""
    if lm.lang == "zh":
        if not lm.reported_any_re.search("".join(words)):
            return False
        lo, hi = _clause(lm, words, start, end)
        before, after = "".join(words[lo:start]), "".join(words[end:hi])
        if lm.cancel_re.search(before + after):
            return False
        if lm.reported_re.search(before):
            return True
        if "任何" in before and lm.negator_re.search(after):  # 任何法院都不会…
            return True
        if lm.rights_re.search(before) and lm.report_verb_re.search(after):
            return True
        called = lm.scam_after_re.search(after)  # …的短信都是诈骗 (not 不是诈骗)
        return called is not None and not lm.negator_re.search(after[:called.start()])
    if lm.reported_keys.isdisjoint(words) and _ASKING.isdisjoint(words[end:end + 8]):
        return False
    text = " ".join(words[:start])
    marker = _last(lm.reported_re, text)
    if marker is not None:
        first, after = text[:marker.start()].count(" "), text[:marker.end()].count(" ") + 1
        # cancelling words count from the marker on ("don't PAY anyone claiming to be ..." is advice)
        if "you" not in words[max(0, first - 2):first] and words[after:after + 2] not in _LIKE_YOU \
                and lm.cancel.isdisjoint(words[first:end]) and _span_is_one_clause(words, after, start):
            return True
    if not lm.cancel.isdisjoint(words[:end]):
        return False
    right = _last(lm.rights_re, text)
    if right is not None:
        through = " ".join(words[:end])  # the reporting verb may open the hit ("report ... police")
        verb = lm.report_verb_re.search(through, right.end())
        if verb is not None:
            nxt = through[:verb.end()].count(" ") + 1
            # "please report TO the court on Monday" is a summons, not a right
            if nxt < end and words[nxt] != "to" and _span_is_one_clause(words, nxt, start):
                return True
        # wave 7: a second-person right to contact someone ("you may CONTACT your state
        # attorney general", "you can SHARE it with the police"), the hit close after the verb
        opener = words[text[:right.start()].count(" ")]
        if opener in _RIGHT_OPENERS:
            verb = lm.contact_verb_re.search(through, right.end())
            if verb is not None:
                after = through[:verb.end()].count(" ") + 1
                if after <= start <= after + 4 and _span_is_one_clause(words, after, start):
                    return True
    # a whole group denied: "police and courts never ask for payment by text"
    j = end
    while j < len(words) and j - end < _GROUP_WINDOW:
        if words[j] in lm.negators:
            verb = j + 1 + (j + 1 < len(words) and words[j + 1] == "ever")
            if verb < len(words) and words[verb] in _ASKING \
                    and not _MONEY.isdisjoint(words[verb + 1:verb + 5]):
                return True
            break
        if words[j] in lm.boundaries and not (_list_link(words, j) or words[j] == ","):
            break
        j += 1
    tail = " ".join(words[end:])
    called = lm.scam_after_re.search(tail)
    if called is not None:
        upto = end + tail[:called.start()].count(" ")
        return lm.negators.isdisjoint(words[end:upto]) and _span_is_one_clause(words, end, upto)
    return False


def _clause(lm: _LangMatcher, words: List[str], start: int, end: int) -> Tuple[int, int]:
    """The token span of the clause around words[start:end] (to the nearest boundaries)."""
    stops = lm.boundaries
    lo = start
    while lo > 0 and words[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < len(words) and words[hi] not in stops:
        hi += 1
    return lo, hi


def _quoted_by_debtor(lm: _LangMatcher, words: List[str], start: int) -> bool:
    """Is the hit inside a quotation of the debtor's own words, opened right after "you
    asked" / 您说 (issue 13 wave 7b: You asked "am I going to jail over this?" No.; 您说“你们
    是不是把我当老赖了”，绝对没有)? The words are the debtor's, quoted to answer them, so no
    category (insults included) counts there; "I said 'you will go to jail'" and a quotation
    of anyone else's words are not excused."""
    if lm.lang == "zh":
        # canonical text drops the opening “ (a format character) and keeps the closing ”:
        # 您说 + the quoted words up to the hit in one clause, and the closing mark after it
        before = "".join(words[max(0, start - 20):start])
        said = _last(_DEBTOR_SAID_ZH_IN, before)
        if said is None or _ZH_CLAUSE_END.search(before, said.end()) is not None:
            return False
        for w in words[start:start + 20]:
            if w in _CLOSE_QUOTES or w == "\"":
                return True
            if _ZH_CLAUSE_END.fullmatch(w):
                return False
        return False
    q = start - 1
    while q >= 0 and q > start - 40:
        w = words[q]
        if w in _CLOSE_QUOTES:
            return False
        if w in _OPEN_QUOTES:
            if w == "\"" and words[:q].count("\"") % 2:
                return False  # a straight quote that closes an earlier quotation
            break
        q -= 1
    else:
        return False
    if q < 0:
        return False
    return _DEBTOR_SAID_EN.search(" ".join(words[max(0, q - 5):q])) is not None


def _lawful_mention(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Is the hit words[start:end] a lawful, true mention rather than a threat (issue 13
    wave 7: the families of the development sets' false blocks)?

    - a past insult reported, not repeated: a marker right before the hit ("our agent
      CALLED YOU a deadbeat", 那位催收员称您为…) with a third party or an apology in the
      sentence, and not "I"/"we" as the speaker (checked for every category: insults are
      otherwise never excused);
    - what only an authority may do ("ONLY a judge CAN order a garnishment",
      只有法院…才能…), every category;
    - for court, police and other official names (impersonation): a place named after
      them (法院路, 派出所旁边, "Court Street") and a fact about the debtor's own case
      ("your case was DISMISSED by the judge", 法院已撤销该案件)."""
    if _quoted_by_debtor(lm, words, start):
        return True
    if lm.lang == "en":
        # a civil docket number before the court's name ("No. 26-CV-1187 in Travis County
        # Court"; the sentence splitter cuts at "No." so the case's subject is not seen)
        if category == "impersonation" and _CIVIL_DOCKET.search(" ".join(words[max(0, start - 6):start])):
            return True
        if lm.lawful_keys.isdisjoint(words) and not (
                category == "impersonation" and end < len(words) and words[end] in _PLACE_AFTER_EN):
            return False  # none of the markers below has a token here (the common case)
        k = start
        while k > 0 and words[k - 1] in _QUOTES:
            k -= 1
        before = " ".join(words[:k])
        called = lm.called_you_re.search(before) if before and not lm.called_keys.isdisjoint(words[:k]) else None
        while called is not None and called.end() != len(before):
            called = lm.called_you_re.search(before, called.start() + 1)
        if called is not None:
            first = before[:called.start()].count(" ")
            if (first == 0 or words[first - 1] not in _SELF) and not lm.third_parties.isdisjoint(words):
                return True
        if before and not lm.naming_keys.isdisjoint(words[:k]):
            named = _last(lm.naming_re, before)
            if named is not None and named.end() == len(before):
                first = before[:named.start()].count(" ")
                ahead = words[max(0, first - 6):first]
                if not lm.negators.isdisjoint(ahead) and lm.cancel.isdisjoint(ahead):
                    return True
        if _ONLY in words[:start]:
            joined = " ".join(words[:end + 8])  # the modal may follow the hit ("only a JUDGE can")
            for m in _ONLY_AUTHORITY_EN.finditer(joined):
                at = joined[:m.start()].count(" ") + (m.group().startswith(" "))
                # the authority itself, or a measure it may ORDER ("only a judge can order a
                # garnishment"; "only the court can STOP the garnishment now" is no excuse)
                after = words[joined[:m.end()].count(" ") + 1:start]
                if at <= start and _span_is_one_clause(words, at, start) and (
                        category == "impersonation" or not _PERMITS.isdisjoint(after)):
                    return True
        lo, hi = _clause(lm, words, start, end)
        if category in _LEGAL and lm.case_closed_re.search(" ".join(words[lo:hi])) is not None:
            return True
        if category != "impersonation":
            return False
        if end < len(words) and words[end] in _PLACE_AFTER_EN:
            return True
        if lm.suit_condition_re.search(" ".join(words[:start])) is not None:
            return True
        return lm.case_status_re.search(" ".join(words[lo:hi])) is not None
    if category == "impersonation" and end < len(words) and _PLACE_AFTER_ZH.match(words[end]):
        return True
    sentence = "".join(words)
    if lm.lawful_any_re.search(sentence) is None:
        return False  # none of the markers below occurs in the clause (the common case)
    lo, hi = _clause(lm, words, start, end)
    before = "".join(words[lo:start])
    if before:
        called = lm.called_you_re.search(before)
        if called is not None and before.endswith(called.group()) and (
                lm.third_party_re.search(before) or lm.third_party_re.search("".join(words[end:]))):
            return True
        named = _last(lm.naming_re, before)  # 我们绝不会称您为…
        if named is not None and named.end() == len(before):
            ahead = before[:named.start()]
            if lm.negator_re.search(ahead) and not lm.cancel_re.search(ahead):
                return True
    clause = "".join(words[lo:hi])
    only = _ONLY_AUTHORITY_ZH.search(clause)
    if only is not None and only.start() <= len(before):
        return True
    if category in _LEGAL and lm.case_closed_re.search(sentence) is not None:
        return True
    if category != "impersonation":
        return False
    # a Chinese sentence here is one clause (split at "，" too): 法院的判决书我们已收到
    return lm.case_status_re.search(sentence) is not None


def _match_language(lm: _LangMatcher, canon: str) -> List[Tuple[str, int, int]]:
    """(category, first char, end char) of each banned hit in canonical text `canon`."""
    words, offsets = tokens(lm.lang, canon)
    if not words:
        return []
    allow: Dict[str, List[Tuple[int, int]]] = {}
    terms: List[Tuple[str, int, int]] = []
    groups: Dict[Tuple[str, int], Dict[int, List[Tuple[int, int]]]] = {}
    for match_id, start, end in lm.matcher(words):
        rule = lm.rules[match_id]
        if rule.kind == "allow":
            allow.setdefault(rule.category, []).append((start, end))
        elif rule.kind == "term":
            terms.append((rule.category, start, end))
        else:
            groups.setdefault((rule.category, rule.combo), {}).setdefault(rule.group, []).append((start, end))

    def excepted(category: str, start: int, end: int, combo: bool = False) -> bool:
        # an exception counts when it overlaps the hit without lying inside it: "police
        # report" excuses "police", but "an attorney" does not excuse "i am an attorney";
        # a combination is also excused by one that begins with it ("LET US KNOW if a
        # family member ...": the first word is used in another sense)
        return any(a < end and start < b and (not (start <= a and b <= end) or (combo and a == start))
                   for a, b in allow.get(category, ()))

    hits: List[Tuple[str, int, int]] = []
    for category, start, end in terms:
        if excepted(category, start, end) or _lawful_mention(lm, category, words, start, end):
            continue
        if lm.negatable.get(category, True) and _negated(lm, words, start, end, interior=False):
            continue
        hits.append((category, start, end))
    for (category, index), found in groups.items():
        n_groups, within = lm.combos[(category, index)]
        if len(found) < n_groups:
            continue
        for span in _chains(found, n_groups, within):
            start, end = span
            if excepted(category, start, end, combo=True) or _lawful_mention(lm, category, words, start, end):
                continue
            if lm.negatable.get(category, True) and _negated(lm, words, start, end, interior=True):
                continue
            hits.append((category, start, end))
            break
    return [(c, offsets[s], offsets[e - 1] + len(words[e - 1])) for c, s, e in hits]


def _sentence_hits(lm: _LangMatcher, sentence: str) -> Tuple[Tuple[str, int, int], ...]:
    """`_match_language(lm, sentence)`, remembered per sentence.

    A sentence's hits depend on nothing but the sentence (canonical text) and the matcher
    (and, for Chinese, the jieba dictionary: hence its version in the key), and messages
    are written from templates: the sentences of one campaign repeat even where every
    line is personalised ("Maria (ref 48213): ..."), so the tokenising and matching of a
    sentence is done once (issue 13 item 10: this was a third of a check's time)."""
    if _MEMO_LIMIT <= 0:
        return tuple(_match_language(lm, sentence))
    return _remembered(lm.memo, (_dictionary_version, sentence),
                       lambda: tuple(_match_language(lm, sentence)))


def _remembered(memo: Dict[Tuple[int, str], Tuple[Tuple[str, int, int], ...]],
                key: Tuple[int, str],
                compute: Callable[[], Tuple[Tuple[str, int, int], ...]]
                ) -> Tuple[Tuple[str, int, int], ...]:
    """`memo[key]`, computed and stored on first need; a full memo is emptied first (a
    bounded memory without the bookkeeping of an LRU: templates refill it at once)."""
    got = memo.get(key)
    if got is None:
        got = compute()
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = got
    return got


def _steps(within: Any, n_groups: int) -> Tuple[int, ...]:
    """A combination's `within`: one number for every step, or one per step ([4, 0, 0]:
    the subject up to 4 tokens before the modal, the verb right after it)."""
    if isinstance(within, (list, tuple)):
        steps = tuple(int(w) for w in within)
        return steps + (steps[-1] if steps else 4,) * max(0, n_groups - 1 - len(steps))
    return (int(within),) * max(1, n_groups - 1)


def _chains(found: Dict[int, List[Tuple[int, int]]], n_groups: int, within: Tuple[int, ...]
            ) -> List[Tuple[int, int]]:
    """Token spans where group 0, 1, ... follow one another, step g within `within[g-1]`
    tokens."""
    ordered = [sorted(found[g]) for g in range(n_groups)]

    def finish(g: int, end: int) -> Optional[int]:
        # every candidate of group g is tried ("would" and "would like to" both start here)
        if g == n_groups:
            return end
        for start, stop in ordered[g]:
            if end <= start <= end + within[g - 1]:
                got = finish(g + 1, stop)
                if got is not None:
                    return got
        return None

    spans = []
    for first in ordered[0]:
        end = finish(1, first[1])
        if end is not None:
            spans.append((first[0], end))
    return spans


_SENTENCE_END = {"en": re.compile(r"[.!?;\n]+"),
                 # Chinese: clauses, since negation and combinations stop at "，" too
                 "zh": re.compile(r"[.!?。！？;；，,：:\n]+")}


def _sentences(canon: str, starts: List[int], lang: str = "en") -> List[Tuple[int, int]]:
    """The sentences of `canon` that contain one of the trigger offsets `starts`.

    Phrases, combinations and negation never cross a sentence end, so only sentences with
    a trigger need spaCy: the clean greeting and the opt-out line of an SMS are skipped.
    """
    spans: List[Tuple[int, int]] = []
    bounds = [0] + [m.end() for m in _SENTENCE_END[lang].finditer(canon)] + [len(canon)]
    i = 0
    for pos in sorted(starts):
        while i + 1 < len(bounds) and bounds[i + 1] <= pos:
            i += 1
        span = (bounds[i], bounds[min(i + 1, len(bounds) - 1)])
        if not spans or spans[-1] != span:
            spans.append(span)
    return spans


def restorer_for(pack: Pack) -> PinyinRestorer:
    """The pinyin / homophone restorer for `pack`'s Chinese phrases (built on first use)."""
    got = _restorers.get(pack.fingerprint)
    if got is None:
        phrases: List[str] = []
        for spec in (pack.banned.get("categories") or {}).values():
            entry = spec.get("zh") or {}
            # terms only: combination words (联系, 家人 ...) are everyday words on their own
            phrases.extend(canonical_text(t) for t in entry.get("terms") or [])
        with _lock:
            got = _restorers.setdefault(pack.fingerprint, PinyinRestorer(phrases))
    return got


_MASKED = re.compile(r"(?<![a-z*#%])[a-z]*[*#%]+[a-z][a-z*#%]*(?![a-z])|(?<![a-z*#%])[a-z]{1,}[*#%]+(?![a-z*#%])")
_masked_vocab: Dict[str, Dict[int, List[str]]] = {}
_INSULT_NEXT = re.compile(r"\s+(?:off|you|yourself|up|this|that|it|u)\b")


def _vocabulary(pack: Pack) -> Dict[int, List[str]]:
    """The pack's English banned words by length (insults first), for unmasking."""
    got = _masked_vocab.get(pack.fingerprint)
    if got is None:
        words: Dict[str, None] = {}
        categories = pack.banned.get("categories") or {}
        order = sorted(categories, key=lambda c: c != "obscenity")
        for category in order:
            for term in (categories[category].get("en") or {}).get("terms") or []:
                for word in term.lower().split():
                    if len(word) >= 3 and word.isalpha():
                        words[word] = None
        got = {}
        for word in words:
            got.setdefault(len(word), []).append(word)
        _masked_vocab[pack.fingerprint] = got
    return got


def unmask(pack: Pack, text: str) -> str:
    """Masked letters resolved from the pack's English words ("a**hole", "f*ck", "sh#t"):
    each mask character stands for one letter, so the text keeps its length (offsets
    stay valid). A masked word that fits no banned word is left as it is."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return text
    vocab = None
    out = list(text)
    for m in _MASKED.finditer(lowered):
        word = m.group()
        letters = sum(c.isalpha() for c in word)
        # one letter and a mask is read only before the words an insult takes ("f*** off",
        # "s*** you"): "Hi J***," is a name masked for privacy
        if letters < 1 or (letters == 1 and not (word[0].isalpha() and len(word) >= 3
                                                  and _INSULT_NEXT.match(lowered, m.end()))):
            continue
        if vocab is None:
            vocab = _vocabulary(pack)
        for candidate in vocab.get(len(word), ()):
            if all(w in "*#%" or w == c for w, c in zip(word, candidate)):
                out[m.start():m.end()] = candidate
                break
    return "".join(out)


#: words of the people and places a threat names, joined when a space splits them ("your
#: em ployer", "man ager"); with the pack's `sound_alike` core words (arrest, police ...)
SPLIT_WORDS = ("employer", "employers", "manager", "supervisor", "coworker", "coworkers",
               "colleagues", "neighbors", "neighbours", "neighbor", "family", "husband", "children",
               "daughter", "landlord", "attorney", "lawyer", "garnishment", "criminal", "felony",
               "seized", "repossess", "deported", "worthless", "pathetic", "bastard", "asshole")
_split_scanners: Dict[str, Tuple[Optional[TrieScanner], Dict[str, int]]] = {}


def _split_scanner(pack: Pack) -> Tuple[Optional[TrieScanner], Dict[str, int]]:
    """An Aho-Corasick scanner over every spelling of a core word (`SPLIT_WORDS` and the
    pack's `sound_alike` words, 5 letters or more) with one space inside, both parts at
    least two letters ("em ployer", "ar rest"), and where in each the space is."""
    got = _split_scanners.get(pack.fingerprint)
    if got is None:
        where: Dict[str, int] = {}
        for word in dict.fromkeys(list(SPLIT_WORDS) + list(pack.banned.get("sound_alike") or ())):
            word = word.lower()
            if len(word) < 5 or not word.isalpha():
                continue
            for i in range(2, len(word) - 1):
                where[word[:i] + " " + word[i:]] = i
        got = _split_scanners[pack.fingerprint] = (trie_scanner(list(where), word_start=True), where)
    return got


def join_split_words(pack: Pack, text: str) -> str:
    """`text` with the space inside a split core word ("your em ployer gets a call")
    replaced by a zero-width space, which `canonical` drops (so the offsets still map to
    `text`): canonical joins letters spaced one by one, not a word cut in two. Only whole
    words: "them ployer" or "em ployers" (not a core spelling) is left alone."""
    scanner, where = _split_scanner(pack)
    if scanner is None or " " not in text:
        return text
    lowered = text.lower()
    if len(lowered) != len(text) or not scanner.found_in(lowered):  # found_in: C code, stops at once
        return text
    out = None
    for start, stop in scanner.spans(lowered):
        if stop < len(lowered) and lowered[stop].isalpha():
            continue
        gap = where.get(lowered[start:stop])
        if gap is None:
            continue
        if out is None:
            out = list(text)
        out[start + gap] = "\u200b"
    return text if out is None else "".join(out)


def _canonical_restored(pack: Pack, text: str) -> Tuple[str, Sequence[int]]:
    """`canonical` of `text` after pinyin and homophone spellings of the pack's Chinese
    phrases are written back as the phrases (compliance_filters.pinyin); offsets map to
    `text`, and misspelt core threat words ("arested", "poleece") written back as the words
    (compliance_filters.spelling). Restoring runs first because canonical's look-alike
    folds (l -> i) would garble both. Masked English words are filled in before (`unmask`)."""
    if "*" in text or "#" in text or "%" in text:
        text = unmask(pack, text)
    if text.isascii():
        text = join_split_words(pack, text)
    lowered = text.lower() if text.isascii() else fold_lookalikes(fold_width(text).lower())
    if len(lowered) == len(text):
        restored, rmap = restorer_for(pack).restore(lowered)
        spelled, smap = sound_alike(pack.banned.get("sound_alike") or ()).restore(restored)
        if smap is not None:
            restored, rmap = spelled, smap if rmap is None else [rmap[i] for i in smap]
        if rmap is not None:
            canon, index = canonical(restored)
            return canon, [rmap[i] for i in index]
    return canonical(text)


#: (pack fingerprint, lang) -> (dictionary version, {sentence: hits}) (see `_crossing_words`;
#: the sentences of an older dictionary are dropped when its version changes)
_sentence_memos: Dict[Tuple[str, str], Tuple[int, Dict[str, Tuple[Tuple[str, int, int], ...]]]] = {}
_crossing: Dict[Tuple[str, str], Tuple[str, ...]] = {}


def _crossing_words(pack: Pack, lang: str) -> Tuple[str, ...]:
    """The prefilter phrases of `lang` that hold a sentence-end character ("us. treasury").

    Where none of them occurs in a text, no match of the whole-text prefilter crosses a
    sentence end: the scan of the text finds exactly the scans of its sentences (a
    sentence starts after an end mark, which is no letter or digit, as a text starts),
    so the prefilter may run, and its answer and the sentence's hits be remembered,
    sentence by sentence (`_hits_by_sentence`). Chinese packs have none (clauses)."""
    key = (pack.fingerprint, lang)
    got = _crossing.get(key)
    if got is None:
        end = _SENTENCE_END[lang]
        got = _crossing[key] = tuple(w for w in _trigger_words(pack, lang) if end.search(w))
    return got


def _hits_by_sentence(pack: Pack, lang: str, trigger: Trigger, canon: str
                      ) -> List[Tuple[str, int, int]]:
    """(category, start, end) in `canon` of every hit, found sentence by sentence (the
    spans `_sentences` gives) with each sentence's answer, prefilter included, remembered:
    what the whole-text prefilter and `_match_language` per triggered sentence find, but a
    clause a template repeats costs one look-up (issue 13 item 10: the Chinese prefilter
    regex alone was a sixth of a Chinese check)."""
    key = (pack.fingerprint, lang)
    version = _dictionary_version
    entry = _sentence_memos.get(key)
    if entry is None or entry[0] != version:
        entry = _sentence_memos[key] = (version, {})
    memo = entry[1]
    get = memo.get
    found: List[Tuple[str, int, int]] = []
    pos = 0
    # the sentences in one C call, and a remembered one in one look-up keyed by the
    # sentence itself (no closure, no key tuple per sentence): a third of this
    # function's cost per text (issue 13 item 10)
    pieces = (_pieces_re.get(lang) or _sentence_pieces(lang)).findall(canon)
    for i, sentence in enumerate(pieces):
        got = get(sentence)
        if got is None:
            got = tuple(_match_language(lang_matcher(pack, lang), sentence)) \
                if trigger_starts(trigger, sentence) else ()
            if len(memo) >= _MEMO_LIMIT:  # emptied when full, as `_remembered` does
                memo.clear()
            memo[sentence] = got
        if got and not _answered_no(lang, sentence, pieces[i + 1] if i + 1 < len(pieces) else "", got):
            for category, a, b in got:
                found.append((category, pos + a, pos + b))
        pos += len(sentence)
    return found


_pieces_re: Dict[str, re.Pattern] = {}

# wave 7b: the debtor's question about what WE may do, answered "no" by the next sentence
# ("You asked if we can garnish your wages. We can't without a court judgment."). A
# sentence is matched alone, so the question is excused only here, where the answer is
# seen: "... Yes, we can." keeps the question's hit.
_OUR_POWER_QUESTION = re.compile(
    r"^\s*(?:as )?you (?:asked|asked us|wanted to know|wondered|were asking)(?: us)? (?:if|whether) "
    r"(?:we|our company|our office|the agency)\b[^?]*[.?]\s*$")
_NO_ANSWER = re.compile(
    r"^\s*(?:no[,.!;:]|no we\b|not without\b|we (?:can't|cannot|can not|could not|couldn't|won't|will not|"
    r"don't|do not|are not|aren't|have no|may not|never)\b)")
_QUESTION_CATEGORIES = frozenset(["false_legal", "threat_arrest"])


def _answered_no(lang: str, sentence: str, following: str, hits: Sequence[Tuple[str, int, int]]) -> bool:
    """Is `sentence` the debtor's question about what we may do (only legal-measure hits),
    answered no by the sentence that follows it? (issue 13 wave 7b; see `_NO_ANSWER`.)"""
    return (lang == "en" and bool(hits) and all(c in _QUESTION_CATEGORIES for c, _, _ in hits)
            and _OUR_POWER_QUESTION.match(sentence) is not None and _NO_ANSWER.match(following) is not None)


def _sentence_pieces(lang: str) -> re.Pattern:
    """A regex whose `findall` lists what `_hits_by_sentence` cut sentences at before: each
    run up to and with a run of `_SENTENCE_END[lang]` marks, then the unended rest, none
    empty (a text's pieces join back into the text). Written from `_SENTENCE_END`'s own
    character set, so the two cannot drift apart."""
    got = _pieces_re.get(lang)
    if got is None:
        source = _SENTENCE_END[lang].pattern
        if not (source.startswith("[") and source.endswith("]+") and source.count("[") == 1):
            raise ValueError(f"sentence ends for {lang!r} are not one character set: {source!r}")
        marks = source[1:-2]
        got = _pieces_re[lang] = re.compile(f"[^{marks}]*[{marks}]+|[^{marks}]+")
    return got


def _next_sentence(canon: str, end: int, lang: str) -> str:
    """The sentence of `canon` that starts at `end` (empty at the end of the text)."""
    m = (_pieces_re.get(lang) or _sentence_pieces(lang)).match(canon, end)
    return m.group() if m is not None else ""


def banned_hits(pack: Pack, text: str) -> List[Tuple[str, str]]:
    """(category, original matched text) for every banned phrase in `text`."""
    if not text or not text.strip():
        return []
    canon, index = _canonical_restored(pack, text)
    found: List[Tuple[str, str]] = []
    for lang in LANGS:
        if lang == "zh" and (canon.isascii() or not has_cjk(canon)):  # isascii: a flag, no scan
            continue
        trigger = trigger_for(pack, lang)
        if trigger is None:
            continue
        crossing = _crossing_words(pack, lang)
        if _MEMO_LIMIT > 0 and not (crossing and any(w in canon for w in crossing)):
            for category, a, b in _hits_by_sentence(pack, lang, trigger, canon):
                found.append((category, text[index[a]:index[b - 1] + 1]))
            continue
        starts = trigger_starts(trigger, canon)
        if not starts:
            continue
        lm = lang_matcher(pack, lang)
        for begin, end in _sentences(canon, starts, lang):
            got = _sentence_hits(lm, canon[begin:end])
            if got and _answered_no(lang, canon[begin:end], _next_sentence(canon, end, lang), got):
                continue
            for category, a, b in got:
                found.append((category, text[index[begin + a]:index[begin + b - 1] + 1]))
    return found


def check_text(pack: Pack, text: str, lang: Optional[str] = None) -> Decision:
    """Blocked with `phrase.<category>` reasons if `text` holds banned content.

    Both languages' phrases are always checked (a Chinese message can carry an English
    threat); `lang` is accepted as a hint for callers and does not narrow the check.
    """
    hits = banned_hits(pack, text)
    if not hits:  # the learned second opinion on what the rules allow (learned.py)
        verdict = learned_verdict(pack.learned, text)
        return Decision.block(Reason(*verdict)) if verdict else Decision.allow()
    return Decision.block(*(Reason(f"phrase.{c}", m) for c, m in dict.fromkeys(hits)))
