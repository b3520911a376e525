"""Sharing signals: how many people gave each of a claim's identifiers, and how new it is to the state.

:func:`compute_sharing_features` is a pure function of the claims window: for the
claims of night ``D`` it returns one row per claim (by ``claim_id``) with exactly
the columns of :data:`FEATURES`. Counts are point in time: a count over ``k``
days covers the claims with ``batch_date`` in ``(D - k, D]`` (all of tonight's,
the claim itself included, never a later night's); ``window`` is the whole
history window (``history_days``, 90 by default). ``first_seen_days`` is the
number of nights since the identifier first appears in the window (0: first
seen tonight; at most ``history_days - 1``, so "older than the window" reads as
the window's length). A claim without the identifier gets NaN.

**Kinds.** ``bank_account`` (bank_account_token), ``phone`` (phone_e164),
``email`` (email_canonical: the mailbox, aliases folded), ``residence`` (the
residence address with its unit: address_norm + zip5), ``mailing`` (the mailing
address, when it differs from the residence), ``device``, ``ip`` and
``employer`` (employer_ein). A residence or mailing address counts everyone who
gave it as either, so a drop used as a home by some and as a mailing address by
others is one address.

**What is counted, and why only that** (the features file holds a million rows
a night): distinct people (identity, else SSN), not claims (a person's
re-filings are ``ssn_claims_window``); 7 and 30 days for bank account, phone,
email and addresses (a mail drop fills over one to three weeks, a bank drop over
days), the whole window for bank account, phone and addresses (a unit that has
hosted claimants all along is a household or a shelter, not a drop; an email's
window count is ``email_canonical_identities``). Tonight's count is left to the
velocity features (``device_*_1d``, ``ip_*_1d``), the kinds that fill within a
night; device and IP get only ``first_seen_days`` (their 1/7/30-day counts are
the velocity features). The employer is counted tonight only: its column is read
for tonight's claims alone (ten million history rows stay out of the read), and a
mass layoff shows as many people the same night. ``address_congregate`` says the
residence or mailing address is on the agency's congregate-address list
(shelters, group homes, dormitories), where many unrelated people are normal.

**Homes behind an identifier.** ``{kind}_addresses_30d`` (bank account, phone, mailbox,
device) counts the different homes of the people who gave the value in 30 days, and
``device_networks_30d`` the IP networks (IPv4 /16, IPv6 /32) its claims came from. A home
is the house number and ZIP code of the residence (the street line when it has no
number): a household shares all four at one home, people who live apart and share one do
not (``models.evidence``: ``*_OTHER_HOMES``). ``{kind}_families_30d`` counts the *families*
among them: people who share a surname (any word of it: ``GARCIA`` and ``GARCIA LOPEZ``) or a
home (any of their claims' homes in the history window, the one they left included) are one
family, so a grown child helping a parent who lives elsewhere, or a spouse who moved out still
on the joint account, is one family at two homes; strangers are one family each (strangers
with a common surname, ``NGUYEN``, ``KIM``, are one family too: the price of the rule). A unit
given by more than :data:`FAMILY_HOME_MOST` of the sharers links no one: a drop or a shelter.

**How.** The window's columns arrive coded (:mod:`~claimscreen.features.codes`);
only the rows whose value one of tonight's claims has are looked at, and
distinct (value, person) pairs are counted with one ``pd.unique`` per window.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.features.catalog import Feature, check_unique
from claimscreen.features.codes import Encoded, blank_values, encode_column, lookup, select_rows
from claimscreen.features.device import night_age
from claimscreen.features.network import address_parts, on_congregate_list
from claimscreen.features.ring_graph import connected_labels, ip_networks, surname_words

__all__ = ["FEATURES", "KINDS", "WINDOW_COLUMNS", "compute_sharing_features"]

Arr = np.ndarray[Any, Any]

#: Identifier kinds and the lake column of each (the two address kinds read four columns).
KINDS: dict[str, str] = {
    "bank_account": "bank_account_token",
    "phone": "phone_e164",
    "email": "email_canonical",
    "residence": "address_norm",
    "mailing": "mailing_address_norm",
    "device": "device_id",
    "ip": "ip_address",
    "employer": "employer_ein",
}
#: Count windows in nights per kind (0: the whole history window).
WINDOWS: dict[str, tuple[int, ...]] = {
    "bank_account": (7, 30, 0),
    "phone": (7, 30, 0),
    "email": (7, 30),
    "residence": (7, 30, 0),
    "mailing": (7, 30, 0),
    "device": (),
    "ip": (),
    "employer": (1,),
}
#: Kinds read for tonight's claims only (the window's earlier nights do not carry the column).
TONIGHT_KINDS: tuple[str, ...] = ("employer",)
#: Kinds with ``{kind}_first_seen_days``.
FIRST_SEEN: tuple[str, ...] = ("bank_account", "phone", "email", "residence", "mailing", "device", "ip")
#: Kinds whose sharers' homes are counted (``{kind}_addresses_30d``): people who share a bank
#: account, a phone, a mailbox or a device usually share a home; strangers who do live apart.
HOME_KINDS: tuple[str, ...] = ("bank_account", "phone", "email", "device")
#: Window columns read (the two address kinds also read the ZIP codes).
WINDOW_COLUMNS: tuple[str, ...] = (
    *(c for k, c in KINDS.items() if k not in TONIGHT_KINDS),
    "zip5",
    "mailing_zip5",
)

_WORDS = {
    "bank_account": "this bank account",
    "phone": "this phone number",
    "email": "this email's mailbox",
    "residence": "this home address (unit included) as home or mailing address",
    "mailing": "this mailing address (unit included) as home or mailing address",
    "device": "this device",
    "ip": "this IP address",
    "employer": "this employer",
}


def _name(kind: str, days: int) -> str:
    return f"{kind}_identities_{days}d" if days else f"{kind}_identities_window"


def _features() -> tuple[Feature, ...]:
    out: list[Feature] = []
    for kind, windows in WINDOWS.items():
        for days in windows:
            span = "tonight" if days == 1 else f"in the last {days} days" if days else "in the history window"
            text = f"Number of different people who gave {_WORDS[kind]} {span}, this claimant included"
            out.append(Feature(_name(kind, days), "float64", text, "network"))
        if kind in FIRST_SEEN:
            text = (
                f"Days since {_WORDS[kind].split(' as ')[0]} was first seen on any claim in the history "
                "window (0: new tonight)"
            )
            out.append(Feature(f"{kind}_first_seen_days", "float64", text, "network"))
    for kind in HOME_KINDS:
        text = (
            f"Number of different homes (house number and ZIP code) of the people who gave "
            f"{_WORDS[kind]} in the last 30 days (0 without a home address): a household sharing it is 1, "
            "people living apart more"
        )
        out.append(Feature(f"{kind}_addresses_30d", "float64", text, "network"))
    for kind in HOME_KINDS:
        text = (
            f"Number of different families among the people who gave {_WORDS[kind]} in the last 30 days: "
            "people who share a surname or a home (now or earlier in the history window) are one family, "
            "strangers one each (1 when one person or one home)"
        )
        out.append(Feature(f"{kind}_families_30d", "float64", text, "network"))
    out.append(
        Feature(
            "device_networks_30d",
            "float64",
            "Number of different internet networks (IPv4 /16, IPv6 /32) this device's claims came from in "
            "the last 30 days (0 without an IP address): a household's computer stays on its home network",
            "network",
        )
    )
    out.append(
        Feature(
            "address_congregate",
            "bool",
            "The home or mailing address is on the agency's list of shelters, group homes and dormitories",
            "network",
        )
    )
    return check_unique(tuple(out))


FEATURES: tuple[Feature, ...] = _features()
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def compute_sharing_features(
    window: pd.DataFrame,
    night: dt.date,
    *,
    identity: Arr,
    encoded: dict[str, Encoded] | None = None,
    congregate: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:data:`FEATURES` of the claims of ``night`` (rows of ``window`` with that batch_date), by claim_id.

    ``identity``: each window row's person code (equal people, equal codes); ``encoded``: the
    window's text columns already coded (a column absent from it is coded here); ``congregate``:
    the congregate-address list in lake form (``match_key``, ``zip5``), or None.
    """
    encoded = dict(encoded or {})
    for column in WINDOW_COLUMNS:
        if column not in encoded and column in window.columns:
            encoded[column] = encode_column(window[column])
    age = night_age(window["batch_date"], night)
    tonight = age == 0
    people = np.asarray(identity, dtype=np.int64)
    columns: dict[str, Arr] = {}
    kind_codes: dict[str, Arr] = {}
    for kind, column in KINDS.items():
        if kind in ("residence", "mailing"):
            continue
        if kind in TONIGHT_KINDS:
            rows = np.flatnonzero(tonight)
            given = select_rows(window[[column]], tonight)[column] if column in window.columns else None
            codes = _codes(
                None if given is None else encode_column(given), len(rows), np.ones(len(rows), bool)
            )
            columns.update(_counts(kind, codes, rows, codes, people, age))
            continue
        codes = _codes(encoded.get(column), len(window), tonight)
        kind_codes[kind] = codes
        rows = np.arange(len(window))
        columns.update(_counts(kind, codes, rows, codes[tonight], people, age))
    columns.update(_sharers_homes(window, kind_codes, tonight, age, people))
    key, rows, night_keys = _address_keys(encoded, len(window), tonight)
    for slot, kind in enumerate(("residence", "mailing")):
        columns.update(_counts(kind, key, rows, night_keys[slot], people, age))
    columns["address_congregate"] = _listed(window, tonight, congregate)
    index = pd.Index(select_rows(window[["claim_id"]], tonight)["claim_id"], name="claim_id")
    return pd.DataFrame({name: columns[name] for name in FEATURE_NAMES}, index=index)


def _codes(encoded: Encoded | None, n: int, tonight: Arr) -> Arr:
    """A column's codes (int64), blank values and values tonight's claims do not have made -1."""
    if encoded is None:
        return np.full(n, -1, dtype=np.int64)
    codes = np.asarray(encoded.codes, dtype=np.int64)
    return _keep_tonight(codes, codes[tonight], encoded)


def _keep_tonight(codes: Arr, night_codes: Arr, encoded: Encoded | None) -> Arr:
    """``codes`` with -1 for the values no claim of tonight has, and for blank ones.

    Masks, not ``np.unique``: a set of a million codes by hashing costs seconds, a mask milliseconds.
    """
    size = int(codes.max(initial=-1)) + 1
    keep = np.zeros(size + 1, dtype=bool)  # the last slot: code -1
    keep[night_codes[night_codes >= 0]] = True
    if encoded is not None:
        coded = np.flatnonzero(keep[: min(size, encoded.size)])  # the others: mailing-only values
        if len(coded):
            keep[coded[blank_values(encoded, coded)]] = False
    return np.where(keep[codes], codes, -1)


def _address_keys(encoded: dict[str, Encoded], n: int, tonight: Arr) -> tuple[Arr, Arr, tuple[Arr, Arr]]:
    """Codes of (street with unit, ZIP) for residence and mailing addresses in one namespace.

    Returns the key of each (row, address) incidence, its row, and tonight's residence and
    mailing keys (-1: none, or a mailing address equal to the residence).
    """
    if "address_norm" not in encoded or "zip5" not in encoded:
        empty = np.full(int(tonight.sum()), -1, dtype=np.int64)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), (empty, empty)
    streets, zips = address_parts(encoded)
    street, zip5 = np.concatenate(streets), np.concatenate(zips)
    slot_tonight = np.tile(tonight, len(streets))
    street = _keep_tonight(street, street[slot_tonight], encoded["address_norm"])
    at = np.flatnonzero((street >= 0) & (zip5 >= 0))
    joint = street[at] * (int(zip5.max(initial=0)) + 1) + zip5[at]
    flat = np.full(len(street), -1, dtype=np.int64)
    flat[at] = pd.factorize(joint)[0]
    key: Arr = flat.reshape(len(streets), n)  # row 0: residences, row 1: mailing addresses
    if len(streets) == 2:
        key[1, key[1] == key[0]] = -1
    night_keys = (key[0, tonight], key[1, tonight] if len(streets) == 2 else np.full(int(tonight.sum()), -1))
    slots = np.flatnonzero(flat >= 0)
    return flat[slots], slots % n, night_keys


def _counts(kind: str, key: Arr, rows: Arr, night_key: Arr, people: Arr, age: Arr) -> dict[str, Arr]:
    """Distinct people per value over each of the kind's windows, and the value's first night,
    for tonight's values ``night_key`` (incidences: value ``key[i]`` given on window row ``rows[i]``)."""
    present = (key >= 0) & (age[rows] >= 0)  # never a later night
    key, rows = key[present], rows[present]
    n_keys = int(max(key.max(initial=-1), night_key.max(initial=-1))) + 1
    nights = age[rows]
    out: dict[str, Arr] = {}
    if WINDOWS[kind]:
        # One hash of the (value, person) pairs; each pair's latest night decides the windows it is in.
        span = int(people.max(initial=0)) + 2
        pair, pairs = pd.factorize(key * span + (people[rows] + 1))
        latest = np.full(len(pairs), np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(latest, pair, nights)
        pair_key = np.asarray(pairs, dtype=np.int64) // span
        for days in WINDOWS[kind]:
            inside = pair_key[latest < days] if days else pair_key
            counts = np.bincount(inside, minlength=n_keys).astype(np.float64)
            out[_name(kind, days)] = lookup(counts, night_key, np.nan)
    if kind in FIRST_SEEN:
        oldest = np.zeros(n_keys, dtype=np.float64)
        np.maximum.at(oldest, key, nights.astype(np.float64))
        out[f"{kind}_first_seen_days"] = lookup(oldest, night_key, np.nan)
    return out


def _sharers_homes(
    window: pd.DataFrame, kind_codes: dict[str, Arr], tonight: Arr, age: Arr, people: Arr
) -> dict[str, Arr]:
    """Per claim of tonight and kind of :data:`HOME_KINDS`: distinct homes, and families, of the
    people who gave its value in the last 30 days, and for a device the IP networks its claims
    came from.

    Spouses share an account, a phone, a mailbox and a computer, and a home; a bank drop, a
    stealth chain's pairs or a device farm behind residential proxies link people who live
    apart (DOL: "multiple claimants using the same bank account"). A *home* is the house
    number and ZIP code of the residence address (the street line when it has no number), so
    a typo in a street's name or a unit written two ways is not a second home. Only values
    given on two or more claims in 30 days are looked at (a value given once reads 1, or 0
    without a home address), and the text of their rows alone is read: at a million claims a
    night most values are given once. Families (:func:`_families`) are looked for only among
    values given by two or more people, from every claim of theirs in the window."""
    n = len(window)
    recent = (age >= 0) & (age < 30)
    kinds: dict[str, tuple[Arr, Arr, Arr]] = {}
    need = np.zeros(n, dtype=bool)
    for kind in HOME_KINDS:
        codes = kind_codes[kind]  # -1: blank, or a value no claim of tonight has
        rows = np.flatnonzero((codes >= 0) & recent)
        claims_per_value = np.bincount(codes[rows], minlength=int(codes.max(initial=-1)) + 1)
        shared = rows[claims_per_value[codes[rows]] >= 2]
        need[shared] = True
        kinds[kind] = (codes, shared, claims_per_value)
    together = {
        kind: shared[_distinct_per_value(codes[shared], people[shared], len(per))[codes[shared]] >= 2]
        for kind, (codes, shared, per) in kinds.items()
    }
    history = need | _rows_of_people(people, np.concatenate([people[r] for r in together.values()]), age)
    home = _home_codes(window, history)
    marks = _family_marks(window, history, home, people)
    own_home = np.where(
        _present(window, "address_norm", tonight) & _present(window, "zip5", tonight), 1.0, 0.0
    )
    out: dict[str, Arr] = {}
    for kind, (codes, shared, claims_per_value) in kinds.items():
        n_values = len(claims_per_value)
        given = shared[home[shared] >= 0]
        homes = _distinct_per_value(codes[given], home[given], n_values)
        out[f"{kind}_addresses_30d"] = _shared_or_own(codes[tonight], claims_per_value, homes, own_home)
        rows = together[kind]
        families = _families(codes[rows], people[rows], marks, n_values)
        out[f"{kind}_families_30d"] = lookup(families, codes[tonight], np.nan)
        if kind == "device":
            network = _networks(window, shared, n)
            present = shared[network[shared] >= 0]
            networks = _distinct_per_value(codes[present], network[present], n_values)
            own_ip = np.where(_present(window, "ip_address", tonight), 1.0, 0.0)
            out["device_networks_30d"] = _shared_or_own(codes[tonight], claims_per_value, networks, own_ip)
    return out


#: A home links its people as one family only when at most this many of the people who share
#: an identifier gave it: a unit that more give is a drop or a shelter, not a family's home.
FAMILY_HOME_MOST = 5


def _rows_of_people(people: Arr, chosen: Arr, age: Arr) -> Arr:
    """Rows of the window (never a later night) of the people ``chosen``."""
    mark = np.zeros(int(people.max(initial=0)) + 2, dtype=bool)
    mark[chosen] = True
    return mark[people] & (age >= 0)


def _family_marks(window: pd.DataFrame, rows: Arr, home: Arr, people: Arr) -> tuple[Arr, Arr]:
    """(person, mark) pairs over the mask ``rows``: the homes each person gave (those given by
    at most :data:`FAMILY_HOME_MOST` of them) and the words of their surnames, as codes."""
    at = np.flatnonzero(rows & (home >= 0))
    per_home = _distinct_per_value(home[at], people[at], int(home.max(initial=-1)) + 1)
    at = at[per_home[home[at]] <= FAMILY_HOME_MOST]
    name_rows, words = _surname_words(window, rows)
    offset = int(home.max(initial=-1)) + 1
    person = np.r_[people[at], people[name_rows]].astype(np.int64)
    mark = np.r_[home[at], offset + words].astype(np.int64)
    if not len(person):
        return person, mark
    span = int(mark.max()) + 1
    pairs = pd.unique(person * span + mark)
    return pairs // span, pairs % span


def _surname_words(window: pd.DataFrame, rows: Arr) -> tuple[Arr, Arr]:
    """(row, word code) for the surnames (``last_name_norm``) of the mask ``rows``, as the ring
    rule reads a family's surnames (:func:`~claimscreen.features.ring_graph.surname_words`: each
    word but a particle, and the whole name; placeholders and blanks give none)."""
    empty = np.zeros(0, dtype=np.int64)
    if not rows.any() or "last_name_norm" not in window.columns:
        return empty, empty
    position, codes = surname_words(select_rows(window[["last_name_norm"]], rows)["last_name_norm"])
    return np.flatnonzero(rows)[position].astype(np.int64), codes


def _families(values: Arr, persons: Arr, marks: tuple[Arr, Arr], n_values: int) -> Arr:
    """Per value code: how many families gave it (1 where no incidence says otherwise).

    ``values``/``persons``: the value given by the person (repeats allowed); ``marks``:
    (person, mark) pairs. The people of one value who share a mark (a home or a surname word)
    are one family: the connected parts of the (value, person) -- (value, mark) graph."""
    out = np.ones(n_values, dtype=np.float64)
    if not len(values):
        return out
    span = int(persons.max()) + 1
    pairs = pd.unique(values.astype(np.int64) * span + persons.astype(np.int64))
    value, person = pairs // span, pairs % span
    mark_person, mark = marks
    order = np.argsort(mark_person, kind="stable")
    mark_person, mark = mark_person[order], mark[order]
    lo = np.searchsorted(mark_person, person)
    count = np.searchsorted(mark_person, person, side="right") - lo
    pair = np.repeat(np.arange(len(pairs)), count)
    at = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    width = int(mark.max(initial=0)) + 1
    node = np.asarray(pd.factorize(value[pair] * width + mark[at])[0], dtype=np.int64)
    label = connected_labels(pair, node, len(pairs))
    counted = _distinct_per_value(value, label, n_values)
    given = np.unique(value)
    out[given] = counted[given]
    return out


def _distinct_per_value(values: Arr, items: Arr, n_values: int) -> Arr:
    """Per value code (0 to ``n_values - 1``): how many distinct ``items`` appear with it."""
    if not len(values):
        return np.zeros(n_values, dtype=np.int64)
    width = int(items.max()) + 2
    pairs = pd.unique(values.astype(np.int64) * width + (items.astype(np.int64) + 1))
    return np.bincount(pairs // width, minlength=n_values)


def _shared_or_own(night_value: Arr, claims_per_value: Arr, counts: Arr, own: Arr) -> Arr:
    """Tonight's counts: the value's ``counts`` when two or more claims gave it, else ``own``
    (the claim's own 1 or 0); NaN without a value."""
    out = np.full(len(night_value), np.nan)
    has = night_value >= 0
    value = night_value[has]
    out[has] = np.where(claims_per_value[value] >= 2, counts[value].astype(np.float64), own[has])
    return out


def _home_codes(window: pd.DataFrame, rows: Arr) -> Arr:
    """Per window row of the mask ``rows``: a code of its home (house number, or the street line
    when it has none, and ZIP code); -1 elsewhere and without an address."""
    out = np.full(len(window), -1, dtype=np.int64)
    if not rows.any() or "address_norm" not in window.columns or "zip5" not in window.columns:
        return out
    chosen = select_rows(window[["address_norm", "zip5"]], rows)
    street = pa.array(chosen["address_norm"].astype("str").array, pa.large_string())
    street = street.combine_chunks() if isinstance(street, pa.ChunkedArray) else street
    number = pc.struct_field(pc.extract_regex(street, r"^(?P<number>[0-9]+[A-Z]?)\b"), "number")
    house = pc.coalesce(number, _building_line(street))
    zip5 = pa.array(chosen["zip5"].astype("str").array, pa.large_string())
    zip5 = zip5.combine_chunks() if isinstance(zip5, pa.ChunkedArray) else zip5  # read night by night
    key = pc.binary_join_element_wise(house, zip5, pa.scalar("|", pa.large_string()))
    codes = np.asarray(pc.fill_null(pc.cast(pc.dictionary_encode(key).indices, pa.int64()), -1))
    out[np.flatnonzero(rows)] = codes
    return out


def _building_line(street: pa.Array) -> pa.Array:
    """The street line without its unit (``PO BOX 12 #3`` -> ``PO BOX 12``)."""
    return pc.replace_substring_regex(street, r" #\S*$", "")


def _networks(window: pd.DataFrame, rows: Arr, n: int) -> Arr:
    """Per window row of ``rows``: a code of its IP address's network (-1 elsewhere and without one)."""
    out = np.full(n, -1, dtype=np.int64)
    if len(rows) and "ip_address" in window.columns:
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        out[np.flatnonzero(mask)] = ip_networks(select_rows(window[["ip_address"]], mask)["ip_address"])
    return out


def _present(window: pd.DataFrame, column: str, rows: Arr) -> Arr:
    """Whether ``column`` holds a non-blank value on each row of the mask ``rows``."""
    if column not in window.columns:
        return np.zeros(int(rows.sum()), dtype=bool)
    values = select_rows(window[[column]], rows)[column]
    return np.asarray(values.notna() & (values.astype("str").str.strip() != ""), dtype=bool)


def _listed(window: pd.DataFrame, tonight: Arr, congregate: pd.DataFrame | None) -> Arr:
    """Per claim of tonight: its residence or mailing address is on the congregate-address list."""
    n = int(tonight.sum())
    if congregate is None or not len(congregate) or "address_norm" not in window.columns:
        return np.zeros(n, dtype=bool)
    found = np.zeros(n, dtype=bool)
    for street, zip5 in (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5")):
        if street in window.columns and zip5 in window.columns:
            rows = select_rows(window[[street, zip5]], tonight)
            lines = pa.array(rows[street].astype("str").array, pa.large_string())
            zips = pa.array(rows[zip5].astype("str").array, pa.large_string())
            found |= on_congregate_list(lines, zips, congregate)
    return found
