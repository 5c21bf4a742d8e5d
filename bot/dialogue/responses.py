"""Which domain responses may be sent before the right party is verified.

Kept as data next to the dialogue so the compliance test and reviewers read the same
list: every response NOT named here is only ever sent after verification.
"""

from __future__ import annotations

PRE_VERIFICATION = frozenset(
    {
        "utter_greet", "utter_goodbye", "utter_out_of_scope", "utter_default", "utter_who_is_this",
        "say_greet_outbound", "say_greet_outbound_unknown", "say_greet_call", "say_ask_confirm_name",
        "say_cannot_identify", "utter_ask_identity_value", "say_identity_mismatch",
        "say_identity_unreadable", "say_verification_failed", "say_verification_refused",
        "say_name_denied", "say_already_paid", "say_dispute", "say_wrong_number", "say_deceased",
        "say_attorney", "say_bankruptcy", "say_cease_contact", "say_opted_out",
        "say_inconvenient_time", "say_complaint", "utter_calm", "utter_crisis_line", "say_handoff",
        "say_confirm_cease_contact", "say_confirm_dispute_debt", "say_confirm_express_distress",
        "say_confirm_wrong_number", "say_confirm_attorney_represented", "say_confirm_bankruptcy",
        "say_confirm_debtor_deceased", "say_confirm_dropped",
    }
)

# Sample values for template variables when a test or a reviewer renders every response.
SAMPLE_VARIABLES = {
    "company": "Northwind Services",
    "callback_number": "+1 800 555 0199",
    "debtor_name": "Ada Lovelace",
    "creditor": "Acme Bank",
    "balance": "$1,234.56",
    "due_date": "2026-12-04",
    "link": "https://pay.example.com/A1?amount=1234.56",
    "pay_by": "2026-12-10",
    "waived": "$30.00",
    "total": "$1,204.56",
    "plans": "3 x $411.52; 6 x $205.76; 12 x $102.88",
    "months": "6",
    "monthly": "$205.76",
    "first_due": "2026-12-28",
    "date": "2026-12-04",
    "options": "a pause until 2026-12-28; 18 x $68.58",
    "summary": "6 payments of $205.76 from 2026-12-28, $1,234.56 in total",
    "window": "between 09:00 and 11:00",
}

# Rasa's validator warns about responses no story names; these are uttered by actions
# (with variables only an action knows) and by the form, so the warning is expected.
ACTION_UTTERED_PREFIX = "say_"
FORM_QUESTIONS = frozenset({"utter_ask_identity_value"})
# Intents sent by the channels (`trigger_intent`), never typed, so no NLU examples.
TRIGGER_INTENTS = frozenset({"start_reminder", "start_call"})
