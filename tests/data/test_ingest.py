"""Ingest: conservation, quarantine reasons, duplicates, idempotency, atomicity, no raw identifiers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import VALID_ROW, all_bytes_under, make_row, write_csv

from claimscreen.data import lake as lake_module
from claimscreen.data.errors import InputError
from claimscreen.data.ingest import DUPLICATE_IN_BATCH, DUPLICATE_SEEN, batch_date_for, ingest_batch
from claimscreen.data.lake import Lake
from claimscreen.data.schema import CLAIM_COLUMN_NAMES

NIGHT = dt.date(2026, 10, 1)


def claims(home: Path, night: dt.date = NIGHT) -> pd.DataFrame:
    return Lake(home).read_zone("claims", night)


def quarantined(home: Path, night: dt.date = NIGHT) -> pd.DataFrame:
    return Lake(home).read_zone("quarantine", night)


def test_valid_row_is_normalized_and_tokenized(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row()])
    result = ingest_batch(home, batch, NIGHT)
    assert (result.rows_read, result.rows_ingested, result.rows_quarantined) == (1, 1, 0)
    # Each step's seconds (data/timing.py), in the order the ingest runs them.
    steps = ["read", "validate", "duplicates", "tokenize (beyond validation)", "tables", "write"]
    assert list(result.timings) == steps and all(s >= 0 for s in result.timings.values())
    row = claims(home).iloc[0]
    assert row["claim_id"] == "C1"
    assert row["ssn_last4"] == "6789"
    assert len(row["ssn_token"]) == 32 and "123456789" not in row["ssn_token"]
    assert row["bank_account_last4"] == "6789"
    assert row["email_canonical"] == "marialopez@gmail.com"
    assert row["phone_e164"] == "+16145550134"
    assert row["zip5"] == "43004"
    assert row["address_norm"] == "12 OAK ST #4B"
    assert row["employer_ein"] == "311234567"
    assert row["first_name_norm"] == "MARIA"
    # 09:30 in New York on 1 October (EDT, UTC-4) is 13:30 UTC.
    assert row["filed_at"] == pd.Timestamp("2026-10-01T13:30:00Z")
    assert row["date_of_birth"] == dt.date(1980, 4, 12)
    assert row["row_number"] == 1


QUARANTINE_CASES = [
    ("missing ssn", {"ssn": ""}),
    ("missing first_name", {"first_name": ""}),
    ("missing date_of_birth", {"date_of_birth": ""}),
    ("missing bank_account (for payment_method direct_deposit)", {"bank_account": ""}),
    ("missing employer_ein (unless program is PUA)", {"employer_ein": ""}),
    ("missing ip_address (for channel web, mobile)", {"ip_address": ""}),
    ("malformed ssn", {"ssn": "123-45-678"}),
    ("malformed date_of_birth", {"date_of_birth": "1980-02-30"}),
    ("malformed zip", {"zip": "4300"}),
    ("malformed filed_at", {"filed_at": "yesterday"}),
    ("malformed phone", {"phone": "555-0134"}),
    ("malformed email", {"email": "not-an-email"}),
    ("malformed bank_routing", {"bank_routing": "123456789"}),
    ("malformed ip_address", {"ip_address": "300.1.2.3"}),
    ("malformed state", {"state": "XX"}),
    ("malformed session_seconds", {"session_seconds": "ten"}),
    ("unknown channel", {"channel": "fax"}),
    ("unknown payment_method", {"payment_method": "bitcoin"}),
    ("unknown program", {"program": "XYZ"}),
    ("filed_at after the batch night", {"filed_at": "2026-10-02T08:00:00"}),
    ("implausible date_of_birth (before 1900)", {"date_of_birth": "1850-01-01"}),
]


@pytest.mark.parametrize(("reason", "change"), QUARANTINE_CASES, ids=[c[0] for c in QUARANTINE_CASES])
def test_each_quarantine_reason(home: Path, tmp_path: Path, reason: str, change: dict[str, str]) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id="OK"), make_row(claim_id="BAD", **change)])
    result = ingest_batch(home, batch, NIGHT)
    assert result.rows_ingested == 1
    bad = quarantined(home)
    assert bad["claim_id"].tolist() == ["BAD"]
    assert bad["reason"].tolist() == [reason]
    assert bad["row_number"].tolist() == [2]
    assert result.quarantined_by_reason == {reason: 1}


def test_conditional_columns_are_not_required_when_the_condition_fails(home: Path, tmp_path: Path) -> None:
    rows = [
        make_row(claim_id="A", payment_method="check", bank_routing="", bank_account=""),
        make_row(claim_id="B", program="PUA", employer_ein="", employer_name=""),
        make_row(claim_id="C", channel="phone", ip_address="", device_id="", user_agent=""),
        make_row(claim_id="D", program="", language=""),
    ]
    result = ingest_batch(home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    assert result.rows_ingested == 4
    stored = claims(home).set_index("claim_id")
    assert stored.loc["D", "program"] == "UI"
    assert stored.loc["D", "language"] == "en"
    assert pd.isna(stored.loc["A", "bank_account_token"])


def test_every_problem_is_listed_in_details(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(ssn="", zip="abc", channel="fax")])
    ingest_batch(home, batch, NIGHT)
    row = quarantined(home).iloc[0]
    assert row["reason"] == "missing ssn"
    assert row["details"] == "missing ssn; unknown channel; malformed zip"


def test_duplicates_within_and_across_batches(home: Path, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id="A"), make_row(claim_id="A")])
    ingest_batch(home, first, NIGHT)
    assert quarantined(home)["reason"].tolist() == [DUPLICATE_IN_BATCH]
    second_night = dt.date(2026, 10, 2)
    second = write_csv(
        tmp_path / "claims_2026-10-02.csv",
        [
            make_row(claim_id="A", filed_at="2026-10-02T10:00:00"),
            make_row(claim_id="B", filed_at="2026-10-02T11:00:00"),
        ],
    )
    result = ingest_batch(home, second, second_night)
    assert result.rows_ingested == 1
    assert quarantined(home, second_night)["reason"].tolist() == [DUPLICATE_SEEN]


def test_a_quarantined_claim_can_be_sent_again_corrected(home: Path, tmp_path: Path) -> None:
    ingest_batch(home, write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(ssn="12")]), NIGHT)
    fixed = write_csv(tmp_path / "claims_2026-10-02.csv", [make_row(filed_at="2026-10-02T09:00:00")])
    result = ingest_batch(home, fixed, dt.date(2026, 10, 2))
    assert result.rows_ingested == 1


def test_conservation_counts_malformed_csv_rows(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id=f"C{i}") for i in range(5)])
    lines = batch.read_text().splitlines()
    lines[3] = lines[3] + ",surplus"
    batch.write_text("\n".join(lines) + "\n")
    result = ingest_batch(home, batch, NIGHT)
    assert (result.rows_read, result.rows_ingested, result.rows_quarantined) == (5, 4, 1)
    bad = quarantined(home)
    assert bad["row_number"].tolist() == [3]
    assert bad["reason"].tolist() == ["malformed row"]
    assert sorted(claims(home)["row_number"]) == [1, 2, 4, 5]


def test_reingesting_the_same_file_changes_nothing(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id="A"), make_row(claim_id="B", ssn="")])
    ingest_batch(home, batch, NIGHT)
    before = all_bytes_under(home / "lake")
    again = ingest_batch(home, batch, NIGHT)
    assert again.already_ingested
    assert all_bytes_under(home / "lake") == before


def test_a_rerun_after_a_crash_before_the_manifest_gives_the_same_parts(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id="A"), make_row(claim_id="B", ssn="")])
    first = ingest_batch(home, batch, NIGHT)
    lake = Lake(home)
    parts = {zone: (lake.root / rel).read_bytes() for zone, rel in first.parts.items()}
    lake.batch_part("manifests", NIGHT, first.batch_key).unlink()
    assert claims(home).empty  # an uncommitted batch is invisible
    second = ingest_batch(home, batch, NIGHT)
    assert not second.already_ingested
    assert {zone: (lake.root / rel).read_bytes() for zone, rel in second.parts.items()} == parts


def test_a_failed_write_leaves_the_previous_state(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(claim_id="A")])
    ingest_batch(home, first, NIGHT)
    before = all_bytes_under(home)
    real_write = pq.write_table

    def write_half_then_fail(table, where, **kwargs):  # type: ignore[no-untyped-def]
        real_write(table.slice(0, max(table.num_rows // 2, 0)), where, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(lake_module.pq, "write_table", write_half_then_fail)
    second = write_csv(
        tmp_path / "claims_2026-10-02.csv",
        [make_row(claim_id=f"B{i}", filed_at="2026-10-02T11:00:00") for i in range(4)],
    )
    with pytest.raises(OSError, match="disk full"):
        ingest_batch(home, second, dt.date(2026, 10, 2))
    monkeypatch.undo()
    # No temp file is left behind and nothing committed changed.
    assert all_bytes_under(home) == before
    assert Lake(home).manifests(dt.date(2026, 10, 2)) == []


def test_the_same_file_for_another_night_is_refused(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row()])
    ingest_batch(home, batch, NIGHT)
    with pytest.raises(InputError, match="already ingested as the batch of 2026-10-01"):
        ingest_batch(home, batch, dt.date(2026, 10, 2))


def test_a_header_only_file_is_a_night_without_claims(home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_bytes(",".join(CLAIM_COLUMN_NAMES).encode() + b"\n")
    result = ingest_batch(home, batch, NIGHT)
    assert (result.rows_read, result.rows_ingested, result.rows_quarantined) == (0, 0, 0)
    lake = Lake(home)
    assert [m["batch_date"] for m in lake.manifests(NIGHT)] == ["2026-10-01"]
    assert len(lake.read_zone("claims", NIGHT)) == 0


def test_a_file_of_the_next_night_is_refused_before_anything_is_written(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id=f"C{i}", filed_at="2026-10-02T10:00:00") for i in range(3)]
    rows.append(make_row(claim_id="C9", filed_at="2026-10-01T23:00:00"))
    batch = write_csv(tmp_path / "b.csv", rows)
    with pytest.raises(InputError) as raised:
        ingest_batch(home, batch, NIGHT)
    assert str(raised.value) == (
        "b.csv: 3 of 4 claims were filed after the night 2026-10-01 (3 on 2026-10-02); "
        "run it as its own night (--date 2026-10-02). Nothing was written."
    )
    assert not (home / "lake").exists()
    # Nothing was written, so the file runs on its own night.
    assert ingest_batch(home, batch, dt.date(2026, 10, 2)).rows_ingested == 4


def test_a_few_late_dated_rows_are_quarantined_not_refused(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id=f"C{i}") for i in range(3)]
    rows.append(make_row(claim_id="C9", filed_at="2026-10-02T10:00:00"))
    result = ingest_batch(home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    assert result.quarantined_by_reason == {"filed_at after the batch night": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (
            b"claim_id,filed_at\nC1,2026-10-01\n",
            "missing required column(s): program|missing required column",
        ),
        (b"claim_id,first_name\nC1,Jos\xe9\n", "not UTF-8"),
    ],
    ids=["empty", "missing-columns", "latin-1"],
)
def test_whole_file_problems_write_nothing(home: Path, tmp_path: Path, content: bytes, message: str) -> None:
    batch = tmp_path / "b.csv"
    batch.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ingest_batch(home, batch, NIGHT)
    assert not (home / "lake").exists()


def test_missing_columns_are_named(home: Path, tmp_path: Path) -> None:
    columns = [c for c in CLAIM_COLUMN_NAMES if c not in ("ssn", "channel")]
    batch = write_csv(tmp_path / "b.csv", [make_row()], columns=columns)
    with pytest.raises(InputError, match=r"b\.csv: missing required column\(s\): ssn, channel$"):
        ingest_batch(home, batch, NIGHT)


def test_unknown_file_type_is_refused(home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "b.xlsx"
    batch.write_bytes(b"x")
    with pytest.raises(InputError, match=r"unknown file type '\.xlsx'"):
        ingest_batch(home, batch, NIGHT)


def test_parquet_and_json_lines_give_the_same_claims(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id="A"), make_row(claim_id="B", ssn="1")]
    frame = pd.DataFrame(rows)
    csv_home, pq_home, js_home = (tmp_path / n for n in ("h1", "h2", "h3"))
    ingest_batch(csv_home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    frame.to_parquet(tmp_path / "b.parquet")
    ingest_batch(pq_home, tmp_path / "b.parquet", NIGHT)
    frame.to_json(tmp_path / "b.jsonl", orient="records", lines=True)
    ingest_batch(js_home, tmp_path / "b.jsonl", NIGHT)
    expected = claims(csv_home).drop(columns=["source_file", "source_sha256"])
    for other in (pq_home, js_home):
        got = claims(other).drop(columns=["source_file", "source_sha256"])
        pd.testing.assert_frame_equal(got, expected)
        assert quarantined(other)["reason"].tolist() == ["malformed ssn"]


def test_extra_columns_are_kept_in_the_raw_zone_with_identifiers_redacted(home: Path, tmp_path: Path) -> None:
    row = make_row(ssn="123456789") | {"case_note": "call back", "ssn_copy": "123-45-6789"}
    batch = write_csv(tmp_path / "b.csv", [row], columns=[*CLAIM_COLUMN_NAMES, "case_note", "ssn_copy"])
    result = ingest_batch(home, batch, NIGHT)
    assert result.extra_columns == ["case_note", "ssn_copy"]
    raw = Lake(home).read_zone("raw", NIGHT).iloc[0]
    assert raw["case_note"] == "call back"
    assert raw["ssn_copy"] == "[redacted]"
    assert raw["ssn_last4"] == "6789"


def test_no_raw_ssn_or_account_number_anywhere_under_home(home: Path, tmp_path: Path) -> None:
    rows = [
        make_row(claim_id="A", ssn="987-65-4321", bank_account="55501234567"),
        make_row(claim_id="B", ssn="987654322", bank_account="55501234568", zip="bad"),
        make_row(claim_id="C", ssn="98765432", bank_account="x55501234569"),
    ]
    ingest_batch(home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    secrets = [b"987654321", b"987-65-4321", b"987654322", b"98765432", b"55501234567", b"55501234568"]
    for path, content in all_bytes_under(home):
        for secret in secrets:
            assert secret not in content, f"{secret!r} found in {path}"


def test_manifest_records_hash_and_counts(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "claims_2026-10-01.csv", [make_row(), make_row(claim_id="X", ssn="")])
    result = ingest_batch(home, batch, NIGHT)
    manifest = json.loads(Lake(home).batch_part("manifests", NIGHT, result.batch_key).read_text())
    assert manifest["source_sha256"] == result.source_sha256
    assert len(manifest["source_sha256"]) == 64
    assert (manifest["rows_read"], manifest["rows_ingested"], manifest["rows_quarantined"]) == (2, 1, 1)


def test_batch_date_comes_from_the_option_or_the_file_name() -> None:
    assert batch_date_for(Path("claims_2026-10-05.csv"), None) == dt.date(2026, 10, 5)
    assert batch_date_for(Path("x.csv"), "2026-10-06") == dt.date(2026, 10, 6)
    with pytest.raises(InputError, match="no date in the file name"):
        batch_date_for(Path("x.csv"), None)
    with pytest.raises(InputError, match="not a date"):
        batch_date_for(Path("x.csv"), "10/06/2026")


def test_valid_row_fixture_has_every_column() -> None:
    assert set(VALID_ROW) == set(CLAIM_COLUMN_NAMES)


def test_every_quarantine_reason_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "reference.md").read_text()
    reasons = [r for r, _ in QUARANTINE_CASES] + [DUPLICATE_IN_BATCH, DUPLICATE_SEEN, "malformed row"]
    for reason in reasons:
        kind, _, column = reason.partition(" ")
        if kind in ("missing", "malformed") and column in CLAIM_COLUMN_NAMES:
            assert f"`{kind} COLUMN`" in doc
            if kind == "malformed":
                assert f"`{column}`" in doc, reason
        else:
            assert f"`{reason}`" in doc, reason


def test_a_generated_world_ingests_with_exactly_its_defects_quarantined(home: Path, tmp_path: Path) -> None:
    from claimscreen.data.generate import generate_world

    world = generate_world(tmp_path / "world", days=3, claims_per_day=1500, seed=11, defect_rate=0.01)
    rows_in = ingested = quarantined_rows = 0
    for batch in sorted(world.batch_files):
        result = ingest_batch(home, batch, batch_date_for(batch, None))
        rows_in += result.rows_read
        ingested += result.rows_ingested
        quarantined_rows += result.rows_quarantined
    truth = pd.read_parquet(world.truth_file)
    lake = Lake(home)
    stored = lake.read_zone("claims")
    held = lake.read_zone("quarantine")
    assert rows_in == ingested + quarantined_rows
    assert set(stored["claim_id"]) | set(held["claim_id"]) == set(truth["claim_id"])
    spoilt = truth.loc[truth["defect"].notna() & ~truth["defect"].str.startswith("duplicate"), "claim_id"]
    assert set(held.loc[~held["reason"].str.startswith("duplicate"), "claim_id"]) == set(spoilt)
    assert stored["claim_id"].is_unique
    assert len(stored) == len(truth) - len(spoilt)
    raw_ssns = set(pd.read_csv(world.batch_files[0], dtype=str, keep_default_na=False)["ssn"])
    for path, content in all_bytes_under(home):
        for ssn in list(raw_ssns)[:200]:
            digits = ssn.replace("-", "").encode()
            if len(digits) == 9:
                assert digits not in content, f"an SSN found in {path}"


def test_ssn_structure_is_kept_as_flags_without_the_digits(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id="A", ssn="666-12-3456"), make_row(claim_id="B", ssn="123-45-6789")]
    ingest_batch(home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    stored = claims(home).set_index("claim_id")
    assert stored.loc["A", "ssn_invalid_area"] and stored.loc["A", "ssn_structurally_invalid"]
    assert not stored.loc["B", "ssn_structurally_invalid"]


def test_a_window_over_parts_from_an_older_release_fills_new_columns_with_na(
    home: Path, tmp_path: Path
) -> None:
    result = ingest_batch(home, write_csv(tmp_path / "b.csv", [make_row()]), NIGHT)
    lake = Lake(home)
    part = lake.root / result.parts["claims"]
    old = pq.read_table(part).drop_columns(["ssn_invalid_area"])
    pq.write_table(old, part)
    window = lake.read_window("claims", NIGHT, NIGHT, columns=["claim_id", "ssn_invalid_area"])
    assert window["claim_id"].tolist() == ["C1"]
    assert window["ssn_invalid_area"].isna().all()


def test_a_quote_that_never_closes_refuses_the_file(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(claim_id=f"C{i}") for i in range(9)])
    lines = batch.read_text().splitlines()
    lines[4] = lines[4].replace("Acme Tools", '"Acme, Tools')
    batch.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="a quote that never closes"):
        ingest_batch(home, batch, NIGHT)
    assert not (home / "lake").exists()


def test_a_value_with_a_line_break_inside_quotes_is_one_row(home: Path, tmp_path: Path) -> None:
    rows = [make_row(claim_id="A", address_line2="Apt 4B\nrear entrance"), make_row(claim_id="B")]
    result = ingest_batch(home, write_csv(tmp_path / "b.csv", rows), NIGHT)
    assert (result.rows_read, result.rows_ingested) == (2, 2)


def test_header_names_with_spaces_keep_leading_zeros(home: Path, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "b.csv", [make_row(ssn="012345678", zip="02134", state="MA")])
    text = batch.read_text().replace("ssn,", " ssn ,", 1).replace(",zip,", ", zip,", 1)
    batch.write_text(text)
    result = ingest_batch(home, batch, NIGHT)
    assert result.rows_ingested == 1
    assert claims(home).iloc[0]["zip5"] == "02134"


def test_numbers_in_parquet_text_columns_are_refused(home: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame([make_row()]).astype({"ssn": "str"})
    frame["zip"] = 2134
    frame.to_parquet(tmp_path / "b.parquet")
    with pytest.raises(InputError, match=r"column\(s\) zip stored as numbers"):
        ingest_batch(home, tmp_path / "b.parquet", NIGHT)


def test_unknown_columns_never_keep_long_digit_runs(home: Path, tmp_path: Path) -> None:
    row = make_row() | {
        "notes": "SSN 123-45-6701 verified on 3/4",
        "spouse_ssn": "987-65-4321",
        "acct_full": "021000021:98765001",
        "case_note": "call back at 3pm",
    }
    extras = ["notes", "spouse_ssn", "acct_full", "case_note"]
    ingest_batch(home, write_csv(tmp_path / "b.csv", [row], columns=[*CLAIM_COLUMN_NAMES, *extras]), NIGHT)
    raw = Lake(home).read_zone("raw", NIGHT).iloc[0]
    assert raw["notes"] == "SSN [redacted] verified on 3/4"
    assert raw["spouse_ssn"] == "[redacted]"
    assert raw["acct_full"] == "[redacted]:[redacted]"
    assert raw["case_note"] == "call back at 3pm"
    for _, content in all_bytes_under(home):
        for secret in (b"123456701", b"123-45-6701", b"987-65-4321", b"98765001"):
            assert secret not in content


def test_two_ingests_at_once_never_both_keep_a_claim(home: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rows = [make_row(claim_id=f"C{i}", filed_at="2026-10-01T10:00:00") for i in range(50)]
    first = write_csv(tmp_path / "one.csv", rows)
    second = write_csv(tmp_path / "two.csv", [*rows, make_row(claim_id="EXTRA")])
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda batch: ingest_batch(home, batch, NIGHT), (first, second)))
    stored = claims(home)
    assert stored["claim_id"].is_unique
    assert len(stored) == 51


def test_json_lines_with_a_bad_line_quarantine_it_and_keep_the_rest(home: Path, tmp_path: Path) -> None:
    import json

    good = make_row(claim_id="A")
    numeric = make_row(claim_id="B") | {"session_seconds": 300}
    lines = [json.dumps(good), "{not json", json.dumps(numeric | {"ssn": 123456702})]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n")
    result = ingest_batch(home, tmp_path / "b.jsonl", NIGHT)
    assert (result.rows_read, result.rows_ingested, result.rows_quarantined) == (3, 2, 1)
    bad = quarantined(home)
    assert bad["row_number"].tolist() == [2]
    assert bad["reason"].tolist() == ["malformed row"]


def test_json_lines_without_a_required_key_are_refused(home: Path, tmp_path: Path) -> None:
    import json

    row = make_row()
    del row["ssn"]
    (tmp_path / "b.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match=r"missing required column\(s\): ssn"):
        ingest_batch(home, tmp_path / "b.jsonl", NIGHT)


def test_a_file_still_being_written_is_refused(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimscreen.data import ingest as ingest_module

    batch = write_csv(tmp_path / "b.csv", [make_row()])
    real_read = ingest_module.read_batch

    def read_then_append(path: Path, **options):  # type: ignore[no-untyped-def]
        raw = real_read(path, **options)
        with open(path, "a") as handle:
            handle.write("more,rows\n")
        return raw

    monkeypatch.setattr(ingest_module, "read_batch", read_then_append)
    with pytest.raises(InputError, match="changed while it was read"):
        ingest_batch(home, batch, NIGHT)
    assert not (home / "lake").exists()
