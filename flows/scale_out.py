"""Whether a night is worth scoring on Dask: ``--workers`` and ``--dask-address`` decline
below ``[scale_out] min_claims``.

Scoring on Dask costs a fixed price before the first claim is scored (a Prefect flow run,
on a temporary local server without ``PREFECT_API_URL``; a local cluster's processes, each
importing the models; the chunk tasks' runs) and can at most divide the score stage by the
number of workers. ``bench/scale_out.py`` measures both; below the break-even the night is
scored in the command's process, and one line says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from claimscreen.data.read import detect_format
from claimscreen.flows.nightly import ScaleOut

__all__ = ["batch_claims", "choose_scale_out"]

LOG = logging.getLogger(__name__)


def batch_claims(path: Path) -> int:
    """About how many claims a batch file holds, without parsing it: a Parquet file's row
    count, a CSV's lines less the header, a JSON Lines file's lines (a quoted line break
    inside a CSV field counts one more)."""
    if detect_format(path) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 24), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"
    return max(lines - (detect_format(path) == "csv"), 0)


def choose_scale_out(asked: ScaleOut, claims: int, min_claims: int) -> tuple[ScaleOut | None, str]:
    """``asked``, or None below ``min_claims``; the decision in one line for the operator."""
    where = (
        f"--workers {asked.workers}" if asked.dask_address is None else f"--dask-address {asked.dask_address}"
    )
    if claims < min_claims:
        note = (
            f"{where} declined: {claims:,} claims is below the scale-out break-even "
            f"([scale_out] min_claims {min_claims:,}); the night is scored in this process"
        )
        LOG.info("%s", note)
        return None, note
    note = f"{where}: {claims:,} claims, at or above [scale_out] min_claims {min_claims:,}; scoring on Dask"
    LOG.info("%s", note)
    return asked, note
