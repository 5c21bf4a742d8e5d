"""The banned-phrase filter: token-sequence phrase matching for `en` and `zh`.

Text is first brought to a canonical form (compliance_filters.normalize.canonical: case,
full-width, Traditional Chinese, digit-for-letter swaps, letters spaced apart) so the
pack's plain phrases catch the usual evasions. A cheap keyword prefilter (one regex per
language built from every phrase) lets the common clean message skip spaCy altogether.
When a phrase is found, the clause before it is searched for a negation ("we will NOT
contact your employer") and the pack's exception phrases ("police report") are honoured,
so compliant messages that mention a banned word are not blocked.

Phrases are matched as exact token sequences (what spaCy's PhraseMatcher did here, in a
dict keyed by first token): no spaCy/thinc import, so `collectbot compliance text` starts
without TensorFlow. English tokens come from one regex; Chinese from a private jieba
dictionary, loaded only when a text holds Chinese. Matchers are built once per pack and
language, on first use.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from compliance_filters.learned import learned_verdict
from compliance_filters.model import Decision, Reason
from compliance_filters.normalize import (
    canonical,
    canonical_text,
    fold_lookalikes,
    fold_width,
    has_cjk,
)
from compliance_filters.packs import Pack
from compliance_filters.phrase_index import PhraseIndex, TrieScanner, trie_scanner
from compliance_filters.pinyin import PinyinRestorer
from compliance_filters.spelling import sound_alike

LANGS = ("en", "zh")
_NEGATION_WINDOW = 8
_LIST_WINDOW = 16  # a negated list of promises reaches further (`_promise_list`)
_COORDINATION = frozenset(["or", "nor", "and"])
# "no one can SAVE you from jail" keeps the threat
_RESCUE = frozenset(["save", "help", "protect", "rescue", "escape"])
_LOOK_AHEAD = 2
# a denied group may be a list: "police, courts, the IRS and real attorneys never ask ..."
_GROUP_WINDOW = 14
# "NOT PAYING this debt will not get you arrested": a negated failure that is the subject,
# not the condition of a threat (`_negated`)
_FAILURE_GERUNDS = frozenset(canonical_text(w) for w in [
    "paying", "responding", "answering", "replying", "settling", "returning"])
# a banned word naming a place: 法院路, 派出所旁边, "Court Street", "Police Plaza"
_PLACE_AFTER_EN = frozenset(canonical_text(w) for w in [
    "street", "st", "road", "rd", "avenue", "ave", "plaza", "drive", "blvd", "boulevard", "lane",
    "square", "station", "parking", "cafeteria", "building"])
_PLACE_AFTER_ZH = re.compile(r"(?:[东南西北中]?(?:路|街|大道|大街|巷|胡同)|旁边|对面|斜对面|隔壁|附近|[东西南北]侧|[东西南北]门|"
                             r"地铁站|公交站|站|宿舍|家属院|家属楼|小区|大院|"
                             # wave 8: a name's head a few characters on (警官学院, 法官之家酒店, 监狱路菜市场)
                             r"[^，。,.的]{0,4}?(?:学院|大学|酒店|宾馆|饭店|超市|便利店|商店|物业|花园|广场|大厦|公寓|之家|菜市场|"
                             r"宿舍|家属院|家属楼|小区|大院|加油站|诊所))")
# wave 7b: the debtor's own words quoted back (You asked "am I going to jail?" No.; 您说“你们是不是
# 把我当老赖了”，绝对没有): what opens the quotation, read from the tokens right before it
_DEBTOR_SAID_EN = re.compile(r"(?:^| )(?:you (?:asked|asked us|asked me|said|told us|told me|wrote|wrote to us|"
                             r"texted|texted us|mentioned|wanted to know|wondered)|quoting your [a-z]+|your (?:note|"
                             r"message|letter|email|text) (?:said|says|read|reads))(?: [:,])?$".replace("l", "i"))
_DEBTOR_SAID_ZH_IN = re.compile(r"(?:(?:按|照|按照|依|依照)(?:您|你)(?:的说法|所说|说的)[,，]?|(?:您|你)(?:说|问|问我们|问道|提到|反映|"
                                r"来电说|留言说|写道|在电话里说|在电话中说|在电话里问|在电话中问|刚才说|之前说))[：:]?[\"“]?")
_ZH_CLAUSE_END = re.compile(r"[，。；！？,;!?.]")
# the one source of quotation marks: what opens, what closes, and (`_QUOTES`) any mark a
# quoted word may stand between (the straight ones both open and close)
_OPEN_QUOTES = frozenset(["\"", "\u201c", "\u2018", "\u300c", "\u300e"])
_CLOSE_QUOTES = frozenset(["\u201d", "\u2019", "\u300d", "\u300f"])
_QUOTES = _OPEN_QUOTES | _CLOSE_QUOTES | frozenset(["'", "`"])
# "ONLY a court CAN order ...", 只有法院…才能…: what the law allows, not what will happen
def _words_re(words: Sequence[str]) -> str:
    """An alternation of canonical `words` (canonical text folds look-alikes: "only" is "oniy")."""
    return "|".join(re.escape(canonical_text(w)) for w in sorted(words, key=len, reverse=True))


_ONLY_AUTHORITY_EN = re.compile(
    "(?:^| )" + _words_re(["only"]) + " (?:" + _words_re(["a ", "an ", "the ", "your ", "our "]) + ")?(?:"
    + _words_re(["court", "courts", "judge", "judges", "police", "law enforcement", "government",
                 "sheriff", "sheriffs"])
    + r")(?: [a-z0-9'$]+){0,3}? (?:" + _words_re(["can", "may", "could", "has the power", "have the power",
                                                  "is allowed", "are allowed", "is able"]) + ")(?= |$)")
_ONLY_AUTHORITY_ZH = re.compile(r"只有(?:人民)?(?:法院|法官|司法机关|公安机关|警方|政府|公检法)[^，。；！？]*?才|"
                                r"只能由(?:人民)?(?:法院|法官|司法机关|公安机关|警方|政府)")
# "we ... called you a deadbeat" is the insult itself, not a report of one
_ONLY = canonical_text("only")
# what only an authority may do to the debtor's things, as a rule of law
_PERMITS = frozenset(canonical_text(w) for w in [
    "order", "approve", "authorize", "authorise", "issue", "allow", "grant", "sign", "decide", "permit"])
# the categories a closed case or a lifted measure excuses (`_lawful_mention`)
_LEGAL = frozenset(["impersonation", "false_legal", "threat_arrest"])
# "... pretending to be the sheriff OR THE fbi": a coordination before a determiner
_DETERMINERS = frozenset(canonical_text(w) for w in ["the", "a", "an", "any", "your", "our"])
_RIGHT_OPENERS = frozenset(canonical_text(w) for w in ["you", "victims", "if", "feel"])
_SELF = frozenset(canonical_text(w) for w in ["i", "we", "i've", "we've", "i'll", "we'll"])
# a civil case's docket number as canonical text has it ("26-CV-1187" is "26cviibt", digit
# look-alikes folded inside a word): a fact about a filed case
_CIVIL_DOCKET = re.compile(r"(?:^| )\d+(?: - )?(?:cv|civ|sc)(?: - )?[a-z0-9]+(?= |$)")
# a coordination followed by one of these joins clauses, not phrases ("... and YOU will")
_SUBJECTS = frozenset(canonical_text(w) for w in [
    "you", "we", "i", "they", "he", "she", "it", "your", "our", "their", "his", "her", "my",
    "the", "this", "that", "these", "those", "there", "then", "else", "so", "if", "unless",
    "when", "until", "now"])
# who makes a promise a list carries: "WE will never ...", "OUR agents do not ..."
_PROMISERS = frozenset(canonical_text(w) for w in [
    "we", "i", "our", "my", "they", "their", "staff", "agents", "agent", "collectors",
    "collector", "company", "team", "representatives", "representative", "employees"])
# the verbs of a collector's promises, which open each item of a negated list
_PROMISE_VERBS = frozenset(canonical_text(w) for w in [
    "tell", "inform", "contact", "call", "text", "email", "message", "notify", "visit", "post",
    "publish", "share", "spread", "send", "threaten", "use", "shout", "yell", "curse", "swear",
    "insult", "embarrass", "shame", "humiliate", "expose", "discuss", "talk", "speak", "reach",
    "show", "come", "take", "seize", "garnish", "freeze", "sue", "report", "put", "list",
    "mention", "reveal", "disclose", "write", "harass", "bother", "pressure", "lie", "charge",
    "publicly", "ever", "make", "pretend", "claim", "sell", "give", "have", "get"])
# a coordination followed by one of these starts a clause with its own subject
_PRONOUNS = frozenset(canonical_text(w) for w in ["you", "we", "i", "they", "he", "she", "it", "else", "then"])
# words that end the clause a reported-speech or rights marker governs
_SWITCHES = frozenset(canonical_text(w) for w in [
    "but", "so", "then", "otherwise", "unless", "else", "until", "because", ":", ";", "we",
    "we'll", "i", "now", "yes"])
# "scammers LIKE YOU end up in prison" is an insult, not a warning
_LIKE_YOU = ([canonical_text("like"), "you"], ["as", "you"], [canonical_text("such"), "as"])
# "police and courts never ASK for PAYMENT ...": a denial of a request for money
_ASKING = frozenset(canonical_text(w) for w in [
    "ask", "asks", "demand", "demands", "request", "requests", "collect", "collects",
    "accept", "accepts"])
_MONEY = frozenset(canonical_text(w) for w in [
    "payment", "payments", "pay", "money", "debt", "debts", "bill", "bills", "fee", "fees",
    "fine", "fines", "gift", "cash", "wire", "transfer", "transfers", "card", "cards",
    "crypto", "bitcoin"])
_PHRASE_FREQ = 200000  # a pack phrase's frequency in the private jieba dictionary
# a list that is the subject of a verb starts a new clause: "..., police or deputies WILL come"
_AUXILIARIES = frozenset(canonical_text(w) for w in ["are", "is", "will", "'ll", "'re", "'s", "have", "has", "can", "could", "would",
                          "may", "might", "shall", "should", "were", "was", "must", "gonna", "going"])  # canonical: "will" is "wiii"
def _cre(pattern: str) -> re.Pattern:
    """A regex over canonical text written in plain words: each run of letters is brought to
    its canonical form ("told" is "toid", "will" is "wiii"), so a pattern cannot silently
    miss what canonical text holds (wave 8: "we will not" in `_NO_ANSWER` never matched)."""
    return re.compile(re.sub(r"[a-z']+", lambda m: canonical_text(m.group()), pattern))


def _canon_set(words: Sequence[str]) -> FrozenSet[str]:
    """Canonical forms of plain `words`."""
    return frozenset(canonical_text(w) for w in words)


# wave 8: `_negated`
_SUBORDINATORS = _canon_set(["once", "after", "while", "since", "before", "because", "whenever"])
_NO_OPENERS = _canon_set(["at", "this", "time", "currently", "right", "now", "there", "is", "are", "will", "be",
                          "has", "have", "been", "so", "far", "to", "date", "as", "of", "today", ",", "and"])
_AGENT_NOUNS = _canon_set([
    "police", "sheriff", "sheriffs", "deputy", "deputies", "officer", "officers", "court", "courts", "judge",
    "marshal", "agent", "agents", "collector", "collectors", "representative", "employee", "staff",
    "attorney", "attorneys", "lawyer", "lawyers", "person", "member", "one", "lawsuit", "suit", "arrest",
    "garnishment", "lien", "seizure", "action", "warrant", "visit", "call", "calls"])
_CAUSATIVE = _canon_set(["have", "has"])
_DETERMINER_NO = frozenset(["no"])
_OBJECTS = _canon_set(["you", "your", "him", "her", "them"])
# --- wave 8: the families of `_lawful_mention`, `_debtor_words`, `_past_message`, `_resolve` --
# the categories an authority's or a jail's name falls in
_NAMED = frozenset(["impersonation", "threat_arrest"])
# the head noun of a place's or business's name ("Jail Hill", "Sheriff Outdoor Supply")
_NAME_HEADS = _PLACE_AFTER_EN | _canon_set([
    "hill", "heights", "park", "mall", "market", "center", "centre", "store", "shop", "supply",
    "supplies", "outfitters", "uniforms", "grooming", "apartments", "hotel", "inn", "motel", "cafe",
    "diner", "restaurant", "grill", "bar", "pub", "bakery", "llc", "inc", "ltd", "corp", "fellowship",
    "thrift", "outlet", "museum", "library", "academy", "college", "ministry", "ministries",
    "pike", "highway", "hwy",
    # trades a business is named for ("Marshal's Heating and Air", "Justice Auto Repair")
    "heating", "plumbing", "repair", "auto", "services", "cleaning", "roofing", "electric", "hvac",
    "insurance", "dental", "clinic", "salon", "bakery", "pizza", "tires", "motors", "realty",
    # wave 9 (rules2): streets, banks and households named so ("9 Warrant Way", "Prison Point
    # Credit Union", "the Police Credit Union ATM", "the Judge family account")
    "way", "point", "credit", "union", "bank", "atm", "family", "household"])
# what ends a name: function words, pronouns, auxiliaries
_NAME_BREAKS = _SUBJECTS | _AUXILIARIES | _DETERMINERS | _canon_set([
    "to", "at", "in", "on", "for", "from", "by", "with", "of", "and", "or", "but", "not", "no", "be",
    "been", "do", "does", "did", "him", "them", "us", "me", "here", "who", "which", "what", "where",
    "another", "other", "one", "some", "every", "each", "more", "outside", "near", "will", "'ll"])
_OFFICER = canonical_text("officer")
# modifiers that make "officer" law enforcement ("police officer", "probation officer")
_LAW_MODIFIERS = _canon_set([
    "police", "peace", "court", "probation", "parole", "correctional", "corrections", "custody",
    "enforcement", "federal", "state", "county", "city", "local", "arresting", "warrant", "sheriff",
    "uniformed", "armed", "plainclothes", "duty", "patrol", "narcotics", "fraud", "investigating",
    "investigative", "immigration", "customs", "border", "army", "military", "marshal", "tax",
    "irs", "revenue", "government", "senior", "chief", "commanding", "ranking", "bailiff"])
_RELATIVE_WORDS = ["cousin", "cousins", "brother", "sister", "father", "mother", "dad", "mom", "son",
                   "daughter", "uncle", "aunt", "husband", "wife", "spouse", "partner", "nephew",
                   "niece", "grandson", "granddaughter", "grandfather", "grandmother", "grandpa",
                   "grandma", "boyfriend", "girlfriend", "fiance", "fiancee", "roommate", "stepfather",
                   "stepmother", "stepson", "stepdaughter", "relative", "relatives", "parents"]
_RELATIVES = _canon_set(_RELATIVE_WORDS)
_RELATIVE_JOB_EN = _cre(
    r"(?:^| )(?:your|my|his|her|their) (?:" + "|".join(_RELATIVE_WORDS) + r")(?: ,)?(?: who)?"
    r"(?: [a-z']+)?? (?:is|was|works|worked|used to work|retired|is retired|the retired|became|serves|"
    r"served|is now|has been)(?= |$)")
# a modal or time of a step still to come: "..., and he WILL be the one to arrest you"
_FUTURE = _canon_set(["will", "'ll", "gonna", "going", "shall", "tomorrow", "today", "tonight", "soon", "next"])
# the debtor's own suit, papers or case named right after the hit
_OWN_AFTER_EN = _cre(
    r"^ (?:(?:[a-z]+ )?(?:from|in|on) (?:another|a different|an older|a previous|a separate) (?:case|lawsuit|matter|account|creditor)|"
    r"(?:[a-z0-9'$]+ ){0,3}?(?:you (?:told us you |said you |have |had )?(?:filed|brought|started|sent|"
    r"sent us|provided|mailed|forwarded|uploaded|shared|gave us|showed us|received)|in your (?:[a-z]+ ){0,2}"
    r"(?:case|matter|divorce|bankruptcy|lawsuit|suit|estate)))(?= |$)")
_OWN_BEFORE_EN = _cre(
    r"(?:^| )(?:copy of|copies of|you sent|you sent us|you provided|thank you for|thanks for|"
    r"your (?:[a-z]+ )?(?:attorney|lawyer|trustee|executor|representative) (?:can|may|will|could|has|sent))(?= |$)")
_VERIFY_EN = _cre(r"(?:^| )(?:check|verify|confirm|validate)(?: [a-z']+){0,4}? (?:by calling|by contacting|"
                  r"by phoning|by asking|by writing to|directly with|with)")
_FAKE = _canon_set(["fake", "bogus", "phony", "phoney", "sham", "fraudulent", "so-called", "counterfeit",
                    "self-proclaimed", "supposed", "alleged"])
_CREDITOR_MAY_EN = _cre(
    r"(?:^| )(?:the|your|the original|our client ,? the) (?:creditor|lender|bank|card issuer|"
    r"owner of (?:the|this|your) (?:debt|account)) (?:may|might|could|can)(?: still)?(?: decide to| choose to| elect to)?")
_AUTHORITY_MAY_EN = _cre(r"(?:^| )(?:a|the) (?:court|judge) (?:may|can|could) (?:order|approve|authorize|allow|grant)"
                         r"(?: a| an| the)?")
_YOU_WORDS = _canon_set(["you", "your", "yourself"])
# one token of each `_DEBTOR_WORDS_EN` / `_PAST_MESSAGE_EN` marker: their cheap first looks
_DEBTOR_KEYS = _canon_set([
    "asked", "said", "say", "says", "told", "tell", "wrote", "write", "mentioned", "mention", "wondered",
    "emailed", "texted", "messaged", "explained", "know", "yourself", "felt", "feel", "feared", "fear",
    "afraid", "worried", "scared", "heard", "asks", "mentions", "read", "reads", "quoting"])
_PAST_KEYS = _canon_set([
    "mentioning", "mentioned", "said", "saying", "stated", "stating", "referred", "referring", "used",
    "using", "sounded", "suggested", "suggesting", "included", "contained", "claimed", "word", "term",
    "words", "phrase", "reference", "mention", "told", "about", "regarding"])
_FEARED = _canon_set(["afraid", "worried", "scared", "feared", "fear", "fearing", "concerned"])
_SELF_DESCRIBED = _canon_set(["felt", "feel", "yourself", "feared", "fear", "afraid", "worried", "scared"])
# what the debtor said, asked, wrote or feared, reported back ("you told our agent", "your
# letter says", "you called yourself", "quoting your note")
_DEBTOR_WORDS_EN = _cre(
    r"(?:^| )(?:you (?:[a-z']+ )?(?:asked|said|say|told|tell|wrote|write|mentioned|mention|wondered|emailed|"
    r"texted|messaged|explained|let us know|"
    r"wanted to know|called yourself|call yourself|described yourself|felt|feel|feared|fear|were afraid|"
    r"are afraid|were worried|are worried|worried|were scared|are scared|were told|heard)|your (?:message|"
    r"letter|email|note|text|reply|voicemail|question|comment|post) (?:to us )?(?:said|says|asked|asks|"
    r"mentioned|mentions|read|reads)|quoting your [a-z]+)(?= |$)")
_DEBTOR_WORDS_ZH = re.compile(r"(?:您|你)(?:在[^，。,]{0,6}?)?(?:刚才|之前|此前|曾|也|一直|还)?(?:说|问|问道|问我们|提到|"
                              r"反映|留言说|来信说|来电说|来电问|写道|告诉我们|担心|表示)")
_ZH_CONSEQUENCE = re.compile(r"就|否则|不然|那么|那就|我们会|我们将|我们要")
# an earlier message or agent of ours quoted in order to correct it
_PAST_MESSAGE_EN = _cre(
    r"(?:^| )(?:(?:message|messages|text|texts|sms|letter|letters|notice|email|reminder|call|voicemail|note|"
    r"statement|it|which|that)(?: [a-z0-9']+){0,4}? (?:mentioning|mentioned|said|saying|stated|stating|about|regarding|"
    r"referred to|referring to|used|using|sounded like|suggested|suggesting|included|contained|claimed)|"
    r"(?:the|a) (?:word|term|words|phrase|reference to|mention of)|(?:agent|collector|representative|"
    r"caller|employee|staff member)(?: [a-z0-9']+){0,3}? (?:told you|said|mentioned|stated))(?= |$)")
_PAST_MESSAGE_ZH = re.compile(r"(?:之前|此前|上次|上条|上一条|前一条|前条|前一封|上一封|前次|昨天|昨日|上周|刚才|先前|日前|我方|误写|误提|错误地)"
                              r"[^，。,]*?(?:短信|通知|信件|提醒|提示|语音|消息|邮件|工作人员|催收员|坐席|员工|写了|写为|称|提到|出现|关于)"
                              r"|(?:短信|通知|信件|提醒|提示|语音)中(?:提到|出现|的)?")
_PAST_SAYING_ZH = re.compile(r"[”\"」』]?(?:的说法|的表述|字样|的短信)")
_RETRACTS_EN = _cre(
    r"(?:^| )(?:error|errors|mistake|mistaken|mistakenly|wrong|wrongly|incorrect|incorrectly|inaccurate|untrue|"
    r"not true|disregard|ignore|correction|corrects|corrected|withdraw|retract|apologize|apologise|"
    r"apologies|apology|sorry|regret|not approved|should not have|should never have|should n't have)(?= |$|[.,;:!?])")
_RETRACTS_ZH = re.compile(r"有误|错误|误写|误提|误称|误发|发错|撤回|更正|致歉|道歉|抱歉|对不起|不好意思|不准确|不实|忽略|为准|歉意|不对|"
                          r"不符合|违规|违反规定|不应该|不该")
# the next sentence says yes or promises the worst ("You should be.", "You'll find out
# soon enough.", 会的, 很快你就知道了): a debtor's question is then the threat's set-up
_AFFIRMS_EN = _cre(
    r"^\s*(?:yes|yeah|yep|yup|correct|that's right|that is right|absolutely(?! not)|of course(?! not)|"
    r"definitely(?! not)|certainly(?! not)|sure|you bet|soon enough|count on it|believe it|wait and see|"
    r"(?:you|we|they|it|he|she)(?: will| can| could| might| may| should| are| would|'ll|'re| sure will)(?: be)? ?(?:[.,!]|$)|"
    r"(?:you|you'll|you will) (?:find out|see|learn|care|regret|understand|know|wish|be sorry)|you should be|"
    r"you ought to be|you better be)")
# a "no" that holds only on a condition of the debtor's ("No, not if you pay today.")
_ON_CONDITION = _cre(r"\b(?:unless|until|if|as long as|provided|only if|so long as) you\b")
_AFFIRMS_ZH = re.compile(r"^\s*(?:那就?|那你|那您)?(?:会的|会啊|会[!！。.,，]|是的|当然会|当然|没错|肯定会|肯定|很快|等着|你等着|"
                         r"你就知道|到时候你就知道|走着瞧|试试|就试试)")
_RELATIVE_JOB_ZH = re.compile(r"(?:父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|爱人|丈夫|妻子|老公|老婆|儿子|女儿|舅舅|叔叔|伯伯|"
                              r"阿姨|姑姑|姨妈|表弟|表哥|表姐|表妹|堂哥|堂弟|堂姐|堂妹|侄子|外甥|亲戚|家人|男朋友|女朋友)"
                              r"(?:是|在|曾是|曾在|以前是|以前在|现在在|也是|也在|就是|原来是|原来在|退休前是|退休前在)"
                              r"[^，。,!?？！；;就会要抓]{0,6}$")
# 失信被执行人 and its kin as information (`_zh_information`)
_ZH_LISTED = re.compile(r"失信被执行人|失信信息|失信名单|限制高消费|限高")
_ZH_OUR_STEP = re.compile(r"就|把你|将你|把您|将您|让法院|马上|立即|立刻|等着|否则|再不|不还|我们会|我们将|我们要|你已经|你已被")
_ZH_IF_YOU = re.compile(r"(?:若|如|如果|倘若|假如|一旦|如您|若您)(?:您|你)?(?:已|已经|曾|曾经)?(?:被)?")
_ZH_LIST_INFO = re.compile(r"名单由|相关规定|查询|不在|未被|没有被|无权|另一|删除|解除|不会|无法|咨询|履行完毕|结案")
_ZH_NOTICE = re.compile(r"(?:郑重|特别|温馨)?(?:提醒|提示|提醒您|提示您|提醒大家|发布|公告|通告)[:：,，]?")
_ZH_CREDITOR_MAY = re.compile(r"(?:债权人|原债权人|出借人|贷款机构|对方)(?:有权|可以|可能|可|依法|也可以)")
_ZH_VERIFY_BEFORE = re.compile(r"拨打|致电|联系|咨询|询问|向")
_ZH_VERIFY = re.compile(r"核实|求证|官方|确认|查询|咨询|官网")
_ZH_DESCRIBED_THREAT = re.compile(r"(?:相威胁|威胁|恐吓|为由|名义)")
_ZH_ANY_OF_THEM = re.compile(r"(?:任何|凡是|所有|凡)")
# wave 8b: impostors named by what they claim or pose as (自称…的, 冒充…的) and the debtor unnamed
_ZH_SELF_STYLED = re.compile(r"(?:自称|冒充|假冒|谎称|声称是|伪装成)[^，。；！？]*的")
_ZH_YOU = re.compile(r"你(?!们)")
# wave 8b: a call or text the debtor may get (如果您接到电话说…) and its disowning (…不是我们打的)
_ZH_IF_YOU_GET = re.compile(r"(?:如果|若|如|要是|假如|万一)(?:您|你)(?:以后|今后|日后)?(?:接到|收到)(?:任何|一些|陌生)?"
                            r"[^，。；！？]{0,6}?(?:电话|来电|短信|消息|信息|语音)[^，。；！？]{0,3}?(?:说|称|声称|讲)")
_ZH_NOT_US = re.compile(r"(?:那|这|那就|则|那么|这些|那些|它|其)?(?:都|均|也|就)?(?:不是我们|并非我们|不是我司|并非我司|不是本公司|"
                        r"并非本公司|与我们无关|与我司无关|不是我方|并非我方|非我司|非本公司)")
_ZH_CLOSED_ON = re.compile(r"已于[^，。,]{0,8}?(?:终结|解除|撤销|结案|结清|撤诉|执行完毕)")
# the enforcing court to contact about one's own case (请与执行法院联系)
_ZH_CONTACT_COURT = re.compile(r"(?:与|向|跟)执行法院(?:联系|沟通|咨询|申请)")
# a right to complain, the debtor unnamed in the clause (…，可以向银保监部门投诉); not ours
_ZH_MAY_COMPLAIN = re.compile(r"(?:也)?(?:可以|可|有权)(?:依法)?向")
_ZH_WE = re.compile(r"我们|我司|我方|本公司")
_ZH_COMPLAIN_VERB = re.compile(r"投诉|举报|反映|申诉|咨询|提起诉讼|起诉(?!你)|申请仲裁|申请调解")
# the debtor's own papers (您提供的法院判决书)
_ZH_OWN_PAPERS = re.compile(r"(?:您|你)(?:提供|寄来|发来|上传|提交|出示)的$")

_lock = threading.RLock()
_jieba_tokenizer: Any = None
#: bumped whenever a word joins the private jieba dictionary (it can change how a sentence
#: is cut), so remembered sentence results of an older dictionary are never used
_dictionary_version = 0
#: remembered sentence results per language matcher (0 turns remembering off; at the
#: limit the memo is emptied and fills again)
_MEMO_LIMIT = 20000
_compiled: Dict[str, _Compiled] = {}
_restorers: Dict[str, PinyinRestorer] = {}


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources: jieba only uses it to open its own data files
    and falls back to a plain open() without it, while importing pkg_resources costs more
    than half a second of start-up (issue 13 item 10). Where something else has already
    loaded pkg_resources nothing changes."""
    import sys

    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


class _JiebaSegmenter:
    """A private jieba dictionary for the filter's Chinese tokens.

    The pack's phrases are added as words here, not to jieba's global dictionary, so the
    NLU's tokenisation (trained elsewhere) is not changed by loading the gate. `cut` is
    jieba's own dictionary segmentation without the HMM (jieba's DAG from `get_DAG`, the
    best route by word log-frequency, runs of single Latin letters/digits joined), with
    the log-frequencies cached: the same tokens as `jieba.Tokenizer.cut(HMM=False)`,
    about twice as fast. Words missing from the dictionary fall apart into characters,
    which is harmless for phrase matching.
    """

    _ENG = re.compile(r"[a-zA-Z0-9]")

    def __init__(self) -> None:
        import logging

        from compliance_filters.jieba_cache import cache_read_at_once

        jieba = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        with cache_read_at_once(jieba):  # one read of the 9 MB cache, not many small ones
            self.tokenizer.initialize()
        self._logs: Dict[str, float] = {}

    def add_word(self, word: str) -> None:
        # jieba's add_word adds the frequency to the dictionary total every time, even for a
        # word it holds: each pack compiled after the first (cn, an overlay) would then shift
        # every log-probability and change how the same text is cut ("全村"+"人" became
        # "全村人" once the strict overlay was loaded), so a word is added once
        global _dictionary_version
        if self.tokenizer.FREQ.get(word) == _PHRASE_FREQ:
            return
        self.tokenizer.add_word(word, freq=_PHRASE_FREQ)
        self._logs.clear()
        _dictionary_version += 1

    def cut(self, text: str, cut_all: bool = False) -> List[str]:
        if not text:
            return []
        tok = self.tokenizer
        dag = tok.get_DAG(text)
        n = len(text)
        freq = tok.FREQ
        logs = self._logs
        log_total = math.log(tok.total)
        score = [0.0] * (n + 1)
        best_end = [0] * (n + 1)
        for idx in range(n - 1, -1, -1):
            top_score, top_end = None, idx
            for x in dag[idx]:
                word = text[idx:x + 1]
                value = logs.get(word)
                if value is None:
                    value = logs[word] = math.log(freq.get(word) or 1) - log_total
                candidate = value + score[x + 1]
                # jieba takes max over (score, end): ties go to the longer word
                if top_score is None or candidate > top_score or (candidate == top_score and x > top_end):
                    top_score, top_end = candidate, x
            score[idx] = top_score
            best_end[idx] = top_end
        out: List[str] = []
        buf = ""
        x = 0
        while x < n:
            y = best_end[x] + 1
            word = text[x:y]
            if y - x == 1 and self._ENG.match(word):
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)
        return out


# English tokens of the canonical text: words, the "n't" of contractions, any other mark
_EN_TOKEN = re.compile(r"[a-z0-9$@]+(?=n't)|n't|'[a-z]+|[a-z0-9$@/]+|[^\sa-z0-9$@]")


def tokens(lang: str, text: str) -> Tuple[List[str], List[int]]:
    """Tokens of canonical `text` and their character offsets (spaces dropped).

    English uses one regex (the same for patterns and texts, so they always line up);
    Chinese uses the private jieba dictionary that holds every pack phrase.
    """
    words: List[str] = []
    offsets: List[int] = []
    if lang == "en":
        for m in _EN_TOKEN.finditer(text):
            words.append(m.group())
            offsets.append(m.start())
        return words, offsets
    pos = 0
    for piece in _segmenter().cut(text):
        if piece and not piece.isspace():
            words.append(piece)
            offsets.append(pos)
        pos += len(piece)
    return words, offsets


def _segmenter() -> _JiebaSegmenter:
    """The private jieba segmenter (built on first Chinese text, then shared)."""
    global _jieba_tokenizer
    if _jieba_tokenizer is None:
        with _lock:
            if _jieba_tokenizer is None:
                _jieba_tokenizer = _JiebaSegmenter()
    return _jieba_tokenizer


@dataclass
class _Rule:
    category: str
    kind: str  # "term" | "combo" | "allow"
    combo: int = -1
    group: int = -1


@dataclass
class _LangMatcher:
    lang: str
    trigger: Union[None, re.Pattern, TrieScanner]
    matcher: Any
    rules: Dict[int, _Rule]
    # (category, index) -> (groups, within per step)
    combos: Dict[Tuple[str, int], Tuple[int, Tuple[int, ...]]]
    negatable: Dict[str, bool]
    negators: FrozenSet[str]
    cancel: FrozenSet[str]
    boundaries: FrozenSet[str]
    excuse_re: Any = None
    negator_re: Any = None
    cancel_re: Any = None
    # issue 13 wave 6 (see `_reported`): what makes a hit reported, not threatened
    reported_re: Any = None
    scam_after_re: Any = None
    rights_re: Any = None
    report_verb_re: Any = None
    cancel_phrase_re: Any = None
    # a cheap first look for `_reported`: en, one token of each of its markers; zh, all of them
    reported_keys: FrozenSet[str] = frozenset()
    reported_any_re: Any = None
    cancel_phrase_keys: FrozenSet[str] = frozenset()
    # issue 13 wave 7 (see `_lawful_mention`): a right to contact someone, a fact about the
    # debtor's own case, a past insult reported
    contact_verb_re: Any = None
    case_status_re: Any = None
    suit_condition_re: Any = None
    case_closed_re: Any = None
    # cheap first looks for `_lawful_mention` (en: a token of each marker; zh: any marker)
    lawful_keys: FrozenSet[str] = frozenset()
    called_keys: FrozenSet[str] = frozenset()
    naming_re: Any = None
    naming_keys: FrozenSet[str] = frozenset()
    lawful_any_re: Any = None
    called_you_re: Any = None
    third_parties: FrozenSet[str] = frozenset()
    third_party_re: Any = None
    # (dictionary version, canonical sentence) -> its hits (see `_sentence_hits`)
    memo: Dict[Tuple[int, str], Tuple[Tuple[str, int, int], ...]] = field(default_factory=dict)


@dataclass
class _Compiled:
    langs: Dict[str, _LangMatcher] = field(default_factory=dict)


def _alternation(words: Sequence[str]) -> re.Pattern:
    """One regex for "any of these phrases as a substring" (Chinese has no word gaps;
    English phrases are matched on the space-joined tokens, at word starts)."""
    canon = sorted({canonical_text(w) for w in words if w}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in canon)
    if not body:
        return re.compile(r"(?!x)x")
    return re.compile(body if all(has_cjk(w) for w in canon) else r"(?<![a-z])(?:" + body + ")")


def _token_alternation(words: Sequence[str], lang: str) -> re.Pattern:
    """`_alternation` for text joined from `tokens` (English tokens joined by spaces, so
    "you wouldn't want" is looked for as "you would n't want", whole tokens only)."""
    if lang != "en":
        return _alternation(words)
    joined = sorted({" ".join(tokens("en", canonical_text(w).strip())[0]) for w in words if w.strip()},
                    key=len, reverse=True)
    if not joined:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![^ ])(?:" + "|".join(re.escape(w) for w in joined) + r")(?![^ ])")


def _key_tokens(phrases: Sequence[str]) -> FrozenSet[str]:
    """The longest token of each English phrase: a sentence holding none of them holds
    none of the phrases (the cheap first look of `_reported`)."""
    keys = set()
    for phrase in phrases:
        words = tokens("en", canonical_text(phrase).strip())[0]
        if words:
            keys.add(max(words, key=len))
    return frozenset(keys)


def _compile_language(pack: Pack, lang: str) -> _LangMatcher:
    """The matcher for one language of `pack` (Chinese phrases join the private jieba
    dictionary first, so they come out of segmentation as whole tokens)."""
    negation = pack.banned.get("negation") or {}
    categories = pack.banned.get("categories") or {}
    phrases: Dict[int, List[str]] = {}
    triggers: List[str] = []
    rules: Dict[int, _Rule] = {}
    combos: Dict[Tuple[str, int], Tuple[int, Tuple[int, ...]]] = {}
    negatable: Dict[str, bool] = {}

    def add(rule: _Rule, texts: Sequence[str], trigger: bool) -> None:
        canon = [c for c in (canonical_text(t).strip() for t in texts) if c]
        if not canon:
            return
        label = len(rules)
        rules[label] = rule
        phrases[label] = canon
        if trigger:
            triggers.extend(canon)

    for category, spec in categories.items():
        negatable[category] = bool(spec.get("negatable", True))
        entry = spec.get(lang) or {}
        add(_Rule(category, "term"), entry.get("terms") or [], True)
        add(_Rule(category, "allow"), entry.get("allow") or [], False)
        for i, combo in enumerate(entry.get("combos") or []):
            groups = combo.get("groups") or []
            combos[(category, i)] = (len(groups), _steps(combo.get("within", 4), len(groups)))
            for g, group in enumerate(groups):
                add(_Rule(category, "combo", i, g), group, g == len(groups) - 1)
    conf = negation.get(lang) or {}
    if lang == "zh":
        segmenter = _segmenter()
        with _lock:
            for texts in phrases.values():
                for text in texts:
                    segmenter.add_word(text)
            for key in ("negators", "cancel", "boundaries"):
                for word in conf.get(key) or []:
                    if len(word) > 1:
                        segmenter.add_word(canonical_text(word))
    matcher = PhraseIndex()
    for label, texts in phrases.items():
        for text in dict.fromkeys(texts):
            matcher.add(label, tokens(lang, text)[0])
    return _LangMatcher(
        lang=lang,
        trigger=_trigger(sorted(set(triggers)), lang),
        matcher=matcher, rules=rules, combos=combos, negatable=negatable,
        negators=frozenset(canonical_text(w) for w in conf.get("negators") or []),
        cancel=frozenset(canonical_text(w) for w in conf.get("cancel") or []),
        boundaries=frozenset([canonical_text(w) for w in conf.get("boundaries") or []]
                             + list(".,;:!?。，；！？：")),
        negator_re=_alternation(conf.get("negators") or []),
        excuse_re=_token_alternation(conf.get("excuses") or [], lang),
        cancel_re=_alternation(conf.get("cancel") or []),
        reported_re=_token_alternation(conf.get("reported") or [], lang),
        scam_after_re=_token_alternation(conf.get("scam_after") or [], lang),
        rights_re=_token_alternation(conf.get("rights") or [], lang),
        report_verb_re=_token_alternation(conf.get("report_verbs") or [], lang),
        cancel_phrase_re=_token_alternation(conf.get("cancel_phrases") or [], lang),
        contact_verb_re=_token_alternation(conf.get("contact_verbs") or [], lang),
        case_status_re=_token_alternation(conf.get("case_status") or [], lang),
        suit_condition_re=_token_alternation(conf.get("suit_conditions") or [], lang),
        case_closed_re=_token_alternation(conf.get("case_closed") or [], lang),
        lawful_keys=frozenset(_key_tokens([w for key in ("called_you", "case_status", "case_closed",
                                                         "suit_conditions", "naming") for w in conf.get(key) or []])
                              | {_ONLY}) if lang == "en" else frozenset(),
        called_keys=_key_tokens(conf.get("called_you") or []) if lang == "en" else frozenset(),
        naming_re=_token_alternation(conf.get("naming") or [], lang) if lang == "en"
        else _alternation(conf.get("naming") or []),
        naming_keys=_key_tokens(conf.get("naming") or []) if lang == "en" else frozenset(),
        lawful_any_re=_alternation([w for key in ("called_you", "case_status", "case_closed", "naming")
                                    for w in conf.get(key) or []] + ["只有", "只能由", "已于"]) if lang == "zh" else None,
        called_you_re=_token_alternation(conf.get("called_you") or [], lang),
        third_parties=frozenset(canonical_text(w) for w in conf.get("third_parties") or []),
        third_party_re=_alternation(conf.get("third_parties") or []),
        reported_keys=_key_tokens([w for key in ("reported", "scam_after", "report_verbs", "contact_verbs")
                                   for w in conf.get(key) or []]) if lang == "en" else frozenset(),
        cancel_phrase_keys=_key_tokens(conf.get("cancel_phrases") or []) if lang == "en" else frozenset(),
        reported_any_re=_alternation([w for key in ("reported", "scam_after", "rights")
                                      for w in conf.get(key) or []] + ["任何"]) if lang == "zh" else None,
    )


def lang_matcher(pack: Pack, lang: str) -> _LangMatcher:
    """The matcher for `lang` of `pack` (built on first use per distinct pack content)."""
    compiled = _compiled.get(pack.fingerprint)
    if compiled is None:
        with _lock:
            compiled = _compiled.setdefault(pack.fingerprint, _Compiled())
    got = compiled.langs.get(lang)
    if got is None:
        with _lock:
            got = compiled.langs.get(lang)
            if got is None:
                got = compiled.langs[lang] = _compile_language(pack, lang)
    return got


Trigger = Union[re.Pattern, TrieScanner]
_triggers: Dict[Tuple[str, str], Optional[Trigger]] = {}


def _trigger(words: Sequence[str], lang: str) -> Optional[Trigger]:
    """The prefilter over `words`: an Aho-Corasick scanner (what the trie regex finds,
    faster to build and to run). Chinese used the trie regex until issue 13 item 10's
    third pass: with pyahocorasick 2 the scanner is a quarter faster on Chinese SMS too
    (7.6 against 9.9 us per text), and it is built in a millisecond where the regex of
    2,500 phrases took a tenth of a second to compile at every Chinese start-up."""
    return trie_scanner(words, word_start=lang == "en")


def trigger_starts(trigger: Trigger, canon: str) -> List[int]:
    """Where the prefilter finds a phrase in canonical text (leftmost-longest, no overlaps)."""
    if isinstance(trigger, TrieScanner):
        return trigger.starts(canon)
    return [m.start() for m in trigger.finditer(canon)]


def _trigger_words(pack: Pack, lang: str) -> List[str]:
    """The canonical phrases the prefilter of `lang` looks for (terms and the last group
    of each combination), as `_compile_language` collects them."""
    words: List[str] = []
    for spec in (pack.banned.get("categories") or {}).values():
        entry = spec.get(lang) or {}
        words += entry.get("terms") or []
        for combo in entry.get("combos") or []:
            groups = combo.get("groups") or []
            words += groups[-1] if groups else []
    return sorted({c for c in (canonical_text(w).strip() for w in words) if c})


def trigger_for(pack: Pack, lang: str) -> Optional[Trigger]:
    """The prefilter regex of `lang` (the same one the matcher holds), built without
    jieba: a Chinese text with no trigger never loads jieba's dictionary."""
    key = (pack.fingerprint, lang)
    if key not in _triggers:
        compiled = _compiled.get(pack.fingerprint)
        if compiled is not None and lang in compiled.langs:
            _triggers[key] = compiled.langs[lang].trigger
        else:
            _triggers[key] = _trigger(_trigger_words(pack, lang), lang)
    return _triggers[key]


def compiled_for(pack: Pack) -> _Compiled:
    """The matchers for every language of `pack` (built now if not yet)."""
    for lang in LANGS:
        lang_matcher(pack, lang)
    return _compiled[pack.fingerprint]


def warm_up(pack: Pack, chinese: bool = True) -> None:
    """Build now what the first checks would build lazily: the matchers, the pinyin and
    spelling restorers, the look-alike tables and (with `chinese`) the jieba dictionary.

    A caller that forks workers for a batch calls this first, so each worker inherits the
    built state instead of paying for it again (jieba's dictionary alone is ~0.5 s)."""
    # Cyrillic look-alikes, styled letters; a text the rules allow loads the learned weights
    samples = ["you will be arrested", "роlice 𝐚rrest", "thank you"]
    if chinese:
        samples += ["你这个老赖", "報警", "谢谢"]
        compiled_for(pack)
    else:
        lang_matcher(pack, "en")
    for text in samples:
        check_text(pack, text)


def _negated(lm: _LangMatcher, words: List[str], start: int, end: int, interior: bool) -> bool:
    """Is the hit words[start:end] negated within its clause?

    Looks back to the clause boundary (at most a few tokens), inside a combined hit, and
    a few tokens ahead ("the court has NOT been involved"); a cancelling word ("we will not
    HESITATE to ...", "不还钱就...") anywhere there means the negation is not about the hit.
    """
    stops = lm.boundaries
    if _reported(lm, words, start, end):
        return True
    lo = start
    anchor = start  # the negation window counts back from here (the first conjunct's start)
    if lm.lang == "en":
        # coordination carries the negation: "we will never threaten you with arrest OR jail"
        if lo > 1 and words[lo - 1] in _COORDINATION:
            lo -= 1
        else:
            # "... the sheriff OR THE fbi", "not a legal notice OR A COURT summons": a
            # coordination up to two words back, in one clause (no auxiliary after it) ...
            k = lo
            while k > 0 and lo - k < 2 and words[k - 1] not in lm.boundaries and words[k - 1] not in _COORDINATION:
                k -= 1
            # ... the coordination followed by a determiner ("and RISK jail" is a consequence)
            if k > 1 and lo - k >= 1 and words[k - 1] in _COORDINATION and words[k] in _DETERMINERS \
                    and _AUXILIARIES.isdisjoint(words[k:end + 2]):
                lo = k - 1
                anchor = max(0, lo - 2)
        # a negative subject opens the sentence: "No one from our company will visit your home"
        # (wave 8: not across a subordinate clause, "Nobody will call you a deadbeat ONCE
        # you're behind bars": what the clause presupposes is not negated)
        subject = 2 if words[:2] == ["no", "one"] else 1 if words[:1] in (["nobody"], ["none"]) else 0
        if subject and start >= subject and lm.cancel.isdisjoint(words[:end]) \
                and _RESCUE.isdisjoint(words[:end]) and _SUBORDINATORS.isdisjoint(words[subject:start]):
            return True
        if _no_list(lm, words, start, end):
            return True
    first_anchor, plain_lo = anchor, None
    while lo > 0 and anchor - lo < _NEGATION_WINDOW:
        w = words[lo - 1]
        if lm.lang == "en" and w in _SUBORDINATORS:
            break
        if w in stops:
            if not (lm.lang == "en" and _list_comma(words, lo - 1, stops, chain=True)):
                break
            # wave 8: a list's items count as one ("threatens a lawsuit, arrest, or seizure")
            anchor = lo - 1
        if plain_lo is None and first_anchor - (lo - 1) >= _NEGATION_WINDOW:
            plain_lo = lo  # where the window would end if lists did not count as one
        lo -= 1
    if plain_lo is not None and lm.negators.isdisjoint(words[plain_lo:start]) \
            and lm.negators.intersection(words[lo:plain_lo]) <= _DETERMINER_NO:
        lo = plain_lo  # "NO payment means a lawsuit, arrest, ...": "no" negates its own noun only
    hi = end
    while hi < len(words) and hi - end < _LOOK_AHEAD and words[hi] not in stops:
        hi += 1
    if lo + 2 < start and words[lo] in lm.negators and words[lo + 1] in _FAILURE_GERUNDS:
        lo += 2  # "Not paying this debt WILL NOT get you arrested": the subject's negation is its own
    window = words[lo:start] + (words[start:end] if interior else []) + words[end:hi]
    if interior:  # a combination: "you can talk to your family first" is permission, not a threat
        if lm.excuse_re.search(("" if lm.lang == "zh" else " ").join(words[lo:start])):
            return True
    if lm.lang == "zh":
        joined = "".join(window)
        return lm.negator_re.search(joined) is not None and lm.cancel_re.search(joined) is None
    if not lm.cancel_phrase_keys.isdisjoint(words[lo:hi]) and lm.cancel_phrase_re.search(" ".join(words[lo:hi])):
        return False
    if not lm.negators.isdisjoint(window) and lm.cancel.isdisjoint(window) and _RESCUE.isdisjoint(window):
        return True
    return _promise_list(lm, words, start, hi)


def _no_list(lm: _LangMatcher, words: List[str], start: int, end: int) -> bool:
    """Is the hit in or governed by a subject that "no" opens at the sentence start (wave 8:
    "NO lawsuit, arrest, or wage garnishment is planned", "At this time NO legal action,
    wage garnishment or lien is being considered", "NO police, sheriff, or court officer
    will come to your home")? The subject is a list of short items (three words at most,
    no auxiliary or pronoun); a hit after its verb is negated only when an item names an
    agent or a measure ("NO PAYMENT means a lawsuit" keeps the threat), and never with a
    cancelling, rescuing or clause-switching word ("No court can STOP ...")."""
    i0 = 0
    while i0 < len(words) and i0 < 6 and words[i0] in _NO_OPENERS:
        i0 += 1
    if i0 >= start or words[i0] != "no":
        return False
    j, item, items, agent = i0 + 1, 0, 0, False
    while j < start:
        w = words[j]
        if w == "," or w in _COORDINATION or w == "no":
            item = 0
        elif w in _AUXILIARIES or w in _PRONOUNS or w in lm.negators or w in lm.boundaries:
            break
        else:
            item += 1
            items += item == 1
            agent = agent or w in _AGENT_NOUNS
            if item > 3:
                return False
        j += 1
    if j == start:  # the hit is an item of the subject
        tail = words[end:]
        k = next((i for i, w in enumerate(tail) if w in _AUXILIARIES), None)
        return k is not None and lm.cancel.isdisjoint(words) and _SWITCHES.isdisjoint(tail[:k + 1])
    if not agent or words[j] not in _AUXILIARIES:
        return False
    rest = words[j:end]
    return (lm.cancel.isdisjoint(words) and _RESCUE.isdisjoint(words) and _SWITCHES.isdisjoint(rest)
            and _SUBORDINATORS.isdisjoint(rest) and _COORDINATION.isdisjoint(rest))


def _list_comma(words: List[str], comma: int, stops: FrozenSet[str], chain: bool = False) -> bool:
    """Is words[comma] the comma of a list ("not ... any court, sheriff or police
    department")? Then a negation before it covers the items after it. It is when an "or",
    "nor" or "and" follows within a few tokens, with no other clause mark between, and the
    list is not the subject of a verb ("don't wait, police and deputies ARE coming")."""
    if words[comma] != ",":
        return False
    for j in range(comma + 1, min(comma + (9 if chain else 5), len(words))):
        if words[j] in _COORDINATION:
            return not _has_auxiliary(words[j + 1:j + 4])
        # with `chain`, a comma before another list comma is one too ("shout, curse, or ...")
        if words[j] in stops and not (chain and words[j] == "," and j - comma <= 4):
            return False
    return False


def _list_link(words: List[str], link: int) -> bool:
    """Does the "or"/"and"/"nor" at words[link] join two phrases of one clause ("we will
    never post about you OR message your friends"), not two clauses ("... and YOU WILL
    be arrested", "... or THE SHERIFF is next")? It does when no subject (a pronoun, a
    determiner) or auxiliary follows it within a few tokens."""
    if words[link] not in _COORDINATION:
        return False
    after = words[link + 1:link + 4]
    return bool(after) and after[0] not in _SUBJECTS and not _has_auxiliary(after)


def _has_auxiliary(seq: List[str]) -> bool:
    """Does `seq` hold an auxiliary? "have" before an object ("or HAVE YOU arrested", wave 8)
    is the causative verb of a list item, not an auxiliary opening a clause."""
    for i, w in enumerate(seq):
        if w in _AUXILIARIES and not (w in _CAUSATIVE and seq[i + 1:i + 2] and seq[i + 1] in _OBJECTS):
            return True
    return False


def _promise_list(lm: _LangMatcher, words: List[str], start: int, hi: int) -> bool:
    """Is the (English) hit words[start:...] an item of a list of verb phrases that a
    promise with a subject negates ("WE will NEVER call you names, shout at you, OR tell
    your coworkers")? Items are joined by "or"/"and" that start no new clause
    (`_list_link`) and list commas, up to _LIST_WINDOW tokens back; an imperative whose
    "and" states a consequence ("don't ignore this AND risk jail") is no promise."""
    if lm.negators.isdisjoint(words[max(0, start - _LIST_WINDOW):start]):
        return False
    stops = lm.boundaries
    lo, linked = start, False
    while lo > 0 and start - lo < _LIST_WINDOW:
        if words[lo - 1] in stops:
            # each item a promise's verb: "... and DEPUTIES come tomorrow" is a new clause
            if _list_link(words, lo - 1) and words[lo] in _PROMISE_VERBS:
                linked = True
            elif not _list_comma(words, lo - 1, stops, chain=True):
                break
        lo -= 1
    first = next((i for i in range(lo, start) if words[i] in lm.negators), None)
    if not linked or first is None or _PROMISERS.isdisjoint(words[max(0, lo - 1):first]):
        return False
    window = words[lo:hi]
    return lm.cancel.isdisjoint(window) and _RESCUE.isdisjoint(window)


def _span_is_one_clause(words: List[str], a: int, b: int) -> bool:
    """Do words[a:b] stay in one clause: no "but", "so", "unless", "then" and no comma,
    "and" or "or" that starts a new clause (list commas and links are fine)?"""
    for j in range(a, b):
        w = words[j]
        if w in _SWITCHES:
            return False
        if w == "," and not _list_comma(words, j, frozenset([",", ";", ":"])):
            return False
        # "... to the CFPB or your state attorney general" goes on; "... or you will" does not
        if w in _COORDINATION and (words[j + 1:j + 2] and words[j + 1] in _PRONOUNS
                                   or not _AUXILIARIES.isdisjoint(words[j + 1:j + 4])):
            return False
    return True


def _last(pattern: re.Pattern, text: str) -> Optional[re.Match]:
    """The last match of `pattern` in `text` (the marker nearest the hit governs it)."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007
        pass
    return found


# wave 9: the described call owned as ours ("if you got a call about your arrest, THAT WAS US")
_OURS_AFFIRMED = _cre(r"(?:^| )(?:that|it|this|they|those) (?:was|is|'s|were|are) (?:us|from us|ours|our (?:call|text|message|office))(?= |$)")


def _reported(lm: _LangMatcher, words: List[str], start: int, end: int) -> bool:
    """Is the hit words[start:end] reported, not threatened: what an impostor or a scammer
    does ("someone CLAIMING TO BE from the police", "FRAUDSTERS threaten jail", "谨防…冒充
    法院"), what the debtor asked or said ("you asked whether you could be arrested"), what
    another creditor did, the debtor's right ("you may REPORT it to your local police",
    "您可以向…投诉"), a denial for a whole group ("police never ASK for PAYMENT by text",
    "任何法院都不会…"), or what is called a scam ("a text threatening arrest IS A SCAM")?

    Each marker counts only within the hit's clause and with no cancelling word, so a
    threat that merely contains one stays blocked ("scammers LIKE YOU end up in prison",
    "this is not a scam: you will be arrested", "我们可以向公安机关报案")."""
    if lm.lang == "zh":
        if not lm.reported_any_re.search("".join(words)):
            return False
        lo, hi = _clause(lm, words, start, end)
        before, after = "".join(words[lo:start]), "".join(words[end:hi])
        if lm.cancel_re.search(before + after):
            return False
        if lm.reported_re.search(before):
            return True
        if "任何" in before and lm.negator_re.search(after):  # 任何法院都不会…
            return True
        if lm.rights_re.search(before) and lm.report_verb_re.search(after):
            return True
        called = lm.scam_after_re.search(after)  # …的短信都是诈骗 (not 不是诈骗)
        return called is not None and not lm.negator_re.search(after[:called.start()])
    if lm.reported_keys.isdisjoint(words) and _ASKING.isdisjoint(words[end:end + 8]):
        return False
    text = " ".join(words[:start])
    marker = _last(lm.reported_re, text)
    if marker is not None:
        first, after = text[:marker.start()].count(" "), text[:marker.end()].count(" ") + 1
        # cancelling words count from the marker on ("don't PAY anyone claiming to be ..." is advice)
        if "you" not in words[max(0, first - 2):first] and words[after:after + 2] not in _LIKE_YOU \
                and lm.cancel.isdisjoint(words[first:end]) and _span_is_one_clause(words, after, start) \
                and _OURS_AFFIRMED.search(" ".join(words[end:])) is None:
            return True
    if not lm.cancel.isdisjoint(words[:end]):
        return False
    right = _last(lm.rights_re, text)
    if right is not None:
        through = " ".join(words[:end])  # the reporting verb may open the hit ("report ... police")
        verb = lm.report_verb_re.search(through, right.end())
        if verb is not None:
            nxt = through[:verb.end()].count(" ") + 1
            # "please report TO the court on Monday" is a summons, not a right
            if nxt < end and words[nxt] != "to" and _span_is_one_clause(words, nxt, start):
                return True
        # wave 7: a second-person right to contact someone ("you may CONTACT your state
        # attorney general", "you can SHARE it with the police"), the hit close after the verb
        opener = words[text[:right.start()].count(" ")]
        if opener in _RIGHT_OPENERS:
            verb = lm.contact_verb_re.search(through, right.end())
            if verb is not None:
                after = through[:verb.end()].count(" ") + 1
                # wave 8: or the last of a list of whom to contact ("contact the CFPB OR YOUR
                # state attorney general"; "call us OR FACE a lawsuit" is no list of people)
                near = after <= start <= after + 4 or (start <= after + 12 and any(
                    words[i] in _COORDINATION and words[i + 1] in _DETERMINERS for i in range(after, start - 1)))
                if near and _span_is_one_clause(words, after, start):
                    return True
    # a whole group denied: "police and courts never ask for payment by text"
    j = end
    while j < len(words) and j - end < _GROUP_WINDOW:
        if words[j] in lm.negators:
            verb = j + 1 + (j + 1 < len(words) and words[j + 1] == "ever")
            if verb < len(words) and words[verb] in _ASKING \
                    and not _MONEY.isdisjoint(words[verb + 1:verb + 5]):
                return True
            break
        if words[j] in lm.boundaries and not (_list_link(words, j) or words[j] == ","):
            break
        j += 1
    tail = " ".join(words[end:])
    called = lm.scam_after_re.search(tail)
    if called is not None:
        upto = end + tail[:called.start()].count(" ")
        return lm.negators.isdisjoint(words[end:upto]) and _span_is_one_clause(words, end, upto)
    return False


def _clause(lm: _LangMatcher, words: List[str], start: int, end: int) -> Tuple[int, int]:
    """The token span of the clause around words[start:end] (to the nearest boundaries)."""
    stops = lm.boundaries
    lo = start
    while lo > 0 and words[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < len(words) and words[hi] not in stops:
        hi += 1
    return lo, hi


def _quoted_by_debtor(lm: _LangMatcher, words: List[str], start: int) -> bool:
    """Is the hit inside a quotation of the debtor's own words, opened right after "you
    asked" / 您说 (issue 13 wave 7b: You asked "am I going to jail over this?" No.; 您说“你们
    是不是把我当老赖了”，绝对没有)? The words are the debtor's, quoted to answer them, so no
    category (insults included) counts there; "I said 'you will go to jail'" and a quotation
    of anyone else's words are not excused."""
    if lm.lang == "zh":
        # canonical text drops the opening “ (a format character) and keeps the closing ”:
        # 您说 + the quoted words up to the hit in one clause, and the closing mark after it
        before = "".join(words[max(0, start - 20):start])
        said = _last(_DEBTOR_SAID_ZH_IN, before)
        if said is None or _ZH_CLAUSE_END.search(before, said.end()) is not None:
            return False
        for w in words[start:start + 20]:
            if w in _CLOSE_QUOTES or w == "\"":
                return True
            if _ZH_CLAUSE_END.fullmatch(w):
                return False
        return False
    q = start - 1
    while q >= 0 and q > start - 40:
        w = words[q]
        if w in _CLOSE_QUOTES:
            return False
        if w in _OPEN_QUOTES:
            if w == "\"" and words[:q].count("\"") % 2:
                return False  # a straight quote that closes an earlier quotation
            break
        q -= 1
    else:
        return False
    if q < 0:
        return False
    return _DEBTOR_SAID_EN.search(" ".join(words[max(0, q - 5):q])) is not None


# --- lawful mentions: one function per family (issue 13 waves 7, 7b and 8) -----------------
# Each family answers "is the hit words[start:end] a lawful, true mention rather than a
# threat?" from the hit's sentence (English) or clause (Chinese) only; `_lawful_mention`
# runs them cheapest first. `_lawful_pending` (wave 8) answers for the two families whose
# excuse the next sentence decides (`_resolve`).


def _en_docket_before(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A civil docket number before the court's name ("No. 26-CV-1187 in Travis County
    Court"; the sentence splitter cuts at "No." so the case's subject is not seen)."""
    return category == "impersonation" and _CIVIL_DOCKET.search(" ".join(words[max(0, start - 6):start])) is not None


def _en_named_place(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A banned word inside a proper name whose head noun follows within three content words
    ("Court Street", "Police Plaza", "the Old Jail Mall", "Sheriff Outdoor Supply",
    "Prison Fellowship Thrift Store", "Deputy Dog Grooming"; wave 8 widened it from the
    next word and from impersonation to jail words): a place or a business, not an authority.
    A function word, a pronoun or a mark ends the name ("arrested AT the station" is no name)."""
    if category not in _NAMED:
        return False
    for w in words[end:end + 4]:
        if w in _NAME_HEADS:
            return True
        if w == "'s":  # "Officer's Choice Uniforms"
            continue
        if w in _NAME_BREAKS or not w[:1].isalpha():
            return False
    return False


def _en_job_title(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """"officer" as a job title (wave 8): after a modifier that names no law enforcement ("our
    chief financial OFFICER", "a hardship officer", "the loan officer"), or placed at our own
    desk ("the officer AT OUR front desk"); "an officer", "the police officer", "Officer
    Smith will ..." stay impersonation."""
    if category != "impersonation" or words[start:end] != [_OFFICER]:
        return False
    if words[end:end + 2] in (["at", "our"], ["in", "our"]):
        return True
    if start == 0:
        return False
    modifier = words[start - 1]
    return (modifier.isalpha() and len(modifier) > 2 and modifier not in _LAW_MODIFIERS
            and modifier not in _NAME_BREAKS)


def _en_relative_job(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A relative's job or workplace (wave 8: "your cousin IS A sheriff's deputy", "your
    sister, WHO WORKS AT the county court", "your uncle THE RETIRED judge"): the relative,
    a job verb, then the hit within a few words, with no modal of a future step between
    ("..., and he WILL be the one to arrest you" is a threat)."""
    if category not in _NAMED:
        return False
    window = words[max(0, start - 10):start]
    if _RELATIVES.isdisjoint(window):
        return False
    m = _last(_RELATIVE_JOB_EN, " ".join(window))
    if m is None:
        return False
    between = window[len(" ".join(window)[:m.end()].split()):]
    return _FUTURE.isdisjoint(between) and _SWITCHES.isdisjoint(between)


def _en_called_you(lm: _LangMatcher, words: List[str], k: int, before: str) -> bool:
    """A past insult reported, not repeated: a marker right before the hit ("our agent
    CALLED YOU a deadbeat") with a third party or an apology in the sentence, and not
    "I"/"we" as the speaker (every category: insults are otherwise never excused)."""
    if lm.called_keys.isdisjoint(words[:k]):
        return False
    called = lm.called_you_re.search(before)
    while called is not None and called.end() != len(before):
        called = lm.called_you_re.search(before, called.start() + 1)
    if called is None:
        return False
    first = before[:called.start()].count(" ")
    return (first == 0 or words[first - 1] not in _SELF) and not lm.third_parties.isdisjoint(words)


def _en_naming_promise(lm: _LangMatcher, words: List[str], k: int, before: str) -> bool:
    """A promise never to name-call: the `naming` marker right before the hit and a negation
    in the few words before the marker ("nobody will ever CALL YOU a deadbeat")."""
    if lm.naming_keys.isdisjoint(words[:k]):
        return False
    named = _last(lm.naming_re, before)
    if named is None or named.end() != len(before):
        return False
    first = before[:named.start()].count(" ")
    ahead = words[max(0, first - 6):first]
    return not lm.negators.isdisjoint(ahead) and lm.cancel.isdisjoint(ahead)


def _en_only_authority(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """What only an authority may do ("ONLY a judge CAN order a garnishment"; wave 8: "a
    court MAY ORDER garnishment ONLY after a judgment"): the authority itself, or a measure it
    may order ("only the court can STOP the garnishment now" is no excuse)."""
    if _ONLY not in words:
        return False
    joined = " ".join(words[:end + 8])  # the modal may follow the hit ("only a JUDGE can")
    for m in _ONLY_AUTHORITY_EN.finditer(joined):
        at = joined[:m.start()].count(" ") + (m.group().startswith(" "))
        after = words[joined[:m.end()].count(" ") + 1:start]
        if at <= start and _one_clause_but_circumstance(words, at, start) and (
                category == "impersonation" or not _PERMITS.isdisjoint(after)):
            return True
    if category == "impersonation":
        return False
    m = _last(_AUTHORITY_MAY_EN, " ".join(words[:start]))
    return m is not None and m.end() == len(" ".join(words[:start])) and _ONLY in words[end:]


def _one_clause_but_circumstance(words: List[str], a: int, b: int) -> bool:
    """`_span_is_one_clause`, where a comma may open a circumstance of the same clause
    ("only a court can order that, AFTER a lawsuit")."""
    comma = next((j for j in range(b - 1, a - 1, -1) if words[j] == ","), None)
    if comma is None or comma + 1 >= b or words[comma + 1] not in _CIRCUMSTANCES:
        return _span_is_one_clause(words, a, b)
    return _span_is_one_clause(words, a, comma) and _span_is_one_clause(words, comma + 1, b)


_CIRCUMSTANCES = _canon_set(["after", "following", "with", "through", "upon", "once", "by"])


def _en_case_closed(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A case or measure that is over, for every legal category ("the garnishment ENDED")."""
    if category not in _LEGAL:
        return False
    lo, hi = _clause(lm, words, start, end)
    return lm.case_closed_re.search(" ".join(words[lo:hi])) is not None


def _en_case_status(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A court named in a fact about the debtor's own case ("your case was DISMISSED"), or
    after a suit someone else may bring ("IF THE CREDITOR decides to sue, the court ...")."""
    if category != "impersonation":
        return False
    if lm.suit_condition_re.search(" ".join(words[:start])) is not None:
        return True
    lo, hi = _clause(lm, words, start, end)
    return lm.case_status_re.search(" ".join(words[lo:hi])) is not None


def _en_own_matter(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """The debtor's own suit, papers or case (wave 8): "the lawsuit YOU FILED", "the court
    order YOU SENT", "the judge IN YOUR DIVORCE CASE", "a COPY OF the court's order", what
    "YOUR probate ATTORNEY can send"; legal categories only."""
    if category not in _LEGAL:
        return False
    if _OWN_AFTER_EN.match(" " + " ".join(words[end:end + 7])) is not None:
        return True
    lo = _clause(lm, words, start, end)[0]
    return _OWN_BEFORE_EN.search(" ".join(words[lo:start])) is not None


def _en_verify_advice(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Advice to check a claim with the authority itself (wave 8: "check any claim BY
    CALLING the court directly"); impersonation only."""
    if category != "impersonation":
        return False
    before = " ".join(words[max(0, start - 8):start])
    m = _last(_VERIFY_EN, before)
    return m is not None and m.end() == len(before)


def _en_fake_named(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """An authority called fake right before its name (wave 8: a FAKE "law firm", a BOGUS
    sheriff's notice): an impostor described, not one posed as."""
    if category not in _NAMED:
        return False
    k = start
    while k > 0 and words[k - 1] in _QUOTES:
        k -= 1
    return k > 0 and words[k - 1] in _FAKE


def _en_creditor_option(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A legal option of the creditor stated with "may/might/could" (wave 8: "the creditor
    MAY DECIDE TO file a lawsuit"), in one clause with nothing that makes it a condition on
    paying ("... unless you pay today"); "we will sue" has its own subject and stays."""
    if category not in _LEGAL:
        return False
    m = _last(_CREDITOR_MAY_EN, " ".join(words[:start]))
    if m is None:
        return False
    after = " ".join(words[:start])[:m.end()].count(" ") + 1
    return after >= start - 5 and _span_is_one_clause(words, after, start) \
        and lm.cancel.isdisjoint(words[after:]) and _SWITCHES.isdisjoint(words[end:])


def _en_creditor_option_to_semicolon(lm: _LangMatcher, category: str, words: List[str], start: int,
                                     end: int) -> bool:
    """`_en_creditor_option` for a sentence the splitter ended at a semicolon (wave 8b: "the
    creditor may decide to file a lawsuit; no decision has been made" was blocked because
    the semicolon counted as a switch to a condition). What follows the semicolon is the
    next sentence, so the excuse is pending (`_OPTION_PENDING`): `_resolve` keeps the hit
    when that clause holds a condition on paying ("...; unless you pay, it will")."""
    return (lm.lang == "en" and len(words) > end and words[-1] == ";"
            and _SWITCHES.isdisjoint(words[end:-1])
            and _en_creditor_option(lm, category, words[:-1], start, end))


# what makes the clause after a creditor's option a condition on paying ("...; UNLESS you pay
# today", "...; pay now OR it will") or a step of ours ("...; WE WILL make sure of it")
_CONDITIONS = _canon_set(["unless", "otherwise", "else", "until", "if", "or", "so", "then", "but", "pay", "paid",
                          "we", "we'll", "i", "i'll", "will", "'ll", "us", "our", "gonna", "going"])
_WORD = re.compile(r"[a-z0-9']+")


def _en_keyed(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """The families with markers in `negation:` (their cheap first look: a token of each)."""
    if lm.lawful_keys.isdisjoint(words):
        return False
    k = start
    while k > 0 and words[k - 1] in _QUOTES:
        k -= 1
    before = " ".join(words[:k])
    if before and (_en_called_you(lm, words, k, before) or _en_naming_promise(lm, words, k, before)):
        return True
    return (_en_only_authority(lm, category, words, start, end)
            or _en_case_closed(lm, category, words, start, end)
            or _en_case_status(lm, category, words, start, end))


# --- wave 9: families from the wave-9 probe (tests/compliance/data/wave9_dev.txt) ----------
# a step of ours named in an apology or as stopped ("our apology FOR contacting your employer",
# "we HAVE STOPPED calling your workplace", 很抱歉联系了您的单位, 我们已停止向您的单位打电话)
_PAST_STEP_CATEGORIES = frozenset(["third_party_threat", "violence_visit", "harassment", "intimidation"])
_APOLOGY_EN = _cre(r"(?:^| )(?:apology for|apologies for|apologize for|apologise for|sorry for|sorry about|"
                   r"sorry that we|regret|we regret|have stopped|we've stopped|has stopped|have now stopped|"
                   r"no longer)(?: [a-z0-9']+)?$")
_APOLOGY_ZH = re.compile(r"(?:抱歉|对不起|不好意思|致歉|道歉|歉意)[^，。；！？]{0,4}$|(?:已|已经)(?:停止|不再)[^，。；！？]{0,3}$")
_APOLOGY_AFTER_ZH = re.compile(r"^[^，。；！？]{0,4}?(?:深表歉意|表示歉意|致歉|道歉|抱歉|表示抱歉)")
# a right to refuse or stop us (您有权拒绝我们联系您的家人)
_REFUSE_ZH = re.compile(r"(?:有权|可以|可)(?:拒绝|要求(?:我们|我司)?(?:不再|停止))(?:我们|我司)?$")
# the debtor's right after a condition or a court's step (如有法院判决，您有权依法上诉; 您会收到法院的
# 传票，并有权应诉答辩): decided with the next clause in view (`_RIGHT_PENDING`)
_ZH_CONDITION_OPEN = re.compile(r"^(?:如果|如有|若有|如|若|一旦|假如|倘若|将来|日后|今后)|(?:您|你)(?:会|将|可能会)收到")
_ZH_RIGHT_NEXT = re.compile(r"^(?:并|也|则|那么|您|你)?(?:也)?(?:有权|可以依法|可依法|依法享有|可以申请|可申请|有权依法)")
_EN_RIGHT_AFTER = _cre(r"\b(?:(?:you )?(?:can|may) (?:respond|answer|appeal|dispute|object|defend)|"
                       r"right to (?:respond|answer|appeal|dispute|object|defend|a hearing))\b")
# "IF a court has ever entered a judgment against you, YOU MAY HAVE THE RIGHT to ..."
_EN_IF_RIGHT = _cre(r"^ , (?:you (?:may|can|might|will|would) (?:also )?(?:have the right|be able to (?:ask|appeal|respond|"
                    r"dispute|object)|ask|appeal|respond|dispute|object|request)|you have the right|you are entitled|"
                    r"you're entitled)(?= |$)")
_IF = _canon_set(["if"])
# "you can ASK A JUDGE TO REVIEW any garnishment order": the measure is what the debtor may have reviewed
_EN_REVIEW = _cre(r"(?:^| )(?:you|you can|you may|you have the right to|you could)(?: [a-z']+){0,3}? (?:ask|petition|request|move)"
                  r" (?:a|the|your) (?:judge|court) to (?:review|stop|lift|set aside|reduce|vacate|modify|reconsider|"
                  r"dismiss|release|end|limit)(?= |$)")
# a landmark in directions ("turn left AT the Sheriff's Office", "ACROSS FROM the courthouse", 离派出所步行5分钟)
_EN_LANDMARK = _cre(r"(?:^| )(?:turn left at|turn right at|turn at|across from|across the street from|next to|"
                    r"opposite|behind|beside|near|past|around the corner from|down the street from|minutes from|"
                    r"blocks from|block from|walk from|drive from)(?: the| a)?$")
_ZH_LANDMARK_BEFORE = re.compile(r"(?:离|距离|距|靠近|紧邻|毗邻|挨着|临近)$")
_ZH_LANDMARK_AFTER = re.compile(r"^(?:步行|走路|开车|驾车|约|大约|仅)?\d*(?:米|公里|分钟|站)")
_ZH_LANDMARK_NEAR = re.compile(r"^(?:步行|走路|开车|驾车|约|大约|仅|只有|不到|不远|很近|\d|一站|两站)")
# an authority as a source of information ("the attorney general of your state PUBLISHES a guide")
_EN_INFO_VERB = _cre(r"^(?: [a-z']+){0,4}? (?:publishes|publish|offers|provides|lists|posts|explains|regulates|"
                     r"licenses|oversees|maintains|has a website|has information|has guides)(?= |$)")
# advice to contact the authority itself ("call us or the court clerk DIRECTLY")
_NAMES_DEBTOR = _canon_set(["you", "your", "yours", "yourself", "names", "name", "debtors", "deadbeats", "photo"])
_EN_CONTACT_VERBS = _canon_set(["call", "contact", "phone", "ask", "check", "verify", "email", "write"])
_DIRECTLY = _canon_set(["directly", "yourself"])
# our own legal department reviewing the debtor's request (我们法务部的同事会审核您的减免申请)
_ZH_LEGAL_DEPT = frozenset(["法务部", "法务部门"])
_ZH_REVIEWS = re.compile(r"(?:审核|复核|核对|核实|处理|受理|评估)(?:您|你)的(?:[^，。；！？]{0,4})?(?:申请|异议|投诉|材料|"
                         r"减免|方案|诉求|资料|请求)|(?:审核|复核|核对)")
_ZH_SUIT_WORDS = re.compile(r"起诉|诉讼|上门|找你|律师函|立案|追究|处理你")
# a word named, not used: an insult in quotation marks named as a word (“老赖”这样的话)
_ZH_NAMED_WORD = re.compile(r"^[”\"」』’]?(?:这样的话|这种话|这类话|这个词|一词|这类词|等字眼|字眼|等词|的说法|这种说法|这样的字眼|这样的词)")
# the debtor unnamed: "属于诈骗" opening a clause that describes a message (…的短信，属于诈骗)
_ZH_SCAM_KIND = frozenset(["属于诈骗", "系诈骗", "是诈骗", "属于骗局", "均属诈骗", "都属于诈骗"])


def _past_step(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A step of ours named in an apology or said to have stopped (wave 9: "please accept
    our apology FOR contacting your employer", "we HAVE STOPPED calling your workplace",
    很抱歉联系了您的单位, 我们已停止向您的工作单位打电话), not a step still to come: a modal
    of the future between the marker and the hit ("sorry, but we WILL call ...") keeps it."""
    if lm.lang == "zh":
        lo = _clause(lm, words, start, end)[0]
        before = "".join(words[:start])
        if _REFUSE_ZH.search(before) is not None:
            return True
        m = _APOLOGY_ZH.search("".join(words[lo:start]))
        if m is None:
            m = _APOLOGY_ZH.search("".join(words[max(0, lo - 1):start]))  # 我们已停止|向…: 我们 bounds the clause
        if m is None and "了" in "".join(words[start:end]):  # 对联系了您的同事深表歉意: the apology after a past step
            lo2, hi = _clause(lm, words, start, end)
            return _APOLOGY_AFTER_ZH.match("".join(words[end:hi])) is not None
        return m is not None and not _ZH_OUR_STEP.search("".join(words[start:]))
    before = " ".join(words[max(0, start - 6):start])
    m = _APOLOGY_EN.search(before)
    if m is None:
        return False
    first = start - before[m.start():].strip().count(" ") - 1
    return _FUTURE.isdisjoint(words[first:end]) and _span_is_one_clause(words, first, start)


def _en_if_right(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A legal step inside an "if" clause whose main clause is the debtor's right (wave 9:
    "IF a court has ever entered a judgment against you, YOU MAY HAVE THE RIGHT to ask ...")
    or the object of a review the debtor may ask a court for ("you can ASK A JUDGE TO REVIEW
    any garnishment order"); "if you don't pay, you may be sued" names no right."""
    if category not in _LEGAL:
        return False
    lo = _clause(lm, words, start, end)[0]
    if _EN_REVIEW.search(" ".join(words[max(0, lo - 12):start])) is not None and ";" not in words[lo:start]:
        return True
    if _IF.isdisjoint(words[max(0, start - 10):start]):
        return False
    i = max(j for j in range(max(0, start - 10), start) if words[j] in _IF)
    if "you" in words[i + 1:i + 2] or not _span_is_one_clause(words, i + 1, start):
        return False
    comma = next((j for j in range(end, len(words)) if words[j] in (",", ";", ".", "?", "!")), None)
    return comma is not None and words[comma] == "," and _EN_IF_RIGHT.match(" " + " ".join(words[comma:comma + 8])) is not None


def _en_landmark(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """An authority's building as a landmark in directions (wave 9: "turn left AT the
    Sheriff's Office", "ACROSS FROM the courthouse"; names only), in a sentence that gives
    directions or our address ("we'll meet you next to the police car" gives none)."""
    return (_EN_LANDMARK.search(" ".join(words[max(0, start - 6):start])) is not None
            and _EN_DIRECTIONS.search(" ".join(words)) is not None)


_EN_DIRECTIONS = _cre(r"(?:^| )(?:directions|turn left|turn right|exit|our office|our offices|our building|our branch|"
                      r"we are located|we're located|located|address|suite|floor|parking|entrance|visit us|find us|"
                      r"pay in person|lobby|front desk)(?= |$)")


def _en_info_source(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """An authority as a source of information (wave 9: "the attorney general of your state
    PUBLISHES a consumer guide"), or advice to contact it directly ("call us or the court
    clerk DIRECTLY"); no "we" in the clause ("we'll call the police directly" stays)."""
    if category != "impersonation":
        return False
    lo, hi = _clause(lm, words, start, end)
    if not _SELF.isdisjoint(words[lo:hi]) or "we" in words[max(0, lo - 1):lo]:
        return False
    verb = _EN_INFO_VERB.match(" " + " ".join(words[end:end + 6]))
    if verb is not None:  # "the court PUBLISHES the names of debtors" names the debtor: no source
        rest = end + verb.group().count(" ")
        return _NAMES_DEBTOR.isdisjoint(words[rest:hi])
    return not _DIRECTLY.isdisjoint(words[end:end + 3]) and not _EN_CONTACT_VERBS.isdisjoint(words[max(0, start - 5):start])


def _en_counsel_office(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """The debtor's own lawyer's office or a reply to us (wave 9: "your attorney ... asked us
    to send the payoff figure to HER office", "write to US, or use the online form")."""
    if category != "third_party_threat":
        return False
    if "us" in words[start:start + 3] and not _COORDINATION.isdisjoint(words[start:end]):
        return True
    # an office that is an authority's or ours ("contact the sheriff's office directly"), not the debtor's
    if words[end - 1:end] in (["office"], ["offices"]):
        owner = words[end - 3] if words[end - 2:end - 1] == ["'s"] and end >= 3 else words[end - 2]
        if owner in _OFFICE_OWNERS:
            return True
    sentence = " ".join(words[:start])
    return words[end - 2:end - 1] in (["her"], ["his"], ["their"]) and _OWN_COUNSEL_EN.search(sentence) is not None


_OFFICE_OWNERS = _canon_set(["our", "sheriff", "court", "clerk", "general", "attorney", "police", "da", "mayor",
                             "county", "state", "city", "government", "post", "bureau", "cfpb", "ftc", "treasurer"])
_OWN_COUNSEL_EN = _cre(r"(?:^| )your (?:attorney|lawyer|trustee|representative|counsel)(?= |$)")


def _zh_landmark(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """An authority's building as a landmark (wave 9: 离派出所步行5分钟, 距法院500米)."""
    after = "".join(words[end:end + 4])
    if _ZH_LANDMARK_AFTER.match(after) is not None:
        return True
    return (_ZH_LANDMARK_BEFORE.search("".join(words[max(0, start - 2):start])) is not None
            and _ZH_LANDMARK_NEAR.match(after) is not None)  # 距离法院开庭还有3天 is no place


def _zh_reviewer(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Our legal department as the reviewer of the debtor's request (wave 9: 我们法务部的同事
    会审核您的减免申请); 法务部 with a suit, a visit or 找你 stays a threat's sender."""
    if "".join(words[start:end]) not in _ZH_LEGAL_DEPT:
        return False
    after = "".join(words[end:])
    return _ZH_REVIEWS.search(after) is not None and _ZH_SUIT_WORDS.search(after) is None


def _zh_scam_kind(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """属于诈骗 opening a clause with no subject, after the message it describes (wave 9:
    如收到“…”的短信，属于诈骗); 你这属于诈骗 names the debtor and stays."""
    return (start <= 1 and "".join(words[start:end]) in _ZH_SCAM_KIND
            and "".join(words[:start]) in ("", "均", "都", "皆", "一律") and not _ZH_YOU.search("".join(words)))


_EN_FAMILIES = (_en_docket_before, _en_named_place, _en_job_title, _en_keyed, _en_relative_job,
                _en_own_matter, _en_verify_advice, _en_fake_named, _en_creditor_option,
                _past_step, _en_if_right, _en_landmark, _en_info_source, _en_counsel_office)


def _zh_named_place(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A place or business named after a court, police or jail (法院路, 法院南路, 派出所附近,
    公安局东侧, 监狱路, 警官学院, 法官之家酒店; wave 8 widened it to jail words and to a name's
    head a few characters on)."""
    return category in _NAMED and _PLACE_AFTER_ZH.match("".join(words[end:end + 4])) is not None


def _zh_relative_job(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A relative's job or workplace (wave 8: 您爱人是派出所的民警, 您父亲在法院工作)."""
    if category not in _NAMED:
        return False
    return _RELATIVE_JOB_ZH.search("".join(words[max(0, start - 8):start])) is not None


def _zh_called_or_named(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A past insult reported (那位催收员称您为…) or a promise never to name-call
    (我们绝不会称您为…)."""
    lo = _clause(lm, words, start, end)[0]
    before = "".join(words[lo:start])
    if not before:
        return False
    called = lm.called_you_re.search(before)
    if called is not None and before.endswith(called.group()) and (
            lm.third_party_re.search(before) or lm.third_party_re.search("".join(words[end:]))):
        return True
    named = _last(lm.naming_re, before)
    if named is not None and named.end() == len(before):
        ahead = before[:named.start()]
        return lm.negator_re.search(ahead) is not None and not lm.cancel_re.search(ahead)
    return False


def _zh_only_authority(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """只有法院…才能…: what the law allows, not what will happen."""
    lo, hi = _clause(lm, words, start, end)
    only = _ONLY_AUTHORITY_ZH.search("".join(words[lo:hi]))
    return only is not None and only.start() <= len("".join(words[lo:start]))


def _zh_case_facts(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """A closed measure (法院判决已执行完毕, every legal category) or a fact about the debtor's
    own case (法院的判决书我们已收到; impersonation). A Chinese sentence here is one clause."""
    sentence = "".join(words)
    if category in _LEGAL and (lm.case_closed_re.search(sentence) is not None
                               or _ZH_CLOSED_ON.search(sentence) is not None):
        return True
    return category == "impersonation" and lm.case_status_re.search(sentence) is not None


def _zh_keyed(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """The families with markers in `negation:` (cheap first look: one regex of them all)."""
    if lm.lawful_any_re.search("".join(words)) is None:
        return False
    return (_zh_called_or_named(lm, category, words, start, end)
            or _zh_only_authority(lm, category, words, start, end)
            or _zh_case_facts(lm, category, words, start, end))


def _zh_information(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Legal words as information, not as a step we take (wave 8; legal categories):
    - 失信被执行人/限制高消费 named as a condition, a look-up or a rule (若您已被法院列为失信被执行人…,
      名单由法院依法公布, 您目前不在…名单中), with no step of ours in the clause (就/把你/马上 ...);
    - a police or court notice quoted as the speaker (公安机关提醒：…, 警方提示：…);
    - the creditor's right stated (债权人有权通过法院…);
    - advice to check with the authority itself (再拨打法院官方电话核实, 您可以咨询执行法院);
    - what impostors threaten with, described (以“逮捕”相威胁)."""
    if category not in _LEGAL:
        return False
    clause = "".join(words)  # a Chinese sentence here is one clause
    before = "".join(words[:start])
    after = "".join(words[end:])
    if _ZH_LISTED.search(clause) and not _ZH_OUR_STEP.search(clause) and (
            _ZH_IF_YOU.search(before) or _ZH_LIST_INFO.search(clause)):
        return True
    if category == "impersonation" and _ZH_NOTICE.fullmatch(after):
        return True
    if _ZH_CREDITOR_MAY.search(before):
        return True
    if category == "impersonation" and _ZH_VERIFY_BEFORE.search(before) and _ZH_VERIFY.search(clause):
        return True
    if category == "impersonation" and (_ZH_CONTACT_COURT.search(clause) or (
            _ZH_MAY_COMPLAIN.match(clause) and not _ZH_WE.search(clause) and _ZH_COMPLAIN_VERB.search(after))):
        return True
    if _ZH_OWN_PAPERS.search(before):
        return True
    k = start
    while k > 0 and words[k - 1] in _QUOTES:
        k -= 1
    return k > 0 and words[k - 1] == "以" and _ZH_DESCRIBED_THREAT.match(after.lstrip("".join(_QUOTES))) is not None


def _zh_impostors_called(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Impostors called crooks in a scam warning (wave 8: 任何要求您…的“警官”都是骗子): every
    one of a group, not the debtor."""
    if category != "obscenity" or not "".join(words[max(0, start - 2):start]).endswith(
            ("都是", "均为", "一律是", "就是", "全是")):
        return False
    if _ZH_ANY_OF_THEM.match("".join(words)) is not None:
        return True
    # wave 8b: a group named by what it claims to be (自称“法院”…要求转账的都是骗子), never "you"
    before = "".join(words[:start])
    named = _ZH_SELF_STYLED.search(before)
    return named is not None and not _ZH_YOU.search(before)


# the categories a family can excuse (a family not named here: every category)
_FAMILY_CATEGORIES: Dict[Callable[..., bool], FrozenSet[str]] = {}
_ZH_FAMILIES = (_zh_named_place, _zh_relative_job, _zh_keyed, _zh_information, _zh_impostors_called,
                _past_step, _zh_landmark, _zh_reviewer, _zh_scam_kind)
_FAMILY_CATEGORIES.update({
    _en_docket_before: frozenset(["impersonation"]), _en_named_place: _NAMED,
    _en_job_title: frozenset(["impersonation"]), _en_relative_job: _NAMED, _en_own_matter: _LEGAL,
    _en_verify_advice: frozenset(["impersonation"]), _en_fake_named: _NAMED, _en_creditor_option: _LEGAL,
    _zh_named_place: _NAMED, _zh_relative_job: _NAMED, _zh_information: _LEGAL,
    _zh_impostors_called: frozenset(["obscenity"]),
    # wave 9
    _past_step: _PAST_STEP_CATEGORIES, _en_if_right: _LEGAL, _en_landmark: _NAMED,
    _en_info_source: frozenset(["impersonation"]), _en_counsel_office: frozenset(["third_party_threat"]),
    _zh_landmark: _NAMED, _zh_reviewer: frozenset(["impersonation"]), _zh_scam_kind: frozenset(["threat_arrest"])})


def _lawful_mention(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Is the hit words[start:end] a lawful, true mention rather than a threat (issue 13
    waves 7-8: the families of the development sets' false blocks)? The debtor's own words
    quoted back (`_quoted_by_debtor`), then each family of `_EN_FAMILIES` / `_ZH_FAMILIES`.
    A bracketed sender tag (【人民法院】, 〔执行通知〕) is the claim itself and never excused here
    (wave 9, rules2: 【人民法院】温馨提示：… read as a court's notice quoted as the speaker)."""
    if category == "impersonation" and words[start][:1] in ("【", "〔", "〖"):
        return False
    if _quoted_by_debtor(lm, words, start):
        return True
    for family in _families(lm.lang, category):
        if family(lm, category, words, start, end):
            return True
    return False


_families_by_category: Dict[Tuple[str, str], Tuple[Callable[..., bool], ...]] = {}


def _families(lang: str, category: str) -> Tuple[Callable[..., bool], ...]:
    """The families of `lang` that can excuse a hit of `category` (each family's own first
    test on the category, done once per category instead of once per hit)."""
    got = _families_by_category.get((lang, category))
    if got is None:
        every = _EN_FAMILIES if lang == "en" else _ZH_FAMILIES
        got = _families_by_category[(lang, category)] = tuple(
            f for f in every if category in _FAMILY_CATEGORIES.get(f, frozenset([category])))
    return got


def _debtor_words(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Is the hit inside what the debtor said, asked, wrote or feared, reported back (wave 8:
    "you told our agent you were afraid of going to jail", "your letter says you fear a
    lawsuit", "you called yourself a loser", 您说担心会被抓, 您问是否会影响孩子上学)? The marker
    and the hit stay in one clause; an insult only where the debtor is its subject ("you",
    "yourself" between; 自己 in Chinese), and not when the sentence goes on to assert it
    (", and honestly you ARE one"). Such an excuse is pending: `_resolve` keeps the hit when
    the next sentence affirms ("You should be.", "You'll find out soon enough.")."""
    if lm.lang == "zh":
        before = "".join(words[:start])
        m = _last(_DEBTOR_WORDS_ZH, before)
        if m is None or _ZH_CONSEQUENCE.search(before, m.end()):
            return False
        return category != "obscenity" or "自己" in before[m.end():]
    if _DEBTOR_KEYS.isdisjoint(words[:start]) or _YOU_WORDS.isdisjoint(words[:start]):
        return False  # the cheap first look: no verb of saying, or no "you"
    before = " ".join(words[:start])
    m = _last(_DEBTOR_WORDS_EN, before)
    if m is None:
        return False
    after = before[:m.end()].count(" ") + 1
    # wave 9: what the debtor feared we would do ("you were afraid WE'D contact your church")
    if words[after - 1] in _FEARED:
        after += int(words[after:after + 1] == ["that"])
        after += int(words[after:after + 1] == ["we"])
    if not _span_is_one_clause(words, after, start):
        return False
    if category == "obscenity" and _YOU_WORDS.isdisjoint(words[after:start]) \
            and _SELF_DESCRIBED.isdisjoint(words[after - 2:after]):
        return False  # "you said that like a true deadbeat" is ours; "you FELT like a deadbeat" is theirs
    for j in range(end, len(words) - 1):  # ", and honestly YOU ARE one"
        if words[j] in _SWITCHES or words[j] == "," or words[j] in _COORDINATION:
            rest = words[j + 1:j + 4]
            if "you" in rest and not _AUXILIARIES.isdisjoint(rest):
                return False
    return True


def _past_message(lm: _LangMatcher, category: str, words: List[str], start: int, end: int) -> bool:
    """Is the hit what an earlier message or agent of ours said, named in order to correct
    it (wave 8: "the previous message MENTIONING garnishment", "the REFERENCE TO a court
    date", "an AGENT TOLD YOU ... that you could be arrested", 上条短信中“冻结账户”的说法,
    此前关于“黑名单”的说法)? Pending: `_resolve` excuses it only where this sentence or the
    next retracts it ("That was wrong", 有误, 特此更正); insults are never excused here."""
    if category == "obscenity":
        return False
    if lm.lang == "zh":
        return (_PAST_MESSAGE_ZH.search("".join(words[:start])) is not None
                or _PAST_SAYING_ZH.match("".join(words[end:end + 4])) is not None)
    if _PAST_KEYS.isdisjoint(words[max(0, start - 14):start]):
        return False  # the cheap first look
    before = " ".join(words[max(0, start - 14):start])
    m = _last(_PAST_MESSAGE_EN, before)
    if m is None:
        return False
    after = start - (before[m.end():].count(" "))
    return _FUTURE.isdisjoint(words[after:start]) and "we" not in words[after:start]


def _match_language(lm: _LangMatcher, canon: str) -> List[Tuple[str, int, int]]:
    """(category, first char, end char) of each banned hit in canonical text `canon`."""
    words, offsets = tokens(lm.lang, canon)
    if not words:
        return []
    allow: Dict[str, List[Tuple[int, int]]] = {}
    terms: List[Tuple[str, int, int]] = []
    groups: Dict[Tuple[str, int], Dict[int, List[Tuple[int, int]]]] = {}
    for match_id, start, end in lm.matcher(words):
        rule = lm.rules[match_id]
        if rule.kind == "allow":
            allow.setdefault(rule.category, []).append((start, end))
        elif rule.kind == "term":
            terms.append((rule.category, start, end))
        else:
            groups.setdefault((rule.category, rule.combo), {}).setdefault(rule.group, []).append((start, end))

    def excepted(category: str, start: int, end: int, combo: bool = False) -> bool:
        # an exception counts when it overlaps the hit without lying inside it: "police
        # report" excuses "police", but "an attorney" does not excuse "i am an attorney";
        # a combination is also excused by one that begins with it ("LET US KNOW if a
        # family member ...": the first word is used in another sense)
        return any(a < end and start < b and (not (start <= a and b <= end) or (combo and a == start))
                   for a, b in allow.get(category, ()))

    hits: List[Tuple[str, int, int]] = []
    for category, start, end in terms:
        if excepted(category, start, end):
            continue
        verdict = _verdict(lm, category, words, start, end, interior=False)
        if verdict is not None:
            hits.append((verdict, start, end))
    for (category, index), found in groups.items():
        n_groups, within = lm.combos[(category, index)]
        if len(found) < n_groups:
            continue
        for span in _chains(found, n_groups, within):
            start, end = span
            if excepted(category, start, end, combo=True):
                continue
            verdict = _verdict(lm, category, words, start, end, interior=True)
            if verdict is None:
                continue
            hits.append((verdict, start, end))
            if verdict == category:
                break
    return [(c, offsets[s], offsets[e - 1] + len(words[e - 1])) for c, s, e in hits]


# wave 8: what a hit becomes when its excuse waits for the next sentence (`_resolve`)
_DEBTOR_PENDING = "?"  # the debtor's words reported back: kept if the next sentence affirms
_RETRACT_PENDING = "!"  # an earlier message of ours quoted: dropped if it is retracted
_OPTION_PENDING = "~"  # wave 8b: a creditor's option before a semicolon: kept if a condition follows
_CALL_PENDING = "^"  # wave 8b: a call the debtor may get (如果您接到电话说…，): dropped if the next clause disowns it
_RIGHT_PENDING = "%"  # wave 9: a court's step after a condition (如有法院判决，): dropped if the next clause is a right
_QUOTE_PENDING = "&"  # wave 9: a quotation opening a zh clause: dropped if the clause before opens it as the debtor's
_SOON_PENDING = "@"  # wave 9: 下周就正式执行 on its own: kept if the clause before names a legal step
_PENDING_MARKS = "?!~^%&@"
# the debtor's words opened in the clause before a quotation (按您的说法，“…”; 您说：“…”)
_ZH_SAID_BEFORE = re.compile(r"(?:(?:按|照|按照|依|依照)(?:您|你)(?:的说法|所说|说的)|(?:您|你)(?:刚才|之前|曾)?(?:说|问|提到|"
                             r"反映|写道|留言说|来电说))[：:,，]?\s*$")
# a bare "soon" step (下周就正式执行) and the legal steps that make it a threat in the clause before
_ZH_SOON_BARE = re.compile(r"就(?:正式)?(?:执行|开始执行|启动|实施|开始)$")
_ZH_LEGAL_STEP = re.compile(r"起诉|诉讼|立案|冻结|查封|强制执行|拘留|上门|律师函|法院|扣押|拍卖")


def _zh_right_condition(lm: _LangMatcher, words: List[str], start: int, end: int) -> bool:
    """A court's step named in a clause that sets a condition or says what the debtor will
    receive (wave 9: 如有法院判决，…; 如果将来进入诉讼，您会收到法院的正式文书，…), with no step of
    ours in it (就/把你/马上/否则 ...). Pending (`_RIGHT_PENDING`): `_resolve` drops the hit
    only when the next clause states the debtor's right (您有权依法上诉, 并有权答辩)."""
    if lm.lang != "zh":
        return False
    clause = "".join(words)
    return _ZH_CONDITION_OPEN.search(clause) is not None and _ZH_OUR_STEP.search(clause) is None


def _verdict(lm: _LangMatcher, category: str, words: List[str], start: int, end: int,
             interior: bool) -> Optional[str]:
    """What the hit words[start:end] counts as: `category` (banned), None (excused), or the
    category marked pending (`_DEBTOR_PENDING`, `_RETRACT_PENDING`, `_OPTION_PENDING`,
    `_CALL_PENDING`; wave 9: `_RIGHT_PENDING`, `_QUOTE_PENDING`, `_SOON_PENDING`, which
    `_resolve` decides with the next or the previous clause) for `_resolve` to decide
    with the next sentence in view. An excuse inside the debtor's reported words is pending
    too: "You asked about jail? You'll find out soon enough." stays a threat."""
    excused = _lawful_mention(lm, category, words, start, end) or (
        lm.negatable.get(category, True) and _negated(lm, words, start, end, interior=interior))
    if not excused and _debtor_words(lm, category, words, start, end):
        return _DEBTOR_PENDING + category
    if excused:
        return _DEBTOR_PENDING + category if _reported_by_debtor(lm, words, start) else None
    if _past_message(lm, category, words, start, end):
        return _RETRACT_PENDING + category
    if category == "obscenity" and lm.lang == "zh" and _ZH_NAMED_WORD.match("".join(words[end:end + 3])):
        # wave 9: an insult named as a word (您反映催收员说了“老赖”这样的话): the debtor's report of
        # it is excused; otherwise only where this clause or the next retracts it
        return None if _DEBTOR_WORDS_ZH.search("".join(words[:start])) else _RETRACT_PENDING + category
    if category in _LEGAL and _en_creditor_option_to_semicolon(lm, category, words, start, end):
        return _OPTION_PENDING + category
    if category in _LEGAL and _zh_impostor_call(lm, words, start, end):
        return _CALL_PENDING + category
    if category in _LEGAL and _zh_right_condition(lm, words, start, end):
        return _RIGHT_PENDING + category
    if lm.lang == "zh":
        if any(w in _CLOSE_QUOTES or w == "\"" for w in words[end:]) and not _ZH_YOU.search("".join(words[:start])) \
                and not _ZH_WE.search("".join(words[:start])):
            return _QUOTE_PENDING + category  # a quotation the clause before may open as the debtor's
        if category == "false_legal" and _ZH_SOON_BARE.search("".join(words[start:end])) \
                and not _ZH_LEGAL_STEP.search("".join(words[:start])):
            return _SOON_PENDING + category
    return category


def _zh_impostor_call(lm: _LangMatcher, words: List[str], start: int, end: int) -> bool:
    """A call or text the debtor may get, described in a clause of its own (wave 8b: 如果您接到
    电话说您会被抓，那不是我们打的). The disowning is in the next clause (the splitter cuts at the
    comma), so the excuse is pending (`_CALL_PENDING`): `_resolve` drops the hit only when that
    clause opens with 不是我们/并非我司 ("…，那就是我们打的" stays)."""
    return (lm.lang == "zh" and words[-1] in ("，", ",") and all(w not in _SENTENCE_MARKS for w in words[end:-1])
            and _ZH_IF_YOU_GET.search("".join(words[:start])) is not None)


_SENTENCE_MARKS = frozenset(["，", ",", "。", "；", ";", "！", "？", "!", "?"])


def _reported_by_debtor(lm: _LangMatcher, words: List[str], start: int) -> bool:
    """Is there a marker of the debtor's words or question before the hit in its sentence?"""
    if lm.lang == "zh":
        return _DEBTOR_WORDS_ZH.search("".join(words[:start])) is not None
    return (not _DEBTOR_KEYS.isdisjoint(words[:start]) and not _YOU_WORDS.isdisjoint(words[:start])
            and _DEBTOR_WORDS_EN.search(" ".join(words[:start])) is not None)


def _sentence_hits(lm: _LangMatcher, sentence: str) -> Tuple[Tuple[str, int, int], ...]:
    """`_match_language(lm, sentence)`, remembered per sentence.

    A sentence's hits depend on nothing but the sentence (canonical text) and the matcher
    (and, for Chinese, the jieba dictionary: hence its version in the key), and messages
    are written from templates: the sentences of one campaign repeat even where every
    line is personalised ("Maria (ref 48213): ..."), so the tokenising and matching of a
    sentence is done once (issue 13 item 10: this was a third of a check's time)."""
    if _MEMO_LIMIT <= 0:
        return tuple(_match_language(lm, sentence))
    return _remembered(lm.memo, (_dictionary_version, sentence),
                       lambda: tuple(_match_language(lm, sentence)))


def _remembered(memo: Dict[Tuple[int, str], Tuple[Tuple[str, int, int], ...]],
                key: Tuple[int, str],
                compute: Callable[[], Tuple[Tuple[str, int, int], ...]]
                ) -> Tuple[Tuple[str, int, int], ...]:
    """`memo[key]`, computed and stored on first need; a full memo is emptied first (a
    bounded memory without the bookkeeping of an LRU: templates refill it at once)."""
    got = memo.get(key)
    if got is None:
        got = compute()
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = got
    return got


def _steps(within: Any, n_groups: int) -> Tuple[int, ...]:
    """A combination's `within`: one number for every step, or one per step ([4, 0, 0]:
    the subject up to 4 tokens before the modal, the verb right after it)."""
    if isinstance(within, (list, tuple)):
        steps = tuple(int(w) for w in within)
        return steps + (steps[-1] if steps else 4,) * max(0, n_groups - 1 - len(steps))
    return (int(within),) * max(1, n_groups - 1)


def _chains(found: Dict[int, List[Tuple[int, int]]], n_groups: int, within: Tuple[int, ...]
            ) -> List[Tuple[int, int]]:
    """Token spans where group 0, 1, ... follow one another, step g within `within[g-1]`
    tokens."""
    ordered = [sorted(found[g]) for g in range(n_groups)]

    def finish(g: int, end: int) -> Optional[int]:
        # every candidate of group g is tried ("would" and "would like to" both start here)
        if g == n_groups:
            return end
        for start, stop in ordered[g]:
            if end <= start <= end + within[g - 1]:
                got = finish(g + 1, stop)
                if got is not None:
                    return got
        return None

    spans = []
    for first in ordered[0]:
        end = finish(1, first[1])
        if end is not None:
            spans.append((first[0], end))
    return spans


_SENTENCE_END = {"en": re.compile(r"[.!?;\n]+"),
                 # Chinese: clauses, since negation and combinations stop at "，" too
                 "zh": re.compile(r"[.!?。！？;；，,：:\n]+")}


def _sentences(canon: str, starts: List[int], lang: str = "en") -> List[Tuple[int, int]]:
    """The sentences of `canon` that contain one of the trigger offsets `starts`.

    Phrases, combinations and negation never cross a sentence end, so only sentences with
    a trigger need spaCy: the clean greeting and the opt-out line of an SMS are skipped.
    """
    spans: List[Tuple[int, int]] = []
    bounds = [0] + [m.end() for m in _SENTENCE_END[lang].finditer(canon)] + [len(canon)]
    i = 0
    for pos in sorted(starts):
        while i + 1 < len(bounds) and bounds[i + 1] <= pos:
            i += 1
        span = (bounds[i], bounds[min(i + 1, len(bounds) - 1)])
        if not spans or spans[-1] != span:
            spans.append(span)
    return spans


def restorer_for(pack: Pack) -> PinyinRestorer:
    """The pinyin / homophone restorer for `pack`'s Chinese phrases (built on first use)."""
    got = _restorers.get(pack.fingerprint)
    if got is None:
        phrases: List[str] = []
        for spec in (pack.banned.get("categories") or {}).values():
            entry = spec.get("zh") or {}
            # terms only: combination words (联系, 家人 ...) are everyday words on their own
            phrases.extend(canonical_text(t) for t in entry.get("terms") or [])
        with _lock:
            got = _restorers.setdefault(pack.fingerprint, PinyinRestorer(phrases))
    return got


_MASKED = re.compile(r"(?<![a-z*#%])[a-z]*[*#%]+[a-z][a-z*#%]*(?![a-z])|(?<![a-z*#%])[a-z]{1,}[*#%]+(?![a-z*#%])")
_masked_vocab: Dict[str, Dict[int, List[str]]] = {}
_INSULT_NEXT = re.compile(r"\s+(?:off|you|yourself|up|this|that|it|u)\b")


def _vocabulary(pack: Pack) -> Dict[int, List[str]]:
    """The pack's English banned words by length (insults first), for unmasking."""
    got = _masked_vocab.get(pack.fingerprint)
    if got is None:
        words: Dict[str, None] = {}
        categories = pack.banned.get("categories") or {}
        order = sorted(categories, key=lambda c: c != "obscenity")
        for category in order:
            for term in (categories[category].get("en") or {}).get("terms") or []:
                for word in term.lower().split():
                    if len(word) >= 3 and word.isalpha():
                        words[word] = None
        got = {}
        for word in words:
            got.setdefault(len(word), []).append(word)
        _masked_vocab[pack.fingerprint] = got
    return got


def unmask(pack: Pack, text: str) -> str:
    """Masked letters resolved from the pack's English words ("a**hole", "f*ck", "sh#t"):
    each mask character stands for one letter, so the text keeps its length (offsets
    stay valid). A masked word that fits no banned word is left as it is."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return text
    vocab = None
    out = list(text)
    for m in _MASKED.finditer(lowered):
        word = m.group()
        letters = sum(c.isalpha() for c in word)
        # one letter and a mask is read only before the words an insult takes ("f*** off",
        # "s*** you"): "Hi J***," is a name masked for privacy
        if letters < 1 or (letters == 1 and not (word[0].isalpha() and len(word) >= 3
                                                  and _INSULT_NEXT.match(lowered, m.end()))):
            continue
        if vocab is None:
            vocab = _vocabulary(pack)
        for candidate in vocab.get(len(word), ()):
            if all(w in "*#%" or w == c for w, c in zip(word, candidate)):
                out[m.start():m.end()] = candidate
                break
    return "".join(out)


#: words of the people and places a threat names, joined when a space splits them ("your
#: em ployer", "man ager"); with the pack's `sound_alike` core words (arrest, police ...)
SPLIT_WORDS = ("employer", "employers", "manager", "supervisor", "coworker", "coworkers",
               "colleagues", "neighbors", "neighbours", "neighbor", "family", "husband", "children",
               "daughter", "landlord", "attorney", "lawyer", "garnishment", "criminal", "felony",
               "seized", "repossess", "deported", "worthless", "pathetic", "bastard", "asshole")
_split_scanners: Dict[str, Tuple[Optional[TrieScanner], Dict[str, int]]] = {}


def _split_scanner(pack: Pack) -> Tuple[Optional[TrieScanner], Dict[str, int]]:
    """An Aho-Corasick scanner over every spelling of a core word (`SPLIT_WORDS` and the
    pack's `sound_alike` words, 5 letters or more) with one space inside, both parts at
    least two letters ("em ployer", "ar rest"), and where in each the space is."""
    got = _split_scanners.get(pack.fingerprint)
    if got is None:
        where: Dict[str, int] = {}
        for word in dict.fromkeys(list(SPLIT_WORDS) + list(pack.banned.get("sound_alike") or ())):
            word = word.lower()
            if len(word) < 5 or not word.isalpha():
                continue
            for i in range(2, len(word) - 1):
                where[word[:i] + " " + word[i:]] = i
        got = _split_scanners[pack.fingerprint] = (trie_scanner(list(where), word_start=True), where)
    return got


def join_split_words(pack: Pack, text: str) -> str:
    """`text` with the space inside a split core word ("your em ployer gets a call")
    replaced by a zero-width space, which `canonical` drops (so the offsets still map to
    `text`): canonical joins letters spaced one by one, not a word cut in two. Only whole
    words: "them ployer" or "em ployers" (not a core spelling) is left alone."""
    scanner, where = _split_scanner(pack)
    if scanner is None or " " not in text:
        return text
    lowered = text.lower()
    if len(lowered) != len(text) or not scanner.found_in(lowered):  # found_in: C code, stops at once
        return text
    out = None
    for start, stop in scanner.spans(lowered):
        if stop < len(lowered) and lowered[stop].isalpha():
            continue
        gap = where.get(lowered[start:stop])
        if gap is None:
            continue
        if out is None:
            out = list(text)
        out[start + gap] = "\u200b"
    return text if out is None else "".join(out)


def _canonical_restored(pack: Pack, text: str) -> Tuple[str, Sequence[int]]:
    """`canonical` of `text` after pinyin and homophone spellings of the pack's Chinese
    phrases are written back as the phrases (compliance_filters.pinyin); offsets map to
    `text`, and misspelt core threat words ("arested", "poleece") written back as the words
    (compliance_filters.spelling). Restoring runs first because canonical's look-alike
    folds (l -> i) would garble both. Masked English words are filled in before (`unmask`)."""
    if "*" in text or "#" in text or "%" in text:
        text = unmask(pack, text)
    if text.isascii():
        text = join_split_words(pack, text)
    lowered = text.lower() if text.isascii() else fold_lookalikes(fold_width(text).lower())
    if len(lowered) == len(text):
        restored, rmap = restorer_for(pack).restore(lowered)
        spelled, smap = sound_alike(pack.banned.get("sound_alike") or ()).restore(restored)
        if smap is not None:
            restored, rmap = spelled, smap if rmap is None else [rmap[i] for i in smap]
        if rmap is not None:
            canon, index = canonical(restored)
            return canon, [rmap[i] for i in index]
    return canonical(text)


#: (pack fingerprint, lang) -> (dictionary version, {sentence: hits}) (see `_crossing_words`;
#: the sentences of an older dictionary are dropped when its version changes)
_sentence_memos: Dict[Tuple[str, str], Tuple[int, Dict[str, Tuple[Tuple[str, int, int], ...]]]] = {}
_crossing: Dict[Tuple[str, str], Tuple[str, ...]] = {}


def _crossing_words(pack: Pack, lang: str) -> Tuple[str, ...]:
    """The prefilter phrases of `lang` that hold a sentence-end character ("us. treasury").

    Where none of them occurs in a text, no match of the whole-text prefilter crosses a
    sentence end: the scan of the text finds exactly the scans of its sentences (a
    sentence starts after an end mark, which is no letter or digit, as a text starts),
    so the prefilter may run, and its answer and the sentence's hits be remembered,
    sentence by sentence (`_hits_by_sentence`). Chinese packs have none (clauses)."""
    key = (pack.fingerprint, lang)
    got = _crossing.get(key)
    if got is None:
        end = _SENTENCE_END[lang]
        got = _crossing[key] = tuple(w for w in _trigger_words(pack, lang) if end.search(w))
    return got


def _hits_by_sentence(pack: Pack, lang: str, trigger: Trigger, canon: str
                      ) -> List[Tuple[str, int, int]]:
    """(category, start, end) in `canon` of every hit, found sentence by sentence (the
    spans `_sentences` gives) with each sentence's answer, prefilter included, remembered:
    what the whole-text prefilter and `_match_language` per triggered sentence find, but a
    clause a template repeats costs one look-up (issue 13 item 10: the Chinese prefilter
    regex alone was a sixth of a Chinese check)."""
    key = (pack.fingerprint, lang)
    version = _dictionary_version
    entry = _sentence_memos.get(key)
    if entry is None or entry[0] != version:
        entry = _sentence_memos[key] = (version, {})
    memo = entry[1]
    get = memo.get
    found: List[Tuple[str, int, int]] = []
    pos = 0
    # the sentences in one C call, and a remembered one in one look-up keyed by the
    # sentence itself (no closure, no key tuple per sentence): a third of this
    # function's cost per text (issue 13 item 10)
    pieces = (_pieces_re.get(lang) or _sentence_pieces(lang)).findall(canon)
    for i, sentence in enumerate(pieces):
        got = get(sentence)
        if got is None:
            got = tuple(_match_language(lang_matcher(pack, lang), sentence)) \
                if trigger_starts(trigger, sentence) else ()
            if len(memo) >= _MEMO_LIMIT:  # emptied when full, as `_remembered` does
                memo.clear()
            memo[sentence] = got
        if got:
            for category, a, b in _resolve(lang, sentence, pieces[i + 1] if i + 1 < len(pieces) else "", got,
                                           pieces[i - 1] if i else ""):
                found.append((category, pos + a, pos + b))
        pos += len(sentence)
    return found


_pieces_re: Dict[str, re.Pattern] = {}

# wave 7b: the debtor's question about what WE may do, answered "no" by the next sentence
# ("You asked if we can garnish your wages. We can't without a court judgment."). A
# sentence is matched alone, so the question is excused only here, where the answer is
# seen: "... Yes, we can." keeps the question's hit. Wave 8: any yes/no question about a
# legal step, a visit or telling others ("Will the police get involved? Absolutely not.",
# 您会被抓吗？不会。), not one that asks what the debtor wants ("Do you want ...?"); the
# patterns are canonical (`_cre`: "we will not" is "we wiii not" there).
_OUR_POWER_QUESTION = _cre(
    r"^\s*(?:as )?you (?:asked|asked us|wanted to know|wondered|were asking)(?: us)? (?:if|whether) "
    r"(?:we|our company|our office|the agency)\b[^?]*[.?]\s*$")
_YES_NO_QUESTION = _cre(
    r"^\s*(?:(?:and|so|but) )?(?:are|is|will|would|can|could|may|might|should|does|did|am|has|have|was|were|"
    r"do (?!you want|you really want|you wanna)|is it true)\b[^?]*\?\s*$")
_NO_ANSWER = _cre(
    r"^\s*(?:no[,.!;:]|no we\b|no one\b|nope\b|never[,.!]|absolutely not\b|certainly not\b|definitely not\b|"
    r"of course not\b|not at all\b|not without\b|(?:we|you|they|it|he|she|police|the police|nobody|no one) "
    r"(?:can't|cannot|can not|could not|couldn't|won't|will not|don't|do not|doesn't|does not|are not|aren't|"
    r"is not|isn't|have no|has no|may not|never|would not|wouldn't)\b)")
# wave 9: a "no" that is the threat ("We will not HESITATE to.", "We won't STOP until ...")
_NO_CANCELLED = _cre(r"\b(?:hesitate|think twice|stop|wait|go easy|be gentle|hold back)\b")
_ANSWERABLE = frozenset(["false_legal", "threat_arrest", "impersonation", "third_party_threat", "violence_visit"])
_ZH_QUESTION = re.compile(r"(?:吗|么|没有|不会|呢)?[?？]$")
_NO_ANSWER_ZH = re.compile(r"^\s*(?:不会|不|没有|没|当然不|绝对不|并不|并没有|请放心|放心|不存在|无|不是)")


def _answered_no(lang: str, sentence: str, following: str, hits: Sequence[Tuple[str, int, int]]) -> bool:
    """Is `sentence` a question about a legal step (the debtor's, about what we may do, or a
    plain yes/no question) answered no by the sentence that follows it? (issue 13 waves 7b-8;
    see `_NO_ANSWER`.)"""
    if not following or not hits or "?" not in sentence and lang == "zh":
        return False
    for c, _, _ in hits:
        if c not in _ANSWERABLE:
            return False
    if lang == "zh":
        return _ZH_QUESTION.search(sentence.rstrip()) is not None and _NO_ANSWER_ZH.match(following) is not None
    if _NO_ANSWER.match(following) is None or _ON_CONDITION.search(following) is not None \
            or _NO_CANCELLED.search(following) is not None:
        return False
    if _OUR_POWER_QUESTION.match(sentence) is not None:  # wave 9: every answerable category
        return True
    return all(c in _ANSWERABLE for c, _, _ in hits) and _YES_NO_QUESTION.match(sentence) is not None


def _affirms(lang: str, following: str) -> bool:
    """Does the next sentence say yes or promise the worst ("You should be.", 很快你就知道了)?"""
    return (_AFFIRMS_ZH if lang == "zh" else _AFFIRMS_EN).match(following) is not None


def _retracts(lang: str, text: str) -> bool:
    """Does `text` call an earlier message wrong ("That was an error", 特此更正)?"""
    return (_RETRACTS_ZH if lang == "zh" else _RETRACTS_EN).search(text) is not None


def _resolve(lang: str, sentence: str, following: str, hits: Sequence[Tuple[str, int, int]],
             previous: str = "") -> Sequence[Tuple[str, int, int]]:
    """A sentence's hits with the next sentence in view (wave 8): a pending hit of the
    debtor's words counts only when the next sentence affirms it; one of an earlier message
    of ours only when neither this sentence nor the next retracts it; and a question about
    a legal step answered no is excused (`_answered_no`); a creditor's option before a
    semicolon only when the clause after it sets no condition, and a call the debtor may get
    (如果您接到电话说…) only when the next clause disowns it (wave 8b). Wave 9, with `previous`
    (the clause before): a court's step after a condition only when the next clause is no
    right of the debtor's (如有法院判决，您有权依法上诉); a quotation opening a clause only when
    the clause before does not open it as the debtor's (按您的说法，“…”); a bare 下周就正式执行
    only after a legal step in the clause before."""
    for c, _, _ in hits:
        if c[0] in _PENDING_MARKS:
            break
    else:  # nothing pending (the common case)
        return () if _answered_no(lang, sentence, following, hits) else hits
    out: List[Tuple[str, int, int]] = []
    for category, a, b in hits:
        mark = category[0]
        if mark == _DEBTOR_PENDING:
            if _affirms(lang, following):
                out.append((category[1:], a, b))
        elif mark == _RETRACT_PENDING:
            if not (_retracts(lang, sentence) or _retracts(lang, following)):
                out.append((category[1:], a, b))
        elif mark == _OPTION_PENDING:
            # wave 9: "...; if that happens you will receive court papers AND CAN RESPOND" is
            # the debtor's right, not a condition on paying
            if not _CONDITIONS.isdisjoint(_WORD.findall(following)) and _EN_RIGHT_AFTER.search(following) is None:
                out.append((category[1:], a, b))
        elif mark == _RIGHT_PENDING:
            if _ZH_RIGHT_NEXT.match(following.strip()) is None:
                out.append((category[1:], a, b))
        elif mark == _QUOTE_PENDING:
            if _ZH_SAID_BEFORE.search(previous) is None:
                out.append((category[1:], a, b))
        elif mark == _SOON_PENDING:
            if _ZH_LEGAL_STEP.search(previous) is not None:
                out.append((category[1:], a, b))
        elif mark == _CALL_PENDING:
            if _ZH_NOT_US.match(following.strip()) is None:
                out.append((category[1:], a, b))
        else:
            out.append((category, a, b))
    return [] if _answered_no(lang, sentence, following, out) else out


def _sentence_pieces(lang: str) -> re.Pattern:
    """A regex whose `findall` lists what `_hits_by_sentence` cut sentences at before: each
    run up to and with a run of `_SENTENCE_END[lang]` marks, then the unended rest, none
    empty (a text's pieces join back into the text). Written from `_SENTENCE_END`'s own
    character set, so the two cannot drift apart."""
    got = _pieces_re.get(lang)
    if got is None:
        source = _SENTENCE_END[lang].pattern
        if not (source.startswith("[") and source.endswith("]+") and source.count("[") == 1):
            raise ValueError(f"sentence ends for {lang!r} are not one character set: {source!r}")
        marks = source[1:-2]
        got = _pieces_re[lang] = re.compile(f"[^{marks}]*[{marks}]+|[^{marks}]+")
    return got


def _previous_sentence(canon: str, begin: int, lang: str) -> str:
    """The sentence of `canon` that ends at `begin` (empty at the start of the text)."""
    pieces = (_pieces_re.get(lang) or _sentence_pieces(lang)).findall(canon[:begin])
    return pieces[-1] if pieces else ""


def _next_sentence(canon: str, end: int, lang: str) -> str:
    """The sentence of `canon` that starts at `end` (empty at the end of the text)."""
    m = (_pieces_re.get(lang) or _sentence_pieces(lang)).match(canon, end)
    return m.group() if m is not None else ""


# --- wave 9 (rules2): families judged over the whole text -------------------------------
# The families above see one sentence; a scam warning's verdict ("Those are scams.", 都是假的),
# a denial that any suit exists, or a promise that nothing is disclosed is often the next
# sentence. `_text_excused` looks at the whole canonical text (and the original, for
# quotation marks, which canonical Chinese text drops) once per hit, only on texts that hit.
_SCAM_VERDICT_EN = _cre(
    r"\b(?:scam|scams|scammer|scammers|fake|fakes|fraud|fraudulent|phishing|impostor|impostors|imposter|"
    r"imposters|so-called|posing as|pose as|pretending to be|pretendng|pretend to be|not from us|isn't us|"
    r"wasn't us|not us|hang up|report it|report them|forward them|forward it|don't reply|do not reply)\b")
_SCAM_VERDICT_ZH = re.compile(r"诈骗|骗子|骗局|冒充|假冒|伪造|假的|不法分子|谨防|警惕|请勿相信|请勿轻信|不要相信|别信|"
                              r"举报|防范|核实真伪|与此无关|与我们无关|不是我们|并非我们|不是我司|并非我司|请不要付款|不要付款|不要转账|"
                              r"官方电话核实|请报警|都请报警|请立即报警|冒用|直接挂断|请挂断|挂断后|从不这样说|不要被骗")
# "this is NOT a scam", 这不是诈骗: the verdict denied is a threat's own cover
_NOT_SCAM_EN = _cre(r"\b(?:not a scam|isn't a scam|no scam|not fake|isn't fake|not a joke|is real|are real|"
                    r"this is real|is legitimate|is legit)\b")
_NOT_SCAM_ZH = re.compile(r"不是诈骗|并非诈骗|不是骗子|不是骗局|不是假的|别以为|是真的|并非虚假")
# who or what carries the quoted threat: "fake texts SAYING ...", "a call CLAIMING ...",
# "emails ... THREATENING ...", "fake collectors may THREATEN to ...", 有人说要…, 对方称要…
_REPORTER_EN = _cre(
    r"\b(?:text|texts|call|calls|caller|callers|email|emails|message|messages|letter|letters|voicemail|"
    r"voicemails|sms|someone|anyone|people|scammer|scammers|impostors?|collectors?|notice|notices|"
    r"fraudsters?|crooks?)\b(?: [^ .!?;]+){0,5}? (?:saying|says|say|said|claiming|claims|claim|claimed|"
    r"threatening|threatens|threaten|stating|states|telling you|demanding|using|that|posing|pose|pretending|"
    r"pretend|impersonating)\b")
_REPORTER_ZH = re.compile(r"(?:短信|电话|邮件|消息|信息|微信|来电|有人|对方|骗子|不法分子|陌生号码|号码|自称)[^。！？!?]{0,14}?"
                          r"(?:称|说|声称|自称|以|威胁|扬言|冒充|冒用|发)")
_ZH_OUR_CLAUSE = re.compile(r"[，,](?:是|但|但是|而是|可|可是)?(?:我们|我司|本公司|我方)")
_WE_TOO_EN = _cre(r"\b(?:so will we|so do we|we will too|we'll too|and we will|and we'll|and we're going to|but we will|"
                  r"but we'll)\b")
_QUOTE_SPANS = re.compile(r"\"[^\"\n]{1,120}\"|“[^”\n]{1,120}”|「[^」\n]{1,120}」|『[^』\n]{1,120}』|‘[^’\n]{1,120}’")
# a legal step stated as a fact of now or a condition of ours: none of the lawful families
# below excuses a hit in such a text ("No suit yet, but we'll file one Friday unless you pay")
_STEP_EN = _cre(r"\b(?:unless|until|or else|otherwise|if you don't|if you do not|if you fail|if you refuse|"
                r"we will|we'll|we're going to|we are going to|we're filing|we are filing|we have filed|"
                r"we've filed|you will be|you'll be|last chance|final warning)\b")
_STEP_ZH = re.compile(r"否则|再不|不还|就会|就把|就让|就要|马上|立即|立刻|等着|把你|将你|我们会|我们将|我们要|你已经|你已被|限你")
# no suit, judgment or case exists, or none of ours: "No suit has been filed", "we won't sue
# you", "no lawsuit has been filed on your account", 目前没有对您提起诉讼, 与我们无关
_NO_CASE_EN = _cre(
    r"\b(?:no (?:suit|lawsuit|case|decision|judgment|warrant|court action|legal action)\b(?: [a-z']+){0,3}? "
    r"(?:has been|have been|was|is|exists|exist|has|yet)|no (?:suit|lawsuit|case|warrant) (?:exists|today|"
    r"yet)|(?:has not|hasn't|have not|haven't) been (?:filed|sued|made)|won't sue|will not sue|"
    r"would never sue|not (?:by|from) us|nothing to do with us|has nothing to do with|doesn't handle|"
    r"does not handle|separate from our|not us|we're a private company|we are a private company|"
    r"we would notify you|notify you of any filing|none exists|there is none|no plans to|we have not decided|"
    r"too old for us to sue|you (?:may|can|should|would) (?:respond|claim|ask a court|receive papers|be notified|"
    r"appeal)|you will receive papers|you have the right to (?:appeal|respond|dispute|a hearing|object))")
_NO_CASE_ZH = re.compile(r"没有(?:对您)?(?:提起)?(?:任何)?(?:诉讼|执行案件|执行程序)|没有任何(?:诉讼|执行)|没有进入任何|"
                         r"不会因此坐牢|民事纠纷|与我们无关|与此无关|两回事|不是我们|我们只处理|催收公司没有这个权力|"
                         r"(?:您)?有权(?:应诉|答辩|依法)|有机会答辩|申请纠正|依法送达|按规定|由法院删除|"
                         r"咨询律师|与我们的催收|支持了您的|撤销了对您的|驳回了(?:对方|债权人|原告)|(?:您会|您将)(?:先)?收到法院|"
                         r"以法院文书为准|寻求救济|申请豁免|申请分期履行")
# a legal word named as the topic of a rule: 扣工资只能由法院…, 限制高消费令只能由法院作出
# a question of the reader's ("Can they garnish my wages?", 不还钱会坐牢吗？), left out where a
# family looks for a step or condition of ours
_QUESTIONS = re.compile(r"[^.!?;。！？；\n]*[?？]")
_ZH_TOPIC_ONLY = re.compile(r"[^，。；！？,;!?]{0,5}?(?:只能由|只有|必须由|须由|要由|是法院的事)")
# the debtor's or a friend's workplace or job ("you work at the county jail", "since you're a
# corrections officer", "you're a paralegal at a law firm", 您在看守所工作, 您的朋友在法院工作)
_WORKS_EN = _cre(r"(?:^| )(?:you(?:'re| are| were)? (?:work|works|worked|working)|you've worked|you(?:'re| are) "
                 r"(?:a|an)|your (?:job|work|shift|employer|workplace))(?= )")
_WORKS_ZH_BEFORE = re.compile(r"(?:您|你)(?:的(?:朋友|同事|家人|亲戚|同学))?(?:在|去|到|就职于|任职于|供职于)$")
_WORKS_ZH_AFTER = re.compile(r"(?:的)?(?:工作|上班|值班|值夜班|任职|实习|供职|当差|办理|办|出庭|开庭|参加)")
# a title said to the reader ("Thanks, Officer Reyes.", 吴法官您好, 赵警官，已备注…)
_VOCATIVE_EN = _cre(r"(?:^|[.!?] )(?:thanks|thank you|hi|hello|dear|hey|good morning|good afternoon|good evening)"
                    r"(?: ,)?(?: |, )$")
_PREPOSITIONS = _canon_set(["at", "in", "for", "with"])
_JOB_HITS = _canon_set(["officer", "guard", "deputy", "clerk", "judge", "attorney", "lawyer", "bailiff", "marshal"])
_ZH_TITLES = frozenset(["法官", "警官", "检察官", "律师"])
_VOCATIVE_ZH_AFTER = re.compile(r"(?:您好|你好|[,，])")
# a purpose-limited contact of someone else, with nothing disclosed (联系您的紧急联系人只是为了…,
# 我们不会透露, "We didn't confirm anything about the account")
_NO_DISCLOSURE_EN = _cre(r"\b(?:didn't confirm|did not confirm|didn't share|did not share|won't share|will not share|"
                         r"stays private|stay private|kept private|no details|without mentioning|didn't mention|"
                         r"did not mention|didn't tell|did not tell)\b")
_NO_DISCLOSURE_ZH = re.compile(r"不会透露|没有透露|未透露|不透露|没有说欠款|没有提及|未提及|只是为了|仅为了|仅用于|不会告知|没有告知")
# the impostor word as a third party's name (obscenity): "Anyone who does is a scammer.", "a
# scammer is pretending to be us", 骗子可能知道…, 您说我们是骗子
_SCAM_WORDS = _canon_set(["scammer", "scammers", "fraud", "fraudster", "fraudsters", "crook", "crooks"])
# 有骗子…, 被骗子吓到: a third party; 你就是个骗子, 你这骗子: the reader
_ZH_SOME_SCAMMERS = ("有", "有些", "一些", "这些", "那些", "被", "有的")
_ZH_CALLS_YOU = re.compile(r"(?:你|您|你们)(?:就|真|才|也|简直)?(?:是|这|这个|个|这种|这样的|那个)?(?:个|种)?$")
_ANYONE_WHO_EN = _cre(r"\b(?:(?:anyone|anybody|someone|somebody|people|those|callers?) (?:who|that)|whoever)\b")
_SECOND_PERSON_EN = _canon_set(["you", "your", "you're", "u", "ur", "yourself", "ya"])

# the authority's own number or desk, for the reader to check with ("call the court's
# published number yourself", "report it to the attorney general", 请按通知书上的联系方式联系法院,
# 请通过法院官方电话核实) and a paper the authority gave the reader (派出所的报案回执)
_OWN_NUMBER_EN = _cre(r"\s*(?:'s)?\s*(?:own |official |published |public |listed |main )*(?:number|phone number|"
                      r"website|site|hotline|line|office directly)\b")
_ADVICE_BEFORE_EN = _cre(r"(?:^| )(?:report (?:it|them|this|that|the number|the call|the text|threatening callers|"
                         r"such calls|the caller|the callers)? ?to(?: the [a-z]+ (?:or|and))?|complain to|(?:a )?complaint with|"
                         r"(?:you can|you may|please|feel free to) (?:call|contact|ask|check with))(?: the| your)? ?$")
_OWN_NUMBER_ZH = re.compile(r"的?(?:官方|公布的|公开的)?(?:电话|号码|热线|官网|网站|报案|报警回执|回执|证明|出具的)")
_ADVICE_BEFORE_ZH = re.compile(r"(?:联系|咨询|致电|询问|拨打|通过|向)(?:当地)?$")
# a measure the reader asked for ("Your account was frozen at your request", 应您挂失的要求，卡片已冻结)
_AT_YOUR_REQUEST_EN = _cre(r"\b(?:at your request|as you asked|as you requested|per your request|you asked us to|"
                           r"you requested)\b")
_AT_YOUR_REQUEST_ZH = re.compile(r"应您|根据您的要求|按您的要求|按照您的要求|您申请的|您挂失|您要求的")
# the debtor's own words quoted ('Thanks for your message: "I'm not a deadbeat, ..."', 您的留言：“我不是老赖…”)
_DEBTOR_QUOTE_OPEN = re.compile(r"(?:your (?:message|note|text|email|letter|words|reply)|you (?:wrote|said|told us|texted)|"
                                r"您的(?:留言|短信|来信|消息|原话|回复)|您(?:说|写道|留言|回复))[^\n\"“”]{0,12}$", re.I)
_FIRST_PERSON_QUOTE = re.compile(r"\b(?:i|i'm|im|i am|my|me)\b|我(?!们)", re.I)
# a harm the reader feels (如果您感到人身安全受到威胁，请拨打110报警)
_ZH_HELP = re.compile(r"报警|110|求助|警方|公安机关")  # help offered, not a demand (…那就赶紧还钱 is one)
_ZH_PAY_NOW = re.compile(r"还钱|还款|付款|转账|否则|不然")
_ZH_FEELS = re.compile(r"(?:您|你)(?:感到|觉得|担心|认为)$")
# a past contact of ours the reader complained of, now handled (关于您投诉的催收员联系您家人一事…郑重
# 道歉, "the last collector scared you with talk of prison. That was wrong, and it won't happen here")
_HANDLED_EN = _cre(r"\b(?:that was wrong|it was wrong|it won't happen|won't happen again|will not happen again|"
                   r"we apologi[sz]e|we're sorry|we are sorry|we've stopped|we have stopped|no longer work with|"
                   r"ended our contract|has been disciplined)\b")
_HANDLED_ZH = re.compile(r"郑重道歉|向您道歉|诚恳道歉|深表歉意|属于违规|已终止合作|已经终止合作|已停止合作|已对[^，。]{0,8}(?:进行)?处理|"
                         r"已经核实并处理|已核实并处理|这是错误的")
_PAST_EN = _cre(r"\b(?:last|previous|earlier|former|another|other) (?:collector|agent|caller|company|agency|"
                r"message|letter|call)\b|\b(?:was|were|had|did|scared|told|said|called)\b")
_PAST_ZH = re.compile(r"之前|此前|上次|上一次|先前|曾|您投诉|投诉的|一事|客服说|上个月|上月|上周|经调查|经核查")

# a reassurance turned into a threat by its condition ("We will never report you to the
# police... as long as you pay today", "Nobody will arrest you if you pay by 5", 只要你今天还款，
# 我们就不会通知你单位): a negated harm whose condition is paying, or not missing a payment
_HARMS_EN = (r"(?:police|cops|arrest|arrested|jail|prison|employer|boss|job|work|family|kids|children|neighbors|"
             r"neighbours|church|friends|tell them|tell anyone)")
_CONDITIONAL_REASSURANCE_EN = _cre(
    r"\b(?:never|nobody|no one|won't|will not|wont|don't|not)\b[^.!?]{0,50}?\b" + _HARMS_EN
    + r"\b(?: [a-z']+){0,3}?\s*(?:\.\.\.|…|,|-|—)?\s*(?:(?:as long as|so long as|provided|only if|if) you(?: [a-z']+)? "
    r"pay|unless you(?: [a-z']+)? (?:miss|don't|do not|fail|stop|skip))")
_CONDITION_KEYS_EN = tuple(canonical_text(w) for w in ("if you", "unless", "long as", "provided"))
_CONDITION_KEYS_ZH = ("只要", "前提是", "条件是")
_CONDITIONAL_REASSURANCE_ZH = re.compile(
    r"(?:不会|绝不|从不|不)[^。！？]{0,12}?(?:报警|抓|单位|家人|公司|领导|同事|坐牢|拘留|公安)[^。！？，,]{0,4}[，,…]*"
    r"(?:只要|前提是|条件是)(?:您|你)|只要(?:您|你)[^，。]{0,10}(?:还|付|转)[^，。]{0,8}[，,]?(?:我们)?就?(?:不会|不)"
    r"[^。！？]{0,10}(?:报警|抓|单位|家人|公司|领导|同事|坐牢|拘留|公安)")


def _sentence_start(canon: str, a: int, lang: str) -> int:
    """Where the sentence holding canon[a] starts (after the last sentence mark before it)."""
    marks = ".!?;\n" if lang == "en" else "。！？!?；;\n"
    return max(canon.rfind(m, 0, a) for m in marks) + 1


def _sentence_of(canon: str, a: int, lang: str) -> str:
    """The sentence of `canon` holding canon[a] (`_sentence_start` to the next sentence mark)."""
    lo = _sentence_start(canon, a, lang)
    ends = [i for i in (canon.find(m, a) for m in (".!?;\n" if lang == "en" else "。！？!?；;\n")) if i >= 0]
    return canon[lo:min(ends) + 1 if ends else len(canon)]


# a step to come in the hit's own sentence ("No lawsuit has been filed. Pay today OR the sheriff
# comes", 没有任何诉讼，但是下周就抓你): a lawful marker elsewhere in the text does not excuse it
# a step against the reader in the sentence of their job or title ("... and that's where YOU'LL
# END UP", 照样抓你坐牢)
_WORKS_STEP_EN = _cre(r"\b(?:you'll|you will|you're going to|you are going to|end up|we'll|we will|we're going to|"
                      r"we are going to|or|unless|until|otherwise)\b")
_WORKS_STEP_ZH = re.compile(r"抓你|抓您|坐牢|等着|否则|再不|不还|就让|让你|让您|照样")
_THREAT_NOW_EN = _cre(r"\b(?:will|'ll|going to|gonna|tonight|tomorrow|today|now|or|unless|until|otherwise)\b")
_THREAT_NOW_ZH = re.compile(r"就|马上|立即|立刻|明天|后天|今晚|今天|下周|下个月|月底|等着|否则|再不|不还|抓你|抓您|让你|让您")


def _step_in_sentence(canon: str, a: int, lang: str, marker: re.Pattern) -> bool:
    """Does the hit's sentence, with the family's own markers cut out, name a step to come?"""
    sentence = marker.sub(" ", _sentence_of(canon, a, lang))
    if sentence.rstrip().endswith(("?", "？")):
        return False  # the reader's question (不还钱会坐牢吗？) sets no step
    return (_THREAT_NOW_ZH if lang == "zh" else _THREAT_NOW_EN).search(sentence) is not None


def _quoted(text: str, at: int) -> bool:
    """Is text[at] inside a pair of quotation marks of the original text?"""
    return any(m.start() < at < m.end() for m in _QUOTE_SPANS.finditer(text))


def _scam_quote(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A scam warning that quotes or reports the impostors' threat ("fake texts saying 'final
    court notice, warrant issued.' Those are scams.", "Got a call saying you'll be arrested
    today? Hang up.", 有人说要把您的欠款发到朋友圈？那不是我们, 警惕伪造的"法院传票"): the text gives
    a scam verdict, does not deny one, and the hit is quoted or follows a reporter in its
    sentence ("a text SAYING", 对方称). An insult is judged by `_scam_label`."""
    if category == "obscenity":
        return False
    if lang == "zh":
        if _SCAM_VERDICT_ZH.search(canon) is None or _NOT_SCAM_ZH.search(canon):
            return False
        # the reporter before the hit in its sentence, and no clause of ours between (有人说…，那不是我们，
        # 是我们的律师明天去你单位 keeps its second hit)
        rep = _last(_REPORTER_ZH, canon[_sentence_start(canon, a, lang):a])
        reported = rep is not None and _ZH_OUR_CLAUSE.search(canon[_sentence_start(canon, a, lang):a], rep.end()) is None
    else:
        if _SCAM_VERDICT_EN.search(canon) is None or _NOT_SCAM_EN.search(canon):
            return False
        reported = _REPORTER_EN.search(canon, _sentence_start(canon, a, lang), a) is not None
        rest = _sentence_of(canon, a, lang)[a - _sentence_start(canon, a, lang):]
        if _WE_TOO_EN.search(rest):
            return False  # "... threaten to tell your employer, and so will we."
    return reported or _quoted(text, at)


def _scam_label(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """The impostor word naming a third party, never the reader, in a scam warning ("Anyone
    who does is a scammer.", 骗子可能知道您的姓名…请先核实) or the debtor's charge against us
    (您说我们是骗子): no second person before it in its sentence and a scam verdict elsewhere."""
    if category != "obscenity":
        return False
    lo = _sentence_start(canon, a, lang)
    if lang == "zh":
        if canon[a:b] != "骗子":
            return False
        before = canon[lo:a]
        if before.endswith(("我们是", "我司是")):
            return True
        if before.endswith(_ZH_SOME_SCAMMERS):
            return _NOT_SCAM_ZH.search(canon) is None
        rest = canon[:a] + canon[b:]
        return (_ZH_CALLS_YOU.search(before) is None and _SCAM_VERDICT_ZH.search(rest) is not None
                and _NOT_SCAM_ZH.search(canon) is None and re.match(r"^[,，!！。]|$", canon[b:b + 1]) is None)
    words = canon[lo:a].split()
    if canon[a:b] not in _SCAM_WORDS or not _SECOND_PERSON_EN.isdisjoint(w.strip(",'\"") for w in words):
        return False
    if re.match(r"\s*(?:like|as) (?:you|u)\b", canon[b:]):
        return False
    if _ANYONE_WHO_EN.search(canon, lo, a):
        return True  # "Anyone who does is a scammer.": whoever does it, never the reader
    rest = canon[:a] + " " + canon[b:]
    return _SCAM_VERDICT_EN.search(rest) is not None and _NOT_SCAM_EN.search(canon) is None


def _no_case(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A legal word in a lawful statement: the text says no suit or case exists, or none of
    ours, or states the debtor's rights in one ("... which could include a lawsuit. No
    decision has been made.", "we won't sue you", 如果将来有，法院会依法送达，您有权应诉), or
    names the word as the topic of a rule (扣工资只能由法院依法执行), and sets no condition
    or step of ours (`_STEP_EN` / `_STEP_ZH`)."""
    if category not in _LEGAL:
        return False
    if lang == "zh":
        if _NO_CASE_ZH.search(canon) is None and _ZH_TOPIC_ONLY.match(canon, b) is None:
            return False
        step = _STEP_ZH
    elif _NO_CASE_EN.search(canon) is None:
        return False
    else:
        step = _STEP_EN
    # 不还钱会坐牢吗？: the reader's question sets no step of ours
    if step.search(_QUESTIONS.sub(" ", canon) if "?" in canon or "？" in canon else canon) is not None:
        return False
    return not _step_in_sentence(canon, a, lang, _NO_CASE_ZH if lang == "zh" else _NO_CASE_EN)


def _works_at(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """The reader's job or workplace, or a title said to them ("you work at the county jail",
    "since you're a corrections officer", "Thanks, Officer Reyes.", 您在看守所工作, 吴法官您好):
    no step to come between the marker and the hit, nor against the reader in its sentence
    ("You work at the county jail, and that's where you'll end up.")."""
    if category not in _NAMED:
        return False
    lo = _sentence_start(canon, a, lang)
    before = canon[lo:a]
    if lang == "zh":
        found = ((_WORKS_ZH_BEFORE.search(before) is not None and _WORKS_ZH_AFTER.match(canon, b) is not None)
                 or (canon[a:b] in _ZH_TITLES and len(before.strip()) <= 2
                     and _VOCATIVE_ZH_AFTER.match(canon, b) is not None))
    elif _VOCATIVE_EN.search(canon[max(0, lo - 2):a]) and canon[a:b] == _OFFICER:
        found = True
    else:
        m = _last(_WORKS_EN, before)
        if m is None:
            return False
        between = before[m.end():].split()
        if len(between) > 8 or not _FUTURE.isdisjoint(between) or "we" in between:
            return False
        found = not m.group().endswith((" a", " an")) or (  # "you're a corrections officer", not "you're a criminal"
            "," not in between and len(between) <= 4 and (
                canon[a:b] in _JOB_HITS or not _PREPOSITIONS.isdisjoint(between)))
    return found and (_WORKS_STEP_ZH if lang == "zh" else _WORKS_STEP_EN).search(
        _sentence_of(canon, a, lang)) is None


def _no_disclosure(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A contact of someone else said to have disclosed nothing (联系您的紧急联系人只是为了找到您,
    "We didn't confirm anything about the account"), with no condition or step of ours."""
    if category != "third_party_threat":
        return False
    marker, step = (_NO_DISCLOSURE_ZH, _STEP_ZH) if lang == "zh" else (_NO_DISCLOSURE_EN, _STEP_EN)
    return (marker.search(canon) is not None and step.search(canon) is None
            and not _step_in_sentence(canon, a, lang, marker))


def _authority_desk(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """The authority's own number, desk or paper, for the reader to check with or hold
    ("call the court's published number yourself", "report it to the attorney general",
    请按通知书上的联系方式联系法院, 派出所的报案回执, "report them to the police"): never
    with "we"/我们 before the hit."""
    if category not in _NAMED:
        return False
    lo = _sentence_start(canon, a, lang)
    before = canon[lo:a]
    if lang == "zh":
        if _ZH_WE.search(before):
            return False
        return _OWN_NUMBER_ZH.match(canon, b) is not None or _ADVICE_BEFORE_ZH.search(before) is not None
    if re.search(r"(?:^| )(?:we|we'll|we're|i|i'll|our)(?= )", before):
        return False
    return _OWN_NUMBER_EN.match(canon, b) is not None or _ADVICE_BEFORE_EN.search(before) is not None


def _at_request(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A measure taken at the reader's request ("Your account was frozen at your request",
    应您挂失的要求，卡片已冻结), with no condition or step of ours."""
    if category not in _LEGAL and category != "false_legal":
        return False
    if (_AT_YOUR_REQUEST_ZH if lang == "zh" else _AT_YOUR_REQUEST_EN).search(canon) is None:
        return False  # the cheap first look
    sentence = _sentence_of(canon, a, lang)  # the request and the measure in one sentence
    if lang == "zh":
        return _AT_YOUR_REQUEST_ZH.search(sentence) is not None and _STEP_ZH.search(canon) is None
    return _AT_YOUR_REQUEST_EN.search(sentence) is not None and _STEP_EN.search(canon) is None


def _debtor_quote(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """The debtor's own first-person words quoted back, opened as theirs ('your message: "I'm
    not a deadbeat, ..."', 您的留言：“我不是老赖…”)."""
    for m in _QUOTE_SPANS.finditer(text):
        if m.start() < at < m.end():
            return (_DEBTOR_QUOTE_OPEN.search(text, max(0, m.start() - 40), m.start()) is not None
                    and _FIRST_PERSON_QUOTE.search(m.group()) is not None)
    return False


def _feels(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A harm the reader feels, with help offered (如果您感到人身安全受到威胁，请拨打110报警)."""
    return (lang == "zh" and category == "violence_visit" and _ZH_FEELS.search(canon[:a]) is not None
            and _ZH_HELP.search(canon) is not None and _ZH_PAY_NOW.search(canon) is None)


def _handled(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A past contact of ours the reader complained of, called wrong or handled (关于您投诉的
    催收员联系您家人一事…郑重道歉, "the last collector scared you with talk of prison. That was
    wrong, and it won't happen here"): the hit's sentence is about the past and the text sets
    no condition or step of ours."""
    if category == "obscenity" and not _quoted(text, at):
        return False  # 我们的坐席用“无赖”称呼您…道歉: only a quoted insult
    lo = _sentence_start(canon, a, lang)
    if lang == "zh":
        return (_HANDLED_ZH.search(canon) is not None and _PAST_ZH.search(canon, lo, a) is not None
                and _STEP_ZH.search(canon) is None)
    return (_HANDLED_EN.search(canon) is not None and _PAST_EN.search(canon, lo, a) is not None
            and _STEP_EN.search(canon) is None)


# a hit that ends inside a common word (还没收到您的回复: 没收 "confiscate" is 没 + 收到): (the hit's
# last two characters, the character after) pairs that make such a word. Not 知道您家 (…道您家):
# "我们知道您家在哪" is the stalking threat that hit is for.
_ZH_WORD_AFTER = frozenset([("没收", "到")])


def _split_word(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """A Chinese hit cut out of a common word (还没收到您的还款)."""
    return lang == "zh" and b - a >= 2 and (canon[b - 2:b], canon[b:b + 1]) in _ZH_WORD_AFTER


# "It would be a shame to let this discount expire": the offer lost, not the reader harmed
_OFFER_LOST_EN = _cre(r"\s*(?:let|miss|lose|pass up|waste) (?:this|the|your|such an?|our) (?:[a-z$0-9%-]+ )?"
                      r"(?:discount|offer|deal|savings|saving|chance|opportunity|rate|promotion|promo)\b")


def _offer_lost(lang: str, canon: str, text: str, at: int, category: str, a: int, b: int) -> bool:
    """"a shame to LET THIS DISCOUNT expire": the intimidation phrase about an offer lost."""
    return lang == "en" and category == "intimidation" and _OFFER_LOST_EN.match(canon, b) is not None


_TEXT_FAMILIES = (_split_word, _offer_lost, _scam_quote, _scam_label, _no_case, _works_at, _no_disclosure, _authority_desk, _at_request,
                  _debtor_quote, _feels, _handled)


def _text_excused(lang: str, canon: str, text: str, index: Sequence[int], category: str, a: int, b: int) -> bool:
    """Is the hit canon[a:b] excused by one of `_TEXT_FAMILIES` (wave 9, rules2)?"""
    at = index[a] if a < len(index) else len(text)
    return any(f(lang, canon, text, at, category, a, b) for f in _TEXT_FAMILIES)


def banned_hits(pack: Pack, text: str) -> List[Tuple[str, str]]:
    """(category, original matched text) for every banned phrase in `text`."""
    if not text or not text.strip():
        return []
    canon, index = _canonical_restored(pack, text)
    found: List[Tuple[str, str]] = []
    for lang in LANGS:
        if lang == "zh" and (canon.isascii() or not has_cjk(canon)):  # isascii: a flag, no scan
            continue
        trigger = trigger_for(pack, lang)
        if trigger is None:
            continue
        crossing = _crossing_words(pack, lang)
        if _MEMO_LIMIT > 0 and not (crossing and any(w in canon for w in crossing)):
            for category, a, b in _hits_by_sentence(pack, lang, trigger, canon):
                if not _text_excused(lang, canon, text, index, category, a, b):
                    found.append((category, text[index[a]:index[b - 1] + 1]))
            continue
        starts = trigger_starts(trigger, canon)
        if not starts:
            continue
        lm = lang_matcher(pack, lang)
        for begin, end in _sentences(canon, starts, lang):
            got = _sentence_hits(lm, canon[begin:end])
            if got:
                got = _resolve(lang, canon[begin:end], _next_sentence(canon, end, lang), got,
                               _previous_sentence(canon, begin, lang))
            for category, a, b in got:
                if not _text_excused(lang, canon, text, index, category, begin + a, begin + b):
                    found.append((category, text[index[begin + a]:index[begin + b - 1] + 1]))
    if not found:
        found = _conditional_reassurance(canon, text, index)
    return found


def _conditional_reassurance(canon: str, text: str, index: Sequence[int]) -> List[Tuple[str, str]]:
    """[("intimidation", the words)] when a reassurance is made conditional on paying
    (`_CONDITIONAL_REASSURANCE_EN` / `_ZH`): its negation excused every phrase in it, so it is
    judged here, on texts nothing else blocked; a scam warning quoting one stays allowed."""
    m = None
    if not canon.isascii() and any(k in canon for k in _CONDITION_KEYS_ZH):
        m = _CONDITIONAL_REASSURANCE_ZH.search(canon)
    if m is None and any(k in canon for k in _CONDITION_KEYS_EN):  # the cheap first look
        m = _CONDITIONAL_REASSURANCE_EN.search(canon)
    if m is None:
        return []
    lang = "zh" if m.re is _CONDITIONAL_REASSURANCE_ZH else "en"
    if _scam_quote(lang, canon, text, index[m.start()], "intimidation", m.start(), m.end()):
        return []
    return [("intimidation", text[index[m.start()]:index[m.end() - 1] + 1])]


def check_text(pack: Pack, text: str, lang: Optional[str] = None) -> Decision:
    """Blocked with `phrase.<category>` reasons if `text` holds banned content.

    Both languages' phrases are always checked (a Chinese message can carry an English
    threat); `lang` is accepted as a hint for callers and does not narrow the check.
    """
    hits = banned_hits(pack, text)
    if not hits:  # the learned second opinion on what the rules allow (learned.py)
        verdict = learned_verdict(pack.learned, text)
        return Decision.block(Reason(*verdict)) if verdict else Decision.allow()
    return Decision.block(*(Reason(f"phrase.{c}", m) for c, m in dict.fromkeys(hits)))
