"""The learned second opinion on banned content (compliance_filters/learned.py, issue 13
item 9): it blocks what the rules allow when the model is confident, says so in the reason,
never blocks what the assistant itself sends, fails loudly without its weights, and a pack
or overlay switches it and sets its threshold (overlays only tighten).

The texts below were written for these tests after the model was trained and are in no
training file; the blocked ones are phrased in words the rule lexicon does not hold.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compliance_filters import PackError, check_text, learned, load_pack
from compliance_filters.packs import LEARNED_OFF
from compliance_filters.phrases import banned_hits

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from train_learned_filter import assistant_texts  # noqa: E402

#: abusive texts the rules miss (checked below) and the learned check blocks
RULES_MISS = [
    ("en", "We know what car you drive and where you park it at night."),
    ("en", "Your pastor and your whole congregation are about to learn what you owe."),
    ("en", "Someone will be keeping an eye on your daughter's bus stop."),
    ("en", "Your bank account will be wiped out by Monday morning."),
    ("en", "We'll make sure your girlfriend's parents hear all about your debts."),
    ("zh", "我们知道你每天早上几点送孩子上学。"),
    ("zh", "你老婆单位的同事很快就会知道你欠钱。"),
    ("zh", "你的工资卡里的钱会被全部划走。"),
]

#: lawful texts near those families: neither the rules nor the learned check block them
NEAR_MISSES = [
    ("en", "We'll text you a reminder two days before your payment is due."),
    ("en", "Your daughter called to ask about your account; we need your permission to talk with her."),
    ("en", "If you can't pay this month, reply HELP and we'll look at a smaller amount."),
    ("en", "Your balance is $312.40. You can pay by card or bank transfer."),
    ("en", "We don't report to your employer or your family."),
    ("zh", "你好，你本月的账单已出，应还金额860元。"),
    ("zh", "如果你这个月有困难，可以申请延期还款。"),
    ("zh", "我们不会把你的欠款告诉任何人。"),
    ("zh", "还款成功后，系统会自动更新你的征信记录。"),
    ("zh", "下雨天出门注意安全，还款可以在APP上完成。"),
]


@pytest.mark.parametrize("pack_name", ["us", "cn"])
@pytest.mark.parametrize("lang, text", RULES_MISS)
def test_the_learned_check_blocks_what_the_rules_miss_and_says_so(pack_name, lang, text) -> None:
    pack = load_pack(pack_name)
    assert banned_hits(pack, text) == []  # the rules alone let it through
    decision = check_text(pack, text, lang)
    assert not decision.allowed
    (reason,) = decision.reasons
    assert reason.rule == "phrase.learned"
    assert reason.match.startswith("learned check: score ")
    score = float(reason.match.split()[3])
    assert score >= pack.learned["threshold"]


@pytest.mark.parametrize("lang, text", NEAR_MISSES)
def test_lawful_near_misses_stay_allowed(us, lang, text) -> None:
    assert check_text(us, text, lang).allowed


def test_switched_off_the_rules_alone_decide(us) -> None:
    rules_only = dataclasses.replace(us, learned=dict(LEARNED_OFF))
    assert all(check_text(rules_only, text, lang).allowed for lang, text in RULES_MISS)


ASSISTANT = assistant_texts()


def test_the_assistant_texts_are_all_collected() -> None:
    """Every response file and both campaign files contribute, in both languages."""
    where = {w.split(":")[0] for w, _, _ in ASSISTANT}
    assert {"reminders.yml", "negotiation.yml", "verification.yml", "low_reminders.yml",
            "medium_negotiation.yml"} <= where
    assert {lang for _, lang, _ in ASSISTANT} == {"en", "zh"}
    assert len(ASSISTANT) > 150


@pytest.mark.parametrize("pack_name", ["us", "cn"])
def test_everything_the_assistant_sends_is_allowed(pack_name) -> None:
    """All utter_* responses of bot/domain/*.yml and the campaign templates of
    bot/campaigns/*.yml (placeholders filled in) pass the phrase filter, learned check
    included."""
    pack = load_pack(pack_name)
    refused = [(where, text, check_text(pack, text, lang).reasons) for where, lang, text in ASSISTANT
               if not check_text(pack, text, lang).allowed]
    assert refused == []


def test_packs_switch_it_on_with_the_threshold_cross_validation_chose() -> None:
    """The trainer shifts the bias (and the Chinese texts' zh_bias) so that the thresholds
    grouped CV picks for each script (raw_cv_threshold) score as the packs'
    learned.threshold; a pack edited without a retrain fails here."""
    meta = learned.load_model().meta
    for name in ("us", "cn"):
        settings = load_pack(name).learned
        assert settings["enabled"] is True
        assert abs(settings["threshold"] - float(meta["cv_threshold"])) <= 0.001, (name, meta)
    assert set(meta["raw_cv_threshold"]) == {"en", "zh"}
    assert all(0.0 < float(t) < 1.0 for t in meta["raw_cv_threshold"].values())


def test_an_overlay_may_lower_the_threshold_but_not_raise_it_or_switch_it_off(us) -> None:
    stricter = load_pack("us", {"creditor": "acme", "learned": {"threshold": 0.5}})
    assert stricter.learned == {"enabled": True, "threshold": 0.5}
    with pytest.raises(PackError, match="loosens the pack: learned.threshold 0.99"):
        load_pack("us", {"creditor": "acme", "learned": {"threshold": 0.99}})
    with pytest.raises(PackError, match="learned phrase check cannot be switched off"):
        load_pack("us", {"creditor": "acme", "learned": {"enabled": False}})
    with pytest.raises(PackError, match="probability"):
        load_pack("us", {"learned": {"threshold": 2}})


def test_missing_weights_fail_loudly_in_one_line(tmp_path: Path) -> None:
    """A check without the weights raises instead of silently running on the rules alone."""
    code = (
        "import compliance_filters.learned as L, pathlib\n"
        f"L.WEIGHTS_PATH = pathlib.Path({str(tmp_path / 'none.json')!r})\n"
        "from compliance_filters import check_text, load_pack\n"
        "try:\n"
        "    check_text(load_pack('us'), 'hello')\n"
        "except L.LearnedModelMissing as exc:\n"
        "    print(str(exc))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and "make learned-filter" in lines[0], (done.stdout, done.stderr[-300:])


def test_the_weights_are_what_the_committed_corpus_gives() -> None:
    """The built file is current: refitting on today's corpus gives the same weights (a
    corpus edit without `make learned-filter` fails here), and the fit is deterministic."""
    from train_learned_filter import fit, load_examples

    built = json.loads(learned.WEIGHTS_PATH.read_text(encoding="utf-8"))
    again = json.loads(fit(load_examples(), c=built["meta"]["C"],
                           min_groups=built["meta"]["min_groups"]).to_json())
    # the built file's bias is the fitted one moved onto the packs' threshold (bias_shift)
    assert again["weights"] == built["weights"]
    assert again["bias"] + built["meta"]["bias_shift"] == built["bias"]


def test_warm_up_loads_the_weights_before_a_batch_forks() -> None:
    """`collectbot compliance text` forks workers after `phrases.warm_up`; the weights must be
    read there once, not in every worker (its samples used to be all rule-blocked texts)."""
    code = (
        "from compliance_filters import load_pack, learned, phrases\n"
        "phrases.warm_up(load_pack('us'), chinese=False)\n"
        "print(learned.load_model.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["1"], done.stderr[-300:]
