"""docs/spec/ is the repository's copy of the design; it must not drift from the original.

A clean clone has only the copy (the tests and the README read it); a checkout that sits
beside the design folder (../shared/spec/) checks that both say the same.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "docs" / "spec"
DESIGN = ROOT.parent / "shared" / "spec"
FILES = ["architecture.md", "compliance.md", "intents.md", "interfaces.md"]


@pytest.mark.parametrize("name", FILES)
def test_the_copy_holds_every_design_file(name):
    assert (COPY / name).read_text(encoding="utf-8").startswith("#")


@pytest.mark.skipif(not DESIGN.is_dir(), reason="no design folder beside this checkout")
@pytest.mark.parametrize("name", FILES)
def test_the_copy_matches_the_design(name):
    assert (COPY / name).read_bytes() == (DESIGN / name).read_bytes()
