"""The held-out set: texts the filter was never tuned on (see data/heldout.txt).

The first run on it (before any change prompted by it) gave recall 23/30 = 0.767 and
precision 23/24 = 0.958. The thresholds below are those first values: a regression guard,
not a claim of quality; the measured numbers are printed (run with -s).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

from compliance_filters import check_text
from compliance_filters.packs import Pack


def _rows(name: str) -> List[Tuple[str, ...]]:
    """(label, language, text) rows of a held-out file under data/ (comments skipped)."""
    lines = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line.strip() and not line.startswith("#")]


ROWS = _rows("heldout.txt")


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


ROWS4 = _rows("heldout4.txt")


def _measure(name: str, rows: List[Tuple[str, ...]], pack: Pack) -> Tuple[List[str], List[str], int, int]:
    """Misses, false blocks and the two class sizes; printed (run with -s) so a failing floor
    shows what moved."""
    blocked = [(lang, text) for label, lang, text in rows if label == "blocked"]
    allowed = [(lang, text) for label, lang, text in rows if label == "allowed"]
    missed = [t for lang, t in blocked if check_text(pack, t, lang).allowed]
    false_blocks = [t for lang, t in allowed if not check_text(pack, t, lang).allowed]
    print(f"\n{name}: recall {1 - len(missed) / len(blocked):.3f}, FPR {len(false_blocks) / len(allowed):.3f}; "
          f"missed {missed}; false blocks {false_blocks}")
    return missed, false_blocks, len(blocked), len(allowed)


def test_heldout4_is_a_regression_floor(us) -> None:
    """Held-out set 4 (wave 3): 230 texts committed (8b196f3) before the wave-3 filter
    changes and before its first run, which gave recall 96/100 = 0.960 and FPR 2/130 = 0.015.
    Wave 4 fixed the families of its 4 misses and 2 false blocks by rule (so it is
    development data now) and measured recall 1.000, FPR 0.000: that is the floor."""
    assert len(ROWS4) == 230
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 4", ROWS4, us)
    assert missed == []
    assert false_blocks == []


ROWS5 = _rows("heldout5.txt")


def test_heldout5_first_run_is_the_floor(us) -> None:
    """Held-out set 5 (wave 4): 250 texts (125 banned / 125 compliant) committed (fcb4edf,
    80f15e1) after the wave-4 filter changes and before its first run. The first and only
    evaluation gave recall 88/125 = 0.704 and FPR 6/125 = 0.048 (goal: 0.97 at <= 0.01,
    not met). Regression floors, not tuning targets: the set is never used to add phrases."""
    assert len(ROWS5) == 250
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 5", ROWS5, us)
    assert n_blocked == 125 and n_allowed == 125
    assert len(missed) <= 37      # recall >= 88/125 = 0.704
    assert len(false_blocks) <= 6  # FPR <= 6/125 = 0.048
    # wave 7 (rules for the families of the development sets' false blocks): 125/125 and
    # 0/125, a regression floor (development data), not a quality claim
    assert missed == [] and false_blocks == []


ROWS6 = _rows("heldout6.txt")


def test_heldout6_first_run_is_the_floor(us) -> None:
    """Held-out set 6 (wave 4): 220 texts (110 / 110) committed (8c92a36) after set 5's first
    run, with no filter change since, and before its own first run, which gave recall
    77/110 = 0.700 and FPR 1/110 = 0.009 (goal 0.97 at <= 0.01: recall not met). Floors."""
    assert len(ROWS6) == 220
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 6", ROWS6, us)
    assert n_blocked == 110 and n_allowed == 110
    assert len(missed) <= 33      # recall >= 77/110 = 0.700
    assert len(false_blocks) <= 1  # FPR <= 1/110 = 0.009
    assert missed == [] and false_blocks == []  # wave 6 and 7 (development data): floors


ROWS7 = _rows("heldout7.txt")


def test_heldout7_first_run_is_the_floor(us) -> None:
    """Held-out set 7 (wave 5): 322 texts (161 / 161) written by an engineer who never saw
    the filter's rules, committed (5e52878) before the wave-5 filter (the learned second
    opinion and the sentence memory) was merged, and run once on the merged filter: recall
    148/161 = 0.919 (rules alone 0.795) and FPR 9/161 = 0.056 (rules alone 0.050; 8 of the
    9 false blocks are rules firing inside lawful negations and scam warnings). Goal 0.97
    at <= 0.01: not met. Floors, never tuning targets."""
    assert len(ROWS7) == 322
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 7", ROWS7, us)
    assert n_blocked == 161 and n_allowed == 161
    assert len(missed) <= 13       # recall >= 148/161 = 0.919
    assert len(false_blocks) <= 9  # FPR <= 9/161 = 0.056
    # wave 6 used sets 5-7 to find families (development data since): 159/161 and 1/161
    # on the merged wave-6 filter, kept as regression floors, not as quality claims
    assert len(missed) <= 2 and len(false_blocks) <= 1
    # wave 7 (rules and corpus by family; development data): 161/161 and 0/161
    assert missed == [] and false_blocks == []


ROWS8 = _rows("heldout8.txt")


def test_heldout8_first_run_is_the_floor(us) -> None:
    """Held-out set 8 (wave 6): 360 texts (180 / 180; en 200, zh 160) written by an engineer
    who never saw the filter, its training corpus or the earlier sets, committed (561e319)
    before the wave-6 filter (rules' negation scope and new families, the retrained learned
    check) was merged, and run once on the merged filter (6afc379 + rebuilt weights): recall
    166/180 = 0.922 (en 90/100, zh 76/80) and FPR 7/180 = 0.039 (en 4/100, zh 3/80); 6 of
    the 7 false blocks are rules on lawful mentions of police, courts and attorneys general.
    Goal 0.97 at <= 0.01: not met. Floors, never tuning targets."""
    assert len(ROWS8) == 360
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 8", ROWS8, us)
    assert n_blocked == 180 and n_allowed == 180
    assert len(missed) <= 14       # recall >= 166/180 = 0.922
    assert len(false_blocks) <= 7  # FPR <= 7/180 = 0.039
    # wave 7 used set 8 to find families (development data since): 180/180 and 0/180 on
    # the wave-7 filter (rules, corpus, pinyin twins, rebuilt weights), floors only
    assert missed == [] and false_blocks == []


ROWS9 = _rows("heldout9.txt")


def test_heldout9_first_run_is_the_floor(us) -> None:
    """Held-out set 9 (wave 7): 400 texts (200 / 200; en 100 + 100, zh 100 + 100; about a
    third of the allowed ones hold words a keyword filter blocks) written by an engineer who
    never saw the filter, its corpus or the earlier sets, committed (58e0b13) before the
    wave-7 filter (rules' lawful-mention families, new families, the retrained learned check
    with pinyin twins) was merged, and run once on the merged filter (w7-int + rebuilt
    weights): recall 191/200 = 0.955 (en 96/100, zh 95/100) and FPR 15/200 = 0.075 (en
    8/100, zh 7/100). Goal 0.97 at <= 0.01: not met. Floors, never tuning targets."""
    assert len(ROWS9) == 400
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 9", ROWS9, us)
    assert n_blocked == 200 and n_allowed == 200
    assert len(missed) <= 9         # recall >= 191/200 = 0.955
    assert len(false_blocks) <= 15  # FPR <= 15/200 = 0.075
    # wave 7b used set 9 to find families (development data since): 200/200 and 0/200 on
    # rules + the retrained learned check (train_*_w7b.txt)
    assert missed == [] and false_blocks == []


ROWS10 = _rows("heldout10.txt")


def test_heldout10_first_run_is_the_floor(us) -> None:
    """Held-out set 10 (wave 8): 400 texts (200 / 200; en 100 + 100, zh 100 + 100; about a
    third of the allowed ones mention scary words lawfully) written by an engineer who never
    saw the filter, its corpus or the earlier sets, committed alone (0302cd5) before the
    wave-8 filter (rules' lawful-mention families by rule, the learned check's w8 corpus with
    sets 7-9) was merged, and run once on the merged filter (w8-int 287f0ae + rebuilt
    weights): recall 190/200 = 0.950 (en 96/100, zh 94/100) and FPR 5/200 = 0.025 (en 3/100,
    zh 2/100). Goal 0.97 at <= 0.01: not met. Floors, never tuning targets."""
    assert len(ROWS10) == 400
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 10", ROWS10, us)
    assert n_blocked == 200 and n_allowed == 200
    assert len(missed) <= 10        # recall >= 190/200 = 0.950
    assert len(false_blocks) <= 5   # FPR <= 5/200 = 0.025


ROWS11 = _rows("heldout11.txt")


def test_heldout11_first_run_is_the_floor(us) -> None:
    """Held-out set 11 (wave 9): 400 texts (200 / 200; en 100 + 100, zh 100 + 100; about a
    third of the allowed ones mention scary words lawfully) written by an engineer who never
    saw the filter, its corpus or the earlier sets, committed alone (e3b695a) before the
    wave-9 filter (rules' families by rule, banned_wave9 / 9c, the w9 corpora) was merged,
    and run once on the merged filter (w9-int 4a16930 + rebuilt weights): recall 194/200 =
    0.970 (en 96/100, zh 98/100) and FPR 2/200 = 0.010 (en 1/100, zh 1/100). Goal 0.97 at
    <= 0.01: met, at the edge. Floors, never tuning targets."""
    assert len(ROWS11) == 400
    missed, false_blocks, n_blocked, n_allowed = _measure("held-out 11", ROWS11, us)
    assert n_blocked == 200 and n_allowed == 200
    assert len(missed) <= 6         # recall >= 194/200 = 0.970
    assert len(false_blocks) <= 2   # FPR <= 2/200 = 0.010
