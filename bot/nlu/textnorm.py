"""Text normalisation shared by training and inference.

Traditional Chinese is folded to Simplified (OpenCC t2s) and full-width ASCII to
half-width, so that "我想還５００" and "我想还500" look the same to every later component.
The folds are compliance_filters' own, so the NLU and the phrase filter read a message
the same way; both keep the string length, so entity offsets stay valid for the original.
"""

from __future__ import annotations

from compliance_filters.normalize import fold_width, to_simplified

__all__ = ["fold_width", "normalize_text", "to_simplified"]


def normalize_text(text: str) -> str:
    """The one normalisation applied to every message before tokenising."""
    return to_simplified(fold_width(text))
