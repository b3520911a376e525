"""The lake's Parquet files: which columns get a dictionary."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from claimscreen.data.lake import dictionary_columns, write_parquet


def encodings(path: Path) -> dict[str, set[str]]:
    meta = pq.read_metadata(path)
    group = meta.row_group(0)
    return {group.column(i).path_in_schema: set(group.column(i).encodings) for i in range(meta.num_columns)}


def test_columns_of_few_values_get_a_dictionary_and_distinct_ones_do_not(tmp_path: Path) -> None:
    n = 5_000
    table = pa.table(
        {
            "claim_id": [f"C{i:06d}" for i in range(n)],
            "channel": ["web", "phone", "mobile", "in_person"] * (n // 4),
            "half": [str(i % (n // 2)) for i in range(n)],  # exactly half distinct: a dictionary
            "reasons": [["r1"]] * n,
            "kind": pa.array(["a", "b"] * (n // 2)).dictionary_encode(),
        }
    )
    assert dictionary_columns(table) == ["channel", "half", "kind"]
    assert dictionary_columns(table.slice(0, 0)) == table.column_names  # nothing to judge by
    write_parquet(tmp_path / "t.parquet", table)
    used = encodings(tmp_path / "t.parquet")
    assert "RLE_DICTIONARY" in used["channel"]
    assert "RLE_DICTIONARY" not in used["claim_id"]
    assert pq.read_table(tmp_path / "t.parquet").equals(table)  # the content is unchanged


def test_columns_arrow_cannot_count_are_written_plain(tmp_path: Path) -> None:
    table = pa.table({"empty": pa.nulls(10), "kind": ["a"] * 10})
    assert dictionary_columns(table) == ["kind"]
    write_parquet(tmp_path / "t.parquet", table)
    assert pq.read_table(tmp_path / "t.parquet").equals(table)
