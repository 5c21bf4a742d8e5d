from decimal import Decimal

import pytest

from bot.negotiation import PolicyError, load_policy, read_policy, slug

from .helpers import default_raw, write_policy


def test_default_policy_values():
    policy = load_policy(None)
    assert policy.name == "Default collection policy"
    assert policy.source.name == "default.yml"
    assert policy.settlement.interest_waiver_percent == Decimal("30")
    assert policy.settlement.fee_waiver_percent == Decimal("0")
    assert policy.settlement.due_within_days == 0
    assert policy.plans.months == (3, 6, 12)
    assert policy.plans.min_months == 3
    assert policy.plans.max_months == 12
    assert policy.plans.accept_any_months is True
    assert policy.plans.waive_late_fees is True
    assert policy.min_installment("USD") == Decimal("25.00")
    assert policy.min_installment("CNY") == Decimal("100.00")
    assert policy.min_installment("USD", hardship=True) == Decimal("15.00")
    assert policy.promise_horizon_days == 30
    assert policy.max_rounds == 3
    assert policy.hardship.pause_days == 30
    assert policy.hardship.plan_max_months == 18
    assert policy.rounding_unit == Decimal("0.01")


def test_creditor_files_differ_from_default():
    acme = load_policy("ACME Bank")
    huaxia = load_policy("Huaxia Consumer Finance")
    assert acme.source.name == "acme_bank.yml"
    assert acme.settlement.interest_waiver_percent == Decimal("40")
    assert acme.plans.accept_any_months is False
    assert acme.max_rounds == 2
    assert acme.promise_horizon_days == 14
    assert huaxia.source.name == "huaxia_consumer_finance.yml"
    assert huaxia.plans.months == (3, 6, 12, 24)
    assert huaxia.rounding_unit == Decimal("1")
    assert huaxia.min_installment("CNY") == Decimal("200.00")


@pytest.mark.parametrize(
    "creditor, expected",
    [
        (None, "default.yml"),
        ("", "default.yml"),
        ("Unknown Lender LLC", "default.yml"),
        ("acme bank", "acme_bank.yml"),
        ("  ACME-Bank ", "acme_bank.yml"),
        ("Acme", "acme_bank.yml"),  # listed under names:
        ("华夏消费金融", "huaxia_consumer_finance.yml"),
        ("華夏消費金融", "huaxia_consumer_finance.yml"),
        ("../default", "default.yml"),
        ("/etc/passwd", "default.yml"),
    ],
)
def test_load_policy_lookup(creditor, expected):
    assert load_policy(creditor).source.name == expected


def test_slug():
    assert slug("ACME Bank, N.A.") == "acme_bank_n_a"
    assert slug("../../etc/passwd") == "etc_passwd"
    assert slug("华夏") == ""


def test_directory_without_default_is_an_error(tmp_path):
    with pytest.raises(PolicyError, match=r"default\.yml: default policy file not found"):
        load_policy("anyone", directory=tmp_path)


def test_creditor_file_in_custom_directory(tmp_path):
    raw = default_raw()
    write_policy(tmp_path, "default", raw)
    raw["name"] = "Small Bank"
    raw["promise"]["horizon_days"] = 10
    write_policy(tmp_path, "small_bank", raw)
    assert load_policy("Small Bank", directory=tmp_path).promise_horizon_days == 10
    assert load_policy("Other", directory=tmp_path).promise_horizon_days == 30


def _set(raw, dotted, value):
    node = raw
    *parents, last = dotted.split(".")
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("settlement.interest_waiver_percent", 101, "settlement.interest_waiver_percent: must be a percentage between 0 and 100, got 101"),
        ("settlement.interest_waiver_percent", -1, "settlement.interest_waiver_percent: must be a percentage between 0 and 100, got -1"),
        ("settlement.fee_waiver_percent", "lots", "settlement.fee_waiver_percent: must be a number, got 'lots'"),
        ("settlement.max_interest_waiver_percent", 10, "settlement.max_interest_waiver_percent: must be >= settlement.interest_waiver_percent"),
        ("settlement.due_within_days", -2, "settlement.due_within_days: must be between 0 and 365, got -2"),
        ("settlement.interest_waiver_percent", _DELETE, "settlement.interest_waiver_percent: missing"),
        ("settlement.bonus", 5, "settlement.bonus: unknown field"),
        ("plans.months", [3, -6], "plans.months[1]: must be >= 1, got -6"),
        ("plans.months", [3, 0], "plans.months[1]: must be >= 1, got 0"),
        ("plans.months", [3, 24], "plans.months[1]: 24 exceeds plans.max_months 12"),
        ("plans.months", [], "plans.months: must be a non-empty list of month counts"),
        ("plans.months", [3, 3], "plans.months: has duplicate month counts"),
        ("plans.months", [3, 6.5], "plans.months[1]: must be an integer, got a number"),
        ("plans.max_months", 0, "plans.max_months: must be between 1 and 120, got 0"),
        ("plans.accept_any_months", "yes please", "plans.accept_any_months: must be true or false, got a string"),
        ("plans.waive_late_fees", 1, "plans.waive_late_fees: must be true or false, got an integer"),
        ("plans.min_installment", {"USD": -5}, "plans.min_installment.USD: must be positive, got -5"),
        ("plans.min_installment", {"USD": "25.001"}, "plans.min_installment.USD: has more than two decimal places: 25.001"),
        ("plans.min_installment", {"usd": 25}, "plans.min_installment: currency must be a 3-letter upper-case code, got 'usd'"),
        ("plans.min_installment", {}, "plans.min_installment: must be a non-empty mapping of currency code to amount"),
        ("plans", [3, 6], "plans: must be a mapping, got a list"),
        ("promise.horizon_days", 0, "promise.horizon_days: must be between 1 and 365, got 0"),
        ("promise.horizon_days", True, "promise.horizon_days: must be an integer, got a boolean"),
        ("promise", _DELETE, "promise: missing"),
        ("negotiation.max_rounds", 0, "negotiation.max_rounds: must be between 1 and 20, got 0"),
        ("hardship.pause_days", -30, "hardship.pause_days: must be between 1 and 365, got -30"),
        ("hardship.plan_max_months", 2, "hardship.plan_max_months: must be >= the shortest plan (3)"),
        ("hardship.interest_waiver_percent", 150, "hardship.interest_waiver_percent: must be a percentage between 0 and 100, got 150"),
        ("rounding.unit", "0.5", "rounding.unit: must be one of 0.01, 0.1, 1, got '0.5'"),
        ("name", "", "name: must be a non-empty string"),
        ("names", "Acme", "names: must be a list of non-empty strings"),
        ("colour", "blue", "colour: unknown field"),
    ],
)
def test_invalid_fields_give_one_line_errors(tmp_path, field, value, message):
    raw = default_raw()
    _set(raw, field, value)
    path = write_policy(tmp_path, "broken", raw)
    with pytest.raises(PolicyError) as info:
        read_policy(path)
    text = str(info.value)
    assert "\n" not in text
    assert text == f"{path}: {message}"


def test_invalid_yaml_and_wrong_top_level(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("settlement: [1, 2\nplans: {", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"^.*bad\.yml: invalid YAML at line \d+$"):
        read_policy(bad)
    listy = tmp_path / "listy.yml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"listy\.yml: \(top level\): must be a mapping, got a list$"):
        read_policy(listy)


def test_broken_creditor_file_is_not_silently_replaced_by_default(tmp_path):
    raw = default_raw()
    write_policy(tmp_path, "default", raw)
    raw["negotiation"]["max_rounds"] = -1
    write_policy(tmp_path, "strict_bank", raw)
    with pytest.raises(PolicyError, match=r"strict_bank\.yml: negotiation\.max_rounds"):
        load_policy("Strict Bank", directory=tmp_path)


def test_shipped_policy_path_is_shown_relative_to_repo():
    policy = load_policy(None)
    with pytest.raises(PolicyError) as info:
        policy.min_installment("EUR")
    assert str(info.value) == "bot/policies/default.yml: plans.min_installment has no amount for EUR"


def test_every_shipped_policy_file_is_valid():
    from bot.negotiation.policy import POLICY_DIR

    files = sorted(POLICY_DIR.glob("*.yml"))
    assert {p.name for p in files} >= {"default.yml", "acme_bank.yml", "huaxia_consumer_finance.yml"}
    names = [read_policy(path).name for path in files]
    assert len(set(names)) == len(names)
