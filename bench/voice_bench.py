"""Voice prompts: how many words each spoken prompt has and how long it takes to say.

Every `channel: twilio_voice` response (en and zh, filled with sample values and put in
spoken form exactly as the voice channel does) and the channel's own spoken lines are
rendered with espeak-ng; durations come from the WAV files. The goal (issue 15) is no
prompt over 15 s. A prompt is one response (what one `utter_*` says); the rates are
bot.runtime.espeak's (English 175 words a minute, Mandarin 250 characters a minute).
Baseline in the same run: the SMS wording of the same responses read aloud, which is
what a call sounded like before the spoken variants.
"""

from __future__ import annotations

import functools
import re
import statistics
import tempfile
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional, Tuple

GOAL_SECONDS = 15.0
#: the sample values' dates are a few weeks after this day (said without their year)
SAMPLE_TODAY = date(2026, 11, 30)


def _words(text: str, lang: str) -> int:
    """Words as a listener counts them: Chinese characters each, other runs of letters/digits."""
    if lang == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]", text)) + len(re.findall(r"[A-Za-z0-9]+", text))
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9',.]*", text))


@functools.cache
def _chooser():
    """Rasa's own variation filter over the domain, loaded once for every prompt and turn."""
    from rasa.core.nlg.generator import ResponseVariationFilter
    from rasa.shared.core.domain import Domain

    return ResponseVariationFilter(Domain.load("bot/domain").responses)


def _filled(name: str, channel: str, lang: str, pack: str) -> Optional[str]:
    """The variation of `name` Rasa picks on `channel` for a debtor of `lang` under `pack`,
    with the sample values filled in (None when the response has none there)."""
    from bot.dialogue.responses import SAMPLE_VARIABLES
    from bot.dialogue.responses import SAMPLE_VARIABLES_ZH as SAMPLE_ZH

    variants = _chooser().responses_for_utter_action(name, channel, {"language": lang, "pack": pack})
    if not variants:
        return None
    return variants[0]["text"].format(**(SAMPLE_ZH if lang == "zh" else SAMPLE_VARIABLES))


def prompts(channel: str) -> List[Tuple[str, str, str]]:
    """(name, language, spoken text) of every response on `channel` and the voice texts."""
    from bot.channels.speech import spoken
    from bot.channels.texts import text as fixed_text

    found = []
    for name in sorted(_chooser().responses):
        for lang, pack in (("en", "us"), ("zh", "cn"), ("zh", "us")):
            text = _filled(name, channel, lang, pack)
            if text is None:
                continue
            said = spoken(text, lang, SAMPLE_TODAY)
            if (name, lang, said) not in found:
                found.append((name, lang, said))
    if channel == "twilio_voice":
        for key in ("voicemail", "recording_notice", "voice_reprompt", "voice_unsure",
                    "voice_no_input_close", "voice_fallback"):
            for lang in ("en", "zh"):
                found.append((key, lang, spoken(fixed_text(key, lang, name="Ada"), lang)))
    return found


#: whole turns a debtor hears before they can answer (responses said back to back): the cn
#: opening (notice + greeting), and the turn after verification (disclosure + balance)
TURNS = {
    "cn_call_opening": ("zh", "cn", ("@recording_notice", "utter_greet_outbound")),
    "us_verified_turn_en": ("en", "us", ("utter_verified_us", "utter_balance")),
    "us_verified_turn_zh": ("zh", "us", ("utter_verified_us", "utter_balance")),
    "cn_verified_turn": ("zh", "cn", ("utter_verified", "utter_balance")),
}


def turns() -> List[Tuple[str, str, str]]:
    """(turn, language, spoken text) of each of TURNS, on a call."""
    from bot.channels.speech import spoken
    from bot.channels.texts import text as fixed_text

    found = []
    for turn, (lang, pack, parts) in TURNS.items():
        said = [fixed_text(part[1:], lang) if part.startswith("@")
                else _filled(part, "twilio_voice", lang, pack) for part in parts]
        joiner = "" if lang == "zh" else " "
        found.append((turn, lang, spoken(joiner.join(said), lang, SAMPLE_TODAY)))
    return found


def measure(channel: str, folder: Path) -> Dict[str, object]:
    from bot.runtime.espeak import render

    rows = []
    for index, (name, lang, text) in enumerate(prompts(channel)):
        seconds = render(text, lang, folder / f"{channel}-{index:03d}.wav")
        rows.append((name, lang, _words(text, lang), seconds))
    result: Dict[str, object] = {"prompts": len(rows)}
    if channel == "twilio_voice":
        whole = []
        for index, (name, lang, text) in enumerate(turns()):
            seconds = render(text, lang, folder / f"turn-{index:03d}.wav")
            whole.append({"turn": name, "seconds": round(seconds, 2), "text": text})
        result["turns"] = whole
    for lang in ("en", "zh"):
        mine = [r for r in rows if r[1] == lang]
        longest = max(mine, key=lambda r: r[3])
        result[lang] = {
            "words_per_prompt_median": statistics.median(r[2] for r in mine),
            "words_per_prompt_max": max(r[2] for r in mine),
            "seconds_median": round(statistics.median(r[3] for r in mine), 2),
            "longest_prompt": longest[0],
            "longest_prompt_seconds": round(longest[3], 2),
            "over_goal": sorted({r[0] for r in mine if r[3] > GOAL_SECONDS}),
        }
    return result


def run() -> Dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        voice = measure("twilio_voice", Path(tmp))
        sms_read_aloud = measure("twilio", Path(tmp))
    for lang in ("en", "zh"):
        v, b = voice[lang], sms_read_aloud[lang]
        print(f"   {lang}: {v['words_per_prompt_median']} words/prompt median "
              f"(max {v['words_per_prompt_max']}); longest prompt {v['longest_prompt']} "
              f"{v['longest_prompt_seconds']} s (goal <= {GOAL_SECONDS:.0f} s; over: "
              f"{len(v['over_goal'])}); SMS wording read aloud: longest "
              f"{b['longest_prompt_seconds']} s", flush=True)
    for turn in voice["turns"]:
        print(f"   whole turn {turn['turn']}: {turn['seconds']} s", flush=True)
    return {"voice": voice, "sms_wording_read_aloud": sms_read_aloud,
            "goal_seconds": GOAL_SECONDS, "tts": "espeak-ng, en 175 wpm, zh 250 characters/min"}
