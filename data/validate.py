"""Validation and normalization of a claim batch, driven by the declared schema.

:func:`validate_claims` turns the text columns of a batch into the normalized
columns of the claims lake and, for every row, the list of its problems. The
rules come from :data:`claimscreen.data.schema.CLAIM_COLUMNS`: a required
column that is empty is *missing*, a value the normalizer for its kind rejects
is *malformed*, a value outside the allowed set is *unknown*. No problem text
ever quotes a value, so a shifted column cannot leak an SSN into a report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from claimscreen.data import normalize as nz
from claimscreen.data.schema import CLAIM_COLUMNS, COLUMNS_BY_NAME, Column, Condition

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
        joined: dict[int, list[str]] = {int(r): [] for r in rows}
        for label, mask in self.found:
            for hit in np.flatnonzero(mask):
                joined[int(hit)].append(label)
        out = np.full(len(self.index), None, dtype=object)
        for row, labels in joined.items():
            out[row] = "; ".join(labels)
        return pd.Series(out, index=self.index, dtype="str")


def validate_claims(raw: pd.DataFrame, timezone: str, batch_date: dt.date) -> tuple[pd.DataFrame, Problems]:
    """Normalize the declared columns of ``raw`` and list every row's problems."""
    problems = Problems(raw.index)
    text = {c.name: _text(raw, c.name) for c in CLAIM_COLUMNS}
    out = pd.DataFrame(index=raw.index)
    unknown = _normalize_enums(text, out)
    _check_presence(text, out, problems)
    for label, mask in unknown:
        problems.add(label, mask)
    for normalizer in _NORMALIZERS.values():
        normalizer(text, out, problems)
    # filed_at is parsed here because its time zone is a setting.
    filed_at = nz.parse_timestamp(text["filed_at"], timezone)
    out["filed_at"] = _malformed("filed_at", text["filed_at"], filed_at, problems)
    _check_timing(out, problems, timezone, batch_date)
    return out, problems


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    if name not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="str")
    return nz.clean_text(raw[name].astype("str"))


def _normalize_enums(text: dict[str, pd.Series], out: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Enum columns first: the conditions of conditional columns read them."""
    problems = []
    for column in CLAIM_COLUMNS:
        if column.allowed is None:
            continue
        values = text[column.name]
        values = values.str.upper() if column.name == "program" else values.str.lower()
        if column.default is not None:
            values = values.fillna(column.default)
        unknown = values.notna() & ~values.isin(column.allowed)
        problems.append((f"unknown {column.name}", unknown))
        out[column.name] = values.where(~unknown)
    return problems


def _required_mask(column: Column, out: pd.DataFrame) -> pd.Series | bool:
    if column.required:
        return True
    if column.required_when is None:
        return False
    return _condition_holds(column.required_when, out)


def _condition_holds(condition: Condition, out: pd.DataFrame) -> pd.Series:
    matches = out[condition.column].isin(condition.values)
    return ~matches if condition.negate else matches


def _check_presence(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    for column in CLAIM_COLUMNS:
        if column.default is not None:
            continue
        required = _required_mask(column, out)
        if required is False:
            continue
        missing = text[column.name].isna() & required
        label = f"missing {column.name}"
        if column.required_when is not None:
            label += f" ({column.required_when.describe()})"
        problems.add(label, missing)


def _malformed(name: str, given: pd.Series, parsed: pd.Series, problems: Problems) -> pd.Series:
    problems.add(f"malformed {name}", given.notna() & parsed.isna())
    return parsed


Normalizer = Callable[[dict[str, pd.Series], pd.DataFrame, Problems], None]


def _claim_id(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    out["claim_id"] = text["claim_id"]


def _names(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    for name in ("first_name", "last_name", "middle_name"):
        out[name] = text[name]
        out[f"{name}_norm"] = _malformed(name, text[name], nz.normalize_name(text[name]), problems)


def _identifiers(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    out["ssn_digits"] = _malformed("ssn", text["ssn"], nz.ssn_digits(text["ssn"]), problems)
    out["bank_routing"] = _malformed(
        "bank_routing", text["bank_routing"], nz.routing_number(text["bank_routing"]), problems
    )
    out["account_digits"] = _malformed(
        "bank_account", text["bank_account"], nz.account_number(text["bank_account"]), problems
    )
    out["employer_ein"] = _malformed(
        "employer_ein", text["employer_ein"], nz.ein_digits(text["employer_ein"]), problems
    )
    out["employer_name"] = text["employer_name"]
    out["employer_name_norm"] = (
        text["employer_name"].str.upper().str.replace(r"[^A-Z0-9& ]+", " ", regex=True).pipe(nz.clean_text)
    )


def _dates(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    for name in ("date_of_birth", "separation_date"):
        out[name] = _malformed(name, text[name], nz.parse_date(text[name]), problems)
    problems.add("implausible date_of_birth (before 1900)", out["date_of_birth"] < EARLIEST_BIRTH)


def _contact(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    out["email"] = text["email"].str.lower()
    out["email_canonical"] = _malformed("email", text["email"], nz.canonical_email(text["email"]), problems)
    out["phone_e164"] = _malformed("phone", text["phone"], nz.phone_e164(text["phone"]), problems)


def _residence(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    for name in ("address_line1", "address_line2", "city"):
        out[name] = text[name]
    out["address_norm"] = nz.normalize_address(text["address_line1"], text["address_line2"])
    problems.add("malformed address_line1", text["address_line1"].notna() & out["address_norm"].isna())
    out["state"] = _malformed("state", text["state"], nz.normalize_state(text["state"]), problems)
    zip5, zip4 = nz.split_zip(text["zip"])
    out["zip5"] = _malformed("zip", text["zip"], zip5, problems)
    out["zip4"] = zip4


def _mailing(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    for name in ("mailing_address_line1", "mailing_address_line2", "mailing_city"):
        out[name] = text[name]
    out["mailing_address_norm"] = nz.normalize_address(
        text["mailing_address_line1"], text["mailing_address_line2"]
    )
    out["mailing_state"] = _malformed(
        "mailing_state", text["mailing_state"], nz.normalize_state(text["mailing_state"]), problems
    )
    zip5, _ = nz.split_zip(text["mailing_zip"])
    out["mailing_zip5"] = _malformed("mailing_zip", text["mailing_zip"], zip5, problems)


def _device(text: dict[str, pd.Series], out: pd.DataFrame, problems: Problems) -> None:
    out["ip_address"] = _malformed(
        "ip_address", text["ip_address"], nz.normalize_ip(text["ip_address"]), problems
    )
    out["device_id"] = text["device_id"]
    out["user_agent"] = text["user_agent"]
    seconds = _malformed(
        "session_seconds", text["session_seconds"], nz.parse_number(text["session_seconds"]), problems
    )
    problems.add("malformed session_seconds (negative)", seconds < 0)
    out["session_seconds"] = seconds.astype("float64")
    language = nz.normalize_language(text["language"])
    out["language"] = _malformed("language", text["language"], language, problems).fillna(
        COLUMNS_BY_NAME["language"].default
    )


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


def _check_timing(out: pd.DataFrame, problems: Problems, timezone: str, batch_date: dt.date) -> None:
    """Nothing is dated after the night it arrives in, nobody is born after filing."""
    night_end = pd.Timestamp(batch_date + dt.timedelta(days=1))
    local_filed = out["filed_at"].dt.tz_convert(timezone).dt.tz_localize(None)
    problems.add("filed_at after the batch night", local_filed >= night_end)
    problems.add("date_of_birth after filed_at", out["date_of_birth"] > local_filed)
