"""The investigator's pages in a real browser (Debian's chromium, headless): search by each key,
a phone's screen (390x844) with no page wider than it, a laptop's (1366 px) with the Decision
column whole, the keyboard (skip link, focus ring), and axe-core finding no serious or critical
accessibility violation on the sign-in, queue, case and supervisor dashboard pages.

axe-core comes from the npm registry (``npm install axe-core``) into a cache folder the first
time (CLAIMSCREEN_TEST_CACHE, default ~/.cache/claimscreen-tests); without npm or the registry
the axe test is skipped, saying why."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from review_support import PASSWORD, World
from sqlalchemy import select
from test_browser import CHROMIUM, SCREENSHOTS, server  # noqa: F401  (the server fixture)
from test_dashboard_ledger import BEFORE, NIGHT, PNG, _frame, _ledger, _write_report

from claimscreen.data.lake import write_bytes_atomic
from claimscreen.data.runs import report_path
from claimscreen.models.ledger import wait_plot_path
from claimscreen.review.db import case_claims, cases, claims, make_engine

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (/usr/bin/chromium)")

CACHE = Path(os.environ.get("CLAIMSCREEN_TEST_CACHE", Path.home() / ".cache" / "claimscreen-tests"))
AXE_VERSION = "4"


def axe_script() -> str:
    """axe.min.js, installed from the npm registry into the test cache once."""
    folder = CACHE / "axe"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: axe-core cannot be fetched")
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder),
             f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not script.exists():
            pytest.skip(f"npm install axe-core failed: {done.stderr.strip()[:300]}")
    return script.read_text()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def sign_in(browser: Any, base: str, width: int, height: int, user: str = "sam") -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    return page


def _database(base: str, tmp_path: Path) -> Any:
    return make_engine(f"sqlite:///{tmp_path / 'review.db'}")


def _ring_case_and_claim(tmp_path: Path) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'review.db'}")
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(claims, case_claims.c.case_id)
                .join(case_claims, case_claims.c.claim_id == claims.c.claim_id)
                .join(cases, cases.c.id == case_claims.c.case_id)
                .where(
                    cases.c.ring_id.is_not(None),
                    claims.c.email.is_not(None),
                    claims.c.phone_e164.is_not(None),
                )
                .order_by(cases.c.sort_key.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )
    engine.dispose()
    return dict(row)


def page_width(page: Any) -> int:
    return int(
        page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    )


def test_search_by_each_key_in_the_browser(server: str, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    claim = _ring_case_and_claim(tmp_path)
    page = sign_in(browser, server, 1366, 900)
    phone = re.sub(r"\D", "", claim["phone_e164"])[-10:]
    for query in (claim["claim_id"], claim["last_name"].lower(), f"({phone[:3]}) {phone[3:6]}-{phone[6:]}",
                  claim["email"].upper(), claim["ssn_last4"]):  # fmt: skip
        page.fill("#q", query)
        page.press("#q", "Enter")
        page.wait_for_load_state()
        links = page.locator("a.case-link").all_inner_texts()
        assert f"Case {claim['case_id']}" in links, query
    page.fill("#q", f"123-45-{claim['ssn_last4']}")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert page.locator("a.case-link").count() == 0
    assert "last four" in page.locator("main").inner_text()


def test_phone_and_laptop_layouts_and_the_keyboard(server: str, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    claim = _ring_case_and_claim(tmp_path)
    case_url = f"{server}/cases/{claim['case_id']}"
    phone = sign_in(browser, server, 390, 844)
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, url in (("queue", f"{server}/queue"), ("case", case_url), ("ring", f"{case_url}#ring")):
        phone.goto(url)
        assert page_width(phone) <= 390, f"the {name} page is wider than a 390 px screen"
        phone.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=name != "ring")
    svg = phone.locator("#ring svg").bounding_box()
    assert svg is not None and svg["width"] <= 390
    # The keyboard: the first Tab reaches the skip link, which moves focus to the page's content.
    phone.goto(f"{server}/queue")
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.className") == "skip"
    outline = phone.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "a focused element shows a focus ring"
    phone.keyboard.press("Enter")
    assert phone.evaluate("() => document.activeElement.id") == "main"
    laptop = sign_in(browser, server, 1366, 768)
    laptop.goto(case_url)
    assert page_width(laptop) <= 1366
    decision = laptop.locator("table.claims th", has_text="Decision").bounding_box()
    assert decision is not None and decision["x"] + decision["width"] <= 1366
    laptop.screenshot(path=str(SCREENSHOTS / "laptop-case.png"), full_page=True)


def test_no_serious_accessibility_violation(server: str, browser: Any, tmp_path: Path, world: World) -> None:  # noqa: F811
    axe = axe_script()
    claim = _ring_case_and_claim(tmp_path)
    written = _ledger_reports(world.home)  # the dashboard's claimant ledger, with its tables and plot
    try:
        found = _violations(server, browser, axe, claim)
    finally:
        for path in written:
            path.unlink()
    assert not found, found


def _ledger_reports(home: Path) -> list[Path]:
    """Two nights' run reports with a claimant ledger, and the plot (test_dashboard_ledger's)."""
    frame = _frame()
    _write_report(home, BEFORE, _ledger(frame[frame["night"] == BEFORE], BEFORE, 2, 2))
    _write_report(home, NIGHT, _ledger(frame, NIGHT, 3, 2))
    write_bytes_atomic(wait_plot_path(home, NIGHT), PNG)
    return [report_path(home, BEFORE), report_path(home, NIGHT), wait_plot_path(home, NIGHT)]


def _violations(base: str, browser: Any, axe: str, claim: dict[str, Any]) -> dict[str, list[str]]:
    # The script is the test's, not the page's: let it past the page's Content-Security-Policy.
    page = browser.new_page(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    found: dict[str, list[str]] = {}
    pages = (("login", "/login"), ("queue", "/queue"), ("case", f"/cases/{claim['case_id']}"),
             ("dashboard", "/supervisor"))  # fmt: skip
    for name, url in pages:
        if name == "queue":
            page.fill("input[name=username]", "sam")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/queue")
        else:
            page.goto(f"{base}{url}")
        page.add_script_tag(content=axe)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = [f"{v['id']}: {v['help']} ({len(v['nodes'])}, e.g. {v['nodes'][0]['html'][:120]})"
                           for v in bad]  # fmt: skip
    return found
