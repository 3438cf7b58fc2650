"""A real browser signs in to the Django admin: headless Chromium driven by Selenium.

The admin sends it to the site's sign-in (django-allauth): email and password, then the
code of an authenticator app, worked out here from the account's TOTP secret.

Uses Debian's `chromium` and `chromium-driver` (scripts/install-tools.sh installs them);
nothing is downloaded at run time.
"""

from __future__ import annotations

import base64
import hmac
import os
import tempfile
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scaffold.smoke.tools import ToolMissing, find_tool

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

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

TOTP_STEP = 30  # seconds; six digits, HMAC-SHA1: what authenticator apps use


class BrowserFailure(Exception):
    pass


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for a base32 `secret` (RFC 6238), now or `at`."""
    if at is None:
        if TOTP_STEP - time.time() % TOTP_STEP < 3:
            time.sleep(3)  # the code is about to change: type the next one instead
        at = time.time()
    counter = int(at) // TOTP_STEP
    digest = hmac.digest(base64.b32decode(secret), counter.to_bytes(8, "big"), "sha1")
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFF_FFFF
    return f"{value % 1_000_000:06d}"


def _submit(browser: WebDriver, fields: dict[str, str]) -> None:
    """Fill in the form that holds these fields and press its submit button."""
    from selenium.webdriver.common.by import By

    elements = [browser.find_element(By.NAME, name) for name in fields]
    for element, value in zip(elements, fields.values(), strict=True):
        element.clear()
        element.send_keys(value)
    form = elements[-1].find_element(By.XPATH, "./ancestor::form")
    form.find_element(By.CSS_SELECTOR, "[type=submit]").click()


def _wait_for_path(browser: WebDriver, path: str, timeout: float = 15) -> None:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    while urlsplit(browser.current_url).path != path:
        if time.monotonic() > deadline:
            raise BrowserFailure(
                f"expected {path}, the browser is at {browser.current_url}: "
                + browser.find_element(By.TAG_NAME, "body").text[:300]
            )
        time.sleep(0.2)


def admin_sign_in(
    base_url: str, admin_path: str, email: str, password: str, totp_secret: str
) -> str:
    """Open `<base_url>/<admin_path>/`, sign in as a person would (password, then the
    authenticator code); return the admin page's title."""
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
            admin = f"/{admin_path.strip('/')}/"
            browser.get(base_url + admin)
            # The admin has no sign-in form of its own: it sends the browser to the site's.
            _wait_for_path(browser, "/accounts/login/")
            _submit(browser, {"login": email, "password": password})
            _wait_for_path(browser, "/accounts/2fa/authenticate/")
            _submit(browser, {"code": totp_code(totp_secret)})
            _wait_for_path(browser, admin)
            if not browser.find_elements(By.ID, "logout-form"):
                raise BrowserFailure("the admin page after sign-in has no sign-out form")
            return str(browser.title)
        except WebDriverException as exc:
            raise BrowserFailure(f"the browser failed: {exc.msg}") from exc
        finally:
            browser.quit()
