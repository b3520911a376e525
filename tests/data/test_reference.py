"""Reference lists: each kind loads, tokens match claims, bad rows are reported, loads replace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from claimscreen.data import normalize as nz
from claimscreen.data.errors import InputError
from claimscreen.data.lake import Lake
from claimscreen.data.reference import REFERENCE_SCHEMAS, load_reference, read_reference
from claimscreen.data.tokenize import load_secret_key, tokenize

RAW_SSN = "123-45-6789"
RAW_ACCOUNT = "000987654321"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def token(home: Path, value: str, domain: str = "ssn") -> str:
    return str(tokenize(pd.Series([value], dtype="str"), load_secret_key(home), domain).iloc[0])


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Source files live outside the home folder, so scanning the home sees only what was loaded."""
    return tmp_path / "inbox"


LISTS = {
    "deceased": "ssn,date_of_death\n123-45-6789,2025-12-01\n987654321,2026-01-15\n",
    "incarcerated": (
        "ssn,last_name,date_of_birth,admitted_on,released_on\n"
        "123-45-6789,O'Brien,1980-04-12,2025-06-01,\n"
        "987 65 4321,Smith,,2024-01-01,2025-01-01\n"
    ),
    "wage_records": "ssn,employer_ein,quarter,wages\n123-45-6789,31-1234567,2026q2,12500.50\n",
    "suspicious_actors": (
        "kind,value,added_on,source\n"
        f"bank_account,021000021:{RAW_ACCOUNT},2026-01-01,bank\n"
        "email,John.Doe+ui@GMail.com,,\n"
    ),
    "ip_ranges": "cidr,category\n10.1.2.3/8,hosting\n2001:DB8::/32,VPN\n",
    "interstate_claims": "ssn,state,filed_at\n123-45-6789,pa,2026-03-01T10:00:00\n",
}


@pytest.mark.parametrize(("kind", "content"), LISTS.items())
def test_each_kind_loads_in_its_declared_form(home: Path, inbox: Path, kind: str, content: str) -> None:
    rows = content.count("\n") - 1
    report = load_reference(home, kind, write(inbox, f"{kind}.csv", content))
    assert (report.kind, report.source, report.rows_read, report.rows_loaded) == (
        kind,
        f"{kind}.csv",
        rows,
        rows,
    )
    assert report.rejected == []
    frame = read_reference(home, kind)
    assert list(frame.columns) == REFERENCE_SCHEMAS[kind].names
    assert len(frame) == rows


def test_deceased_ssn_with_dashes_matches_the_claim_token(home: Path, inbox: Path) -> None:
    load_reference(home, "deceased", write(inbox, "d.csv", LISTS["deceased"]))
    frame = read_reference(home, "deceased")
    assert frame["ssn_token"].tolist() == [token(home, "123456789"), token(home, "987654321")]
    assert frame["ssn_last4"].tolist() == ["6789", "4321"]
    assert frame["date_of_death"].tolist() == [pd.Timestamp("2025-12-01"), pd.Timestamp("2026-01-15")]


def test_incarcerated_keeps_open_stays_and_normalized_names(home: Path, inbox: Path) -> None:
    load_reference(home, "incarcerated", write(inbox, "i.csv", LISTS["incarcerated"]))
    frame = read_reference(home, "incarcerated")
    assert frame["last_name_norm"].tolist() == ["OBRIEN", "SMITH"]
    assert pd.isna(frame["released_on"].iloc[0])
    assert pd.isna(frame["date_of_birth"].iloc[1])


def test_wage_quarter_is_canonical_with_its_first_day(home: Path, inbox: Path) -> None:
    load_reference(home, "wage_records", write(inbox, "w.csv", LISTS["wage_records"]))
    row = read_reference(home, "wage_records").iloc[0]
    assert (row["employer_ein"], row["quarter"], row["wages"]) == ("311234567", "2026Q2", 12500.5)
    assert row["quarter_start"] == pd.Timestamp("2026-04-01")


def test_suspicious_actor_keys_match_claim_columns(home: Path, inbox: Path) -> None:
    content = (
        "kind,value,added_on,source\n"
        f"bank_account,021000021:{RAW_ACCOUNT},2026-01-01,bank\n"
        "email,John.Doe+ui@GMail.com,,\n"
        "phone,(555) 201-4432,,\n"
        "ip_address,::ffff:1.2.3.4,,\n"
        "device_id,  dev-42 ,,\n"
        '"address","12 Oak Street, Apt 4-B, Columbus, OH 43004-1234",,\n'
    )
    load_reference(home, "suspicious_actors", write(inbox, "s.csv", content))
    frame = read_reference(home, "suspicious_actors").set_index("kind")
    assert frame.loc["bank_account", "match_key"] == token(home, f"021000021:{RAW_ACCOUNT}", "bank_account")
    assert frame.loc["bank_account", "display"] == "021000021:...4321"
    assert frame.loc["email", "match_key"] == "johndoe@gmail.com"
    assert frame.loc["phone", "match_key"] == "+15552014432"
    assert frame.loc["ip_address", "match_key"] == "1.2.3.4"
    assert frame.loc["device_id", "match_key"] == "dev-42"
    claim_line = nz.normalize_address(
        pd.Series(["12 Oak St"], dtype="str"), pd.Series(["Apt 4B"], dtype="str")
    )
    assert frame.loc["address", "match_key"] == claim_line.iloc[0] == "12 OAK ST #4B"
    assert frame.loc["address", "zip5"] == "43004"
    assert frame.loc["bank_account", "added_on"] == pd.Timestamp("2026-01-01")


def test_ip_ranges_are_canonical_networks(home: Path, inbox: Path) -> None:
    load_reference(home, "ip_ranges", write(inbox, "r.csv", LISTS["ip_ranges"]))
    frame = read_reference(home, "ip_ranges")
    assert frame["cidr"].tolist() == ["10.0.0.0/8", "2001:db8::/32"]
    assert frame["category"].tolist() == ["hosting", "vpn"]
    assert frame["ip_version"].tolist() == [4, 6]
    assert frame["prefix_length"].tolist() == [8, 32]


def test_interstate_times_are_agency_local_unless_offset(home: Path, inbox: Path) -> None:
    content = (
        "ssn,state,filed_at\n"
        "123456789,PA,2026-03-01T10:00\n"
        "123456789,NJ,2026-03-01T10:00Z\n"
        "123456789,NY,2026-07-04\n"
    )
    load_reference(home, "interstate_claims", write(inbox, "x.csv", content))
    frame = read_reference(home, "interstate_claims")
    expected = ["2026-03-01 15:00", "2026-03-01 10:00", "2026-07-04 04:00"]  # New York: EST, -, EDT midnight
    assert frame["filed_at"].tolist() == [pd.Timestamp(t, tz="UTC") for t in expected]
    assert frame["state"].tolist() == ["PA", "NJ", "NY"]


def test_bad_rows_are_rejected_with_a_reason_and_good_rows_kept(home: Path, inbox: Path) -> None:
    content = (
        "ssn,date_of_death\n"
        "123-45-6789,2025-12-01\n"
        "12-34,2025-12-01\n"
        "987654321,2026-02-30\n"
        ",2025-01-01\n"
        "555443333,2025-05-05\n"
    )
    # 3 of 5 rejected is more than [reference] max_rejected_share allows: --force loads it anyway
    report = load_reference(home, "deceased", write(inbox, "d.csv", content), force=True)
    assert (report.rows_read, report.rows_loaded) == (5, 2)
    assert report.rejected == [(2, "malformed ssn"), (3, "malformed date_of_death"), (4, "missing ssn")]
    assert report.summary() == (
        "deceased: 2 of 5 rows loaded from d.csv; 3 rejected "
        "(malformed ssn x1, malformed date_of_death x1, missing ssn x1); "
        f"rejected rows in {report.rejects_file}"
    )
    assert read_reference(home, "deceased")["ssn_last4"].tolist() == ["6789", "3333"]


def test_suspicious_actor_rows_rejected_per_kind(home: Path, inbox: Path) -> None:
    content = (
        "kind,value,added_on,source\n"
        "email,not-an-email,,\n"
        "bank_account,021000022:12345678,,\n"  # routing checksum fails
        "martian,x,,\n"
        "address,somewhere,,\n"
        "phone,555-201-4432,,\n"
    )
    report = load_reference(home, "suspicious_actors", write(inbox, "s.csv", content), force=True)
    assert report.rejected == [
        (1, "malformed value"),
        (2, "malformed value"),
        (3, "unknown kind"),
        (4, "malformed value"),
    ]
    assert read_reference(home, "suspicious_actors")["match_key"].tolist() == ["+15552014432"]


def test_released_before_admitted_is_rejected(home: Path, inbox: Path) -> None:
    content = "ssn,admitted_on,released_on\n123456789,2025-06-01,2025-01-01\n987654321,2025-01-01,\n"
    report = load_reference(home, "incarcerated", write(inbox, "i.csv", content), force=True)
    assert report.rejected == [(1, "released_on before admitted_on")]


def test_rejection_reasons_never_quote_values(home: Path, inbox: Path) -> None:
    content = f"ssn,date_of_death\n{RAW_SSN}x,2025-12-01\n123456789,2025-12-01\n"
    report = load_reference(home, "deceased", write(inbox, "d.csv", content), force=True)
    assert report.rejected == [(1, "malformed ssn")]
    assert "123" not in report.summary().replace(str(report.rejects_file), "")


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("martians", "m.csv", "ssn\n1\n", "unknown reference list 'martians'; expected one of deceased,"),
        (
            "deceased",
            "d.csv",
            "ssn\n123456789\n",
            "d.csv: missing column(s) date_of_death; expected ssn, date_of_death",
        ),
        (
            "ip_ranges",
            "r.csv",
            "network,category\n1.0.0.0/8,tor\n",
            "r.csv: missing column(s) cidr; expected cidr",
        ),
        ("deceased", "d.csv", "", "d.csv: empty file"),
        ("deceased", "d.csv", b"ssn,date_of_death\n\xff\xfe,2025-01-01\n", "d.csv: line 2 is not UTF-8 text"),
        ("deceased", "d.csv", "ssn,date_of_death\nnope,2025-01-01\n", "d.csv: no valid rows, nothing loaded"),
    ],
)
def test_whole_file_problems_raise_and_write_nothing(
    home: Path, inbox: Path, kind: str, name: str, content: str | bytes, message: str
) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message)) as raised:
        load_reference(home, kind, write(inbox, name, content))
    assert "\n" not in str(raised.value)
    assert not (home / "lake").exists()


def test_missing_file_is_an_input_error(home: Path, inbox: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_reference(home, "deceased", inbox / "absent.csv")


def test_a_failed_load_leaves_the_previous_list(home: Path, inbox: Path) -> None:
    load_reference(home, "deceased", write(inbox, "d.csv", LISTS["deceased"]))
    with pytest.raises(InputError):
        load_reference(home, "deceased", write(inbox, "bad.csv", "ssn,date_of_death\nx,y\n"))
    assert len(read_reference(home, "deceased")) == 2


def test_reload_replaces_the_list_and_its_sidecar(home: Path, inbox: Path) -> None:
    load_reference(home, "deceased", write(inbox, "first.csv", LISTS["deceased"]))
    load_reference(home, "deceased", write(inbox, "second.csv", "ssn,date_of_death\n111223333,2026-02-01\n"))
    frame = read_reference(home, "deceased")
    assert frame["ssn_last4"].tolist() == ["3333"]
    sidecar = json.loads((home / "lake" / "reference" / "deceased.json").read_text())
    assert sidecar["source_file"] == "second.csv"
    assert (sidecar["rows_read"], sidecar["rows_loaded"], sidecar["rows_rejected"]) == (1, 1, 0)
    assert len(sidecar["source_sha256"]) == 64
    assert sidecar["loaded_at"].endswith("+00:00")
    assert sorted(p.name for p in Lake(home).reference_path("deceased").parent.iterdir()) == [
        "deceased.json",
        "deceased.parquet",
        "versions",
    ]
    # Both loads are kept as versions; the earlier one still reads as it was.
    versions = sorted((home / "lake" / "reference" / "versions" / "deceased").iterdir())
    assert len(versions) == 2
    first = [read_reference(home, "deceased", v.stem)["ssn_last4"].tolist() for v in versions]
    assert ["3333"] in first and any(f != ["3333"] for f in first)


def test_never_loaded_list_reads_empty_with_its_columns(home: Path) -> None:
    frame = read_reference(home, "wage_records")
    assert frame.empty
    assert list(frame.columns) == REFERENCE_SCHEMAS["wage_records"].names


def test_read_unknown_kind_is_an_input_error(home: Path) -> None:
    with pytest.raises(InputError, match="unknown reference list 'nope'"):
        read_reference(home, "nope")


def test_no_raw_ssn_or_account_anywhere_under_home(home: Path, inbox: Path) -> None:
    for kind, content in LISTS.items():
        load_reference(home, kind, write(inbox, f"{kind}.csv", content))
    bad = "ssn,date_of_death\n123-45-6789,2025-12-01\n987-65-4321x,2025-12-01\n"
    load_reference(home, "deceased", write(inbox, "bad.csv", bad), force=True)  # a rejects file too
    raw = [b"123456789", b"123-45-6789", b"987654321", b"987-65-4321", RAW_ACCOUNT.encode()]
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".parquet":  # compressed: scan the decoded values too
            data += pq.read_table(path).to_pandas().to_csv().encode()
        assert not [r for r in raw if r in data], path


def test_current_version_is_recorded_at_load_and_hashed_for_an_unstamped_file(
    home: Path, inbox: Path
) -> None:
    """The version a night pins is the hash the load took of the content, written into the list
    file's metadata and read from there; a file without it (an earlier release's load) is hashed."""
    from claimscreen.data.reference import VERSION_KEY, current_version, sidecar_path, table_version

    load_reference(home, "deceased", write(inbox, "d.csv", LISTS["deceased"]))
    lake = Lake(home)
    path = lake.reference_path("deceased")
    stored = pq.read_table(path)
    recorded = stored.schema.metadata[VERSION_KEY].decode()
    unstamped = stored.replace_schema_metadata(
        {k: v for k, v in stored.schema.metadata.items() if k != VERSION_KEY}
    )
    assert recorded == current_version(home, "deceased")
    assert json.loads(sidecar_path(lake, "deceased").read_text(encoding="utf-8"))["version"] == recorded
    # Another content written in place without a version: hashed, and that version kept.
    pq.write_table(unstamped.slice(0, 1), path)
    other = table_version(pq.read_table(path))
    assert current_version(home, "deceased") == other != recorded
    assert (lake.root / "reference" / "versions" / "deceased" / f"{other}.parquet").exists()
    # The version a night pinned reads back the list as it was.
    pinned = read_reference(home, "deceased", recorded)
    assert len(pinned) == len(stored)
