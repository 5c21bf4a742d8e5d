"""The KPI dashboard over HTTP: supervisors only, the numbers equal `collectbot report`'s
JSON for the same filters, every number's CSV has the rows it counted, charts are SVG."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from bot.cli import main

FROM, TO = "2026-10-01", "2026-10-30"
_FIGURE = re.compile(r'id="m-([a-z_]+)(?:-([A-Z]{3}))?"[^>]*>([^<]*)</a>')


def cli_report(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert main(["report", "--format", "json", "--from", FROM, "--to", TO, *argv]) == 0
    return json.loads(capsys.readouterr().out)["rows"][0]


def figures(page: str) -> dict:
    out = {}
    for name, key, value in _FIGURE.findall(page):
        if key:
            out.setdefault(name, {})[key] = value
        else:
            out[name] = None if value == "-" else value
    return out


async def test_supervisors_only(site) -> None:
    browser, _, _ = site
    anon = browser()
    status, _ = await anon.get("/console/dashboard")
    assert status == 303
    assert (await anon.get(f"/console/dashboard/rows.csv?metric=handoffs&from={FROM}"))[0] == 303
    alice = browser()
    assert await alice.login("alice") == 303
    for path in ("/console/dashboard", "/console/dashboard/report.json",
                 "/console/dashboard/rows.csv?metric=handoffs"):
        status, body = await alice.get(path)
        assert status == 403 and body == "supervisors only", path


async def test_numbers_shown_equal_the_report_json(site, capsys) -> None:
    browser, _, _ = site
    sam = browser()
    assert await sam.login("sam") == 303
    for extra, flags in (({}, ()), ({"tier": "high"}, ("--tier", "high")),
                         ({"language": "zh"}, ("--language", "zh"))):
        query = f"from={FROM}&to={TO}" + "".join(f"&{k}={v}" for k, v in extra.items())
        status, page = await sam.get(f"/console/dashboard?{query}")
        assert status == 200
        want = cli_report(capsys, *flags)
        shown = figures(page)
        assert len(shown) >= 16
        for name, value in shown.items():
            expected = want[name]
            if isinstance(expected, dict):
                assert value == expected, name
            else:
                assert value == (None if expected is None else str(expected)), name
        status, body = await sam.get(f"/console/dashboard/report.json?{query}")
        assert status == 200 and json.loads(body)["rows"][0] == want
        assert page.count("<svg") >= 3 and page.count("<polyline") == 5
        for status, n in want["campaign_sends_by_status"].items():
            assert f">{status}</text>" in page and f">{n}</text>" in page
        assert 'href="/console/dashboard/rows.csv?metric=accounts_contacted' in page


async def test_rows_behind_a_number_are_the_rows_it_counted(site, capsys) -> None:
    browser, _, _ = site
    sam = browser()
    assert await sam.login("sam") == 303
    want = cli_report(capsys)

    async def rows(query: str) -> list:
        status, body = await sam.get(f"/console/dashboard/rows.csv?from={FROM}&to={TO}&{query}")
        assert status == 200
        return list(csv.DictReader(io.StringIO(body)))

    assert len({r["account_id"] for r in await rows("metric=accounts_contacted")}) == \
        want["accounts_contacted"]
    assert len(await rows("metric=gate_blocked")) == want["gate_blocked"]
    assert len(await rows("metric=delivery_failures")) == want["delivery_failures"]
    reason, n = next(iter(want["handoffs_by_reason"].items()))
    assert len(await rows(f"metric=handoffs&reason={reason}")) == n
    paid = await rows("metric=amount_recovered")
    for cur, amount in want["amount_recovered"].items():
        assert str(sum(Decimal(r["amount"]) for r in paid
                       if r["currency"] == cur)) == amount
    status, body = await sam.get("/console/dashboard/rows.csv?metric=nothing")
    assert status == 400 and "no rows behind 'nothing'" in body
    status, body = await sam.get("/console/dashboard?from=2026-02-30")
    assert status == 400 and "not a date" in body


async def test_alerts_raised_by_the_command_show_on_the_dashboard(site, capsys, monkeypatch) -> None:
    from bot.config import reset_settings

    browser, _, _ = site
    monkeypatch.setenv("COLLECTBOT_ALERT_THRESHOLDS", "gate_blocks=1")
    reset_settings()
    capsys.readouterr()
    assert main(["report", "alerts", "--from", FROM, "--to", TO, "--format", "json"]) == 0
    raised = json.loads(capsys.readouterr().out)["alerts"]
    assert raised
    sam = browser()
    assert await sam.login("sam") == 303
    status, page = await sam.get(f"/console/dashboard?from={FROM}&to={TO}")
    assert status == 200 and 'id="alerts"' in page
    rows = re.findall(r'<tr class="alert-(\w+)"><td>([\d-]+)</td>', page)
    assert rows == [(a["level"], a["day"]) for a in raised]
