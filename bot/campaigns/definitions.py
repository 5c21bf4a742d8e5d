"""Campaign definitions: data files (`bot/campaigns/*.yml`), checked completely at load.

A campaign says which risk tiers and rule packs it applies to and lists its steps. A step
happens on one local day of the debtor, given by `when`:

- `{due: N}`: N days from the debt's due date (-3 = three days before);
- `{past_due_every: E, from: F}`: every E days once the debt is F or more days past due;
- `{installment: N}`: N days from each unpaid installment of an accepted arrangement;
- `{broken_promise: N}`: N days after a missed installment's grace ran out (the arrangement
  is broken then), i.e. on missed due date + grace + N.

`channel` is sms or voice. SMS steps carry a template per language (en and zh) that may use
`{name}`, `{company}` and `{callback}` only: they go out before the debtor is verified, so
they must not mention the debt. A bad file raises `CampaignError` naming the file and field.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

CAMPAIGN_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
CHANNELS = ("sms", "voice")
TIERS = ("low", "medium")        # high tier: no automated contact (a handoff instead)
PACKS = ("us", "cn")
WHEN_KINDS = ("due", "past_due_every", "installment", "broken_promise")
PLACEHOLDERS = frozenset({"name", "company", "callback"})
MAX_RETRY_DAYS = 7


class CampaignError(Exception):
    """A campaign file is wrong; the message names the file and the field."""


@dataclass(frozen=True)
class Step:
    campaign: str
    id: str
    kind: str             # one of WHEN_KINDS
    days: int             # the offset (due, installment, broken_promise) or the period
    start: int            # past_due_every: first day past due; 0 otherwise
    channel: str
    templates: Tuple[Tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.campaign}/{self.id}"

    def template(self, language: str) -> str:
        found = dict(self.templates)
        return found.get(language, found.get("en", ""))


@dataclass(frozen=True)
class Campaign:
    name: str
    description: str
    tiers: Tuple[str, ...]
    packs: Tuple[str, ...]
    retry_days: int
    steps: Tuple[Step, ...]
    source: str


def _list(value: Any, allowed: Sequence[str], where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise CampaignError(f"{where}: must be a non-empty list of {', '.join(allowed)}")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise CampaignError(f"{where}: {bad[0]!r} is not one of {', '.join(allowed)}")
    return tuple(value)


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CampaignError(f"{where}: must be a whole number from {low} to {high}, not {value!r}")
    return value


def _templates(value: Any, where: str) -> Tuple[Tuple[str, str], ...]:
    if not isinstance(value, dict) or sorted(value) != sorted(LANGUAGES):
        raise CampaignError(f"{where}: needs exactly one template per language "
                            f"({', '.join(LANGUAGES)})")
    out = []
    for language in LANGUAGES:
        text = value[language]
        if not isinstance(text, str) or not text.strip():
            raise CampaignError(f"{where}.{language}: must be a non-empty text")
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            raise CampaignError(f"{where}.{language}: bad placeholder ({exc})") from None
        unknown = sorted(names - PLACEHOLDERS)
        if unknown:
            raise CampaignError(f"{where}.{language}: unknown placeholder {{{unknown[0]}}} "
                                f"(allowed: {', '.join(sorted(PLACEHOLDERS))})")
        out.append((language, text.strip()))
    return tuple(out)


def _step(raw: Any, campaign: str, where: str) -> Step:
    if not isinstance(raw, dict):
        raise CampaignError(f"{where}: must be a mapping with id, when, channel")
    unknown = sorted(set(raw) - {"id", "when", "channel", "templates"})
    if unknown:
        raise CampaignError(f"{where}: unknown field {unknown[0]!r}")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id or "/" in step_id:
        raise CampaignError(f"{where}.id: must be a non-empty name without '/'")
    where = f"{where} ({step_id})"
    when = raw.get("when")
    if not isinstance(when, dict):
        raise CampaignError(f"{where}.when: must be one of {', '.join(WHEN_KINDS)}, "
                            f"e.g. {{due: -3}}")
    kinds = [k for k in when if k in WHEN_KINDS]
    extra = sorted(set(when) - set(WHEN_KINDS) - {"from"})
    if len(kinds) != 1 or extra or ("from" in when and kinds != ["past_due_every"]):
        raise CampaignError(f"{where}.when: needs exactly one of {', '.join(WHEN_KINDS)} "
                            f"(plus `from` for past_due_every), got {sorted(when)}")
    kind = kinds[0]
    if kind == "past_due_every":
        days = _int(when[kind], f"{where}.when.past_due_every", 1, 365)
        start = _int(when.get("from", 0), f"{where}.when.from", 0, 3650)
    else:
        days = _int(when[kind], f"{where}.when.{kind}", -60 if kind != "broken_promise" else 0, 365)
        start = 0
    channel = raw.get("channel")
    if channel not in CHANNELS:
        raise CampaignError(f"{where}.channel: must be one of {', '.join(CHANNELS)}, not {channel!r}")
    templates: Tuple[Tuple[str, str], ...] = ()
    if channel == "sms" or "templates" in raw:
        templates = _templates(raw.get("templates"), f"{where}.templates")
    return Step(campaign, step_id, kind, days, start, channel, templates)


def parse(data: Any, source: str) -> Campaign:
    """One campaign from parsed YAML; `source` names the file in every error."""
    if not isinstance(data, dict):
        raise CampaignError(f"{source}: must be a mapping with name, tiers, packs, steps")
    unknown = sorted(set(data) - {"name", "description", "tiers", "packs", "retry_days", "steps"})
    if unknown:
        raise CampaignError(f"{source}: unknown field {unknown[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name or "/" in name or len(name) > 48:
        raise CampaignError(f"{source}: name: must be a short name without '/'")
    if "high" in (data.get("tiers") or []):
        raise CampaignError(f"{source}: tiers: high-risk accounts get no automated contact "
                            f"(a handoff is queued instead); remove 'high'")
    tiers = _list(data.get("tiers"), TIERS, f"{source}: tiers")
    packs = _list(data.get("packs"), PACKS, f"{source}: packs")
    retry = _int(data.get("retry_days", 1), f"{source}: retry_days", 0, MAX_RETRY_DAYS)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise CampaignError(f"{source}: steps: must be a non-empty list")
    steps = tuple(_step(raw, name, f"{source}: steps[{i}]") for i, raw in enumerate(raw_steps))
    ids = [s.id for s in steps]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise CampaignError(f"{source}: steps: id {repeated[0]!r} is used twice")
    return Campaign(name, str(data.get("description") or ""), tiers, packs, retry, steps, source)


def load_file(path: Path) -> Campaign:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CampaignError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CampaignError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CampaignError(f"{path}: {where}not valid YAML ({problem})") from None
    return parse(data, Path(path).name)


def load_campaigns(directory: Optional[Path] = None) -> List[Campaign]:
    """Every `*.yml` in `directory` (default: bot/campaigns), sorted by file name."""
    directory = Path(directory or CAMPAIGN_DIR)
    campaigns = [load_file(p) for p in sorted(directory.glob("*.yml"))]
    names = [c.name for c in campaigns]
    for c in campaigns:
        if names.count(c.name) > 1:
            raise CampaignError(f"{c.source}: name {c.name!r} is used by another campaign file")
    return campaigns


def render(step: Step, language: str, values: Dict[str, str]) -> str:
    """The step's text for `language` with name, company and call-back number filled in."""
    template = step.template(language)
    return template.format(**{k: values.get(k, "") for k in PLACEHOLDERS}) if template else ""
