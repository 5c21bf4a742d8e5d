"""The dashboard in headless Chromium: a supervisor logs in, opens the dashboard, and every
number shown equals the report's JSON (`collectbot report --format json`), before and after
applying filters with the page's own form.

Skipped, with the reason, when /usr/bin/chromium or /usr/bin/chromedriver is missing."""

from __future__ import annotations

import asyncio
import json
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.cli import main
from tests.console.conftest import PASSWORD
from tests.console.test_console_browser import CHROMEDRIVER, CHROMIUM, _driver

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="headless browser test needs Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver)"),
    pytest.mark.parametrize("db", ["sqlite"], indirect=True),  # the HTTP tests cover PostgreSQL
]

FROM, TO = "2026-10-01", "2026-10-30"


def _report(capsys, *flags: str) -> dict:
    capsys.readouterr()
    assert main(["report", "--format", "json", "--from", FROM, "--to", TO, *flags]) == 0
    return json.loads(capsys.readouterr().out)["rows"][0]


def _shown(driver) -> dict:
    out: dict = {}
    for el in driver.find_elements(By.CSS_SELECTOR, "[data-metric]"):
        name, key, text = el.get_attribute("data-metric"), el.get_attribute("data-key"), el.text
        value = None if text == "-" else text
        if key:
            out.setdefault(name, {})[key] = value
        else:
            out[name] = value
    return out


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return None if value is None else str(value)


async def test_the_dashboard_shows_the_report_numbers(site, capsys, tmp_path) -> None:
    _, _, url = site
    loop = asyncio.get_running_loop()
    driver = await loop.run_in_executor(None, _driver, tempfile.mkdtemp(prefix="cb-chromium-"))

    def login_and_open() -> dict:
        driver.get(url + "/console/")
        driver.find_element(By.ID, "name").send_keys("sam")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "login").click()
        WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "logout")))
        driver.get(f"{url}/console/dashboard?from={FROM}&to={TO}")
        WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "headlines")))
        driver.save_screenshot(str(tmp_path / "dashboard.png"))
        return _shown(driver)

    def filter_tier(tier: str) -> dict:
        Select(driver.find_element(By.NAME, "tier")).select_by_value(tier)
        driver.find_element(By.ID, "apply").click()
        WebDriverWait(driver, 15).until(lambda d: f"tier={tier}" in d.current_url)
        return _shown(driver)

    try:
        shown = await loop.run_in_executor(None, login_and_open)
        want = _report(capsys)
        assert len(shown) >= 16
        assert shown == {name: _plain(want[name]) for name in shown}
        assert shown["accounts_contacted"] not in (None, "0")
        filtered = await loop.run_in_executor(None, filter_tier, "high")
        want_high = _report(capsys, "--tier", "high")
        assert filtered == {name: _plain(want_high[name]) for name in filtered}
        assert filtered["accounts_contacted"] != shown["accounts_contacted"]
    finally:
        await loop.run_in_executor(None, driver.quit)
