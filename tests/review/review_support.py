"""Helpers of the review tests: the test world's queue, accounts, signing in, CSRF-carrying posts."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from fastapi.testclient import TestClient

from claimscreen.data.lake import Lake
from claimscreen.data.schema import QUEUE_SCHEMA
from claimscreen.features.build import read_features

POSTGRES_URL = os.environ.get(
    "CLAIMSCREEN_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"
USERS = {"alice": "investigator", "bob": "investigator", "sam": "supervisor", "ada": "admin"}
RING_TEXTS = [
    "Bank account shared with other claimants in 30 days",
    "Filed from a device used by several people within minutes",
]
REASONS = {
    "ring": ("shared_bank_account;device_burst", RING_TEXTS),
    "single": ("ip_foreign", ["Filed from an IP address outside the United States"]),
}


@dataclass
class World:
    home: Path
    nights: list[dt.date]
    queued: dict[dt.date, list[str]]  # claim ids queued each night
    rings: dict[str, list[str]]  # ring id -> queued claim ids


def make_queue(home: Path, night: dt.date, singles: int = 4) -> list[str]:
    """Write the night's queue: every ring claim (one case per ring) and a few single claims,
    the last of them drawn for audit. Returns the queued claim ids."""
    features = read_features(home, night)
    ringed = features[features["ring_id"].notna()]
    loners = features[features["ring_id"].isna()].sort_values("claim_id").head(singles)
    rows = []
    for r in ringed.itertuples():
        code, texts = REASONS["ring"]
        risk = 0.6 + min(int(r.ring_size), 30) / 100
        rows.append(_row(r, night, f"ring-{r.ring_id}", "review", False, risk, code, texts))
    for i, r in enumerate(loners.itertuples()):
        audit = i == singles - 1
        code, texts = ("", []) if audit else REASONS["single"]
        rows.append(_row(r, night, f"claim-{r.claim_id}", "clear" if audit else "verify", audit,
                         0.1 if audit else 0.5, code, texts))  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=QUEUE_SCHEMA)
    lake = Lake(home)
    lake.write_table(lake.queue_path(night), table)
    return [r["claim_id"] for r in rows]


def _row(r, night, case_id, route, audit, risk, reasons, texts) -> dict:  # type: ignore[no-untyped-def]
    return {
        "case_id": case_id, "claim_id": str(r.claim_id), "batch_date": night, "route": route,
        "audit_sample": audit, "risk_score": risk, "priority": risk + 0.01 * int(r.ring_size),
        "reasons": reasons, "reason_text": texts,
        "ring_id": r.ring_id if isinstance(r.ring_id, str) else None,
        "ring_size": int(r.ring_size), "identity_id": str(r.identity_id), "model_version": "test",
    }  # fmt: skip


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/queue"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def signed_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    return login(TestClient(app), username)


def post(client: TestClient, url: str, **data: str | None):  # type: ignore[no-untyped-def]
    """POST a form with the session's CSRF token (read from the case or queue page) and, to a
    case, the case version its page shows now (as a form on that page would carry). A decision
    is sent confirmed (as the confirmation page of a ring's decision sends it) unless
    ``confirmed`` is given: tests/review/test_ring_confirmation.py covers that page."""
    case = re.fullmatch(r"/cases/(\d+)/(?:assign|unassign|reassign|reopen|decide)", url)
    page = client.get(f"/cases/{case.group(1)}" if case else "/queue").text
    found = re.search(r'name="version" value="(\d+)"', page)
    if case and found and "version" not in data:
        data = {"version": found.group(1), **data}
    if url.endswith("/decide"):
        data = {"confirmed": "yes", **data}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(url, data={"csrf_token": csrf_of(page), **data}, follow_redirects=False)


def version_of(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no case version in the page"
    return found.group(1)
