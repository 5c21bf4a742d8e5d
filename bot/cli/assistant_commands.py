"""`collectbot train` and `collectbot test-stories`."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.cli import CliError
from bot.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train the Rasa model into models/")
    train.add_argument("--if-changed", action="store_true", help="reuse a model whose inputs are unchanged")
    train.set_defaults(func=_train)
    stories = subparsers.add_parser("test-stories", help="run the test stories in tests/stories")
    stories.add_argument("--stories", default="tests/stories", help="folder of test stories")
    stories.set_defaults(func=_test_stories)


def _train(args: argparse.Namespace) -> int:
    from bot.training import TrainingError, ensure_model

    try:
        path = ensure_model(force=not args.if_changed)
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    print(f"model: {path}")
    return 0


def _test_stories(args: argparse.Namespace) -> int:
    from bot.training import TrainingError, ensure_model

    home = get_settings().home
    stories = (home / args.stories) if not Path(args.stories).is_absolute() else Path(args.stories)
    if not stories.exists():
        raise CliError(f"{args.stories}: no such folder of test stories")
    try:
        model = ensure_model()
    except TrainingError as exc:
        raise CliError(str(exc)) from None
    out = get_settings().var_dir / "results"
    rasa = Path(sys.executable).with_name("rasa")
    command = [
        str(rasa), "test", "core", "--stories", str(stories), "--model", str(model),
        "--e2e", "--fail-on-prediction-errors", "--out", str(out),
    ]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True)
    failed = out / "failed_test_stories.yml"
    failures = 0
    if failed.is_file():
        failures = failed.read_text(encoding="utf-8").count("- story:")
    counts = re.findall(r"Correct:\s+(\d+) / (\d+)", done.stdout + done.stderr)
    tally = f"{counts[-1][0]}/{counts[-1][1]} actions correct, " if counts else ""
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        print(f"test stories: FAILED ({tally}{failures} failing stories; see {out})")
        return 1
    print(f"test stories: passed ({tally}{stories})")
    return 0
