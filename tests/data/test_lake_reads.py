"""The lake's read methods, the one way the package reads its Parquet files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from claimscreen.data.lake import Lake, groups_in_range


def test_read_table_as_large_text_keeps_values_and_reads_only_present_columns(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    path = lake.features_path(dt.date(2026, 3, 2))
    table = pa.table({"claim_id": ["C1", "C2"], "n": [1, 2]})
    lake.write_table(path, table)

    read = lake.read_table(path, columns=["claim_id", "added_later"], large_text=True, present=True)
    assert read.schema.field("claim_id").type == pa.large_string()
    assert read.column_names == ["claim_id"]  # a column the file lacks is left out, not an error
    assert read.column("claim_id").to_pylist() == ["C1", "C2"]
    assert lake.read_table(path).equals(table)  # by default, the types as written
    assert lake.read_schema(path).names == ["claim_id", "n"]
    assert lake.num_rows(path) == 2


def test_nights_lists_the_nights_a_zone_holds_a_file_for(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    table = pa.table({"claim_id": ["C1"]})
    for night in (dt.date(2026, 3, 3), dt.date(2026, 3, 1)):
        lake.write_table(lake.features_path(night), table)
    lake.write_table(lake.partition("shadow", dt.date(2026, 3, 2)) / "v0002.parquet", table)
    assert lake.nights("features", "features.parquet") == [dt.date(2026, 3, 1), dt.date(2026, 3, 3)]
    assert lake.nights("shadow", "v0002.parquet") == [dt.date(2026, 3, 2)]
    assert lake.nights("shadow", "v0001.parquet") == []
    assert lake.nights("scores", "scores.parquet") == []  # a zone not written yet


def test_ring_members_of_the_wanted_rings_and_none_before_they_were_written(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "home")
    night = dt.date(2026, 10, 2)
    rings = pa.array(["R-1"], pa.string())
    assert lake.ring_members(night, rings).num_rows == 0  # a night featured before ring members
    members = pa.table({"claim_id": ["A", "B", "C"], "ring_id": ["R-1", "R-2", "R-1"]})
    lake.write_table(lake.ring_members_path(night), members)
    assert lake.ring_members(night, rings).column("claim_id").to_pylist() == ["A", "C"]
    assert lake.ring_members(night, pa.array([], pa.string())).num_rows == 0


def test_read_rows_of_reads_only_the_row_groups_whose_key_range_holds_a_wanted_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "claims.parquet"
    ids = [f"C{n:04d}" for n in range(40)]
    pq.write_table(pa.table({"claim_id": ids, "n": list(range(40))}), path, row_group_size=10)
    parquet = pq.ParquetFile(path)
    assert groups_in_range(parquet, "claim_id", {"C0012", "C0031"}).tolist() == [1, 3]
    assert groups_in_range(parquet, "claim_id", {"C0009x", "B"}).tolist() == []  # between groups, before all
    assert groups_in_range(parquet, "claim_id", {"C00055"}).tolist() == [0]  # within C0000-C0009
    assert groups_in_range(parquet, "claim_id", set()).tolist() == []
    assert groups_in_range(parquet, "absent", {"C0012"}).tolist() == [0, 1, 2, 3]  # no statistics to go by

    read: list[list[int]] = []
    real = pq.ParquetFile.read_row_groups

    def spy(self, groups, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(list(groups))
        return real(self, groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    rows = Lake.read_rows_of(path, "claim_id", {"C0031", "C0012", "X"}, ["claim_id", "n"])
    assert rows is not None and rows.to_pylist() == [
        {"claim_id": "C0012", "n": 12},
        {"claim_id": "C0031", "n": 31},
    ]
    assert read == [[1, 3], [1, 3]]  # the keys of two groups of four, then those two groups' rows
    read.clear()
    assert Lake.read_rows_of(path, "claim_id", {"C0500"}, ["n"]) is None
    assert read == []  # beyond every group's range: nothing decoded
    assert Lake.read_rows_of(path, "claim_id", {"C00125"}, ["n"]) is None  # in range, not there
    assert read == [[1]]
