"""Train the Rasa model only when its inputs changed.

The model name carries a fingerprint of everything that shapes it (config.yml, the
domain, stories, rules, NLU data and the custom NLU components), so a checkout with a
current model never retrains and a stale model is never used by mistake.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, List

from bot.config import get_settings

INPUT_DIRS = ("bot/domain", "bot/stories", "bot/rules", "nlu_data")
DATA_SUFFIXES = (".yml", ".yaml", ".txt", ".json", ".md", ".csv")


class TrainingError(RuntimeError):
    """The model could not be trained (message says which input is at fault)."""


def _inputs(home: Path) -> List[Path]:
    files: List[Path] = []
    config = home / "config.yml"
    if not config.is_file():
        raise TrainingError(f"config.yml not found in {home}")
    files.append(config)
    for folder in INPUT_DIRS:
        root = home / folder
        if not root.is_dir():
            raise TrainingError(f"{folder}/ not found in {home}")
        files += sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)
    nlu_code = home / "bot" / "nlu"
    if nlu_code.is_dir():
        files += sorted(nlu_code.rglob("*.py"))
    return files


def fingerprint(home: Path | None = None) -> str:
    """sha256 over the relative path and bytes of every training input (first 16 hex)."""
    home = home or get_settings().home
    digest = hashlib.sha256()
    for path in _inputs(home):
        digest.update(path.relative_to(home).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(home: Path | None = None) -> Path:
    home = home or get_settings().home
    return home / "models" / f"collectbot-{fingerprint(home)}.tar.gz"


def ensure_model(force: bool = False) -> Path:
    """The current model, training it first if it does not exist (or `force`)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    home = get_settings().home
    target = model_path(home)
    if target.is_file() and not force:
        return target
    from rasa.model_training import train

    result = train(
        domain=str(home / "bot/domain"),
        config=str(home / "config.yml"),
        training_files=[str(home / d) for d in ("bot/stories", "bot/rules", "nlu_data")],
        output=str(home / "models"),
        fixed_model_name=target.name[: -len(".tar.gz")],
    )
    if result.code != 0 or not result.model or not Path(result.model).is_file():
        raise TrainingError(f"rasa training failed (code {result.code}); run with --debug for details")
    return Path(result.model)


def stale_models(home: Path | None = None) -> Iterable[Path]:
    """Models of older fingerprints (the caller decides whether to delete them)."""
    home = home or get_settings().home
    current = model_path(home)
    return (p for p in (home / "models").glob("collectbot-*.tar.gz") if p != current)
