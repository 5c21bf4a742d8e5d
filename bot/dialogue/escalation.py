"""`EscalationPolicy`: a rule-free Rasa policy that hands a conversation to a person.

Written as a policy (not a story) because "three negative messages in a row" or "two
fallbacks in a row" cuts across every flow: no set of stories could enumerate it. The
policy predicts `action_handoff` with full confidence and a priority above the
RulePolicy, so it wins over whatever the rules would have said, and right after
`action_handoff` it predicts `action_listen` so the turn ends cleanly.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.care import DEFAULT_THRESHOLD, reading
from bot.dialogue.streaks import (
    FALLBACK_LIMIT,
    HANDOFF_ACTION,
    NEGATIVE_LIMIT,
    Turn,
    escalation_reason,
    is_negative,
)

# RulePolicy has priority 6; ties on confidence go to the higher priority. CarePolicy has 7:
# when a streak calls for a person and the same message is an unsure high-impact reading
# (a distressed debtor who also asks for someone), the person wins over Care's yes/no
# question, and the question's own offer ("would you like someone from our team to reach
# out?") is what the handoff does anyway. Distinct priorities: a tie between the two would
# otherwise be settled by their order in config.yml.
ESCALATION_PRIORITY = 8
DISTRESS_INTENT = "express_distress"
DISTRESS_REASON = "distress"


def turns_since_handoff(tracker: DialogueStateTracker) -> List[Turn]:
    """The debtor's messages since the last handoff (or session start)."""
    turns: List[Turn] = []
    for event in tracker.events:
        if isinstance(event, ActionExecuted) and event.action_name == HANDOFF_ACTION:
            turns = []
        elif isinstance(event, SessionStarted):
            turns = []
        elif isinstance(event, UserUttered):
            turns.append(Turn(intent=event.intent_name, negative=is_negative(event.parse_data)))
    return turns


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT], is_trainable=False
)
class EscalationPolicy(Policy):
    """Predicts `action_handoff` when the negative or fallback streak reaches its limit."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "priority": ESCALATION_PRIORITY,
            "negative_limit": NEGATIVE_LIMIT,
            "fallback_limit": FALLBACK_LIMIT,
            "distress_threshold": DEFAULT_THRESHOLD,
        }

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: the rule is fixed by configuration."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Handoff after a streak; listen right after a handoff; otherwise abstain."""
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        if latest_action == HANDOFF_ACTION:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if latest_action != ACTION_LISTEN_NAME or HANDOFF_ACTION not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        reason = escalation_reason(
            turns_since_handoff(tracker),
            negative_limit=int(self.config.get("negative_limit", NEGATIVE_LIMIT)),
            fallback_limit=int(self.config.get("fallback_limit", FALLBACK_LIMIT)),
        )
        if reason is None:
            return self._prediction(probabilities)
        intent, confidence = reading(tracker.latest_message.parse_data or {})
        if intent == DISTRESS_INTENT:
            if confidence >= float(self.config.get("distress_threshold", DEFAULT_THRESHOLD)):
                # a clear distress message: its rule sends the crisis line and hands off;
                # winning here would hand off without the crisis line
                return self._prediction(probabilities)
            # an unsure one: a person at once, queued as distress (first in the queue)
            reason = DISTRESS_REASON
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        return self._prediction(
            probabilities, optional_events=[SlotSet("handoff_reason", reason)]
        )
