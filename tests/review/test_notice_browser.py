"""In a real browser (Debian's chromium, headless): an investigator sends a Spanish-speaking
claimant's claim to verification and drafts the notice, which is in Spanish (issue #19)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from conftest import _copy
from review_support import PASSWORD, World
from sqlalchemy import Engine, select, update
from test_browser import CHROMIUM, SCREENSHOTS, free_port

from claimscreen.review.app import create_app
from claimscreen.review.db import case_claims, cases, claims

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (/usr/bin/chromium)")


@pytest.fixture
def spanish_case(world: World, templates, tmp_path: Path) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """A server over a copy of the published world whose first single-claim case's claimant
    prefers Spanish; its address and that case's id."""
    copies = _copy(templates, "sqlite", True, tmp_path)
    engine: Engine = next(copies)
    with engine.begin() as conn:
        case_id, claim_id = conn.execute(
            select(cases.c.id, case_claims.c.claim_id)
            .join(case_claims, case_claims.c.case_id == cases.c.id)
            .where(cases.c.claims == 1, cases.c.status == "open", cases.c.audit_sample.is_(False))
            .order_by(cases.c.id)
            .limit(1)
        ).one()
        conn.execute(update(claims).where(claims.c.claim_id == claim_id).values(language="es"))
    port = free_port()
    running = uvicorn.Server(
        uvicorn.Config(
            create_app(world.home, engine=engine), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", int(case_id)
    running.should_exit = True
    thread.join(timeout=10)
    copies.close()


def test_a_spanish_notice_is_drafted_in_spanish(spanish_case: tuple[str, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, case_id = spanish_case
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{server}/cases/{case_id}")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server}/cases/{case_id}")
        page.click("#assign")
        page.check("input[name=outcome][value=needs_verification]")
        page.click("#decide")  # one claim: recorded at once, no confirmation
        expect(page.locator(".flash")).to_contain_text("the case is now verification")
        page.click("text=Draft claimant notice")
        letter = page.locator("article.notice")
        expect(letter).to_have_attribute("lang", "es")
        expect(letter).to_contain_text("Su solicitud no ha sido denegada.")
        expect(letter).to_contain_text("Sus derechos.")
        expect(page.locator("#notice-notes")).to_contain_text("The letter is in Spanish")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "notice-es.png"), full_page=True)
        page.emulate_media(media="print")
        expect(page.locator("#notice-notes")).to_be_hidden()  # the investigator's note is not printed
        browser.close()
