"""Contact windows: every zone, real DST, multi-zone numbers, inconvenient times."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from compliance_filters import InconvenientTime, ZoneError, check_window, load_pack, zones_for_phone
from tests.compliance.conftest import utc

NY = "+12125550101"          # America/New_York
IDAHO = "+12082001234"       # 208-2xx: America/Boise and America/Los_Angeles
PANHANDLE_CT = "+18502001234"  # 850-200: America/Chicago
PANHANDLE_ET = "+18505551234"  # 850-555: America/New_York
BEIJING = "+8613800138000"


def test_zones_for_phone_uses_libphonenumber_data() -> None:
    assert zones_for_phone(NY) == ("America/New_York",)
    assert zones_for_phone(IDAHO) == ("America/Boise", "America/Los_Angeles")
    assert zones_for_phone(PANHANDLE_CT) == ("America/Chicago",)
    assert zones_for_phone(PANHANDLE_ET) == ("America/New_York",)
    assert zones_for_phone(BEIJING) == ("Asia/Shanghai",)
    assert zones_for_phone("+19075550100") == ("America/Adak", "America/Anchorage")


@pytest.mark.parametrize("bad", ["12", "not a phone", "+1", ""])
def test_unreadable_phone_is_a_zone_error(bad, us) -> None:
    with pytest.raises(ZoneError):
        check_window(us, [bad], [], utc(2026, 3, 10, 15))


def test_unknown_address_zone_is_an_error(us) -> None:
    with pytest.raises(ZoneError, match="unknown time zone 'Mars/Base'"):
        check_window(us, [NY], ["Mars/Base"], utc(2026, 3, 10, 15))


def test_inside_and_outside_new_york(us) -> None:
    inside = check_window(us, [NY], [], utc(2026, 3, 10, 15))
    assert (inside.allowed, inside.zones, inside.next_allowed_at) == (True, ("America/New_York",), None)
    late = check_window(us, [NY], [], utc(2026, 3, 11, 1))  # 21:00 EDT: end is exclusive
    assert late.allowed is False
    assert late.next_allowed_at == utc(2026, 3, 11, 12)  # 08:00 EDT
    assert late.reasons[0].rule == "window"
    assert late.reasons[0].match == "America/New_York Tue 21:00"
    assert check_window(us, [NY], [], utc(2026, 3, 11, 0, 59)).allowed  # 20:59


def test_us_spring_forward(us) -> None:
    # 2026-03-08: clocks go 02:00 EST -> 03:00 EDT, so 08:00 local is 12:00 UTC (13:00 the day before)
    assert not check_window(us, [NY], [], utc(2026, 3, 7, 12, 30)).allowed   # 07:30 EST
    assert check_window(us, [NY], [], utc(2026, 3, 8, 12, 30)).allowed       # 08:30 EDT
    result = check_window(us, [NY], [], utc(2026, 3, 8, 11, 59))
    assert result.next_allowed_at == utc(2026, 3, 8, 12, 0)
    assert check_window(us, [NY], [], utc(2026, 3, 7, 4)).next_allowed_at == utc(2026, 3, 7, 13)


def test_us_fall_back(us) -> None:
    # 2026-11-01: clocks go 02:00 EDT -> 01:00 EST; 08:00 EST is 13:00 UTC
    assert check_window(us, [NY], [], utc(2026, 10, 31, 12, 30)).allowed      # 08:30 EDT
    result = check_window(us, [NY], [], utc(2026, 11, 1, 12, 30))             # 07:30 EST
    assert (result.allowed, result.next_allowed_at) == (False, utc(2026, 11, 1, 13))
    assert check_window(us, [NY], [], utc(2026, 11, 2, 1, 59)).allowed        # 20:59 EST
    end = check_window(us, [NY], [], utc(2026, 11, 2, 2, 0))                  # 21:00 EST
    assert (end.allowed, end.next_allowed_at) == (False, utc(2026, 11, 2, 13))


def test_multi_zone_area_code_needs_both_zones(us) -> None:
    # 08:30 in Boise (MDT) is 07:30 in Los Angeles (PDT): not yet
    result = check_window(us, [IDAHO], [], utc(2026, 6, 1, 14, 30))
    assert result.zones == ("America/Boise", "America/Los_Angeles")
    assert result.allowed is False
    assert result.reasons[0].match == "America/Los_Angeles Mon 07:30"
    assert result.next_allowed_at == utc(2026, 6, 1, 15)
    # 20:30 in Boise is 19:30 in LA; 21:00 in Boise closes it for both
    assert check_window(us, [IDAHO], [], utc(2026, 6, 2, 2, 30)).allowed
    assert not check_window(us, [IDAHO], [], utc(2026, 6, 2, 3, 0)).allowed


def test_panhandle_numbers_and_address_conflict(us) -> None:
    at = utc(2026, 1, 15, 13, 30)  # 08:30 EST, 07:30 CST
    assert check_window(us, [PANHANDLE_ET], [], at).allowed
    assert not check_window(us, [PANHANDLE_CT], [], at).allowed
    # an Eastern phone but a Central address: the stricter zone wins
    conflict = check_window(us, [PANHANDLE_ET], ["America/Chicago"], at)
    assert conflict.zones == ("America/New_York", "America/Chicago")
    assert (conflict.allowed, conflict.next_allowed_at) == (False, utc(2026, 1, 15, 14))
    # and late in the day the Eastern side closes first
    evening = check_window(us, [PANHANDLE_CT], ["America/New_York"], utc(2026, 1, 16, 2, 30))
    assert (evening.allowed, evening.next_allowed_at) == (False, utc(2026, 1, 16, 14))


def test_two_phones_in_different_zones(us) -> None:
    result = check_window(us, [NY, "+13105550100"], [], utc(2026, 7, 1, 13))  # LA: 06:00
    assert result.zones == ("America/New_York", "America/Los_Angeles")
    assert result.next_allowed_at == utc(2026, 7, 1, 15)


def test_cn_window_is_beijing_time(cn) -> None:
    assert check_window(cn, [BEIJING], [], utc(2026, 5, 1, 13, 59)).allowed        # 21:59
    late = check_window(cn, [BEIJING], [], utc(2026, 5, 1, 14, 0))                  # 22:00
    assert (late.allowed, late.next_allowed_at) == (False, utc(2026, 5, 2, 0))     # 08:00
    assert check_window(cn, [], [], utc(2026, 5, 1, 3)).zones == ("Asia/Shanghai",)


def test_odd_offsets_are_exact(us) -> None:
    # Kolkata is UTC+5:30; Lord Howe is +10:30 / +11 (half-hour DST)
    kolkata = check_window(us, [], ["Asia/Kolkata"], utc(2026, 1, 1, 2, 29))  # 07:59
    assert kolkata.next_allowed_at == utc(2026, 1, 1, 2, 30)
    howe = check_window(us, [], ["Australia/Lord_Howe"], utc(2026, 1, 1, 20, 59))  # +11: 07:59
    assert howe.next_allowed_at == utc(2026, 1, 1, 21, 0)
    howe_winter = check_window(us, [], ["Australia/Lord_Howe"], utc(2026, 7, 1, 21, 0))  # +10:30: 07:30
    assert howe_winter.next_allowed_at == utc(2026, 7, 1, 21, 30)


def test_inconvenient_time_on_top_of_the_window(us) -> None:
    at_work = InconvenientTime(time(9), time(17), frozenset(range(5)), "don't call me at work")
    tuesday_10 = utc(2026, 3, 10, 14)  # 10:00 EDT, a Tuesday
    blocked = check_window(us, [NY], [], tuesday_10, [at_work])
    assert blocked.allowed is False
    assert blocked.reasons[0].rule == "window.inconvenient"
    assert blocked.next_allowed_at == utc(2026, 3, 10, 21)  # 17:00 EDT
    saturday_10 = utc(2026, 3, 14, 14)
    assert check_window(us, [NY], [], saturday_10, [at_work]).allowed


def test_inconvenient_span_wrapping_midnight(us) -> None:
    after_six = InconvenientTime(time(18), time(9))  # "not after 6pm" and not before 9
    result = check_window(us, [NY], [], utc(2026, 3, 10, 22, 30), [after_six])  # 18:30
    assert result.next_allowed_at == utc(2026, 3, 11, 13)  # 09:00 next morning
    assert not check_window(us, [NY], [], utc(2026, 3, 11, 12, 30), [after_six]).allowed  # 08:30


def test_no_common_time_gives_no_next(us) -> None:
    result = check_window(us, [], ["Europe/London", "Asia/Shanghai", "America/Los_Angeles"],
                          utc(2026, 1, 10, 12))
    assert (result.allowed, result.next_allowed_at) == (False, None)


def test_overlay_window_is_used() -> None:
    narrow = load_pack("us", {"window": {"start": "09:00", "end": "20:00"}})
    assert not check_window(narrow, [NY], [], utc(2026, 3, 10, 12, 30)).allowed  # 08:30
    assert check_window(narrow, [NY], [], utc(2026, 3, 10, 13)).allowed            # 09:00
    assert check_window(narrow, [NY], [], utc(2026, 3, 10, 13) - timedelta(seconds=1)).next_allowed_at \
        == utc(2026, 3, 10, 13)


def test_remembered_labels_and_allowed_results_are_what_the_check_built_each_time(us) -> None:
    """Issue 13 item 10: a blocked check's zone labels are remembered per zone and local
    minute, and one allowed result is shared per zone set; both must be exactly what
    formatting the local time and building the result gave, at any instant, DST included."""
    import random
    from datetime import timezone

    from compliance_filters.model import WindowResult
    from compliance_filters.zones import zone_info

    rng = random.Random(13)
    phones = [NY, IDAHO, PANHANDLE_CT, "+19075550100", "+16025550100"]
    seen = {True: 0, False: 0}
    for _ in range(3000):
        at = utc(2026, 1, 1) + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
        result = check_window(us, [rng.choice(phones)], [], at)
        seen[result.allowed] += 1
        if result.allowed:
            assert result == WindowResult(True, result.zones, None)
            continue
        local = [at.astimezone(zone_info(z)) for z in result.zones]
        start, end = us.window_start, us.window_end
        outside = [f"{z} {t:%a %H:%M}" for z, t in zip(result.zones, local) if not start <= t.time() < end]
        assert result.reasons[0].rule == "window"
        assert result.reasons[0].match == "; ".join(outside)
        assert result.next_allowed_at is not None and result.next_allowed_at > at
        assert result.next_allowed_at.tzinfo == timezone.utc
    assert seen[True] > 500 and seen[False] > 500
