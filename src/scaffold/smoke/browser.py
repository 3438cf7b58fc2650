"""A real browser signs in to the Django admin: headless Chromium driven by Selenium.

Uses Debian's `chromium` and `chromium-driver` (scripts/install-tools.sh installs them);
nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import tempfile
import time

from scaffold.smoke.tools import ToolMissing, find_tool

# Without the background-networking flags Chromium keeps dialling out, and a closed
# network refuses it over and over.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class BrowserFailure(Exception):
    pass


def admin_sign_in(base_url: str, admin_path: str, email: str, password: str) -> str:
    """Sign in at `<base_url>/<admin_path>/login/`; return the admin page's title."""
    try:
        chromium, driver_path = find_tool("chromium"), find_tool("chromedriver")
    except ToolMissing as exc:
        raise BrowserFailure(str(exc)) from exc
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch a driver
    with tempfile.TemporaryDirectory(prefix="scaffold-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        try:
            browser = webdriver.Chrome(options=options, service=Service(str(driver_path)))
        except WebDriverException as exc:
            raise BrowserFailure(f"Chromium did not start: {exc.msg}") from exc
        try:
            browser.set_page_load_timeout(30)
            admin = f"{base_url}/{admin_path.strip('/')}/"
            browser.get(admin + "login/")
            browser.find_element(By.NAME, "username").send_keys(email)
            browser.find_element(By.NAME, "password").send_keys(password)
            browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
            deadline = time.monotonic() + 15
            while browser.current_url.rstrip("/") != admin.rstrip("/"):
                if time.monotonic() > deadline:
                    raise BrowserFailure(
                        f"signing in left the browser at {browser.current_url}: "
                        + browser.find_element(By.TAG_NAME, "body").text[:300]
                    )
                time.sleep(0.2)
            if not browser.find_elements(By.ID, "logout-form"):
                raise BrowserFailure("the admin page after sign-in has no sign-out form")
            return str(browser.title)
        except WebDriverException as exc:
            raise BrowserFailure(f"the browser failed: {exc.msg}") from exc
        finally:
            browser.quit()
