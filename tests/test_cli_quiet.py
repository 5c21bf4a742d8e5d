"""The command line hides third-party deprecation noise but not the warnings that matter."""

import subprocess
import sys

SCRIPT = """
import logging, warnings
from bot.cli import quiet_third_party_warnings
quiet_third_party_warnings()
warnings.simplefilter("always")  # what a library import did to our filters
warnings.warn("old api", DeprecationWarning)
warnings.warn("this call is deprecated", FutureWarning)
logging.getLogger("jieba").setLevel(logging.DEBUG)
logging.getLogger("jieba").addHandler(logging.StreamHandler())
logging.getLogger("jieba").debug("Building prefix dict")
warnings.warn("slot mapping looks wrong", UserWarning)
"""


def test_deprecations_and_jieba_chatter_are_hidden_user_warnings_are_not():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert "old api" not in done.stderr
    assert "deprecated" not in done.stderr
    assert "Building prefix dict" not in done.stderr
    assert "slot mapping looks wrong" in done.stderr
