"""The console's words in English and Chinese, and why each kind of gate rule stops a text."""

from __future__ import annotations

from typing import Callable, Dict

TEXT: Dict[str, Dict[str, str]] = {
    "title": {"en": "Collections console", "zh": "催收坐席控制台"},
    "login": {"en": "Log in", "zh": "登录"},
    "logout": {"en": "Log out", "zh": "退出"},
    "name": {"en": "Name", "zh": "用户名"},
    "password": {"en": "Password", "zh": "密码"},
    "bad_login": {"en": "Wrong name or password.", "zh": "用户名或密码错误。"},
    "queue": {"en": "Queue", "zh": "队列"},
    "empty": {"en": "Nothing waiting.", "zh": "暂无待处理会话。"},
    "reason": {"en": "Reason", "zh": "原因"},
    "account": {"en": "Account", "zh": "账户"},
    "status": {"en": "Status", "zh": "状态"},
    "agent": {"en": "Agent", "zh": "坐席"},
    "sla": {"en": "SLA", "zh": "时限"},
    "breached": {"en": "SLA breached", "zh": "已超时"},
    "min_left": {"en": "min left", "zh": "分钟剩余"},
    "open": {"en": "Open", "zh": "打开"},
    "claim": {"en": "Claim", "zh": "接手"},
    "summary": {"en": "Summary", "zh": "摘要"},
    "verified": {"en": "Identity verified", "zh": "身份已核实"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "intents": {"en": "Intents so far", "zh": "已识别意图"},
    "arrangement": {"en": "Arrangement", "zh": "还款安排"},
    "flags": {"en": "Flags", "zh": "标记"},
    "balance": {"en": "Balance", "zh": "余额"},
    "call": {"en": "Live call", "zh": "通话"},
    "transcript": {"en": "Transcript", "zh": "对话记录"},
    "reply": {"en": "Reply", "zh": "回复"},
    "send": {"en": "Send", "zh": "发送"},
    "sent": {"en": "Sent.", "zh": "已发送。"},
    "blocked": {"en": "Not sent: the compliance gate blocked this reply.",
                "zh": "未发送：合规检查拦截了此回复。"},
    "deferred": {"en": "Not sent: outside the allowed contact time; allowed again at",
                 "zh": "未发送：不在允许联系的时间内；下次允许时间"},
    "failed": {"en": "Sending failed", "zh": "发送失败"},
    "record": {"en": "Record arrangement", "zh": "记录还款安排"},
    "kind": {"en": "Kind", "zh": "类型"},
    "plan": {"en": "Plan", "zh": "分期"},
    "settlement": {"en": "Settlement", "zh": "一次性结清"},
    "promise": {"en": "Promise to pay", "zh": "承诺还款"},
    "months": {"en": "Months", "zh": "期数"},
    "amount": {"en": "Amount", "zh": "金额"},
    "on": {"en": "Date (promise)", "zh": "日期（承诺）"},
    "recorded": {"en": "Arrangement recorded.", "zh": "还款安排已记录。"},
    "refused": {"en": "Not within policy:", "zh": "不符合政策："},
    "resolve": {"en": "Resolve", "zh": "结案"},
    "hand_back": {"en": "Hand back to the bot", "zh": "交还机器人"},
    "closed": {"en": "Closed.", "zh": "已关闭。"},
    "reassign": {"en": "Reassign", "zh": "重新分配"},
    "to_queue": {"en": "(back to queue)", "zh": "（退回队列）"},
    "back": {"en": "Back to queue", "zh": "返回队列"},
    "queues": {"en": "Queues (language / pack / skill)", "zh": "队列（语言 / 规则包 / 技能）"},
    "waiting": {"en": "waiting", "zh": "等待中"},
    "claimed": {"en": "claimed", "zh": "已接手"},
    "language": {"en": "中文", "zh": "English"},
    "verification": {"en": "Record debt verification sent", "zh": "记录已寄送债务核实材料"},
    "method": {"en": "Sent by", "zh": "寄送方式"},
    "by_mail": {"en": "mail", "zh": "邮寄"},
    "by_email": {"en": "email", "zh": "电子邮件"},
    "by_portal": {"en": "portal", "zh": "线上平台"},
    "what_sent": {"en": "What was sent", "zh": "寄送内容"},
    "verification_recorded": {"en": "Verification recorded: the dispute is lifted.",
                              "zh": "核实已记录：异议已解除。"},
    "workplace": {"en": "Contact at work", "zh": "工作单位联系"},
    "work_phone": {"en": "Work number", "zh": "单位电话"},
    "employer_prohibits": {"en": "No contact at work", "zh": "禁止在单位联系"},
    "workplace_recorded": {"en": "Contact-at-work flags recorded.", "zh": "单位联系标记已记录。"},
    "rule": {"en": "Rule", "zh": "规则"},
    "why": {"en": "Why", "zh": "原因"},
}

#: Handoff reasons as the queue shows them (unknown reasons are shown as they are).
REASONS: Dict[str, Dict[str, str]] = {
    "requested_human": {"en": "asked for a person", "zh": "要求人工"},
    "distress": {"en": "distress", "zh": "情绪危机"},
    "dispute": {"en": "dispute", "zh": "异议"},
    "attorney": {"en": "attorney", "zh": "已委托律师"},
    "bankruptcy": {"en": "bankruptcy", "zh": "破产"},
    "deceased": {"en": "deceased", "zh": "债务人身故"},
    "complaint": {"en": "complaint", "zh": "投诉"},
    "paid_claim": {"en": "says already paid", "zh": "称已还款"},
    "negative_emotion": {"en": "angry messages", "zh": "多次负面情绪"},
    "nlu_fallback": {"en": "not understood twice", "zh": "多次未能理解"},
    "no_plan_possible": {"en": "no plan possible", "zh": "无法分期"},
    "arrangement_review": {"en": "arrangement to review", "zh": "还款安排待审核"},
    "negotiation_rounds": {"en": "negotiation stalled", "zh": "协商未果"},
    "hardship": {"en": "hardship", "zh": "经济困难"},
}

#: The first part of a gate rule's name -> what it protects, for the agent.
WHY: Dict[str, Dict[str, str]] = {
    "phrase": {"en": "banned wording (threats, false or misleading statements, abuse)",
               "zh": "禁止用语（威胁、虚假或误导性陈述、辱骂）"},
    "window": {"en": "outside the debtor's contact window", "zh": "不在债务人允许联系的时间内"},
    "cap": {"en": "contact frequency limit reached", "zh": "已达联系频率上限"},
    "optout": {"en": "the debtor opted out of this channel", "zh": "债务人已退订此渠道"},
    "status": {"en": "the account's status forbids contact", "zh": "账户状态禁止联系"},
    "disclosure": {"en": "would disclose the debt before identity is verified",
                   "zh": "身份未核实前会泄露债务信息"},
    "required": {"en": "required content is missing", "zh": "缺少必需内容"},
    "place": {"en": "contact at this place (work) is prohibited", "zh": "禁止在此场所（单位）联系"},
}


def translator(lang: str) -> Callable[[str], str]:
    lang = lang if lang in ("en", "zh") else "en"
    return lambda key: TEXT.get(key, {}).get(lang, key)


def _pick(table: Dict[str, Dict[str, str]], key: str, lang: str, default: str) -> str:
    entry = table.get(key)
    return entry.get(lang, entry["en"]) if entry else default


def reason(name: str, lang: str) -> str:
    """A handoff reason in words ("negative_emotion" -> angry messages)."""
    return _pick(REASONS, name, lang, name)


def why(rule: str, lang: str) -> str:
    """A short explanation of `rule` ("phrase.threat" -> banned wording ...)."""
    return _pick(WHY, rule.split(".", 1)[0], lang, rule)
