"""Ingest on malformed batches built by Hypothesis: no row lost, none doubled, a re-run the same."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from helpers import TEST_KEY, all_bytes_under, make_row, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimscreen.data.ingest import ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.schema import CLAIM_COLUMN_NAMES

NIGHT = dt.date(2026, 10, 1)
GARBAGE = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["fax", "00000", "1980-13-01", "abc@", "+1", "2026-10-01T25:00", "-5", "PUA", "check"]),
)


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for i in range(draw(st.integers(1, 12))):
        changes = draw(st.dictionaries(st.sampled_from(CLAIM_COLUMN_NAMES), GARBAGE, max_size=3))
        claim_id = draw(st.sampled_from([f"C{i}", "DUP", f"C{i}"]))
        rows.append(make_row(**{"claim_id": claim_id, **changes}))
    return rows


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=batches())
def test_every_row_is_ingested_or_quarantined_exactly_once(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        batch = write_csv(Path(tmp) / "b.csv", rows)
        result = ingest_batch(home, batch, NIGHT)
        lake = Lake(home)
        good = lake.read_zone("claims", NIGHT)
        bad = lake.read_zone("quarantine", NIGHT)
        assert result.rows_read == len(rows)
        assert result.rows_ingested + result.rows_quarantined == len(rows)
        numbers = sorted([*good["row_number"].tolist(), *bad["row_number"].tolist()])
        assert numbers == list(range(1, len(rows) + 1))
        assert good["claim_id"].is_unique
        assert bad["reason"].notna().all()
        before = all_bytes_under(home / "lake")
        manifest = lake.batch_part("manifests", NIGHT, result.batch_key)
        manifest.unlink()
        ingest_batch(home, batch, NIGHT)
        after = [(p, b) for p, b in all_bytes_under(home / "lake") if p != manifest]
        assert after == [(p, b) for p, b in before if p != manifest]
