"""Right-party verification: confirm the name, then one identity field, at most 3 tries.

Until `verified` is true no action says anything about the account: a failed or refused
check only offers the call-back number.

Why the name question is an `awaiting: name` slot and not (yet) the first slot of
`verification_form`: the question is part of the outbound greeting itself
(`utter_greet_outbound` asks "Is this {debtor_name}?"), and before the name is confirmed
every other intent must be answered by its own rule without disclosing anything ("who is
this?", "not now", "wrong number", a debt question that becomes `pending_intent`). As a
form slot, the greeting would have to activate the loop from outside the form (an
`ActiveLoop` plus `requested_slot` set by a non-form action), each of those intents would
become a form rejection after which the form re-asks the name, and deny would mean
"not me" at the name but "I won't answer" at the identity field, which rules can only tell
apart by featurising `requested_slot`. A yes/no asked once is what Rasa's rules are for
(one-turn interactions); a form is for a question that must be answered and re-asked until
it is, which here is the identity field: the name answer is a one-turn rule
(`bot/rules/verification.yml`) and the identity field is the form's slot, validated here by
a `FormValidationAction`. Folding the name into the form remains possible; it would change
the shape of every pre-verification story and test story.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.accounts import load_account
from actions.common import entity_value, latest_intent, utter
from actions.holds import answer_while_held
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


def campaign_notice(tracker: Tracker) -> Optional[str]:
    """The campaign template sent with the triggered intent, if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "campaign_notice" and entity.get("value"):
            return str(entity["value"])
    return None


class ActionGreetOutbound(Action):
    """First message of an outbound SMS (`start_reminder`) or call (`start_call`)."""

    def name(self) -> str:
        return "action_greet_outbound"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        notice = campaign_notice(tracker)
        if notice:  # a campaign step's own words open the conversation (start_sms(text=...))
            dispatcher.utter_message(text=notice)
        if not tracker.get_slot("debtor_name"):
            utter(dispatcher, tracker, "utter_greet_outbound_unknown")
            return []
        response = "utter_greet_call" if latest_intent(tracker) == "start_call" else "utter_greet_outbound"
        utter(dispatcher, tracker, response)
        return [SlotSet("awaiting", "name")]


class ActionStartVerification(Action):
    """Identity is needed (a debt question, or the debtor offering who they are): use what
    the message already carries, and ask only for what is still missing.

    - an identity field in the message (DOB, ID last 4, zip) is checked at once; a match
      verifies and the pending request is answered in the same turn;
    - "yes, this is Jane" / "我是王芳" confirms the name, so only the identity field is
      asked; another name ("我是王小明") is someone else: apologise, disclose nothing;
    - otherwise the name is asked first, as before.
    """

    def name(self) -> str:
        return "action_start_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if not tracker.get_slot("account_id") or not tracker.get_slot("debtor_name"):
            utter(dispatcher, tracker, "utter_cannot_identify")
            return []
        held = answer_while_held(dispatcher, tracker)
        if held is not None:
            # disputed / represented: nothing to verify for, since nothing is collected here
            return held
        if tracker.get_slot("verified") is True:
            # already verified in this session: answer the request, do not ask again (after a
            # "didn't catch that", "ill pay 100 on friday" from a verified debtor was met
            # with "am I speaking with ...?" and a second date of birth)
            pending = pending_request(tracker)
            return [SlotSet("pending_intent", None), SlotSet("awaiting", None),
                    FollowupAction(FOLLOW_UPS.get(pending or "", "action_tell_balance"))]
        if attempts_of(tracker) >= MAX_ATTEMPTS:
            utter(dispatcher, tracker, "utter_verification_failed")
            return []
        pending = pending_request(tracker)
        events: List[EventType] = [SlotSet("pending_intent", pending)]
        outcome = check_identity(tracker)
        if outcome == PASSED:
            return events + [SlotSet("verified", True), SlotSet("name_confirmed", True),
                             SlotSet("awaiting", None)] + verified_reply(dispatcher, tracker, pending)
        if outcome == MISMATCH:
            attempts = attempts_of(tracker) + 1
            events.append(SlotSet("verification_attempts", float(attempts)))
            if attempts >= MAX_ATTEMPTS:
                utter(dispatcher, tracker, "utter_verification_failed")
                return events + [SlotSet("pending_intent", None)]
            utter(dispatcher, tracker, "utter_identity_mismatch")
        claim = None
        if latest_intent(tracker) in NAME_INTENTS:
            claim = name_claim(message_text(tracker), tracker.get_slot("debtor_name") or "")
        if claim is False:
            utter(dispatcher, tracker, "utter_name_denied")
            return [SlotSet("name_confirmed", False), SlotSet("awaiting", None), SlotSet("pending_intent", None)]
        if claim or tracker.get_slot("name_confirmed"):
            return events + [SlotSet("name_confirmed", True), SlotSet("awaiting", None),
                             FollowupAction("verification_form")]
        utter(dispatcher, tracker, "utter_ask_confirm_name")
        return events + [SlotSet("awaiting", "name")]


def message_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def pending_request(tracker: Tracker) -> Optional[str]:
    """The request to answer once verified: this message's intent when it is a debt
    question, else one already pending, else a debt question the model ranked close
    behind (identity and a question in one message: "身份证后4位是4821，现在欠多少？")."""
    intent = latest_intent(tracker)
    if intent in FOLLOW_UPS:
        return intent
    if tracker.get_slot("pending_intent") in FOLLOW_UPS:
        return tracker.get_slot("pending_intent")
    for ranked in (tracker.latest_message or {}).get("intent_ranking") or []:
        if ranked.get("name") in FOLLOW_UPS and ranked.get("name") not in NOT_GUESSED \
                and float(ranked.get("confidence") or 0) >= SECOND_INTENT_MIN:
            return ranked["name"]
    return None


def identity_answer(tracker: Tracker) -> Optional[Tuple[str, str]]:
    """The first identity field (dob, id_last4, zip) in the latest message."""
    for field in IDENTITY_FIELDS:
        value = entity_value(tracker, field)
        if value is not None:
            return field, value
    return None


def check_identity(tracker: Tracker) -> Optional[str]:
    """PASSED / MISMATCH for the identity field in the latest message (a pass is recorded
    in the store), None when the message carries none."""
    answer = identity_answer(tracker)
    account_id = tracker.get_slot("account_id")
    if answer is None or not account_id:
        return None
    field, value = answer
    with session_scope() as s:
        ok = repo.verify_identity(s, account_id, field, value)
        if ok:
            repo.mark_verified(s, account_id, str(tracker.sender_id))
    return PASSED if ok else MISMATCH


SECOND_INTENT_MIN = 0.05
# Only messages about who is writing are read for a name ("I'm broke" is not a name).
NAME_INTENTS = frozenset({"provide_identity", "affirm"})
_EN_CLAIM = re.compile(r"\b(?:this is|it's|its|it is|i am|i'm|im|my name is|name's|that's|thats|that is|"
                       r"that'd be|you're speaking to|you are speaking to|you're talking to)\s+([a-z][a-z.'-]*)", re.I)
_ZH_CLAIM = re.compile(r"我(?:就)?(?:是|叫|姓)\s*([\u4e00-\u9fff]{1,4})")
# "对，就是我" / "是我本人": the writer says they are the person asked about, without a name
_ZH_SELF = re.compile(r"就是我(?![\u4e00-\u9fff])|是我本人|^本人|[，,。\s]本人")
_NOT_A_NAME = frozenset({"me", "here", "him", "her", "them", "the", "a", "an", "at", "in", "on", "yes",
                         "yeah", "right", "correct", "speaking", "he", "she", "person", "one", "myself"})
_SELF_ZH = ("本人", "我", "他本人", "她本人")
_NEGATION = re.compile(r"\b(?:not|isn't|ain't)\b|不是|并非", re.I)


def name_claim(text: str, debtor_name: str) -> Optional[bool]:
    """Does the message say who is writing? True: the debtor ("yes this is Jane",
    "我是王芳本人", "it's me"), False: someone else ("我是王小明", "this is her husband
    Tom", "I'm not Jane"), None: no name in it."""
    if not debtor_name:
        return None
    lowered = text.lower()
    parts = [p for p in re.split(r"\s+", debtor_name.lower()) if len(p) >= 2]
    words = set(re.findall(r"[a-z][a-z'-]*", lowered))
    names_debtor = any(p in words for p in parts) or debtor_name in text \
        or (len(debtor_name) >= 3 and not debtor_name.isascii() and debtor_name[1:] in text)
    if names_debtor:
        return not _NEGATION.search(text)
    if _ZH_SELF.search(text):
        return True
    zh = _ZH_CLAIM.search(text)
    if zh:
        claimed = zh.group(1)
        return True if claimed.startswith(_SELF_ZH) else False
    en = _EN_CLAIM.search(text)
    if en:
        word = en.group(1).lower().strip(".")
        if word in ("not",):
            return False
        if word in _NOT_A_NAME:
            # "this is she" / "it is he": the formal way of saying "I am the one you asked for"
            return True if word in ("me", "myself", "speaking", "she", "he") else None
        return False
    return None


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
        utter(dispatcher, tracker, "utter_name_denied")
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
        outcome = check_identity(tracker)
        return {"identity_value": outcome or UNREADABLE}

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
        utter(dispatcher, tracker, "utter_identity_mismatch" if slot_value == MISMATCH else "utter_identity_unreadable")
        return {"identity_value": None, "verification_attempts": float(attempts)}


class ActionVerificationResult(Action):
    """After the form: greet the verified debtor (mini-Miranda for us) and answer the
    question that started verification; otherwise offer the call-back number only."""

    def name(self) -> str:
        return "action_verification_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet("identity_value", None)]
        if not tracker.get_slot("verified"):
            utter(dispatcher, tracker, "utter_verification_failed")
            return events + [SlotSet("pending_intent", None)]
        return events + verified_reply(dispatcher, tracker, tracker.get_slot("pending_intent"))


def verified_reply(dispatcher: CollectingDispatcher, tracker: Tracker, pending: Optional[str]) -> List[EventType]:
    """Greet the newly verified debtor (the mini-Miranda for the US pack) and hand the turn to
    the action that answers the pending request (the balance when nothing was asked)."""
    account = load_account(tracker)
    if account is None:
        utter(dispatcher, tracker, "utter_cannot_identify")
        return [SlotSet("pending_intent", None)]
    if account.pack == "us":
        utter(dispatcher, tracker, "utter_verified_us")
        with session_scope() as s:
            repo.mark_mini_miranda_given(s, account.account_id)
    else:
        utter(dispatcher, tracker, "utter_verified", creditor=account.creditor or "")
    return [SlotSet("pending_intent", None), FollowupAction(FOLLOW_UPS.get(pending or "", "action_tell_balance"))]


class ActionVerificationRefused(Action):
    def name(self) -> str:
        return "action_verification_refused"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        utter(dispatcher, tracker, "utter_verification_refused")
        return [
            SlotSet("identity_value", None),
            SlotSet("pending_intent", None),
            SlotSet("requested_slot", None),
        ]


#: pending, not an intent: away and "contact me when I'm back" (actions/statuses.py talk_later)
PAUSE_AWAY = "talk_later"

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
    # "what happens if i dont pay": lawful consequences and the ways forward (courtesy.yml)
    "ask_options": "utter_options",
    PAUSE_AWAY: "action_offer_pause_away",
}
#: answered after verification only when asked outright, never read from a runner-up
#: intent: "dob 3/10/1985" with ask_options ranked 0.06 wants the balance, not the options
NOT_GUESSED = frozenset({"ask_options", PAUSE_AWAY})

