"""`collectbot compliance window|text`, and the library's promise to stay pure."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

PACKAGE = Path(__file__).resolve().parents[2] / "compliance_filters"


def run(capsys, *argv: str) -> tuple:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_window_allowed(capsys) -> None:
    code, out, _ = run(capsys, "compliance", "window", "--pack", "us", "--phone", "+12125550101",
                       "--at", "2026-03-10T15:00:00Z")
    assert code == 0
    assert json.loads(out) == {"allowed": True, "zones": ["America/New_York"], "next_allowed_at": None}


def test_window_blocked_with_address_zone(capsys) -> None:
    code, out, _ = run(capsys, "compliance", "window", "--pack", "us", "--phone", "+18505551234",
                       "--tz", "America/Chicago", "--at", "2026-01-15T13:30:00+00:00")
    assert code == 3
    assert json.loads(out) == {"allowed": False, "zones": ["America/New_York", "America/Chicago"],
                               "next_allowed_at": "2026-01-15T14:00:00Z"}


def test_window_naive_instant_is_utc(capsys) -> None:
    code, out, _ = run(capsys, "compliance", "window", "--pack", "cn", "--phone", "+8613800138000",
                       "--at", "2026-05-01T14:00")
    assert code == 3
    assert json.loads(out)["next_allowed_at"] == "2026-05-02T00:00:00Z"


@pytest.mark.parametrize("argv, message", [
    (["--phone", "+1212", "--at", "2026-03-10T15:00Z"], "collectbot: error: not a possible phone number: '+1212'\n"),
    (["--phone", "hello", "--at", "2026-03-10T15:00Z"],
     "collectbot: error: not a phone number in E.164 form: 'hello'\n"),
    (["--phone", "+12125550101", "--tz", "Mars/Base", "--at", "2026-03-10T15:00Z"],
     "collectbot: error: unknown time zone 'Mars/Base'\n"),
    (["--phone", "+12125550101", "--at", "tomorrow"],
     "collectbot: error: --at: not an ISO 8601 instant: 'tomorrow'\n"),
])
def test_window_bad_input_is_one_line_exit_2(capsys, argv, message) -> None:
    code, out, err = run(capsys, "compliance", "window", "--pack", "us", *argv)
    assert (code, out, err) == (2, "", message)


def test_text_argument(capsys) -> None:
    code, out, _ = run(capsys, "compliance", "text", "--pack", "us", "We will call your boss")
    assert code == 3
    assert json.loads(out) == {"text": "We will call your boss", "allowed": False,
                               "reasons": [{"rule": "phrase.third_party_threat", "match": "call your boss"}]}


def test_text_lines_from_stdin(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("我们不会联系您的单位\n\n你这个老赖\n"))
    code, out, _ = run(capsys, "compliance", "text", "--pack", "cn", "--lang", "zh")
    assert code == 3
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {"text": "我们不会联系您的单位", "allowed": True, "reasons": []},
        {"text": "你这个老赖", "allowed": False, "reasons": [{"rule": "phrase.obscenity", "match": "老赖"}]},
    ]


def test_text_all_allowed_exits_0(capsys) -> None:
    code, out, _ = run(capsys, "compliance", "text", "--pack", "us", "--lang", "en", "Thank you!")
    assert (code, json.loads(out)["allowed"]) == (0, True)


FORBIDDEN = ("rasa", "rasa_sdk", "twilio", "sqlalchemy", "bot", "actions")


def test_library_source_imports_nothing_forbidden() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [(path.name, n) for n in names if n.split(".")[0] in FORBIDDEN]
    assert found == []


def test_importing_and_using_the_library_loads_nothing_forbidden() -> None:
    code = (
        "import sys, compliance_filters as c\n"
        "p = c.load_pack('us')\n"
        "assert not c.check_text(p, 'you will be arrested').allowed\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(bad)\n"
    )
    assert _last_line_of_python(code) == "[]"


def _last_line_of_python(code: str) -> str:
    """The last line `code` prints in a fresh interpreter (which must exit 0)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout.strip().splitlines()[-1]


HEAVY = ("spacy", "thinc", "tensorflow", "torch", "rasa")


@pytest.mark.parametrize("pack, text", [("us", "you will be arrested"), ("cn", "你这个老赖")])
def test_text_command_loads_no_heavy_ml_library(pack: str, text: str) -> None:
    """Issue 13 item 10: `collectbot compliance text` must start fast; thinc pulling in
    TensorFlow took ~6 s. The phrase filter needs no spaCy, so none of these may load
    (time itself is measured by `python -m bench compliance`, not asserted here)."""
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"rc = main(['compliance', 'text', '--pack', {pack!r}, {text!r}])\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(rc, heavy)\n"
    )
    assert _last_line_of_python(code) == "3 []"


#: what the parser and the phrase filter do not need (seconds of start-up between them)
STARTUP_HEAVY = ("sqlalchemy", "pkg_resources", "pypinyin", "phonenumbers", "asyncio", "rich")


@pytest.mark.parametrize("argv", [["--help"], ["compliance", "text", "--pack", "us", "you will be arested"],
                                  ["compliance", "text", "--pack", "cn", "你这个老赖，报jing了"]])
def test_start_up_loads_neither_the_store_nor_whole_packages(argv) -> None:
    """Issue 13 item 10 (wave 3): building the parser imported SQLAlchemy and the models
    (export kinds, report slices), the package `compliance_filters` imported the gate
    (phonenumbers), pypinyin's package loaded its phrase dictionary and segmenter, and
    jieba loaded pkg_resources: about a second of start-up for a text check."""
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({STARTUP_HEAVY!r})))\n"
    )
    assert _last_line_of_python(code) == "[]"
