"""How many counter-offers the assistant may make before a human takes over.

A negotiation that goes round in circles frustrates the debtor and risks sounding like
pressure, so after `policy.max_rounds` counter-offers the dialogue hands off.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.negotiation.offers import Evaluation
from bot.negotiation.policy import Policy


def next_round(rounds_so_far: int, policy: Policy) -> bool:
    """True if the assistant may make another counter-offer after `rounds_so_far` of them."""
    if rounds_so_far < 0:
        raise ValueError(f"rounds_so_far must not be negative, got {rounds_so_far}")
    return rounds_so_far < policy.max_rounds


def should_hand_off(rounds_so_far: int, policy: Policy) -> bool:
    """True once `policy.max_rounds` counter-offers have been made: hand the debtor to a human."""
    return not next_round(rounds_so_far, policy)


@dataclass(frozen=True)
class Negotiation:
    """Counter-offers made so far in one conversation (store `rounds` in a slot)."""

    max_rounds: int
    rounds: int = 0

    @classmethod
    def for_policy(cls, policy: Policy, rounds: int = 0) -> Negotiation:
        return cls(max_rounds=policy.max_rounds, rounds=rounds)

    @property
    def can_counter(self) -> bool:
        return self.rounds < self.max_rounds

    @property
    def hand_off(self) -> bool:
        return not self.can_counter

    def after(self, evaluation: Evaluation) -> Negotiation:
        """The state after answering a proposal: a counter-offer uses up one round."""
        if evaluation.accepted:
            return self
        return Negotiation(max_rounds=self.max_rounds, rounds=self.rounds + 1)
