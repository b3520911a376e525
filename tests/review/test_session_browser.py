"""The rest of the investigator's day in a real browser (Debian's chromium, headless): sign-out,
the lock after failed sign-ins, a stale form refused with 409, and the case file printed to PDF.
Skipped, saying why, when chromium is not installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from review_support import PASSWORD
from test_browser import CHROMIUM, server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (/usr/bin/chromium)")


def sign_in(page: Any, base: str, username: str = "alice", password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def decide(page: Any, outcome: str) -> None:
    """Decide the open case page's claims (through the ring's confirmation when it asks)."""
    page.check(f"input[name=outcome][value={outcome}]")
    page.fill("textarea[name=note]", "checked in the browser")
    page.click("#decide")
    if page.locator("#confirm").count():
        page.click("#confirm")


def test_sign_out_lock_stale_form_and_case_pdf(server: str, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()

        # Sign-out ends the session: the queue asks for a sign-in again.
        sign_in(page, server)
        expect(page).to_have_url(f"{server}/queue")
        page.click("text=Sign out")
        page.goto(f"{server}/queue")
        expect(page).to_have_url(f"{server}/login?next=%2Fqueue")

        # A form made before someone else's change is refused, saying what changed: two tabs on
        # one case; the first decides, the second still holds the case's old version.
        sign_in(page, server)
        expect(page).to_have_url(f"{server}/queue")
        case_url = server + str(page.locator("a.case-link").first.get_attribute("href"))
        page.goto(case_url)
        page.click("#assign")
        expect(page.locator("#assignee")).to_have_text("alice")
        other = context.new_page()
        other.goto(case_url)
        decide(page, "needs_verification")
        expect(page.locator(".flash")).to_be_visible()
        decide(other, "fraud")
        expect(other.locator("h1")).to_contain_text("Changed meanwhile")

        # Five wrong passwords lock the account: even the right one is refused for a while.
        for _ in range(5):
            sign_in(page, server, "bob", "not-the-password-123")
            expect(page.locator("body")).to_contain_text("Wrong user name or password.")
        sign_in(page, server, "bob")
        expect(page.locator("body")).to_contain_text("Too many failed sign-ins.")
        expect(page).not_to_have_url(f"{server}/queue")

        # The case file: the page printed to PDF, with the print-only header and no buttons.
        page.goto(case_url)
        page.emulate_media(media="print")
        expect(page.locator(".print-only").first).to_be_visible()
        expect(page.locator("#decide")).to_be_hidden()
        pdf = tmp_path / "case.pdf"
        page.pdf(path=str(pdf), format="Letter")
        browser.close()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
