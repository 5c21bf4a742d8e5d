"""Negotiation engine: creditor policies, offers, counter-offers and schedules.

Pure Python (PyYAML, Decimal, datetime, dateutil): no Rasa, store or clock imports,
so the rules can be tested and audited on their own. The dialogue's actions call it.
"""

from bot.negotiation.engine import (
    NothingToPay,
    evaluate_installment,
    evaluate_promise,
    evaluate_settlement,
    hardship_options,
    pay_in_full_offer,
    plan_offers,
)
from bot.negotiation.formatting import format_money, format_schedule
from bot.negotiation.offers import Evaluation, Offer
from bot.negotiation.policy import Policy, PolicyError, load_policy, read_policy, slug
from bot.negotiation.rounds import Negotiation, next_round, should_hand_off
from bot.negotiation.schedule import monthly_dates, split_equal
from bot.negotiation.terms import DebtTerms

__all__ = [
    "DebtTerms",
    "Evaluation",
    "Negotiation",
    "NothingToPay",
    "Offer",
    "Policy",
    "PolicyError",
    "evaluate_installment",
    "evaluate_promise",
    "evaluate_settlement",
    "format_money",
    "format_schedule",
    "hardship_options",
    "load_policy",
    "monthly_dates",
    "next_round",
    "pay_in_full_offer",
    "plan_offers",
    "read_policy",
    "should_hand_off",
    "slug",
    "split_equal",
]
