"""The screenshots of docs/investigators.md, taken in Debian's chromium (Playwright): a test-only
script, not a test. It builds a small world through the real nightly command (three nights, a
death list loaded before the third naming a claim paid on the first, so a look-back alert
appears), adds two accounts, serves the review application and saves the pages under docs/img/.

    .venv/bin/python tests/review/screenshots.py [--out docs/img]

Every name, address and number in them is synthetic (claimscreen's generator)."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import uvicorn
from sqlalchemy import select, update

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from helpers import TEST_KEY, run_cli  # noqa: E402
from review_support import PASSWORD  # noqa: E402
from test_browser import CHROMIUM, free_port  # noqa: E402

from claimscreen.data.generate import generate_world  # noqa: E402
from claimscreen.data.ingest import batch_date_for  # noqa: E402
from claimscreen.data.lake import Lake  # noqa: E402
from claimscreen.review.app import create_app  # noqa: E402
from claimscreen.review.db import DATABASE_URL_ENV, case_claims, cases, claims, make_engine  # noqa: E402

DOCS_IMG = HERE.parents[1] / "docs" / "img"


def run(home: Path, *args: str, stdin: str | None = None) -> None:
    code, out, err = run_cli(home, *args, stdin=stdin)
    if code != 0:
        raise SystemExit(f"claimscreen {' '.join(args)}: {err or out}")


def build(root: Path) -> Path:
    """Three nights through the nightly command; a death list, loaded before night 3, names the
    SSN of a claim cleared on night 1."""
    os.environ["CLAIMSCREEN_SECRET_KEY"] = TEST_KEY
    os.environ.pop(DATABASE_URL_ENV, None)
    source = generate_world(
        root / "world", days=3, claims_per_day=600, seed=7, fraud_rate=0.06, defect_rate=0.0
    )
    home = root / "home"
    home.mkdir()
    batches = sorted(source.batch_files)
    for k, batch in enumerate(batches):
        if k == 2:
            first = batch_date_for(batches[0], None)
            scores = pd.read_parquet(Lake(home).scores_path(first))
            paid = scores[(scores["route"] == "clear") & ~scores["audit_sample"]]["claim_id"].iloc[0]
            with open(batches[0], newline="", encoding="utf-8") as handle:
                ssn = next(r["ssn"] for r in csv.DictReader(handle) if r["claim_id"] == paid)
            deaths = root / "deceased.csv"
            deaths.write_text(f"ssn,date_of_death\n{ssn},2025-01-15\n")
            run(home, "reference", "load", "deceased", str(deaths))
        run(home, "nightly", "--batch", str(batch))
    for name, role in (("alice", "investigator"), ("sam", "supervisor")):
        run(home, "review", "add-user", name, "--role", role, stdin=PASSWORD + "\n")
    return home


def serve(home: Path) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(home), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def shoot(home: Path, url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    engine = make_engine(f"sqlite:///{home / 'review.db'}")
    with engine.begin() as conn:
        ring_case = conn.execute(
            select(cases.c.id).where(cases.c.ring_id.is_not(None), cases.c.lookback.is_(False))
            .order_by(cases.c.sort_key.desc()).limit(1)
        ).scalar_one()  # fmt: skip
        paid_case = conn.execute(select(cases.c.id).where(cases.c.lookback.is_(True)).limit(1)).scalar_one()
        single = conn.execute(
            select(cases.c.id, case_claims.c.claim_id)
            .join(case_claims, case_claims.c.case_id == cases.c.id)
            .where(cases.c.claims == 1, cases.c.lookback.is_(False), cases.c.audit_sample.is_(False))
            .order_by(cases.c.id).limit(1)
        ).one()  # fmt: skip
        # The demo's claimant prefers Spanish, to show the notice in the claimant's language.
        conn.execute(update(claims).where(claims.c.claim_id == single.claim_id).values(language="es"))
    engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 860})

        def save(name: str) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            saved.append(path)

        page.goto(f"{url}/login")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{url}/queue")
        save("queue")
        page.goto(f"{url}/queue?kind=lookback")
        save("lookback-queue")
        page.goto(f"{url}/cases/{paid_case}")
        save("lookback-case")
        page.goto(f"{url}/cases/{ring_case}")
        save("case-ring")
        page.click("#assign")
        page.check("input[name=outcome][value=fraud]")
        page.click("#decide")
        save("ring-confirmation")
        page.click("#go-back")
        page.goto(f"{url}/cases/{single.id}")
        page.click("#assign")
        page.check("input[name=outcome][value=needs_verification]")
        page.click("#decide")
        page.click("text=Draft claimant notice")
        save("notice-es")
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{url}/queue")
        path = out / "queue-phone.png"
        phone.screenshot(path=str(path))
        saved.append(path)
        browser.close()
    return saved


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS_IMG)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit("chromium is not installed (/usr/bin/chromium)")
    with tempfile.TemporaryDirectory() as folder:
        home = build(Path(folder))
        url, server, thread = serve(home)
        try:
            for path in shoot(home, url, args.out):
                print(f"{path} ({path.stat().st_size:,} bytes)")
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main_()
