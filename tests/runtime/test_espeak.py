"""espeak-ng renders what a call says (scripts/speak_call.py, the voice benchmark)."""

from __future__ import annotations

from bot.runtime.espeak import duration, join, keypad, render


def test_a_longer_prompt_takes_longer_to_say(tmp_path):
    short = render("Goodbye.", "en", tmp_path / "short.wav")
    long = render("Thank you for your time. We will call you again next week. Goodbye.", "en",
                  tmp_path / "long.wav")
    assert 0 < short < long


def test_mandarin_is_read_at_a_conversational_rate(tmp_path):
    text = "感谢您的时间，我们下周再联系您，再见。"  # 17 characters
    seconds = render(text, "zh", tmp_path / "zh.wav")
    assert 17 / seconds > 3.0  # espeak-ng's default would be under 3 characters a second


def test_keys_and_a_whole_call_in_one_file(tmp_path):
    tones = keypad("1234", tmp_path / "keys.wav")
    assert abs(tones - 4 * 0.25) < 0.01
    said = render("Hello.", "en", tmp_path / "hello.wav")
    total = join([tmp_path / "hello.wav", tmp_path / "keys.wav"], tmp_path / "call.wav", gap=0.5)
    assert abs(total - (said + tones + 1.0)) < 0.01
    assert duration(tmp_path / "call.wav") == total
