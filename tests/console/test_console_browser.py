"""End to end in headless Chromium (Debian's chromium + chromium-driver, driven by selenium):
log in, see a handoff arrive without reloading, claim it, send a reply that reaches the
Twilio stand-in, see a banned reply refused with its rule, record a plan, resolve.

Skipped, with the reason, when /usr/bin/chromium or /usr/bin/chromedriver is missing
(`apt-get install -y chromium chromium-driver`)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.channels.conftest import US_PHONE
from tests.console.conftest import PASSWORD, queue

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="headless browser test needs Debian's chromium and chromium-driver "
                              "(apt-get install -y chromium chromium-driver)"),
    pytest.mark.parametrize("db", ["sqlite"], indirect=True),  # the HTTP tests cover PostgreSQL
]

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=420,900")  # a phone-sized window


def _driver(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


async def test_an_agent_works_a_handoff_in_the_browser(console):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    loop = asyncio.get_running_loop()
    profile = tempfile.mkdtemp(prefix="collectbot-chromium-")
    driver = await loop.run_in_executor(None, _driver, profile)

    async def run(fn, *args):
        return await loop.run_in_executor(None, fn, *args)

    def wait_for(css: str, text: str = ""):
        condition = (ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text) if text
                     else ec.presence_of_element_located((By.CSS_SELECTOR, css)))
        # a reload by the page's own polling can detach nodes mid-check: retry, don't fail
        WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(condition)
        return driver.find_element(By.CSS_SELECTOR, css)

    def login() -> None:
        driver.get(console.url + "/console/")
        driver.find_element(By.ID, "name").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        click_and_load(driver.find_element(By.ID, "login"))
        wait_for("main h1", "Queue")
        assert "Nothing waiting." in driver.page_source

    def gone(old_page):
        """The old document is gone. Chromium reports a node of a replaced document either as
        stale or, mid-navigation, as "Node with given id does not belong to the document"
        (a plain WebDriverException): both mean the old page is gone."""
        def check(_driver) -> bool:
            try:
                old_page.is_enabled()
            except WebDriverException:  # StaleElementReferenceException is one of these
                return True
            return False
        return check

    def click_and_load(element) -> None:
        """Click, then wait until the old page is gone and the new one is there."""
        old_page = driver.find_element(By.TAG_NAME, "html")
        element.click()
        WebDriverWait(driver, 15).until(gone(old_page))
        wait_for("main h1")

    def submit(button_id: str, text_field: str = "", text: str = "") -> None:
        if text_field:
            field = driver.find_element(By.ID, text_field)
            field.clear()
            field.send_keys(text)
        click_and_load(driver.find_element(By.ID, button_id))

    try:
        await run(login)
        await console.channels.sms(US_PHONE, "I want to speak to a person")
        hid = queue("A-US-1", "requested_human", US_PHONE)
        # the polling script brings the new handoff in without a reload
        await run(wait_for, f"#handoff-{hid} a.open")
        await run(lambda: click_and_load(driver.find_element(By.CSS_SELECTOR, f"#handoff-{hid} a.open")))
        await run(wait_for, "#claim")
        assert "I want to speak to a person" in driver.page_source
        await run(submit, "claim")
        await run(wait_for, "#reply-text")

        await run(submit, "send", "reply-text", "Hi Jane, this is Alice from the team.")
        await run(wait_for, "#reply-result", "Sent.")
        found = await run(lambda: console.channels.standin.wait_for_messages(2, to=US_PHONE, timeout=10))
        assert found[-1].body.startswith("Hi Jane, this is Alice from the team.")

        await run(submit, "send", "reply-text", "Pay today or you will be arrested")
        await run(wait_for, "#reply-result", "blocked")
        result = driver.find_element(By.ID, "reply-result").text
        assert "phrase.threat_arrest" in result and "banned wording" in result
        assert len(console.channels.standin.messages(US_PHONE)) == 2

        def record_plan() -> None:
            Select(driver.find_element(By.ID, "arr-kind")).select_by_value("plan")
            driver.find_element(By.ID, "arr-months").send_keys("6")
            click_and_load(driver.find_element(By.ID, "record"))
            wait_for("#arrangement-result", "Arrangement recorded.")

        await run(record_plan)
        # a new debtor message shows up in the open transcript without a reload
        await console.channels.sms(US_PHONE, "thank you, that works")
        await run(wait_for, "#live", "thank you, that works")
        await run(submit, "resolve")
        await run(wait_for, "#closed", "Closed.")
    finally:
        await run(driver.quit)
        shutil.rmtree(profile, ignore_errors=True)
    from tests.console.test_console_http import _handoff

    assert _handoff(hid).status == "resolved"
