"""`CarePolicy`: high-impact intents act only on a clear signal.

Below `threshold` (config.yml) a cease, opt-out, dispute, distress, wrong-number, attorney,
bankruptcy or deceased reading gets a confirming question (`action_confirm_intent`)
instead of the rule's action. Written as a policy because it cuts across every rule
that starts with those intents, and the threshold belongs with the other model knobs.

It also ends the turn after an action that another action handed the turn to with
`FollowupAction` (the answer to the request that started verification): no rule can
describe "whatever was pending", so without this the TED policy would guess.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

HIGH_IMPACT_INTENTS = frozenset({
    "cease_contact", "dispute_debt", "express_distress", "wrong_number",
    "attorney_represented", "bankruptcy", "debtor_deceased",
    # an opt-out stops a channel for good; "发短信给我" (text me) read as opt-out at 0.75 on
    # a call, after "I can text you a payment link", would have ended the debtor's calls
    "opt_out",
})
CONFIRM_ACTION = "action_confirm_intent"
FALLBACK_INTENT = "nlu_fallback"
DEFAULT_THRESHOLD = 0.8
# Actions that pass the turn on with FollowupAction.
HANDING_ON = frozenset({"action_verification_result", "action_start_verification"})
CARE_PRIORITY = 7


def needs_confirmation(intent: Optional[str], confidence: float, threshold: float,
                       intents: frozenset = HIGH_IMPACT_INTENTS) -> bool:
    """A high-impact reading the model is not sure enough of."""
    return intent in intents and confidence < threshold


def reading(parse_data: Dict[str, Any]) -> Tuple[Optional[str], float]:
    """The intent the model leans to, and its confidence. Below the NLU fallback threshold
    the top intent is `nlu_fallback`; the best real intent behind it still matters here:
    "我不想活了" read as distress at 0.3 deserves a question, not "I didn't understand"."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") != FALLBACK_INTENT:
        return intent.get("name"), float(intent.get("confidence") or 0.0)
    for ranked in parse_data.get("intent_ranking") or []:
        if ranked.get("name") != FALLBACK_INTENT:
            return ranked.get("name"), float(ranked.get("confidence") or 0.0)
    return None, 0.0


def speech_confidence(metadata: Optional[Dict[str, Any]]) -> float:
    """The speech recogniser's confidence the voice channel put in the message metadata
    (1.0 when there is none: a text or keypad input is read exactly)."""
    try:
        value = float((metadata or {}).get("speech_confidence", 1.0))
    except (TypeError, ValueError):
        return 1.0
    return min(max(value, 0.0), 1.0)


def _last_actions(tracker: DialogueStateTracker, n: int) -> List[str]:
    names: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name:
            names.append(event.action_name)
            if len(names) == n:
                break
    return names


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT], is_trainable=False
)
class CarePolicy(Policy):
    """Predicts `action_confirm_intent` for unsure high-impact intents; listens after it."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": CARE_PRIORITY, "threshold": DEFAULT_THRESHOLD,
                "intents": sorted(HIGH_IMPACT_INTENTS)}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        """Nothing to learn: the threshold is configuration."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if CONFIRM_ACTION not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        # Policies are only asked when no FollowupAction is pending, so right after one of
        # these actions (or after the action it handed on to) the turn is over.
        last = _last_actions(tracker, 2)
        ends_turn = bool(last) and (
            last[0] in HANDING_ON | {CONFIRM_ACTION}
            or (len(last) == 2 and last[1] in HANDING_ON and last[0] != ACTION_LISTEN_NAME
                and not tracker.active_loop_name))
        if ends_turn:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.active_loop_name:
            return self._prediction(probabilities)
        name, confidence = reading(tracker.latest_message.parse_data or {})
        # on a call the words themselves may be misheard: how sure we are of the reading
        # is the model's confidence times the speech recogniser's (1.0 for text and keys)
        confidence *= speech_confidence(tracker.latest_message.metadata)
        if needs_confirmation(name, confidence,
                              float(self.config.get("threshold", DEFAULT_THRESHOLD)),
                              frozenset(self.config.get("intents") or HIGH_IMPACT_INTENTS)):
            probabilities[domain.index_for_action(CONFIRM_ACTION)] = 1.0
        return self._prediction(probabilities)
