"""What the debtor tells us about their situation: recorded in the store, answered once."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.accounts import load_account
from actions.common import language_of, latest_intent, safe_text, utter
from actions.handoff import INTENT_REASONS, perform_handoff
from actions.holds import answer_while_held, note_attorney_details
from actions.negotiation import ActionOfferHardship, ActionOfferPauseAway
from actions.verification import PAUSE_AWAY
from bot import locale
from bot.dialogue.care import asks_not_at_work
from bot.negotiation.choice import asks_for_time, asks_to_talk_later
from bot.store import evidence, repo
from bot.store.db import session_scope
from bot.store.outcomes import open_handoff
from compliance_filters.inconvenient import (
    inconvenient_span,
    mentions_work,
    preferred_time_complement,
    says_preferred_time,
    says_work_number,
    working_day_kind,
)

# intent -> (account status recorded, response, reason kept for the handoff)
STATUSES: Dict[str, Tuple[Optional[str], str]] = {
    "already_paid": ("paid_claim", "utter_already_paid"),
    "dispute_debt": ("dispute", "utter_dispute"),
    "debtor_deceased": ("deceased", "utter_deceased"),
    "attorney_represented": ("attorney", "utter_attorney"),
    "bankruptcy": ("bankruptcy", "utter_bankruptcy"),
    "cease_contact": ("cease", "utter_cease_contact"),
    "file_complaint": (None, "utter_complaint"),
}
# intent -> the short answer when a person already has the same claim in this conversation
# ("i have the receipt" after "i already paid"): no second status answer and handoff notice
FOLLOW_UPS: Dict[str, str] = {"already_paid": "utter_paid_followup"}


class ActionRecordStatus(Action):
    """Record the status behind the latest intent and give its one answer.

    A complaint is not an account status: it goes to the evidence log instead.
    """

    def name(self) -> str:
        return "action_record_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return record_status(dispatcher, tracker, latest_intent(tracker) or "")


def record_status(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> List[EventType]:
    """Record the status `intent` stands for and give its one answer.

    A cease request is also an opt-out of every channel (source nlu, so `export optouts`
    shows it), and its answer goes out as the one "confirmation" the gate lets through
    once the cease status is on file.
    """
    if intent not in STATUSES:
        utter(dispatcher, tracker, "utter_handoff")
        return []
    status, response = STATUSES[intent]
    account_id = tracker.get_slot("account_id")
    if intent in FOLLOW_UPS and already_handed_off(str(tracker.sender_id), INTENT_REASONS[intent]):
        utter(dispatcher, tracker, FOLLOW_UPS[intent])
        # the rule's action_handoff would queue nothing new and repeat its notice
        return [SlotSet("awaiting", None), SlotSet("current_offer", None), FollowupAction("action_listen")]
    with session_scope() as s:
        if account_id and status is not None:
            repo.set_status(s, account_id, status, note=f"debtor said so ({intent})")
        elif account_id:
            evidence.append(
                s, "complaint", account_id, {"channel": "conversation", "conversation": str(tracker.sender_id)}
            )
        if intent == "attorney_represented":  # "my lawyer is Bob Ray 555 0100": kept for the agent
            note_attorney_details(s, tracker)
        if intent == "cease_contact":
            repo.record_optout(s, account_id=account_id, phone=str(tracker.sender_id), channel="all", source="nlu")
    if intent == "cease_contact":
        utter(dispatcher, tracker, response, message_kind="confirmation")
    else:
        utter(dispatcher, tracker, response)
    return [SlotSet("awaiting", None), SlotSet("current_offer", None)]


def already_handed_off(conversation_id: str, reason: str) -> bool:
    """This conversation's open handoff already carries `reason`: the debtor is adding to a
    claim a person will see, not making a new one."""
    with session_scope() as s:
        handoff = open_handoff(s, conversation_id)
        return handoff is not None and reason in handoff.reason.split(",")


class ActionWrongNumber(Action):
    """Apologise, disclose nothing, and never contact this number about the account again."""

    def name(self) -> str:
        return "action_wrong_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return wrong_number(dispatcher, tracker)


def wrong_number(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Flag the number on every account, apologise, and forget any verification."""
    with session_scope() as s:
        repo.mark_wrong_number(s, str(tracker.sender_id))
    utter(dispatcher, tracker, "utter_wrong_number")
    return [SlotSet("awaiting", None), SlotSet("verified", False), SlotSet("pending_intent", None)]


class ActionOptOut(Action):
    """Stop contacting this number on the channel the request came on; the one
    confirmation is this reply.

    "Stop calling me" said on a call is a voice opt-out; in the us pack the gate treats it
    as covering robotexts too (FCC 24-18), so nothing else is needed here for that."""

    def name(self) -> str:
        return "action_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return opt_out(dispatcher, tracker)


def opt_out(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Record the opt-out for the channel this conversation is on and confirm it once
    (also what a confirmed unsure opt-out does, actions/care.py)."""
    account_id = tracker.get_slot("account_id")
    channel = "voice" if tracker.get_latest_input_channel() == VOICE_CHANNEL else "sms"
    with session_scope() as s:
        repo.record_optout(s, account_id=account_id, phone=str(tracker.sender_id), channel=channel, source="nlu")
    utter(dispatcher, tracker, "utter_opted_out", message_kind="confirmation")
    return [SlotSet("awaiting", None)]


#: the voice channel's name (bot.channels.twilio_voice), as Rasa reports the input channel
VOICE_CHANNEL = "twilio_voice"


class ActionRecordInconvenientTime(Action):
    """Record the span the debtor said not to contact them in, and say it back.

    The span comes from what they said ("don't call before noon" -> 00:00-12:00, "not
    after 6pm" -> 18:00-24:00, "不要在上午打电话" -> 00:00-12:00; Reg F 1006.6(b)(1)(i));
    when no span can be read a person takes over rather than a guessed one being stored."""

    def name(self) -> str:
        return "action_record_inconvenient_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        lang = language_of(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        # "after 5 is best" names the time that suits them: the rest of the day is the
        # inconvenient span; a preference that leaves no single span goes to a person
        prefers = says_preferred_time(text)
        span = preferred_time_complement(text) if prefers else inconvenient_span(text)
        # "dont ring me at the office" / "my work number": the place is also read the way
        # CarePolicy reads it when it sends a cease-looking "not at work" here
        at_work = mentions_work(text) or asks_not_at_work(text)
        # away and "let's talk when I'm back" (even away for work: not the workplace), or
        # a plain request for time: the pause offer, not a person
        away = asks_to_talk_later(text)
        if span is None and (away or (not at_work and asks_for_time(text))):
            return await talk_later(dispatcher, tracker, away)
        if span is None and not at_work:
            return perform_handoff(dispatcher, tracker, "inconvenient_time")
        account = load_account(tracker)
        if account is not None:
            with session_scope() as s:
                if span is not None:
                    repo.add_inconvenient_time(s, account.account_id, span.start, span.end,
                                               note=text[:200])
                if at_work:
                    record_work_place(s, account.account_id, str(tracker.sender_id), text)
        window = said_back(text, span, lang, at_work)
        utter(dispatcher, tracker, "utter_inconvenient_time", window=safe_text(window, tracker) or "")
        return []


async def talk_later(dispatcher: CollectingDispatcher, tracker: Tracker, away: bool = False) -> List[EventType]:
    """"我下周出差 回来再说吧" / "im travelling for work till the 10th, lets talk after":
    no time to avoid, a request for time. Before it was handed to a person (no span could
    be read); it gets what "give me some time" gets, the pause offer. The offer speaks of
    the debt, so an unverified debtor is verified first and the offer answers afterwards
    (`pending_intent`, as for a debt question: the turn ends after verification starts).
    Someone `away` gets the pause worded for being away, not the hardship offer's "sorry
    things are hard" (`PAUSE_AWAY`, answered after verification as FOLLOW_UPS says)."""
    if not tracker.get_slot("verified"):
        pending = PAUSE_AWAY if away else "financial_hardship"
        return [SlotSet("pending_intent", pending), FollowupAction("action_start_verification")]
    held = answer_while_held(dispatcher, tracker)
    if held is not None:  # disputed / represented: no collection offer, a person has it
        return held
    # the offer reads no domain (the action server sends one only to validation actions)
    action = ActionOfferPauseAway() if away else ActionOfferHardship()
    return await action.run(dispatcher, tracker, {})


#: "at work" as utter_inconvenient_time says it ("We've noted not to contact you at work.")
AT_WORK = {"en": "at work", "zh": "在工作单位"}
#: working hours / the daytime, said back with the span assumed for them
WORKING_DAY = {("work", "en"): "during working hours ({span} your local time)",
               ("work", "zh"): "上班时间（当地时间{span}）",
               ("day", "en"): "during the day ({span} your local time)",
               ("day", "zh"): "白天（当地时间{span}）"}
BOTH = {"en": "{span} or at work", "zh": "{span}及在工作单位时"}


def said_back(text: str, span: Any, lang: str, at_work: bool) -> str:
    """The span as utter_inconvenient_time confirms it. "Working hours" / "白天" are stored
    as 09:00-18:00, an assumption, so the debtor is told the hours to correct them; a span
    and "at work" in one message are both said back."""
    if span is None:
        return AT_WORK[lang]
    shown = locale.window(span.start, span.end, lang)
    kind = working_day_kind(text)
    if kind is not None:
        plain = f"{locale.show_time(span.start)}-{locale.show_time(span.end)}"
        shown = WORKING_DAY[(kind, lang)].format(span=plain)
    return BOTH[lang].format(span=shown) if at_work else shown


def record_work_place(s: Any, account_id: str, sender: str, text: str) -> None:
    """"Don't call me at work": work is an inconvenient place (Reg F 1006.6(b)(1)), so no
    contact on the account's work numbers; "this is my work phone" also flags the number
    the debtor wrote from as one (issue 13 item 1)."""
    numbers = {p.e164 for p in repo.get_account(s, account_id).phones}
    work_phone = sender if says_work_number(text) and sender in numbers else None
    repo.set_workplace(s, account_id, source="nlu", work_phone=work_phone, employer_prohibits=True)
