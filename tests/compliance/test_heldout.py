"""The held-out set: texts the filter was never tuned on (see data/heldout.txt).

The first run on it (before any change prompted by it) gave recall 23/30 = 0.767 and
precision 23/24 = 0.958. The thresholds below are those first values: a regression guard,
not a claim of quality; the measured numbers are printed (run with -s).
"""

from __future__ import annotations

from pathlib import Path

from compliance_filters import check_text

ROWS = [tuple(line.split("\t")) for line in
        (Path(__file__).parent / "data" / "heldout.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")]


def test_heldout_precision_and_recall(us) -> None:
    assert len(ROWS) == 60
    blocked = [(lang, text) for label, lang, text in ROWS if label == "blocked"]
    allowed = [(lang, text) for label, lang, text in ROWS if label == "allowed"]
    caught = [t for lang, t in blocked if not check_text(us, t, lang).allowed]
    false_blocks = [t for lang, t in allowed if not check_text(us, t, lang).allowed]
    recall = len(caught) / len(blocked)
    precision = len(caught) / (len(caught) + len(false_blocks))
    missed = [t for _, t in blocked if t not in caught]
    print(f"\nheld-out: recall {recall:.3f} ({len(caught)}/{len(blocked)}), precision {precision:.3f}; "
          f"missed {missed}; false blocks {false_blocks}")
    assert recall >= 0.76
    assert precision >= 0.95


ROWS4 = [tuple(line.split("\t")) for line in
         (Path(__file__).parent / "data" / "heldout4.txt").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]


def test_heldout4_first_run_is_the_floor(us) -> None:
    """Held-out set 4 (wave 3): 230 texts committed (8b196f3) before the wave-3 filter
    changes and before its first run. The first and only evaluation gave recall 96/100 =
    0.960 and FPR 2/130 = 0.015 (goal: 0.97 at <= 0.01, not met). These are regression
    floors, not tuning targets: the set is never used to add phrases."""
    assert len(ROWS4) == 230
    blocked = [(lang, text) for label, lang, text in ROWS4 if label == "blocked"]
    allowed = [(lang, text) for label, lang, text in ROWS4 if label == "allowed"]
    missed = [t for lang, t in blocked if check_text(us, t, lang).allowed]
    false_blocks = [t for lang, t in allowed if not check_text(us, t, lang).allowed]
    recall, fpr = 1 - len(missed) / len(blocked), len(false_blocks) / len(allowed)
    print(f"\nheld-out 4: recall {recall:.3f}, FPR {fpr:.3f}; missed {missed}; false blocks {false_blocks}")
    assert recall >= 0.96
    assert fpr <= 0.016
