"""Entity normalisation: amounts, dates, months and identity fields in both languages."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.entities import entities_for, message_time
from bot.nlu.extract import extract

NY = "America/New_York"
AT = datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo(NY))  # a Saturday


def values(text: str, zone: str | None = NY, at: datetime = AT) -> list[tuple[str, str, str]]:
    return [(f.entity, f.text, f.value) for f in extract(text, at, zone)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can pay $80 on Friday", [("amount", "$80", "80.00"), ("currency", "$80", "USD"),
                                     ("date", "Friday", "2026-12-04")]),
        ("80 bucks", [("amount", "80 bucks", "80.00"), ("currency", "80 bucks", "USD")]),
        ("1.5k", [("amount", "1.5k", "1500.00")]),
        ("五百", [("amount", "五百", "500.00")]),
        ("500块", [("amount", "500块", "500.00"), ("currency", "500块", "CNY")]),
        ("¥800", [("amount", "¥800", "800.00"), ("currency", "¥800", "CNY")]),
        ("两千元", [("amount", "两千元", "2000.00"), ("currency", "两千元", "CNY")]),
        ("一千五", [("amount", "一千五", "1500.00")]),
        ("1.5万", [("amount", "1.5万", "15000.00")]),
        ("i can pay 200", [("amount", "200", "200.00")]),
        ("$1,250.50 please", [("amount", "$1,250.50", "1250.50"), ("currency", "$1,250.50", "USD")]),
    ],
)
def test_amounts(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("next Friday", "2026-12-04"),
        ("the 15th", "2026-12-15"),
        ("tomorrow", "2026-11-29"),
        ("end of the month", "2026-11-30"),
        ("Dec 3", "2026-12-03"),
        ("next week", "2026-11-30"),
        ("下月5号", "2026-12-05"),
        ("月底", "2026-11-30"),
        ("下周三", "2026-12-02"),
        ("明天", "2026-11-29"),
        ("后天", "2026-11-30"),
        ("15号", "2026-12-15"),
        ("下个月十号", "2026-12-10"),
        ("12月10日", "2026-12-10"),
        ("3月1号", "2027-03-01"),
    ],
)
def test_relative_dates_against_message_time(text, value):
    dates = [v for entity, _, v in values(text) if entity == "date"]
    assert dates == [value]


def test_message_day_is_taken_in_the_debtor_zone():
    # 02:00 UTC on the 29th is still the 28th in New York, already the 29th in Shanghai.
    late = datetime(2026, 11, 29, 2, 0, tzinfo=ZoneInfo("UTC"))
    assert values("tomorrow", NY, late)[0][2] == "2026-11-29"
    assert values("明天", "Asia/Shanghai", late)[0][2] == "2026-11-30"
    # no zone given: Chinese text defaults to Asia/Shanghai
    assert values("明天", None, late)[0][2] == "2026-11-30"


@pytest.mark.parametrize(
    ("text", "value"),
    [("6 months", "6"), ("分6期", "6"), ("六个月", "6"), ("12 installments", "12"),
     ("twelve months", "12"), ("分十二期", "12")],
)
def test_months(text, value):
    assert values(text) == [("months", text, value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 01/02/1980", [("dob", "01/02/1980", "1980-01-02")]),
        ("1980年1月2日", [("dob", "1980年1月2日", "1980-01-02")]),
        ("born March 3 1985", [("dob", "March 3 1985", "1985-03-03")]),
        ("last 4 are 1234", [("id_last4", "1234", "1234")]),
        ("身份证后四位1234", [("id_last4", "1234", "1234")]),
        ("尾号 5678", [("id_last4", "5678", "5678")]),
        ("zip 94110", [("zip", "94110", "94110")]),
        ("94110", [("zip", "94110", "94110")]),
    ],
)
def test_identity(text, expected):
    assert values(text) == expected


def test_combined_chinese_promise():
    assert values("我下月5号还五百块", "Asia/Shanghai") == [
        ("date", "下月5号", "2026-12-05"),
        ("amount", "五百块", "500.00"),
        ("currency", "五百块", "CNY"),
    ]


def test_five_digit_money_is_not_a_zip():
    assert values("i paid 10000 last month") == []
    assert [e for e, _, _ in values("i owe 25000?")] == []


def test_no_entities_in_plain_text():
    assert values("我想pay一半") == []
    assert values("who is this?") == []


def test_entities_for_uses_metadata_time_and_zone_and_rasa_shape():
    entities = entities_for(
        "next Friday", {"at": "2026-11-28T15:00:00+00:00", "timezone": NY}, use_spacy=False
    )
    assert entities == [{
        "entity": "date", "start": 0, "end": 11, "value": "2026-12-04",
        "confidence_entity": 1.0, "extractor": "CollectEntityExtractor",
    }]


def test_message_time_falls_back_to_the_clock_on_bad_metadata():
    from bot import clock

    previous = clock.set_clock(clock.FixedClock(datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC"))))
    try:
        assert message_time({"at": "not a time"}) == datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC"))
        assert message_time(None) == datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC"))
    finally:
        clock.set_clock(previous)


def test_spacy_ruler_proposes_money_and_dates():
    from bot.nlu.spacy_models import propose

    labels = {label for _, _, label in propose("I can pay $80 next Friday", "en")}
    assert labels == {"MONEY", "DATE"}
    zh = propose("下月5号还五百块", "zh")
    assert ("MONEY" in {label for _, _, label in zh})
