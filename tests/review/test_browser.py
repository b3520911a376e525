"""A real browser (Debian's chromium, headless) works a case: sign in, open the top case, see the
ring, decide (the ring's decision confirmed first), and watch the queue move. Skipped, saying
why, when chromium is not installed."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from conftest import _copy
from review_support import PASSWORD, World

from claimscreen.review.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (/usr/bin/chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(world: World, templates, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    copies = _copy(templates, "sqlite", True, tmp_path)
    engine = next(copies)
    port = free_port()
    app = create_app(world.home, engine=engine)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)
    copies.close()


def test_an_investigator_decides_the_top_case(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server}/queue")
        expect(page).to_have_url(f"{server}/login?next=%2Fqueue")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server}/queue")
        top = page.locator("a.case-link").first
        case_name = top.inner_text()
        top.click()
        expect(page.locator("h1")).to_contain_text(case_name)
        expect(page.locator("#ring svg circle").first).to_be_visible()
        expect(page.locator("#ring table.members tbody tr").first).to_be_visible()
        shot = tmp_path / "case-page.png"
        page.screenshot(path=str(shot), full_page=True)
        SCREENSHOTS.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / "case-page.png")
        page.click("#assign")
        expect(page.locator("#assignee")).to_have_text("alice")
        page.check("input[name=outcome][value=fraud]")
        page.fill("textarea[name=note]", "one bank account behind every claim")
        claims = page.locator("table.claims tbody tr").count()
        page.click("#decide")
        # A ring's decision is confirmed first: what it records, and nothing recorded yet.
        expect(page.locator("h1")).to_contain_text("Confirm the decision")
        expect(page.locator("#confirm-summary")).to_contain_text(f"each of the {claims} claims")
        expect(page.locator("#confirm-summary")).to_contain_text("None of the claims has a decision yet.")
        page.screenshot(path=str(SCREENSHOTS / "ring-confirmation.png"), full_page=True)
        page.click("#go-back")
        expect(page.locator("#decide")).to_be_visible()  # went back: still undecided
        page.check("input[name=outcome][value=fraud]")
        page.fill("textarea[name=note]", "one bank account behind every claim")
        page.click("#decide")
        page.click("#confirm")
        expect(page.locator(".flash")).to_contain_text("the case is now closed")
        page.goto(f"{server}/queue")
        expect(page.locator("a.case-link").first).not_to_have_text(case_name)
        assert case_name not in page.locator("table.queue").inner_text()
        browser.close()
    assert shot.stat().st_size > 10_000
