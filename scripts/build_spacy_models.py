"""Build and save the blank spaCy pipelines (var/spacy/zh_collect, var/spacy/en_collect).

Idempotent and fast (no downloads, no training): `make setup` runs it as
`.venv/bin/python scripts/build_spacy_models.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.nlu.spacy_models import save_all  # noqa: E402


def main() -> int:
    for path in save_all():
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
