"""Fixed texts the channels themselves send (keyword replies, fallbacks, voicemail).

They carry no debt information, so they are safe before verification; they still pass
the gate like every other text. `{company}` (Chinese texts: the Chinese name),
`{caller}` (the person a voicemail names), `{staff_id}` and `{callback}` come from settings.
"""

from __future__ import annotations

from bot.config import get_settings

_TEXTS = {
    "optout_confirm": {
        "en": "{company}: you are unsubscribed and will get no more texts from us. Reply START to resubscribe.",
        "zh": "{company}：您已退订，我们将不再向您发送短信。回复START可重新订阅。",
    },
    # the one answer to a message from a number that opted out of texts (bot/dialogue/README.md,
    # "After an opt-out"): how to get texts again, or the number to call; sent once per opt-out
    "optout_resume": {
        "en": "{company}: you unsubscribed from our texts, so we can't reply here. To get our texts again, reply START, or call us at {callback}.",
        "zh": "{company}：您已退订我们的短信，我们无法在此回复。如需恢复短信，请回复START；也可致电{callback}。",
    },
    # the same after a request to stop all contact: no START (it lifts a text opt-out only)
    "cease_resume": {
        "en": "{company}: you asked us to stop contacting you, so we won't reply here. If you want to talk to us, call {callback}.",
        "zh": "{company}：您已要求我们停止联系您，我们不会在此回复。如需与我们沟通，请致电{callback}。",
    },
    "optin_confirm": {
        "en": "{company}: you are subscribed to our texts again.",
        "zh": "{company}：您已重新订阅我们的短信。",
    },
    "help": {
        "en": "{company}: for help call {callback}.",
        "zh": "{company}：如需帮助请致电{callback}。",
    },
    "fallback": {
        "en": "Sorry, I can't answer that by text. Please call {company} at {callback}.",
        "zh": "抱歉，短信无法回复此问题。请致电{company}：{callback}。",
    },
    "voice_fallback": {
        "en": "Sorry, I can't help with that on this call. Please call {company} at {callback}.",
        "zh": "抱歉，本次通话无法处理此问题。请致电{company}：{callback}。",
    },
    "voicemail": {
        "en": "Hello, this message is for {name}. This is {caller} from {company}. Please call me back at {callback}. Thank you.",
        "zh": "您好，这是给{name}的留言。我是{company}的{caller}，请回电{callback}。谢谢。",
    },
    "voice_reprompt": {
        "en": "Sorry, I didn't catch that. Could you say it again?",
        "zh": "抱歉，我没有听清，请再说一遍。",
    },
    # a second silence, or the last unclear answer: a polite close with the number to call back
    "voice_no_input_close": {
        "en": "I haven't heard anything, so I'll end the call now. Please call us back at {callback}. Goodbye.",
        "zh": "我没有听到您的声音，先挂断了。请回电{callback}。再见。",
    },
    # speech recognised with low confidence: ask again rather than guess
    "voice_unsure": {
        "en": "Sorry, I'm not sure I heard that right. Could you say it again, or use your keypad?",
        "zh": "抱歉，我不确定是否听清了。请再说一遍，或使用键盘输入。",
    },
    # the SMS a debtor agreed to on a call (a link is never read out)
    "payment_link": {
        "en": "{company}: your secure payment link: {link}",
        "zh": "{company}：您的安全还款链接：{link}",
    },
    "voice_goodbye": {
        "en": "Thank you for your time. Goodbye.",
        "zh": "感谢您的时间，再见。",
    },
    "holding": {
        "en": "{company}: thanks, we have your message. A member of our team will get back to you shortly.",
        "zh": "{company}：已收到您的消息，我们的工作人员会尽快回复您。",
    },
    # GB/T 45251-2025: the opening names the collector (name or 工号) and the institution
    "recording_notice": {
        "en": "This call will be recorded. This is {caller}, staff number {staff_id}, from {company}.",
        "zh": "本通话将被录音。我是{company}的客服，工号{staff_id}。",
    },
}


def text(key: str, language: str = "en", **values: str) -> str:
    """The `key` text in `language` (English when the language is unknown)."""
    settings = get_settings()
    variants = _TEXTS[key]
    template = variants.get(language, variants["en"])
    values.setdefault("company", settings.company_for(language))
    values.setdefault("caller", settings.caller_name)
    values.setdefault("staff_id", settings.caller_staff_id)
    values.setdefault("callback", settings.callback_number)
    return template.format(**values)
