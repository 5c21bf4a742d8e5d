"""Right-party verification: confirm the name, then one identity field, at most 3 tries.

Until `verified` is true no action says anything about the account: a failed or refused
check only offers the call-back number.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import load_account
from actions.common import latest_intent, utter
from bot.store import repo
from bot.store.db import session_scope

MAX_ATTEMPTS = 3
IDENTITY_FIELDS = ("dob", "id_last4", "zip")
# Intents that leave the form through a rule instead of counting as an answer.
FORM_INTERRUPTIONS = frozenset(
    {
        "deny",
        "wrong_number",
        "opt_out",
        "cease_contact",
        "request_human",
        "express_distress",
        "attorney_represented",
        "debtor_deceased",
    }
)
PASSED, MISMATCH, UNREADABLE, FAILED = "passed", "mismatch", "unreadable", "failed"


def attempts_of(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_attempts") or 0)


class ActionGreetOutbound(Action):
    """First message of an outbound SMS (`start_reminder`) or call (`start_call`)."""

    def name(self) -> str:
        return "action_greet_outbound"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if not tracker.get_slot("debtor_name"):
            utter(dispatcher, tracker, "say_greet_outbound_unknown")
            return []
        response = "say_greet_call" if latest_intent(tracker) == "start_call" else "say_greet_outbound"
        utter(dispatcher, tracker, response)
        return [SlotSet("awaiting", "name")]


class ActionStartVerification(Action):
    """A debt question before verification: remember it, then ask who we are talking to."""

    def name(self) -> str:
        return "action_start_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if not tracker.get_slot("account_id") or not tracker.get_slot("debtor_name"):
            utter(dispatcher, tracker, "say_cannot_identify")
            return []
        if attempts_of(tracker) >= MAX_ATTEMPTS:
            utter(dispatcher, tracker, "say_verification_failed")
            return []
        utter(dispatcher, tracker, "say_ask_confirm_name")
        return [SlotSet("pending_intent", latest_intent(tracker)), SlotSet("awaiting", "name")]


class ActionConfirmName(Action):
    def name(self) -> str:
        return "action_confirm_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return [SlotSet("name_confirmed", True), SlotSet("awaiting", None)]


class ActionNameDenied(Action):
    """Not the person we are looking for: apologise and disclose nothing."""

    def name(self) -> str:
        return "action_name_denied"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        utter(dispatcher, tracker, "say_name_denied")
        return [
            SlotSet("name_confirmed", False),
            SlotSet("awaiting", None),
            SlotSet("pending_intent", None),
        ]


class ValidateVerificationForm(FormValidationAction):
    """Checks the identity answer against the store (HMAC compare in `repo.verify_identity`).

    The check happens at extraction time so that the slot only ever holds an outcome
    (`passed`, `mismatch`, `unreadable`), never the date of birth or ID digits.
    """

    def name(self) -> str:
        return "validate_verification_form"

    async def extract_identity_value(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "identity_value":
            return {}
        if latest_intent(tracker) in FORM_INTERRUPTIONS:
            return {}
        account_id = tracker.get_slot("account_id")
        answer = next(
            (
                (field, value)
                for field in IDENTITY_FIELDS
                if (value := _entity(tracker, field)) is not None
            ),
            None,
        )
        if answer is None or not account_id:
            return {"identity_value": UNREADABLE}
        field, value = answer
        with session_scope() as s:
            ok = repo.verify_identity(s, account_id, field, value)
            if ok:
                repo.mark_verified(s, account_id, str(tracker.sender_id))
        return {"identity_value": PASSED if ok else MISMATCH}

    def validate_identity_value(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if slot_value == PASSED:
            return {"identity_value": PASSED, "verified": True}
        attempts = attempts_of(tracker) + 1
        if attempts >= MAX_ATTEMPTS:
            return {"identity_value": FAILED, "verification_attempts": float(MAX_ATTEMPTS)}
        utter(dispatcher, tracker, "say_identity_mismatch" if slot_value == MISMATCH else "say_identity_unreadable")
        return {"identity_value": None, "verification_attempts": float(attempts)}


def _entity(tracker: Tracker, name: str):
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"])
    return None


class ActionVerificationResult(Action):
    """After the form: greet the verified debtor (mini-Miranda for us) and answer the
    question that started verification; otherwise offer the call-back number only."""

    def name(self) -> str:
        return "action_verification_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet("identity_value", None), SlotSet("pending_intent", None)]
        if not tracker.get_slot("verified"):
            utter(dispatcher, tracker, "say_verification_failed")
            return events
        account = load_account(tracker)
        if account is None:
            utter(dispatcher, tracker, "say_cannot_identify")
            return events
        if account.pack == "us":
            utter(dispatcher, tracker, "say_verified_us")
            with session_scope() as s:
                repo.mark_mini_miranda_given(s, account.account_id)
        else:
            utter(dispatcher, tracker, "say_verified", creditor=account.creditor or "")
        follow_up = FOLLOW_UPS.get(tracker.get_slot("pending_intent") or "", "action_tell_balance")
        events += await follow_up_action(follow_up).run(dispatcher, tracker, domain)
        return events


class ActionVerificationRefused(Action):
    def name(self) -> str:
        return "action_verification_refused"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        utter(dispatcher, tracker, "say_verification_refused")
        return [
            SlotSet("identity_value", None),
            SlotSet("pending_intent", None),
            SlotSet("requested_slot", None),
        ]


# The debt question that triggered verification -> the action that answers it afterwards.
FOLLOW_UPS = {
    "ask_balance": "action_tell_balance",
    "ask_payment_methods": "action_payment_methods",
    "pay_in_full": "action_offer_settlement",
    "request_discount": "action_explain_discount",
    "request_payment_plan": "action_offer_plans",
    "propose_installment": "action_evaluate_installment",
    "promise_to_pay": "action_evaluate_promise",
    "financial_hardship": "action_offer_hardship",
}


def follow_up_action(name: str) -> Action:
    """The action object for `name` (imported lazily: those modules import this one)."""
    from actions.negotiation import (
        ActionEvaluateInstallment,
        ActionEvaluatePromise,
        ActionExplainDiscount,
        ActionOfferHardship,
        ActionOfferPlans,
        ActionOfferSettlement,
    )
    from actions.reminders import ActionPaymentMethods, ActionTellBalance

    classes = (
        ActionTellBalance,
        ActionPaymentMethods,
        ActionOfferSettlement,
        ActionExplainDiscount,
        ActionOfferPlans,
        ActionEvaluateInstallment,
        ActionEvaluatePromise,
        ActionOfferHardship,
    )
    return {cls().name(): cls() for cls in classes}[name]
