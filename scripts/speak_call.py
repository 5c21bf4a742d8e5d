"""Listen to a call: play one en and one zh call as a debtor would and render it to WAVs.

    .venv/bin/python scripts/speak_call.py [--lang en|zh|both] [--out var/calls]

Each call runs against the real trained model through the real signed voice webhooks
(`RunningAssistant` + `VoiceCall`, a throwaway SQLite store, the Twilio stand-in): the
call is answered, the debtor confirms their name and identity on the keypad, asks what
they owe in their own words, has the payment link texted, promises a payment and says
goodbye. Every <Say> of every turn is rendered with espeak-ng to
`<out>/<lang>/NN-assistant.wav`, the debtor's words (another voice) and key presses (DTMF
tones) to `NN-debtor.wav`, and the whole call to `<out>/<lang>/call.wav`, with the
transcript in `transcript.txt`. Exit 1 when a call does not get through its script.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.runtime.voice_call import CALL_CLOCK_START as CLOCK_START  # noqa: E402
from bot.runtime.voice_call import CALL_PORTFOLIO as PORTFOLIO  # noqa: E402
from bot.runtime.voice_call import CN_PHONE, US_PHONE  # noqa: E402

#: what the debtor does after the assistant's opening: ("keys"|"speech", value)
SCRIPTS = {
    "en": (US_PHONE, [("keys", "1"), ("keys", "1234"),
                      ("speech", "so how much is it that I still owe you"),
                      ("speech", "sure, send it over"),
                      ("speech", "I could pay the 500 dollars on December 15"),
                      ("speech", "nah I'm good"),
                      ("speech", "ok that's everything, thanks, bye")]),
    "zh": (CN_PHONE, [("keys", "1"), ("keys", "5678"),
                      ("speech", "我到底还差你们多少钱啊"),
                      ("speech", "行，发给我吧"),
                      ("speech", "我12月10号把三千块都还了"),
                      ("speech", "不用了"),
                      ("speech", "好的，没别的事了，拜拜")]),
}


def play(bot, lang: str):
    """The scripted call in `lang`; returns the VoiceCall (its turns and inputs)."""
    from bot.runtime.voice_call import VoiceCall

    phone, steps = SCRIPTS[lang]
    call = VoiceCall(bot, phone)
    call.answer()
    for kind, value in steps:
        if call.turns[-1].ended:
            break
        call.press(value) if kind == "keys" else call.say(value)
    call.completed()
    return call


def render_call(call, lang: str, folder: Path) -> Tuple[float, List[str]]:
    """WAVs of every turn and of the whole call; returns (seconds, transcript lines)."""
    from bot.runtime.espeak import DEBTOR_VOICES, join, keypad, render

    folder.mkdir(parents=True, exist_ok=True)
    parts: List[Path] = []
    transcript: List[str] = []
    for index, turn in enumerate(call.turns):
        if index > 0:
            kind, value = call.inputs[index - 1]
            path = folder / f"{index:02d}-debtor.wav"
            if kind == "keys":
                keypad(value, path)
                transcript.append(f"DEBTOR (keys): {value}")
            else:
                render(value, lang, path, voice=DEBTOR_VOICES[lang])
                transcript.append(f"DEBTOR: {value}")
            parts.append(path)
        spoken = " ".join(turn.texts)
        path = folder / f"{index:02d}-assistant.wav"
        seconds = render(spoken, lang, path)
        parts.append(path)
        transcript.append(f"ASSISTANT ({seconds:.1f} s): {spoken}")
        if turn.ended:
            transcript.append(f"[{turn.verbs[-1]}]")
    total = join(parts, folder / "call.wav")
    (folder / "transcript.txt").write_text("\n".join(transcript) + "\n", encoding="utf-8")
    return total, transcript


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    parser.add_argument("--out", default=str(ROOT / "var" / "calls"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'calls.db'}"
        os.environ["COLLECTBOT_CLOCK_START"] = CLOCK_START
        from bot.cli import main as cli
        from bot.config import reset_settings
        from bot.runtime.harness import RunningAssistant
        from bot.training import ensure_model

        reset_settings()
        csv_path = Path(tmp) / "portfolio.csv"
        csv_path.write_text(PORTFOLIO, encoding="utf-8")
        if cli(["db", "upgrade"]) != 0 or cli(["import", str(csv_path)]) != 0:
            return 1
        model = ensure_model()
        Path(args.out).mkdir(parents=True, exist_ok=True)
        failed = False
        # a busy machine can take minutes to load the model: wait up to 15
        bot = RunningAssistant(model, env={"COLLECTBOT_CLOCK_START": CLOCK_START},
                               log_file=Path(args.out) / "server.log").start(timeout=900)
        try:
            for lang in (("en", "zh") if args.lang == "both" else (args.lang,)):
                call = play(bot, lang)
                seconds, transcript = render_call(call, lang, Path(args.out) / lang)
                print(f"== {lang}: {len(call.turns)} turns, {seconds:.1f} s -> "
                      f"{Path(args.out) / lang / 'call.wav'}")
                print("\n".join(transcript))
                if not call.turns[-1].ended:
                    print(f"{lang}: the call did not end with the script", file=sys.stderr)
                    failed = True
        finally:
            bot.stop()
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
