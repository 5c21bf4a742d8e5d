"""Text normalisation shared by the phrase filter and the NLU.

Two length-preserving folds make different spellings of the same words look alike:
full-width ASCII becomes half-width and Traditional Chinese becomes Simplified. Keeping
the length means offsets found in the normalised text are valid in the original.
`canonical` goes further for matching only (lower case, digit-for-letter swaps, letters
spaced or punctuated apart joined up) and keeps a map back to the original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space


def translation_sequence(table: Mapping[int, object]) -> List[object]:
    """`table` as a list indexed by code point (unmapped code points map to themselves),
    for `str.translate`: the same result, but a dict makes translate raise and catch a
    KeyError for every character it does not map (most of a Chinese text), which made the
    translations a tenth of a Chinese check's time (issue 13 item 10)."""
    sequence: List[object] = list(range(max(table, default=-1) + 1))
    for code, value in table.items():
        sequence[code] = value
    return sequence


_FULL_WIDTH_SEQUENCE = translation_sequence(_FULL_WIDTH)


#: the last text `fold_width` and `fold` were given, and their answers (see `fold`);
#: holding the text keeps it alive, so a later text with the same id is never taken for it
_last_width: Tuple[object, str] = (None, "")
_last_fold: Tuple[object, str] = (None, "")


def fold_width(text: str) -> str:
    """Full-width ASCII (Ａ-Ｚ, ０-９, ＄, ...) and the ideographic space -> half-width."""
    global _last_width
    out = text.translate(_FULL_WIDTH_SEQUENCE)
    _last_width = (text, out)
    return out


def fold(text: str) -> str:
    """`text.translate(_fold_table())`: full-width folded and Traditional -> Simplified.

    The phrase filter folds a text's width, then canonicalises it (this fold), and the
    learned check, run on the same text, folds it again: three translations of every
    Chinese text, a character-by-character map each (issue 13 item 10). The last text's
    answer is kept, and where the text is the one `fold_width` was given last and holds
    no Traditional character (one regex look), the width-folded text is the answer
    (the table is the width table and the Traditional table, whose keys are Chinese
    characters no width fold makes or removes)."""
    global _last_fold
    source, out = _last_fold
    if source is text:
        return out
    source, width = _last_width
    if source is text and _traditional_re().search(width) is None:
        out = width
    else:
        out = text.translate(_fold_table())
    _last_fold = (text, out)
    return out


@lru_cache(maxsize=1)
def _opencc():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese (OpenCC t2s); other scripts pass through.

    Phrase conversions that would change the length are undone (character table only),
    so offsets stay valid.
    """
    if not text or not _CJK.search(text):
        return text
    converted = _opencc().convert(text)
    return converted if len(converted) == len(text) else text.translate(_t2s_table())


@lru_cache(maxsize=1)
def _t2s_table() -> Dict[int, str]:
    """OpenCC's one-to-one Traditional -> Simplified character table, for str.translate.

    Much faster than the phrase-aware converter and enough for matching keywords.
    """
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: Dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            target = parts[1].split(" ")[0]
            if len(target) == 1 and target != parts[0]:
                table[ord(parts[0])] = target
    return table


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern:
    """Any character the Traditional -> Simplified table maps, or any character outside
    the Basic Multilingual Plane (see `fold`: there the text is translated whatever it
    holds). The regex engine tests a set of BMP characters with one bitmap look-up per
    character; the few table keys above it would make it compare ranges one by one."""
    return re.compile(char_class(code for code in _t2s_table() if code < 0x10000)
                      + "|[\U00010000-\U0010ffff]")


def char_class(codes: Iterable[int]) -> str:
    """A regex character class holding exactly the code points `codes`, written as ranges
    (a class of thousands of single characters compiles slowly and is matched no faster)."""
    ordered = sorted(set(codes))
    parts: List[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(re.escape(chr(ordered[i])) + ("-" + re.escape(chr(ordered[j])) if j > i else ""))
        i = j + 1
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _fold_table() -> List[object]:
    """fold_width and the Traditional -> Simplified table as one str.translate table."""
    table: Dict[int, object] = dict(_FULL_WIDTH)
    table.update(_t2s_table())
    return translation_sequence(table)


def fast_simplified(text: str) -> str:
    """Character-by-character Traditional -> Simplified (no phrase rules)."""
    return text.translate(_t2s_table())


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Digit and symbol look-alikes, applied only inside words that also hold letters, so
# "p0lice" reads "police" but "$500" stays an amount. "l", "1", "|" and "!" all fold to
# "i" (a "1" can stand for either letter); patterns are folded the same way.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "8": "b", "$": "s", "@": "a", "!": "i", "|": "i", "l": "i"})
# a look-alike character next to a letter: only then is there a word to translate
_LEET_NEAR = re.compile(r"[0-9$@!|](?:(?<=[a-z][0-9$@!|])|(?=[a-z]))")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789$@!|")
_HAS_LETTER = re.compile(r"[a-z]")
# letters (or look-alike digits) held apart by separators: a-r-r-e-s-t, p.0.l.i.c.e, a r r e s t
# cheap first look for _SPACED (starts at the rarer separator; the text gets a leading space)
_SPACED_HINT = re.compile(r"[\s\-_.*·/\\,~+][a-z0-9$@][\s\-_.*·/\\,~+]{1,3}[a-z0-9$@](?![a-z0-9$@])")
_SPACED = re.compile(r"(?<![a-z0-9$@])[a-z0-9$@](?:[\s\-_.*·/\\,~+]{1,3}[a-z0-9$@](?![a-z0-9$@])){2,}")
# separators inside a word: arr-est, arr.est, p*lice
# (at least one side a letter, so "800-555-0100" and "75.00" stay as they are)
# (the lookarounds do the test in the regex engine: most texts have no such run at all, and
# "Call 800-555-0100." no longer costs a Python loop over its separators)
_INNER_SEP = re.compile(r"(?<=[a-z])[\-_.*·~+]+(?=[a-z0-9$@])|(?<=[0-9$@])[\-_.*·~+]+(?=[a-z])")
# The same runs found faster (issue 13 item 10): a pattern that starts with a look-behind
# makes the regex engine try every position, one that starts with a character set lets
# it jump from separator to separator; the character before the run is checked by a
# look-behind placed after the first separator (free where the set fails), so the runs
# between the digits of amounts and phone numbers ("$447.00", "800-555-0100"), found in
# most reminders, cost no Python loop turn each. `inner_separators` and `_INNER_SEP`
# agree on every text (tests/compliance/test_filter_equivalence.py compares them).
_SEP = r"[\-_.*·~+]"
_INNER_CUT = re.compile(f"{_SEP}(?:(?<=[a-z]{_SEP}){_SEP}*(?=[a-z0-9$@])|(?<=[0-9$@]{_SEP}){_SEP}*(?=[a-z]))")
# anything between two Chinese characters that is not a clause mark: 公 检 法, 公-检-法
_CJK_GAP = re.compile(
    r"(?<=[\u3400-\u9fff])[\s\-_.*·/\\、|~+\"'“”‘’()（）\[\]【】<>《》]+(?=[\u3400-\u9fff])"
)


# characters other than ASCII, CJK and full-width forms: these get the per-character fold
_UNUSUAL = re.compile(r"[^\x00-\x7f\u3000-\u9fff\uff00-\uffef]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")


@lru_cache(maxsize=1)
def _latin_confusables() -> Dict[str, str]:
    """Cyrillic and Greek letters that look like one Latin letter (Unicode's confusables
    data as kept by the `confusable_homoglyphs` package): "рolice" with a Cyrillic "р"."""
    import json

    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json")
                      .read_text(encoding="utf-8"))
    table: Dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or not _CYRILLIC_GREEK.match(char):
            continue
        for glyph in glyphs:
            target = glyph.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalpha():
                table[char] = target
                break
    return table


def fold_lookalikes(text: str) -> str:
    """Cyrillic/Greek look-alike letters -> Latin, one for one, when `text` is mostly
    Latin (as `canonical` folds them): the misspelling and pinyin passes, which run before
    `canonical`, then see "arrеsted" with a Cyrillic "е" as the Latin word it poses as."""
    if not _CYRILLIC_GREEK.search(text) or \
            len(_LATIN_LETTER.findall(text)) < len(_CYRILLIC_GREEK.findall(text)):
        return text
    table = _latin_confusables()
    return "".join(table[c].lower() if c in table else c for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One unusual character as plain text: format characters (zero-width space/joiner,
    soft hyphen, BOM) vanish; NFKC turns styled letters (𝐚, ⓐ, ﬁ) into plain ones; accents
    on Latin letters are dropped."""
    if unicodedata.category(char) == "Cf":
        return ""
    plain = unicodedata.normalize("NFKC", char)
    stripped = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    return stripped if stripped.isascii() else plain


def _fold_unusual(text: str) -> Tuple[str, List[int]]:
    """`_fold_char` over `text`, plus Cyrillic/Greek look-alikes -> Latin when the text is
    mostly Latin (a Russian or Greek message keeps its letters); with the offset map."""
    lookalikes: Dict[str, str] = {}
    if _CYRILLIC_GREEK.search(text) and \
            len(_LATIN_LETTER.findall(text)) >= len(_CYRILLIC_GREEK.findall(text)):
        lookalikes = _latin_confusables()
    out: List[str] = []
    index: List[int] = []
    for i, char in enumerate(text):
        if char.isascii() or not _UNUSUAL.match(char):
            out.append(char)
            index.append(i)
            continue
        folded = lookalikes.get(char) or _fold_char(char)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def canonical(text: str) -> Tuple[str, Sequence[int]]:
    """The matching form of `text` and, for each of its characters, the original offset
    (a `range` while no character has moved: building a list per text cost more than the
    folds themselves for most texts)."""
    ascii_only = text.isascii()
    folded = text if ascii_only else fold(text)
    if not ascii_only and _UNUSUAL.search(folded):
        folded, index = _fold_unusual(folded)
        lowered = folded.lower()
        if len(lowered) != len(index):  # lower() changed a length (rare: "İ"): keep those
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
        folded = lowered
    else:
        folded = folded.lower()
        index: Sequence[int] = range(len(folded))
    if _SPACED_HINT.search(" " + folded):
        folded, index = _drop(folded, index, _SPACED, keep_units=True)
    folded, index = _join_inner(folded, index)
    folded = folded.replace("l", "i")
    folded = _fold_leet_words(folded)
    if ascii_only:
        return folded, index
    return _drop(folded, index, _CJK_GAP, keep_units=False)


_WORD_REST = re.compile(r"[a-z0-9$@!|]*")


def _fold_leet_words(folded: str) -> str:
    """Every word (a run of `_WORD_CHARS`) holding a look-alike next to a letter, with its
    look-alikes translated (`_LEET`); "!" and "|" at the word's edges stay punctuation.

    Built from slices of `folded`, not by assigning into a list of its characters, and
    each word's end found by one regex match: half the cost of the character loop this
    replaced, which ran on every text with a "5th" or "p0lice" in it (issue 13 item 10;
    tests/compliance/test_filter_equivalence.py compares the two)."""
    near = _LEET_NEAR.search(folded)
    if not near:  # most texts
        return folded
    pieces: List[str] = []
    pos = 0
    while near:
        start = near.start()
        end = _WORD_REST.match(folded, start).end()  # type: ignore[union-attr]  # * always matches
        while start > 0 and folded[start - 1] in _WORD_CHARS:
            start -= 1
        word = folded[start:end]
        core = word.strip("!|")
        if core:
            start += len(word) - len(word.lstrip("!|"))
            pieces.append(folded[pos:start])
            pieces.append(core.translate(_LEET))
            pos = start + len(core)
        near = _LEET_NEAR.search(folded, end)
    pieces.append(folded[pos:])
    return "".join(pieces)


@lru_cache(maxsize=1 << 16)
def canonical_text(text: str) -> str:
    """`canonical` without the offset map (for patterns and keyword lists).

    Remembered: building a pack's matchers canonicalises its ~12,000 phrases, and the
    prefilter's word lists (`phrases._trigger_words`), the pinyin restorer and the
    negation lists canonicalise many of them again; a batch's parent pays that before it
    forks (issue 13 item 10). `canonical` depends on nothing but the text."""
    return canonical(text)[0]


def inner_separators(text: str) -> List[Tuple[int, int]]:
    """The spans `_INNER_SEP.finditer(text)` gives: separator runs with a letter on one
    side and a letter or digit on the other (see `_INNER_CUT`)."""
    if _INNER_CUT.search(text) is None:  # most texts
        return []
    return [m.span() for m in _INNER_CUT.finditer(text)]


def _join_inner(text: str, index: Sequence[int]) -> Tuple[str, Sequence[int]]:
    """Remove separators inside a word (arr-est, p*lice); one side must be a letter, so
    "800-555-0100" and "75.00" stay as they are."""
    cuts = inner_separators(text)
    if not cuts:
        return text, index
    out: List[str] = []
    out_index: List[int] = []
    pos = 0
    for a, b in cuts:
        out.append(text[pos:a])
        out_index.extend(index[pos:a])
        pos = b
    out.append(text[pos:])
    out_index.extend(index[pos:])
    return "".join(out), out_index


def _drop(text: str, index: Sequence[int], pattern: re.Pattern, keep_units: bool
          ) -> Tuple[str, Sequence[int]]:
    """Remove separators found by `pattern` (keep_units: keep the letters/digits inside it).

    Runs of Latin characters are only joined when they hold a letter, so dates and
    amounts ("2026-03-10", "1 2 3") stay as they are.
    """
    if not pattern.search(text):
        return text, index
    out: List[str] = []
    out_index: List[int] = []
    pos = 0
    for m in pattern.finditer(text):
        if keep_units and not _HAS_LETTER.search(m.group()):
            continue
        out.append(text[pos:m.start()])
        out_index.extend(index[pos:m.start()])
        if keep_units:
            # a wider gap between spaced letters is a word gap: "y o u  w i l l" -> "you will"
            gap = 0
            for i in range(m.start(), m.end()):
                if text[i].isalnum() or text[i] in "$@":
                    if gap >= 2:
                        out.append(" ")
                        out_index.append(index[i - 1])
                    gap = 0
                    out.append(text[i])
                    out_index.append(index[i])
                elif text[i].isspace():
                    gap += 1
        pos = m.end()
    out.append(text[pos:])
    out_index.extend(index[pos:])
    return "".join(out), out_index


#: runs of a-z and the ASCII characters `str.split` takes for whitespace: in a lower-case
#: text, no word of letters a-z and no run of letters with whitespace between ("gong jian
#: fa") reaches across any other character, so the pinyin and misspelling passes may ask
#: about a text segment by segment and remember the segments (issue 13 item 10)
_LATIN_SEGMENT = re.compile(r"[a-z \t\n\x0b\x0c\r\x1c-\x1f]+")
_last_segments: Tuple[object, List[str]] = (None, [])


def latin_segments(text: str) -> List[str]:
    """`_LATIN_SEGMENT.findall(text)`; the last text's answer is kept (the pinyin pass and
    the misspelling pass ask about the same text one after the other). Not to be changed
    by the caller."""
    global _last_segments
    source, segments = _last_segments
    if source is not text:
        segments = _LATIN_SEGMENT.findall(text)
        _last_segments = (text, segments)
    return segments


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
