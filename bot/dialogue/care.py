"""`CarePolicy`: high-impact intents act only on a clear signal.

Below `threshold` (config.yml) a cease, opt-out, dispute, distress, wrong-number, attorney,
bankruptcy or deceased reading gets a confirming question (`action_confirm_intent`)
instead of the rule's action; so does a deceased, bankruptcy, attorney or wrong-number reading, however
sure, of a message without a word for it (`CUES`). Written as a policy because it cuts across every rule
that starts with those intents, and the threshold belongs with the other model knobs.

It also ends the turn after an action that another action handed the turn to with
`FollowupAction` (the answer to the request that started verification): no rule can
describe "whatever was pending", so without this the TED policy would guess.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Pattern, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUtteranceReverted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

HIGH_IMPACT_INTENTS = frozenset({
    "cease_contact", "dispute_debt", "express_distress", "wrong_number",
    "attorney_represented", "bankruptcy", "debtor_deceased",
    # an opt-out stops a channel for good; "发短信给我" (text me) read as opt-out at 0.75 on
    # a call, after "I can text you a payment link", would have ended the debtor's calls
    "opt_out",
})
# Intents whose meaning always shows in the words: a death, a bankruptcy, a lawyer, a
# wrong number. The model alone must not record one of these: "this is she" (the debtor answering "is this
# Mark Hill?") was read as debtor_deceased at high confidence, which would have stopped
# collection and sent condolences. Without one of these words the reading is confirmed
# first, however sure the model is; a missing word costs one question, never an action.
CUES: Dict[str, Pattern[str]] = {
    "debtor_deceased": re.compile(
        r"\b(?:die[ds]?|dead|death|deceased|passed|pass(?:ing)?\s+away|funeral|buried|late|"
        r"no\s+longer\s+(?:with|alive|here|living)|not\s+with\s+us|gone|rip|r\.i\.p|lost\s+(?:him|her|my))\b"
        r"|去世|過世|过世|离世|離世|逝世|身故|身亡|病逝|病故|已故|死|走了|不在了|没了|葬礼|遗产", re.I),
    "bankruptcy": re.compile(
        r"bankrupt|\bchapter\s*(?:7|11|13|seven|eleven|thirteen)\b|\bch\.?\s*(?:7|13)\b|\bbk\b|"
        r"\btrustee\b|insolven|\bdischarge|\bfiled\b|\bfiling\b|automatic\s+stay|"
        r"破产|破產|清算|资不抵债", re.I),
    # "yep you got her" (yes, you reached her) was read as wrong_number: the debtor's number
    # would have been flagged and dropped. Generous on purpose: any denial, "new number",
    # "who", a stranger; only a plain yes-you-reached-me lacks all of them.
    "wrong_number": re.compile(
        r"\b(?:wrong|not|no|isn'?t|isnt|nobody|noone|who|never|new|stranger|anymore|recently|"
        r"recycled|reassigned|don'?t|dont|doesn'?t)\b|\bgot\s+(?:this|the|my)\s+(?:number|phone)|\bnumber\s+now\b|"
        r"错|錯|不是|不叫|没有|沒有|没这|不对|不對|不认识|不認識|"
        r"换|換|新办|新辦|刚买|剛買|不在|不用|谁|誰|不知道", re.I),
    "attorney_represented": re.compile(
        r"\b(?:attorney|attorneys|atty|lawyer|lawyers|lawer|counsel|legal|law\s*firm|represent\w*|esq)\b"
        r"|律师|律師|法律援助|代理|律所", re.I),
}
# "Is this a scam?", "how do i know youre real", "你们是不是骗子" ask whether we are genuine.
# Read as anger they got "would you like to talk to a person?", as distress a yes/no
# question whose yes sent the crisis line, as a dispute ("怎么证明") a recorded dispute and
# paused collection. The words show the meaning, so such a reading is answered with how to
# check us (utter_legitimacy) whatever the model leans to, unless the message also speaks
# of the debt (a dispute said with "scam") or of real distress.
LEGITIMACY = re.compile(
    r"\bscam\w*|\bfraud\w*|\bfake\b|\bphishing\b|\blegit\w*|\bgenuine\b|"
    r"\byou(?:'?re|\s+are|\s+r)\s+(?:really\s+)?real\b|\bis\s+this\s+(?:really\s+)?real\b|"
    r"\breal\s+(?:company|business|agency|collector|text|message)\b|"
    r"骗子|诈骗|骗人|真的假的|是真的吗|正规|官方的吗|合法的吗|靠谱吗", re.I)
# right after our answer, "prove it" / "怎么证明" / "how do i check" asks the same again
LEGITIMACY_FOLLOW_UP = re.compile(
    r"\bprove\b|\bproof\b|\bhow\s+(?:do|can|would|will)\s+i\s+(?:know|tell|check|verify|trust)\b|"
    r"\bverify\b|\bwhy\s+should\s+i\s+(?:trust|believe)\b|\breal\b|"
    r"证明|怎么知道|核实|凭什么|怎么相信|真的吗|怎么确认|验证", re.I)
ABOUT_THE_DEBT = re.compile(
    r"\bowe|\bdebt|\bloan|\bnot\s+mine\b|\bnever\s+(?:had|borrowed|took|opened)\b|欠|借|贷|不是我的", re.I)
REAL_DISTRESS = re.compile(
    r"suicid|kill\s+myself|end\s+it|can'?t\s+take|cant\s+take|hopeless|不想活|活不下去|崩溃|撑不住|撑不下去|绝望|自杀", re.I)
# readings a legitimacy question is mistaken for (None: nothing above the fallback threshold)
DOUBTED = frozenset({"express_distress", "express_anger", "dispute_debt", "out_of_scope", None})
LEGITIMACY_ANSWERS = ("utter_legitimacy", "utter_legitimacy_verified")
CONFIRM_ACTION = "action_confirm_intent"
FALLBACK_INTENT = "nlu_fallback"
DEFAULT_THRESHOLD = 0.8
# "Quit calling me at my job", "以后别往我公司打电话": not to be called AT WORK is the
# workplace flag (Reg F 1006.6(b)(3)); contact elsewhere goes on. Read as a cease (the
# model's 0.91/0.96) it stopped all contact with "this is our final message". The place
# must be the debtor's own work ("your company" is not), and a message that also says
# anywhere / at all / at home stays whatever the model read ("again" does not widen it:
# "don't call me at work again" is still only work).
AT_WORKPLACE = re.compile(
    r"\b(?:at|to|on)\s+(?:my|the|me\s+at\s+my)\s+(?:work|job|office|workplace|worksite|work\s*place)\b"
    r"|\bat\s+work\b|\b(?:my|the)\s+(?:work|office|job)\s*(?:number|phone|line|cell|landline|#)"
    r"|\bwhile\s+i'?m\s+(?:at\s+)?work"
    r"|(?:往|到|打到|打去|去|打我|我的?|给我)(?:的)?(?:公司|单位|工作单位|办公室)"
    r"|(?:公司|单位|办公室)的?(?:电话|座机|号码|固话)|上班的地方|工作的地方|上班的时候|在上班", re.I)
EVERYWHERE = re.compile(
    r"\b(?:anywhere|everywhere|at\s+all|any\s+way|home|all\s+contact|completely)\b"
    r"|任何|所有|家里|都别|都不要|也别|也不要|一律|彻底", re.I)
# readings a request not to be called at work is mistaken for
WORKPLACE_READINGS = frozenset({"cease_contact", "opt_out", "inconvenient_time", "express_anger", None})
WORKPLACE_ACTION = "action_record_inconvenient_time"
# Actions that pass the turn on with FollowupAction.
HANDING_ON = frozenset({"action_verification_result", "action_start_verification",
                        "action_verify_before_answering"})
# Below EscalationPolicy (8): see ESCALATION_PRIORITY in bot/dialogue/escalation.py.
CARE_PRIORITY = 7


def needs_confirmation(intent: Optional[str], confidence: float, threshold: float,
                       intents: frozenset = HIGH_IMPACT_INTENTS) -> bool:
    """A high-impact reading the model is not sure enough of."""
    return intent in intents and confidence < threshold


def lacks_cue(intent: Optional[str], text: Optional[str]) -> bool:
    """A reading whose meaning must show in the words, of a text that has none of them."""
    cue = CUES.get(intent or "")
    return cue is not None and not cue.search(text or "")


def asks_legitimacy(text: Optional[str], after_answer: bool = False) -> bool:
    """The message asks whether we are genuine (after our answer, "prove it" asks it again),
    and says nothing of the debt or of real distress."""
    text = text or ""
    asked = LEGITIMACY.search(text) or (after_answer and LEGITIMACY_FOLLOW_UP.search(text))
    return bool(asked) and not ABOUT_THE_DEBT.search(text) and not REAL_DISTRESS.search(text)


def asks_not_at_work(text: Optional[str]) -> bool:
    """The message asks not to be contacted at the debtor's work, and only there."""
    text = text or ""
    return bool(AT_WORKPLACE.search(text)) and not EVERYWHERE.search(text)


def turn_answered(tracker: DialogueStateTracker) -> bool:
    """The turn already has its answer: the fallback just said "didn't catch that" and
    reverted the message, or a legitimacy answer was just given.

    Predicting again after the fallback's revert found nothing sure either, so the
    fallback ran a second time, and its revert took back the debtor's PREVIOUS message:
    "是" after a recorded promise undid the identity answer before it, the debtor was no
    longer verified, and "能改到下周一吗" was asked for name and date of birth again. The
    legitimacy answer ends its turn the same way: "yall are scammers arent you" (read as
    anger) got the answer, then "Sorry, I didn't catch that."."""
    if tracker.events and isinstance(tracker.events[-1], UserUtteranceReverted):
        return True
    return tracker.latest_action_name in LEGITIMACY_ANSWERS


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
        if ends_turn or turn_answered(tracker):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.active_loop_name:
            return self._prediction(probabilities)
        name, confidence = reading(tracker.latest_message.parse_data or {})
        if name in WORKPLACE_READINGS and WORKPLACE_ACTION in domain.action_names_or_texts \
                and asks_not_at_work(tracker.latest_message.text):
            probabilities[domain.index_for_action(WORKPLACE_ACTION)] = 1.0
            return self._prediction(probabilities)
        answer = LEGITIMACY_ANSWERS[1] if tracker.get_slot("verified") else LEGITIMACY_ANSWERS[0]
        if name in DOUBTED and answer in domain.action_names_or_texts and asks_legitimacy(
                tracker.latest_message.text, after_answer=bool(set(last) & set(LEGITIMACY_ANSWERS))):
            probabilities[domain.index_for_action(answer)] = 1.0
            return self._prediction(probabilities)
        # on a call the words themselves may be misheard: how sure we are of the reading
        # is the model's confidence times the speech recogniser's (1.0 for text and keys)
        confidence *= speech_confidence(tracker.latest_message.metadata)
        intents = frozenset(self.config.get("intents") or HIGH_IMPACT_INTENTS)
        if needs_confirmation(name, confidence, float(self.config.get("threshold", DEFAULT_THRESHOLD)),
                              intents) or (name in intents and lacks_cue(name, tracker.latest_message.text)):
            probabilities[domain.index_for_action(CONFIRM_ACTION)] = 1.0
        return self._prediction(probabilities)
