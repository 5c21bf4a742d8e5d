"""Short, SMS-friendly renderings of amounts and offers in English and Chinese.

The wording itself lives in bot.locale (one place for money, date and plan wording);
this module keeps the negotiation package's public names.
"""

from __future__ import annotations

from bot.locale import format_money, format_schedule

__all__ = ["format_money", "format_schedule"]
