"""Which domain responses may be sent before the right party is verified.

Kept as data next to the dialogue so the compliance test and reviewers read the same
list: every response NOT named here is only ever sent after verification.
"""

from __future__ import annotations

PRE_VERIFICATION = frozenset(
    {
        "utter_greet", "utter_goodbye", "utter_out_of_scope", "utter_default", "utter_who_is_this",
        "utter_greet_outbound", "utter_greet_outbound_unknown", "utter_greet_call", "utter_ask_confirm_name",
        "utter_cannot_identify", "utter_ask_identity_value", "utter_identity_mismatch",
        "utter_identity_unreadable", "utter_verification_failed", "utter_verification_refused",
        "utter_name_denied", "utter_already_paid", "utter_dispute", "utter_wrong_number", "utter_deceased",
        "utter_attorney", "utter_bankruptcy", "utter_cease_contact", "utter_opted_out",
        "utter_inconvenient_time", "utter_complaint", "utter_calm", "utter_crisis_line", "utter_handoff",
        "utter_confirm_cease_contact", "utter_confirm_dispute_debt", "utter_confirm_express_distress",
        "utter_confirm_wrong_number", "utter_confirm_attorney_represented", "utter_confirm_bankruptcy",
        "utter_confirm_debtor_deceased", "utter_confirm_dropped", "utter_confirm_opt_out",
        "utter_legitimacy", "utter_welcome", "utter_paid_followup", "utter_nothing_open_unverified",
        "utter_verify_before_answering",
    }
)

# Sample values for template variables when a test or a reviewer renders every response.
SAMPLE_VARIABLES = {
    "company": "Northwind Services",
    "callback_number": "+1 800 555 0199",
    "debtor_name": "Ada Lovelace",
    "creditor": "Acme Bank",
    "balance": "$1,234.56",
    "due_date": "2026-12-04", "due": ", due 2026-12-04",
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
    "parts": "$200.00 on 2026-12-11 and $1,004.56 on 2026-12-14",
    "said": "$50.00", "cadence": "every 2 weeks", "per_month": "$108.33",
}

# The same in the form the actions give a Chinese conversation (a reviewer, the voice
# tests and the voice benchmark render the zh wording with these).
SAMPLE_VARIABLES_ZH = {
    **SAMPLE_VARIABLES, "balance": "¥3,000.00", "total": "¥2,950.00", "waived": "¥50.00",
    "monthly": "¥500.00", "due_date": "2026年12月4日", "due": "，到期日2026年12月4日", "date": "2026年12月4日",
    "pay_by": "2026年12月10日", "first_due": "2026年12月28日",
    "plans": "3期，每期¥1,000.00；6期，每期¥500.00；12期，每期¥250.00",
    "options": "暂停还款至2026年12月28日；18期，每期¥166.67",
    "summary": "自2026年12月28日起分6期，每期¥500.00，共¥3,000.00", "window": "9:00至11:00之间",
    "parts": "2026年12月4日还款¥200.00，2026年12月14日还款¥2,750.00",
    "callback_number": "+86 400 800 0199", "creditor": "华夏银行", "debtor_name": "王芳",
    "said": "¥200.00", "cadence": "每2周", "per_month": "¥433.33",
    "company": "北风信息服务有限公司"}

# Rasa's validator warns about responses no story names. These are uttered by actions,
# because only an action knows their variables (balance, plan, link); the list is checked
# against the actions' source so a response nobody says cannot hide in it.
ACTION_UTTERED = frozenset(
    {
        "utter_already_paid",
        "utter_arrangement_confirmed",
        "utter_ask_confirm_name",
        "utter_ask_installment",
        "utter_ask_promise_details",
        "utter_attorney",
        "utter_balance",
        "utter_bankruptcy",
        "utter_cannot_identify",
        "utter_cease_contact",
        "utter_complaint",
        "utter_confirm_attorney_represented",
        "utter_confirm_bankruptcy",
        "utter_confirm_cease_contact",
        "utter_confirm_debtor_deceased",
        "utter_confirm_dispute_debt",
        "utter_confirm_dropped",
        "utter_confirm_express_distress",
        "utter_confirm_opt_out",
        "utter_confirm_wrong_number",
        "utter_deceased",
        "utter_dispute",
        "utter_explain_discount",
        "utter_no_discount",
        "utter_offer_full_payment",
        "utter_greet_call",
        "utter_greet_outbound",
        "utter_greet_outbound_unknown",
        "utter_handoff",
        "utter_identity_mismatch",
        "utter_identity_unreadable",
        "utter_inconvenient_time",
        "utter_link_declined",
        "utter_link_not_sent",
        "utter_link_texted",
        "utter_name_denied",
        "utter_no_offer",
        "utter_no_open_balance",
        "utter_nothing_open",
        "utter_nothing_open_unverified",
        "utter_offer_hardship_one",
        "utter_offer_declined",
        "utter_offer_hardship",
        "utter_offer_pause_away",
        "utter_offer_plans",
        "utter_offer_settlement",
        "utter_opted_out",
        "utter_paid_followup",
        "utter_pause_confirmed",
        "utter_payment_methods",
        "utter_plan_accept_proposal",
        "utter_plan_cadence",
        "utter_plan_counter",
        "utter_plan_parts",
        "utter_promise_accepted",
        "utter_promise_counter",
        "utter_split_promise_confirm",
        "utter_split_promise_counter",
        "utter_verification_failed",
        "utter_verification_refused",
        "utter_verified",
        "utter_verified_us",
        "utter_verify_before_answering",
        "utter_wrong_number",
    }
)
FORM_QUESTIONS = frozenset({"utter_ask_identity_value"})
# Intents sent by the channels (`trigger_intent`), never typed, so no NLU examples.
TRIGGER_INTENTS = frozenset({"start_reminder", "start_call"})
