"""Rule packs: the jurisdiction's rules as data, plus creditor overlays that tighten them.

A pack (packs/<name>.yml) fixes the contact window, the frequency caps, the SMS keywords,
the required content and the banned phrases. A creditor may narrow the window, lower a
cap, add banned phrases or required content; anything that would loosen the pack raises
`PackError`, so a configuration mistake can never make the gate more permissive.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml

PACK_DIR = Path(__file__).parent / "packs"
PACK_NAMES = ("us", "cn")
_PACK_KEYS = {"name", "window", "default_zones", "replies_outside_window", "caps", "keywords",
              "required", "banned_include", "banned", "time_barred", "record_calls", "learned"}
_OVERLAY_KEYS = {"creditor", "window", "default_zones", "replies_outside_window", "caps",
                 "keywords", "required", "banned", "strict", "learned"}
LEARNED_OFF = {"enabled": False, "threshold": 1.0}
STRICT_FILE = "strict.yml"  # the source plan's negative list, switched on by `strict: true`
_CAP_SCOPES = ("debt", "debtor", "number")
# libyaml's safe loader where PyYAML was built with it: the same documents, about five times
# faster to read (the packs are ~40 KB of YAML read on every start-up, issue 13 item 10)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PackError(ValueError):
    """A pack or overlay that cannot be used (unreadable, malformed or looser than the pack)."""


@dataclass(frozen=True)
class CapRule:
    """At most `limit` matching contacts in any rolling `period_hours` on `channel`."""

    name: str
    channel: str
    scope: str
    outcomes: Optional[Tuple[str, ...]]  # None: every outcome counts
    limit: int
    period_hours: float
    # who started the contacts that count: ("collector",) by default; None = anyone (Reg F
    # 1006.14(b)(2)(ii): a conversation the debtor started counts too)
    initiated_by: Optional[Tuple[str, ...]] = ("collector",)
    # the cap applies only to recipients in these states/regions (empty: everyone)
    states: Tuple[str, ...] = ()


@dataclass(frozen=True)
class RequiredItem:
    """Content a message must carry (`text` per language; `detect` says it is present)."""

    name: str
    channels: Tuple[str, ...]
    kinds: Tuple[str, ...]
    when: str  # "always" | "first_verified_conversation"
    text: Mapping[str, str]
    detect: Tuple[Tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class Pack:
    """A loaded, validated rule pack (possibly tightened by a creditor overlay)."""

    name: str
    window_start: time
    window_end: time
    default_zones: Tuple[str, ...]
    replies_outside_window: bool
    caps: Tuple[CapRule, ...]
    keywords: Mapping[str, Tuple[str, ...]]
    required: Tuple[RequiredItem, ...]
    banned: Mapping[str, Any]  # {"negation": {...}, "categories": {...}} as in banned_common.yml
    fingerprint: str
    creditor: str = ""
    # Reg F 1006.26 time-barred debt rules (suit words, revival states, offer words)
    time_barred: Mapping[str, Any] = field(default_factory=dict)
    # calls are recorded (cn: the opening says so, so the call must be recorded too)
    record_calls: bool = False
    # the learned second opinion on texts the phrase rules allow (compliance_filters.learned):
    # {"enabled": bool, "threshold": probability at or above which a text is blocked}
    learned: Mapping[str, Any] = field(default_factory=lambda: dict(LEARNED_OFF))

    @property
    def history_horizon(self) -> timedelta:
        """How far back a contact can still count against a cap: callers may pass only the
        history since `at - history_horizon` (older contacts never change a decision for
        `at` or later), so the history a gate reads does not grow with an account's age."""
        return timedelta(hours=max((rule.period_hours for rule in self.caps), default=0))

    def cap(self, name: str) -> CapRule:
        for rule in self.caps:
            if rule.name == name:
                return rule
        raise KeyError(name)


def load_pack(name: str, overlay: Union[None, str, Path, Mapping[str, Any]] = None) -> Pack:
    """The pack `name` ("us" or "cn"), tightened by `overlay` (a mapping or a YAML file)."""
    if name not in PACK_NAMES:
        raise PackError(f"unknown rule pack {name!r}: choose from {', '.join(PACK_NAMES)}")
    if overlay is None:
        return _load_cached(name, "")
    data = _read_overlay(overlay)
    return _load_cached(name, json.dumps(data, sort_keys=True, ensure_ascii=False, default=str))


@lru_cache(maxsize=64)
def _load_cached(name: str, overlay_json: str) -> Pack:
    raw = _read_yaml(PACK_DIR / f"{name}.yml")
    unknown = set(raw) - _PACK_KEYS
    if unknown:
        raise PackError(f"pack {name}: unknown keys {sorted(unknown)}")
    include = raw.get("banned_include") or []
    banned: Dict[str, Any] = {"negation": {}, "categories": {}}
    # one shared file or a list of them (banned_common.yml, then the families added for issue 13)
    for i, part in enumerate([include] if isinstance(include, str) else include):
        shared = _read_yaml(PACK_DIR / part)
        if i == 0:
            banned["negation"] = shared.get("negation") or {}
        # core words whose misspellings are written back (compliance_filters.spelling)
        banned["sound_alike"] = list(banned.get("sound_alike") or []) + list(shared.get("sound_alike") or [])
        _merge_banned(banned["categories"], shared.get("categories") or {}, source=str(part),
                      allow_allow=True)
    _merge_banned(banned["categories"], raw.get("banned") or {}, source=f"pack {name}", allow_allow=True)
    raw["banned"] = banned
    creditor = ""
    if overlay_json:
        overlay = json.loads(overlay_json)
        creditor = str(overlay.get("creditor") or "")
        raw = _apply_overlay(raw, overlay)
    return _build(name, raw, creditor)


def _read_yaml(path: Path) -> Dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise PackError(f"rule pack file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise PackError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise PackError(f"{path}: expected a mapping at the top level")
    return data


def _read_overlay(overlay: Union[str, Path, Mapping[str, Any]]) -> Dict[str, Any]:
    if isinstance(overlay, Mapping):
        return copy.deepcopy(dict(overlay))
    return _read_yaml(Path(overlay))


def _parse_time(value: Any, where: str) -> time:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 08:00 as 480
        value = f"{value // 60:02d}:{value % 60:02d}"
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise PackError(f"{where}: {value!r} is not a time like 08:00") from None


def _window(raw: Mapping[str, Any], where: str) -> Tuple[time, time]:
    window = raw.get("window")
    if not isinstance(window, Mapping) or "start" not in window or "end" not in window:
        raise PackError(f"{where}: window needs start and end")
    start = _parse_time(window["start"], f"{where}: window.start")
    end = _parse_time(window["end"], f"{where}: window.end")
    if end <= start:
        raise PackError(f"{where}: window end {end:%H:%M} must be after start {start:%H:%M}")
    return start, end


def _apply_overlay(base: Dict[str, Any], overlay: Mapping[str, Any]) -> Dict[str, Any]:
    """`base` tightened by `overlay`; PackError names the first loosening found."""
    who = f"overlay{' for ' + str(overlay['creditor']) if overlay.get('creditor') else ''}"
    unknown = set(overlay) - _OVERLAY_KEYS
    if unknown:
        raise PackError(f"{who}: unknown or not overridable keys {sorted(unknown)}")
    merged = copy.deepcopy(base)
    if "window" in overlay:
        b_start, b_end = _window(base, "pack")
        o_start, o_end = _window(overlay, who)
        if o_start < b_start or o_end > b_end:
            raise PackError(
                f"{who} loosens the pack: window {o_start:%H:%M}-{o_end:%H:%M} is wider than "
                f"{b_start:%H:%M}-{b_end:%H:%M}"
            )
        merged["window"] = {"start": f"{o_start:%H:%M}", "end": f"{o_end:%H:%M}"}
    if "replies_outside_window" in overlay:
        value = overlay["replies_outside_window"]
        if not isinstance(value, bool):
            raise PackError(f"{who}: replies_outside_window must be true or false")
        if value and not base.get("replies_outside_window", True):
            raise PackError(f"{who} loosens the pack: replies outside the window are not allowed")
        merged["replies_outside_window"] = value
    if "default_zones" in overlay:
        merged["default_zones"] = list(dict.fromkeys(
            list(base.get("default_zones") or []) + list(overlay["default_zones"] or [])))
    if "caps" in overlay:
        merged["caps"] = _tighten_caps(base.get("caps") or [], overlay["caps"] or [], who)
    if "keywords" in overlay:
        keywords = dict(base.get("keywords") or {})
        for group, words in (overlay["keywords"] or {}).items():
            if group != "optout":
                raise PackError(f"{who} loosens the pack: only opt-out keywords can be added, not {group!r}")
            keywords["optout"] = list(dict.fromkeys(list(keywords.get("optout") or []) + list(words or [])))
        merged["keywords"] = keywords
    if "required" in overlay:
        names = {item.get("name") for item in base.get("required") or []}
        for item in overlay["required"] or []:
            if item.get("name") in names:
                raise PackError(f"{who}: required item {item.get('name')!r} already exists in the pack")
        merged["required"] = list(base.get("required") or []) + list(overlay["required"] or [])
    if "banned" in overlay:
        _merge_banned(merged["banned"]["categories"], overlay["banned"] or {}, source=who,
                      allow_allow=False)
    if "strict" in overlay:
        if not isinstance(overlay["strict"], bool):
            raise PackError(f"{who}: strict must be true or false")
        if overlay["strict"]:
            strict = _read_yaml(PACK_DIR / STRICT_FILE).get("categories") or {}
            _merge_banned(merged["banned"]["categories"], strict, source=STRICT_FILE, allow_allow=False)
    if "learned" in overlay:
        merged["learned"] = _tighten_learned(_learned(base, "pack"), overlay["learned"], who)
    return merged


def _learned(raw: Mapping[str, Any], where: str) -> Dict[str, Any]:
    """The `learned` settings of a pack or overlay, validated ({enabled, threshold})."""
    value = raw.get("learned", LEARNED_OFF)
    if not isinstance(value, Mapping) or set(value) - {"enabled", "threshold"}:
        raise PackError(f"{where}: learned must be a mapping of enabled and threshold")
    enabled = value.get("enabled", True)
    threshold = value.get("threshold", 1.0)
    if not isinstance(enabled, bool):
        raise PackError(f"{where}: learned.enabled must be true or false")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise PackError(f"{where}: learned.threshold must be a probability in (0, 1]")
    return {"enabled": enabled, "threshold": float(threshold)}


def _tighten_learned(base: Dict[str, Any], overlay: Any, who: str) -> Dict[str, Any]:
    """An overlay may switch the learned check on or lower its threshold, never the reverse."""
    if not isinstance(overlay, Mapping):
        raise PackError(f"{who}: learned must be a mapping of enabled and threshold")
    wanted = _learned({"learned": {**base, **overlay}}, who)
    if base["enabled"] and not wanted["enabled"]:
        raise PackError(f"{who} loosens the pack: the learned phrase check cannot be switched off")
    if base["enabled"] and wanted["threshold"] > base["threshold"]:
        raise PackError(f"{who} loosens the pack: learned.threshold {wanted['threshold']} is above "
                        f"{base['threshold']}")
    return wanted


def _tighten_caps(base: list, overlay: list, who: str) -> list:
    caps = {c["name"]: dict(c) for c in base}
    for item in overlay:
        if not isinstance(item, Mapping) or "name" not in item:
            raise PackError(f"{who}: every cap needs a name")
        name = item["name"]
        if name not in caps:  # a new cap only adds a limit
            caps[name] = dict(item)
            continue
        cap = caps[name]
        for key in set(item) - {"name", "limit", "period_hours"}:
            if item[key] != cap.get(key):
                raise PackError(f"{who}: cap {name}: {key} cannot be changed")
        if "limit" in item:
            if int(item["limit"]) > int(cap["limit"]):
                raise PackError(
                    f"{who} loosens the pack: cap {name} limit {item['limit']} is above {cap['limit']}")
            cap["limit"] = int(item["limit"])
        if "period_hours" in item:
            if float(item["period_hours"]) < float(cap["period_hours"]):
                raise PackError(
                    f"{who} loosens the pack: cap {name} period {item['period_hours']} h is shorter "
                    f"than {cap['period_hours']} h")
            cap["period_hours"] = float(item["period_hours"])
    return list(caps.values())


_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


def expand_phrases(phrases: Sequence[str]) -> List[str]:
    """Every spelling a phrase family stands for: "{will|'ll|are going to} hear" is "will
    hear", "'ll hear" and "are going to hear"; an empty choice ("{ever |}") drops the part.
    One line of the pack names a family of phrasings (tenses, contractions, who is named)
    instead of each member being listed, or missed (issue 13 item 9)."""
    out: Dict[str, None] = {}
    for phrase in phrases:
        pending = [str(phrase)]
        while pending:
            current = pending.pop()
            m = _ALTERNATIVES.search(current)
            if m is None:
                out[" ".join(current.split())] = None
                continue
            pending.extend(current[:m.start()] + choice + current[m.end():]
                           for choice in reversed(m.group(1).split("|")))
    return [p for p in out if p]


def _merge_banned(categories: Dict[str, Any], extra: Mapping[str, Any], *, source: str,
                  allow_allow: bool) -> None:
    """Add `extra` banned phrases; exceptions ("allow") only come from the pack itself."""
    for category, spec in extra.items():
        if not isinstance(spec, Mapping):
            raise PackError(f"{source}: banned.{category} must be a mapping")
        target = categories.setdefault(category, {"negatable": True})
        if "negatable" in spec:
            if spec["negatable"] and not target.get("negatable", True) and not allow_allow:
                raise PackError(f"{source} loosens the pack: banned.{category} cannot become negatable")
            target["negatable"] = bool(spec["negatable"])
        for lang, entries in spec.items():
            if lang == "negatable":
                continue
            if lang not in ("en", "zh"):
                raise PackError(f"{source}: banned.{category}: unknown language {lang!r}")
            dest = target.setdefault(lang, {})
            for key, values in (entries or {}).items():
                if key == "allow" and not allow_allow:
                    raise PackError(
                        f"{source} loosens the pack: banned.{category}.{lang}.allow adds exceptions")
                if key not in ("terms", "combos", "allow"):
                    raise PackError(f"{source}: banned.{category}.{lang}: unknown key {key!r}")
                if key == "combos":
                    values = [{**combo, "groups": [expand_phrases(g) for g in combo.get("groups") or []]}
                              for combo in values or []]
                else:
                    values = expand_phrases(values or [])
                dest[key] = list(dest.get(key) or []) + list(values)


def _build(name: str, raw: Mapping[str, Any], creditor: str) -> Pack:
    where = f"pack {name}"
    start, end = _window(raw, where)
    caps = []
    for item in raw.get("caps") or []:
        try:
            outcomes = item.get("outcomes", "any")
            scope = item["scope"]
            if scope not in _CAP_SCOPES:
                raise PackError(f"{where}: cap {item.get('name')}: scope must be one of {_CAP_SCOPES}")
            if item["channel"] not in ("sms", "voice"):
                raise PackError(f"{where}: cap {item.get('name')}: channel must be sms or voice")
            starters = item.get("initiated_by", ["collector"])
            caps.append(CapRule(
                name=str(item["name"]), channel=str(item["channel"]), scope=scope,
                outcomes=None if outcomes == "any" else tuple(outcomes),
                limit=int(item["limit"]), period_hours=float(item["period_hours"]),
                initiated_by=None if starters == "any" else tuple(starters),
                states=tuple(str(x).upper() for x in item.get("states") or ()),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PackError):
                raise
            raise PackError(f"{where}: malformed cap {item!r}") from None
    required = []
    for item in raw.get("required") or []:
        try:
            required.append(RequiredItem(
                name=str(item["name"]), channels=tuple(item["channels"]), kinds=tuple(item["kinds"]),
                when=str(item.get("when", "always")), text=dict(item["text"]),
                detect=tuple(tuple(str(s).lower().replace(" ", "") for s in group)
                             for group in item["detect"]),
            ))
        except (KeyError, TypeError):
            raise PackError(f"{where}: malformed required item {item!r}") from None
    keywords = {k: tuple(str(w) for w in v or ()) for k, v in (raw.get("keywords") or {}).items()}
    fingerprint = hashlib.sha256(
        json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]
    return Pack(
        name=name, window_start=start, window_end=end,
        default_zones=tuple(raw.get("default_zones") or ()),
        replies_outside_window=bool(raw.get("replies_outside_window", True)),
        caps=tuple(caps), keywords=keywords, required=tuple(required), banned=raw["banned"],
        fingerprint=fingerprint, creditor=creditor, time_barred=dict(raw.get("time_barred") or {}),
        record_calls=bool(raw.get("record_calls", False)), learned=_learned(raw, where),
    )
