"""Headless Debian Chromium driven by Playwright against pytest-django's live server (one per test process)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Quiet, offline Chromium: no background calls to the outside world.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every Content-Security-Policy violation on any page a test opens, reported to the test (page scripts cannot
# keep a list across navigations).
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => window.reportCspViolation(
  `${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`));"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; `make browser` installs Debian's package.")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class CspViolations:
    """What the Content-Security-Policy blocked on the pages a test opened."""

    seen: list[str] = field(default_factory=list)
    # Addresses a test means the policy to block (a third party's file that a library asks for).
    expected_blocks: list[str] = field(default_factory=list)

    def record(self, violation: str) -> None:
        self.seen.append(violation)

    def record_console_message(self, message: ConsoleMessage) -> None:
        # Chromium's console also reports violations the page's listener does not see, such as a worker's.
        if "Content Security Policy" in message.text:
            self.seen.append(message.text)

    def unexpected(self) -> list[str]:
        return [seen for seen in self.seen if not any(address in seen for address in self.expected_blocks)]


@pytest.fixture
def csp_violations() -> CspViolations:
    return CspViolations()


@pytest.fixture
def page(browser, live_server, csp_violations):
    """A phone-sized page; the test fails if the Content-Security-Policy blocked anything on any page it opened."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB")
    context.expose_function("reportCspViolation", csp_violations.record)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", csp_violations.record_console_message)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    unexpected = csp_violations.unexpected()
    assert not unexpected, "The Content-Security-Policy blocked:\n" + "\n".join(unexpected)
