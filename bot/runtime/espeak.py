"""Hearing a call locally: espeak-ng renders what the voice channel says to WAV files.

Twilio speaks with Amazon Polly, which a developer machine does not have; espeak-ng (the
Debian package `espeak-ng`) is a stand-in that reads the same words, so a person can
listen to a whole call and `make bench` can measure how long each prompt takes to say.
Rates: espeak-ng's English default (175 words a minute) is close to Polly's; its Mandarin
voice counts each character as a word at the same 175 a minute (2.9 characters a second),
far slower than any phone voice, so Mandarin is read at 250 a minute (4.2 a second, at the
slow end of conversational Mandarin's 4-5).
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path
from typing import Iterable

#: the debtor's language -> espeak-ng voice (assistant), and a second voice for the debtor
VOICES = {"en": "en-us", "zh": "cmn"}
DEBTOR_VOICES = {"en": "en-us+f3", "zh": "cmn+f3"}
RATES = {"en": 175, "zh": 250}  # words (Mandarin: characters) a minute
RATE = 22050  # espeak-ng's sample rate (mono, 16-bit)
#: DTMF row/column frequencies (Hz) for the keys a debtor presses
_DTMF = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209),
         "5": (770, 1336), "6": (770, 1477), "7": (852, 1209), "8": (852, 1336),
         "9": (852, 1477), "*": (941, 1209), "0": (941, 1336), "#": (941, 1477)}


class EspeakMissing(RuntimeError):
    """espeak-ng is not installed (Debian: apt-get install espeak-ng)."""


def espeak_binary() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise EspeakMissing("espeak-ng is not installed: apt-get install espeak-ng")
    return found


def render(text: str, lang: str, path: Path, *, voice: str | None = None) -> float:
    """Write `text` spoken in `lang` to the WAV `path`; returns its length in seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([espeak_binary(), "-v", voice or VOICES.get(lang, "en-us"),
                    "-s", str(RATES.get(lang, 175)), "-w", str(path), "--", text],
                   check=True, capture_output=True)
    return duration(path)


def duration(path: Path) -> float:
    """The length of the WAV file `path` in seconds."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())


def keypad(keys: str, path: Path) -> float:
    """The tones of `keys` pressed on a phone keypad (150 ms each, 100 ms apart)."""
    frames = bytearray()
    for key in keys:
        low, high = _DTMF.get(key, (0, 0))
        for n in range(int(RATE * 0.15)):
            t = n / RATE
            sample = 0.4 * (math.sin(2 * math.pi * low * t) + math.sin(2 * math.pi * high * t))
            frames += struct.pack("<h", int(sample * 16000))
        frames += b"\x00\x00" * int(RATE * 0.1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(bytes(frames))
    return duration(path)


def join(parts: Iterable[Path], path: Path, *, gap: float = 0.4) -> float:
    """One WAV of `parts` in order with `gap` seconds of silence between them."""
    silence = b"\x00\x00" * int(RATE * gap)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for part in parts:
            with wave.open(str(part), "rb") as wav:
                out.writeframes(wav.readframes(wav.getnframes()))
            out.writeframes(silence)
    return duration(path)
