"""Validation and normalization of a claim batch, driven by the declared schema.

:func:`validate_claims` turns the text columns of a batch into the normalized
columns of the claims lake and, for every row, the list of its problems. The
rules come from :data:`claimscreen.data.schema.CLAIM_COLUMNS`: a required
column that is empty is *missing*, a value the normalizer for its kind rejects
is *malformed*, a value outside the allowed set is *unknown*, a value over its
column's ``max_length`` is *too long* (or cut, for the columns the schema says
so). Valid data from outside the US-and-Latin-script assumptions (a name in
Hangul, a phone abroad, an internationalized email, a mailing address abroad) is
normalized, not rejected: only what cannot be processed is quarantined. No
problem text ever quotes a value, so a shifted column cannot leak an SSN into a
report.

The columns stay Arrow arrays from the file to the lake (no pandas round trip),
and the work runs in ``pyarrow.compute`` kernels and numpy, which release the
GIL: the per-column cleaning and the groups of normalizers are handed to a
thread pool when one is given. The problems are gathered per group and added in
one fixed order, so a row's first reason does not depend on thread timing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data import normalize as nz
from claimscreen.data.schema import CLAIM_COLUMNS, COLUMNS_BY_NAME, Column, Condition

__all__ = ["FILED_AFTER_THE_NIGHT", "Problems", "validate_claims"]

#: The oldest date of birth accepted; anything earlier is a typo, not a claimant.
EARLIEST_BIRTH = pd.Timestamp("1900-01-01")


@dataclass
class Problems:
    """Row problems in schema order: each a label and a boolean mask over the rows."""

    index: pd.Index
    found: list[tuple[str, np.ndarray]] = field(default_factory=list)

    def add(self, label: str, mask: pd.Series | np.ndarray) -> None:
        values = np.asarray(mask, dtype=bool)
        if values.any():
            self.found.append((label, values))

    def any(self) -> np.ndarray:
        out = np.zeros(len(self.index), dtype=bool)
        for _, mask in self.found:
            out |= mask
        return out

    def first_reason(self) -> pd.Series:
        """The first problem of each row (NA where there is none)."""
        reason = np.full(len(self.index), None, dtype=object)
        for label, mask in reversed(self.found):
            reason[mask] = label
        return pd.Series(reason, index=self.index, dtype="str")

    def all_reasons(self) -> pd.Series:
        """Every problem of each row, joined with '; ' (NA where there is none)."""
        rows = np.flatnonzero(self.any())
        out = np.full(len(self.index), None, dtype=object)
        out[rows] = self.reasons_of(rows)[1]
        return pd.Series(out, index=self.index, dtype="str")

    def reasons_of(self, rows: np.ndarray) -> tuple[list[str], list[str]]:
        """The first problem and every problem (joined with '; ') of each of ``rows``, positions
        of rows that have one: the work is over those rows only, not the whole batch."""
        labels: list[list[str]] = [[] for _ in range(len(rows))]
        for label, mask in self.found:
            for at in np.flatnonzero(mask[rows]):
                labels[at].append(label)
        return [found[0] for found in labels], ["; ".join(found) for found in labels]


#: Normalized columns by name (Arrow arrays), and problems in the order they were found.
Columns = dict[str, pa.Array]
Found = list[tuple[str, np.ndarray]]


def validate_claims(
    raw: pa.Table, timezone: str, batch_date: dt.date, pool: Executor | None = None
) -> tuple[Columns, Problems]:
    """Normalize the declared columns of ``raw`` (text columns) and list every row's problems.

    Returns the normalized columns as Arrow arrays, by name, and the problems.
    With ``pool``, independent columns are worked on in its threads.
    """
    run = pool.map if pool is not None else map
    problems = Problems(pd.RangeIndex(raw.num_rows))
    names = [c.name for c in CLAIM_COLUMNS]
    text = dict(zip(names, run(lambda name: _text(raw, name), names), strict=True))
    out: Columns = {}
    # The enum, presence and length checks are one group among the others (in the pool's
    # threads too); theirs are the first problems, as the schema lists them.
    groups = [_enums_presence_length, *_NORMALIZERS.values(), lambda text: _filed_at(text, timezone)]
    for columns, found in run(lambda normalizer: normalizer(text), groups):
        out.update(columns)
        for label, mask in found:
            problems.add(label, mask)
    for label, mask in _check_timing(out, timezone, batch_date):
        problems.add(label, mask)
    return out, problems


def _enums_presence_length(text: Columns) -> tuple[Columns, Found]:
    """The enum columns, and in this order the missing, too long and unknown values."""
    out: Columns = {}
    unknown = _normalize_enums(text, out)
    return out, [*_check_presence(text, out), *_check_length(text), *unknown]


def _text(raw: pa.Table, name: str) -> pa.Array:
    if name not in raw.column_names:
        return pa.nulls(raw.num_rows, pa.large_string())
    values = nz.clean_text_array(nz.as_large_string(raw.column(name)))
    column = COLUMNS_BY_NAME[name]
    if column.max_length is not None and column.overlong == "truncate":
        over = _overlong(values, column.max_length)
        if over.any():
            cut = pc.utf8_slice_codeunits(values.filter(pa.array(over)), 0, column.max_length)
            values = pc.replace_with_mask(values, pa.array(over), cut)
    return values


def _overlong(values: pa.Array, max_length: int) -> np.ndarray:
    """Rows longer than ``max_length`` characters (counted only where the bytes are more)."""
    over = _mask(pc.greater(pc.binary_length(values), max_length))
    if over.any():
        over[over] = _mask(pc.greater(pc.utf8_length(values.filter(pa.array(over))), max_length))
    return over


def _check_length(text: Columns) -> Found:
    """Values over their column's ``max_length`` where the schema says to quarantine them."""
    return [
        (f"too long {column.name} (over {column.max_length} characters)", _overlong(text[column.name], limit))
        for column in CLAIM_COLUMNS
        if (limit := column.max_length) is not None and column.overlong == "quarantine"
    ]


def _mask(condition: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a numpy mask (null counts as false)."""
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def _normalize_enums(text: Columns, out: Columns) -> Found:
    """Enum columns first: the conditions of conditional columns read them."""
    problems = []
    for column in CLAIM_COLUMNS:
        if column.allowed is None:
            continue
        values = text[column.name]
        values = pc.utf8_upper(values) if column.name == "program" else pc.utf8_lower(values)
        if column.default is not None:
            values = pc.fill_null(values, pa.scalar(column.default, values.type))
        known = pc.is_in(values, value_set=pa.array(column.allowed, values.type))
        unknown = pc.and_(pc.is_valid(values), pc.invert(known))
        problems.append((f"unknown {column.name}", _mask(unknown)))
        out[column.name] = nz.keep_where(values, known)
    return problems


def _required_mask(column: Column, out: Columns) -> np.ndarray | bool:
    if column.required:
        return True
    if column.required_when is None:
        return False
    return _condition_holds(column.required_when, out)


def _condition_holds(condition: Condition, out: Columns) -> np.ndarray:
    values = out[condition.column]
    matches = _mask(pc.is_in(values, value_set=pa.array(condition.values, values.type)))
    return ~matches if condition.negate else matches


def _check_presence(text: Columns, out: Columns) -> Found:
    problems = []
    for column in CLAIM_COLUMNS:
        if column.default is not None:
            continue
        required = _required_mask(column, out)
        if required is False:
            continue
        missing = _mask(pc.is_null(text[column.name])) & required
        label = f"missing {column.name}"
        if column.required_when is not None:
            label += f" ({column.required_when.describe()})"
        problems.append((label, missing))
    return problems


def _malformed(name: str, given: pa.Array, parsed: pa.Array, found: Found) -> pa.Array:
    found.append((f"malformed {name}", _mask(pc.and_(pc.is_valid(given), pc.is_null(parsed)))))
    return parsed


Normalizer = Callable[[Columns], tuple[Columns, Found]]


def _claim_id(text: Columns) -> tuple[Columns, Found]:
    return {"claim_id": text["claim_id"]}, []


def _names(text: Columns) -> tuple[Columns, Found]:
    out: Columns = {}
    found: Found = []
    for name in ("first_name", "last_name", "middle_name"):
        out[name] = text[name]
        out[f"{name}_norm"] = _malformed(name, text[name], nz.normalize_name_array(text[name]), found)
    return out, found


def _identifiers(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    out = {
        "ssn_digits": _malformed("ssn", text["ssn"], nz.ssn_digits_array(text["ssn"]), found),
        "bank_routing": _malformed(
            "bank_routing", text["bank_routing"], nz.routing_number_array(text["bank_routing"]), found
        ),
        "account_digits": _malformed(
            "bank_account", text["bank_account"], nz.account_number_array(text["bank_account"]), found
        ),
        "employer_ein": _malformed(
            "employer_ein", text["employer_ein"], nz.ein_digits_array(text["employer_ein"]), found
        ),
        "employer_name": text["employer_name"],
        "employer_name_norm": nz.employer_name_key_array(text["employer_name"]),
    }
    return out, found


def _dates(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    out = {
        name: _malformed(name, text[name], nz.parse_date_array(text[name]), found)
        for name in ("date_of_birth", "separation_date")
    }
    birth = _as_datetime(out["date_of_birth"])
    found.append(("implausible date_of_birth (before 1900)", birth < EARLIEST_BIRTH.to_datetime64()))
    return out, found


def _as_datetime(dates: pa.Array) -> np.ndarray:
    """A date32 array as ``datetime64[us]`` midnights (NaT where null)."""
    return dates.to_numpy(zero_copy_only=False).astype("datetime64[us]")


def _contact(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    # A placeholder ("none@gmail.com", 000-000-0000) is no identifier, and not malformed: the
    # claim keeps its email as given (``email``) and has no mailbox or phone to match or share.
    phone = _not_placeholder(text["phone"], nz.placeholder_phone_array)
    out = {
        "email": pc.utf8_lower(text["email"]),
        "email_canonical": _malformed("email", text["email"], nz.canonical_email_array(text["email"]), found),
        "phone_e164": _malformed("phone", phone, nz.phone_e164_array(phone), found),
    }
    out["email_canonical"] = _not_placeholder(out["email_canonical"], nz.placeholder_email_array)
    out["phone_foreign"], out["phone_non_geographic"] = nz.phone_flags_array(out["phone_e164"])
    return out, found


def _not_placeholder(values: pa.Array, placeholder: Callable[[pa.Array], pa.Array]) -> pa.Array:
    flags = placeholder(values)
    return nz.keep_where(values, pc.invert(pc.fill_null(flags, False))) if pc.any(flags).as_py() else values


def _residence(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    out = {name: text[name] for name in ("address_line1", "address_line2", "city")}
    out["address_norm"] = nz.normalize_address_array(text["address_line1"], text["address_line2"])
    malformed_line = pc.and_(pc.is_valid(text["address_line1"]), pc.is_null(out["address_norm"]))
    found.append(("malformed address_line1", _mask(malformed_line)))
    out["state"] = _malformed("state", text["state"], nz.normalize_state_array(text["state"]), found)
    zip5, zip4 = nz.split_zip_array(text["zip"])
    out["zip5"] = _malformed("zip", text["zip"], zip5, found)
    out["zip4"] = zip4
    return out, found


def _mailing(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    out = {name: text[name] for name in ("mailing_address_line1", "mailing_address_line2", "mailing_city")}
    out["mailing_address_norm"] = nz.normalize_address_array(
        text["mailing_address_line1"], text["mailing_address_line2"]
    )
    # A mailing address may be abroad: only a ZIP that is no ZIP in the US mail is malformed.
    mailing = nz.mailing_region_array(text["mailing_state"], text["mailing_zip"])
    out["mailing_state"] = mailing.state
    out["mailing_zip5"] = mailing.zip5
    out["mailing_abroad"] = pc.fill_null(mailing.abroad, False)
    found.append(("malformed mailing_zip", _mask(mailing.malformed_zip)))
    return out, found


def _device(text: Columns) -> tuple[Columns, Found]:
    found: Found = []
    out = {
        "ip_address": _malformed(
            "ip_address", text["ip_address"], nz.normalize_ip_array(text["ip_address"]), found
        ),
        "device_id": text["device_id"],
        "user_agent": text["user_agent"],
    }
    seconds = _malformed(
        "session_seconds", text["session_seconds"], nz.parse_number_array(text["session_seconds"]), found
    )
    found.append(("malformed session_seconds (negative)", _mask(pc.less(seconds, 0))))
    out["session_seconds"] = seconds
    language = _malformed("language", text["language"], nz.normalize_language_array(text["language"]), found)
    out["language"] = pc.fill_null(language, pa.scalar(COLUMNS_BY_NAME["language"].default, language.type))
    return out, found


def _filed_at(text: Columns, timezone: str) -> tuple[Columns, Found]:
    """filed_at is parsed apart from the other normalizers because its time zone is a setting."""
    found: Found = []
    utc = nz.parse_timestamp_numpy(text["filed_at"], timezone)
    parsed = pa.array(utc, type=pa.timestamp("us", tz="UTC"), mask=np.isnat(utc))
    return {"filed_at": _malformed("filed_at", text["filed_at"], parsed, found)}, found


_NORMALIZERS: dict[str, Normalizer] = {
    "claim_id": _claim_id,
    "names": _names,
    "identifiers": _identifiers,
    "dates": _dates,
    "contact": _contact,
    "residence": _residence,
    "mailing": _mailing,
    "device": _device,
}


FILED_AFTER_THE_NIGHT = "filed_at after the batch night"


def _check_timing(out: Columns, timezone: str, batch_date: dt.date) -> Iterable[tuple[str, np.ndarray]]:
    """Nothing is dated after the night it arrives in, nobody is born after filing."""
    night_end = np.datetime64(batch_date + dt.timedelta(days=1), "us")
    utc = out["filed_at"].to_numpy(zero_copy_only=False).astype("datetime64[us]")
    local_filed = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(timezone).tz_localize(None).to_numpy()
    yield FILED_AFTER_THE_NIGHT, local_filed >= night_end
    yield "date_of_birth after filed_at", _as_datetime(out["date_of_birth"]) > local_filed
