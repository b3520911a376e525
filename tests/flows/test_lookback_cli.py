"""The look-back from the command line: a claim paid on night 2, named by a death list loaded
before night 5, is in night 5's look-back export (issue #20)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from helpers import make_row, run_cli, write_csv

from claimscreen.data.runs import read_report

PAID_SSN = "123-45-6702"


def claim(day: int, n: int) -> dict[str, str]:
    """Claim ``n`` of night ``day``: its own person, contacts, bank account and device."""
    k = day * 10 + n
    return make_row(
        claim_id=f"C{day}-{n}",
        filed_at=f"2026-10-0{day}T10:{n:02d}:00",
        ssn=PAID_SSN if (day, n) == (2, 0) else f"123-45-{6800 + k}",
        first_name=["Maria", "John", "Aiko"][n],
        last_name=["Lopez", "Smith", "Tanaka"][n] + "abcdefghij"[day],
        email=f"person{k}@example.org",
        phone=f"(614) 555-{1000 + k}",
        bank_account=f"00012345{k:04d}",
        device_id=f"dev-{k}",
        ip_address=f"203.0.113.{k}",
        address_line1=f"{k} Oak Street",
    )


def night(home: Path, tmp_path: Path, day: int) -> None:
    batch = write_csv(tmp_path / f"claims_2026-10-0{day}.csv", [claim(day, n) for n in range(3)])
    code, _, err = run_cli(home, "nightly", "--batch", str(batch))
    assert code == 0, err


def test_a_claim_paid_on_night_2_and_named_by_a_later_death_list_is_in_night_5s_look_back(
    home: Path, tmp_path: Path, prefect_harness: None
) -> None:
    for day in (1, 2):
        night(home, tmp_path, day)
    scores = tmp_path / "scores-2.csv"
    assert run_cli(home, "scores", "export", "--date", "2026-10-02", "--out", str(scores))[0] == 0
    assert pd.read_csv(scores).set_index("claim_id").loc["C2-0", "route"] == "clear"
    for day in (3, 4):
        night(home, tmp_path, day)
    deaths = tmp_path / "deceased.csv"
    deaths.write_text(f"ssn,date_of_death\n{PAID_SSN},2026-09-15\n")
    code, _, err = run_cli(home, "reference", "load", "deceased", str(deaths))
    assert code == 0, err
    night(home, tmp_path, 5)

    out = tmp_path / "lookback.csv"
    code, stdout, err = run_cli(home, "lookback", "export", "--date", "2026-10-05", "--out", str(out))
    assert code == 0, err
    assert stdout == f"1 look-back claims of 2026-10-05 written to {out}\n"
    exported = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert exported.columns.tolist() == ["claim_id", "first_scored", "flagged_on", "reasons", "ring_id"]
    assert exported.to_dict("records") == [
        {
            "claim_id": "C2-0",
            "first_scored": "2026-10-02",
            "flagged_on": "2026-10-05",
            "reasons": "LOOKBACK_DECEASED",
            "ring_id": "",
        }
    ]
    report = read_report(home, dt.date(2026, 10, 5))
    assert report is not None
    lookback = next(s for s in report["stages"] if s["name"] == "lookback")
    assert lookback["details"]["alerts"] == 1
    assert lookback["details"]["by_reason"] == {"LOOKBACK_DECEASED": 1}
    # Night 4 ran before the list was loaded: nothing; Parquet holds the same row.
    code, stdout, _ = run_cli(
        home, "lookback", "export", "--date", "2026-10-04", "--out", str(tmp_path / "4.csv")
    )
    assert code == 0 and stdout.startswith("0 look-back claims")
    parquet = tmp_path / "lookback.parquet"
    assert run_cli(home, "lookback", "export", "--date", "2026-10-05", "--out", str(parquet))[0] == 0
    assert pd.read_parquet(parquet)["claim_id"].tolist() == ["C2-0"]

    # Wrong input is one line, exit status 2.
    for args, message in [
        (["--date", "2026-10-09", "--out", str(out)], "night 2026-10-09 has no look-back run"),
        (["--date", "2026-10-05", "--out", str(tmp_path / "x.txt")], "must end in .csv or .parquet"),
        (["--date", "soon", "--out", str(out)], "'soon' is not a date"),
    ]:
        code, _, err = run_cli(home, "lookback", "export", *args)
        assert code == 2, err
        assert err.startswith("claimscreen: error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [["lookback", "--help"], ["lookback", "export", "--help"]])
def test_help(args: list[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(tmp_path, *args)
    assert code == 0
    assert "look-back" in out.lower() or "LOOKBACK" in out
