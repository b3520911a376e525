"""Identity signals: is the person behind a claim real, alive, free, working here, and the only one?

:func:`compute_identity_signals` turns the claims of one night into the columns
declared in :data:`FEATURES`, from the claims lake window and the tokenized
reference lists. It is a pure function: frames in, one frame out, no file I/O.
:func:`ssn_structure_flags` is the one check that needs SSN digits, which never
reach the lake; ingest calls it before tokenizing and stores its bool columns.

**Point in time.** A claim's filing date is its ``filed_at`` in the agency time
zone. A claim scored on night ``D`` sees only what was known then:

* claims: those with ``batch_date <= D`` (a later night never changes an
  earlier night's features); tonight's own claims count;
* deceased: a death dated *before* the filing date (a person who died after
  filing was alive when the claim was made);
* incarcerated: ``admitted_on <= filing date`` and ``released_on`` empty or on
  or after the filing date (an inmate released before filing does not count);
* interstate claims: filed from ``[interstate] relevance_days`` (365) days
  before the filing date up to night ``D`` (a claim filed there after this one
  counts once it is known, on the night of ``D`` at the latest). Timing tells a
  person who moved here from multi-state fraud: one claim in the state a person
  left, months ago, is ordinary; a claim there within ``concurrent_days`` (30)
  of this one overlaps it (benefits for the same weeks, what the national
  Integrity Data Hub cross-match looks for), and so do claims in two or more
  other states within the year;
* suspicious actors: ``added_on <= D``; an entry without ``added_on`` is
  treated as always listed;
* wage records: the :data:`WAGE_LOOKBACK_QUARTERS` (5) completed quarters
  before the filing quarter. That is the standard UI base period (the first
  four of the last five completed quarters) plus the most recent quarter,
  because employers report a quarter's wages about a month after it ends, so
  the latest quarter is often not in the file yet when a laid-off worker files.
  ``employer_known`` looks at every quarter before the filing quarter.

**Missing inputs.** A reference list that is absent or empty gives ``False``
flags and zero counts, never an error. PUA claimants (self-employed, gig
workers) have no employer: ``no_wage_record_with_employer`` is ``False`` for
them and for any claim without an ``employer_ein``. A claim without an email
gets ``NaN`` similarity, ``False`` provider flags and zero alias counts.
"""

from __future__ import annotations

import datetime as dt

import disposable_email_domains
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from claimscreen.data.normalize import per_distinct
from claimscreen.data.schema import SUSPICIOUS_ACTOR_KINDS
from claimscreen.data.settings import InterstateSettings, Settings
from claimscreen.data.ssn import SSN_FLAG_COLUMNS, ssn_structure_flags
from claimscreen.features.catalog import Feature, check_unique
from claimscreen.features.codes import Encoded, lookup, matching_pairs, select_rows
from claimscreen.features.identity_match import names_apart

__all__ = [
    "ACTOR_CLAIM_KEYS",
    "ACTOR_LIST_KEYS",
    "FEATURES",
    "INTERSTATE_RELEVANCE_DAYS",
    "SSN_FLAG_COLUMNS",
    "WAGE_LOOKBACK_QUARTERS",
    "WINDOW_COLUMNS",
    "compute_identity_signals",
    "ssn_structure_flags",
]

#: How long another state's claim stays relevant by default: one benefit year.
INTERSTATE_RELEVANCE_DAYS: int = InterstateSettings().relevance_days
#: Completed quarters before the filing quarter searched for wages: the base period plus the lag quarter.
WAGE_LOOKBACK_QUARTERS = 5
#: Names shorter than this (initials) are left out of the name-email comparison.
MIN_NAME_TOKEN = 2
DEFAULT_TIMEZONE: str = Settings.model_fields["agency_timezone"].default

#: Free webmail providers (the claimant's own mailbox, anyone can open one).
FREE_EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com", "outlook.com",
    "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com",
    "protonmail.com", "proton.me", "gmx.com", "gmx.us", "mail.com", "zoho.com", "yandex.com",
)  # fmt: skip
#: Disposable (throwaway) mailbox services: the community-kept list of the
#: ``disposable-email-domains`` package (some 10,000 domains, updated with each release).
DISPOSABLE_EMAIL_DOMAINS: tuple[str, ...] = tuple(sorted(disposable_email_domains.blocklist))


#: The claims-lake columns the signals read (plus the SSN flags when ingest stores them).
WINDOW_COLUMNS: tuple[str, ...] = (
    "claim_id", "batch_date", "filed_at", "program", "ssn_token", "first_name_norm", "last_name_norm",
    "date_of_birth", "email", "email_canonical", "phone_e164", "address_norm", "zip5", "bank_account_token",
    "employer_ein", "ip_address", "device_id", "state",
)  # fmt: skip


#: The claim columns each suspicious-actor kind is matched on (see :mod:`claimscreen.data.reference`).
ACTOR_CLAIM_KEYS: dict[str, tuple[str, ...]] = {
    "bank_account": ("bank_account_token",),
    "email": ("email_canonical",),
    "phone": ("phone_e164",),
    "ip_address": ("ip_address",),
    "device_id": ("device_id",),
    "address": ("address_norm", "zip5"),
}
#: The same keys on the suspicious-actors list: ``match_key``, and ``zip5`` for an address.
ACTOR_LIST_KEYS: dict[str, tuple[str, ...]] = {
    kind: ("match_key", "zip5") if kind == "address" else ("match_key",) for kind in SUSPICIOUS_ACTOR_KINDS
}


def _feature(name: str, dtype: str, description: str) -> Feature:
    return Feature(name, dtype, description, "identity")  # type: ignore[arg-type]


FEATURES: tuple[Feature, ...] = check_unique(
    (
        _feature("ssn_invalid_area", "bool", "The SSN starts with 000, 666 or 9xx, which SSA never issues."),
        _feature("ssn_invalid_group", "bool", "The SSN's middle two digits are 00, which SSA never issues."),
        _feature(
            "ssn_invalid_serial", "bool", "The SSN's last four digits are 0000, which SSA never issues."
        ),
        _feature(
            "ssn_never_issued",
            "bool",
            "The SSN's first three digits were not in use before SSA randomized numbers in June 2011.",
        ),
        _feature(
            "ssn_structurally_invalid",
            "bool",
            "The SSN cannot be real: bad area, group or serial, or voided.",
        ),
        _feature("ssn_distinct_names", "int64", "Different names filed with this SSN in the recent window."),
        _feature(
            "ssn_names_apart",
            "int64",
            "Names filed with this SSN in the recent window that are not spellings of one another (a "
            "typo, a doubled letter, first and last name swapped count once).",
        ),
        _feature(
            "ssn_distinct_dobs", "int64", "Different birth dates filed with this SSN in the recent window."
        ),
        _feature(
            "ssn_claims_window",
            "int64",
            "Claims filed with this SSN in the recent window, this one included.",
        ),
        _feature(
            "ssn_distinct_bank_accounts",
            "int64",
            "Different bank accounts the claims with this SSN asked to be paid into in the recent window.",
        ),
        _feature(
            "ssn_distinct_emails",
            "int64",
            "Different mailboxes given on the claims with this SSN in the recent window.",
        ),
        _feature("age_at_filing", "float64", "The claimant's age in years on the day the claim was filed."),
        _feature("age_under_18", "bool", "The claimant was younger than 18 when the claim was filed."),
        _feature(
            "name_email_similarity",
            "float64",
            "How much the email's mailbox name looks like the claimant's name (0 none, 1 contains it).",
        ),
        _feature(
            "email_free_provider", "bool", "The email is at a free webmail provider such as Gmail or Yahoo."
        ),
        _feature(
            "email_disposable", "bool", "The email is at a throwaway mailbox service such as Mailinator."
        ),
        _feature(
            "email_alias_variants",
            "int64",
            "Differently written emails in the window that all deliver to this claim's mailbox.",
        ),
        _feature(
            "email_canonical_identities",
            "int64",
            "Different SSNs that filed with this claim's mailbox in the window.",
        ),
        _feature(
            "deceased_before_filing",
            "bool",
            "Death records show this SSN's owner died before the filing date.",
        ),
        _feature(
            "incarcerated_at_filing",
            "bool",
            "Prison or jail records show this SSN's owner held on the filing date.",
        ),
        _feature(
            "interstate_claim",
            "bool",
            "This SSN has a claim in another state that overlaps this one: filed within 30 days of it "
            "(setting interstate.concurrent_days), or claims in two or more other states within the "
            "past year.",
        ),
        _feature(
            "interstate_states", "int64", "Number of other states where this SSN filed within the past year."
        ),
        _feature(
            "interstate_days_since_latest",
            "float64",
            "Days from this SSN's latest claim in another state (within the past year, known by the "
            "night) to this filing: 0 when filed there the same day or later, empty when none.",
        ),
        _feature(
            "interstate_concurrent",
            "bool",
            "This SSN filed in another state within 30 days (setting interstate.concurrent_days) before "
            "or after this claim: both claims can pay for the same weeks.",
        ),
        _feature(
            "interstate_residence_state",
            "bool",
            "One of those other-state claims is in the state of the claimant's own home address.",
        ),
        _feature(
            "suspicious_actor_match",
            "bool",
            "A bank account, email, phone, IP, device or address of the claim is on the bad-actor list.",
        ),
        _feature(
            "suspicious_actor_kinds", "str", "Which identifiers of the claim are on the bad-actor list."
        ),
        _feature(
            "no_wage_record_with_employer",
            "bool",
            "The named employer reported no wages for this SSN in the last five completed quarters.",
        ),
        _feature(
            "wage_quarters_found",
            "int64",
            "Quarters with wages reported for this SSN by any employer in the last five completed quarters.",
        ),
        _feature("employer_known", "bool", "The named employer has reported wages to the state before."),
        _feature(
            "employer_ein_unassigned",
            "bool",
            "The employer's EIN starts with two digits the IRS has never assigned to any of its campuses: "
            "no real employer has that number.",
        ),
    )
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


# --- SSN structure (at ingest, from digits) ------------------------------------------


# --- The night's identity signals ---------------------------------------------------


def compute_identity_signals(
    window: pd.DataFrame,
    night: dt.date,
    references: dict[str, pd.DataFrame],
    ssn_structure: pd.DataFrame | None = None,
    labels: pd.DataFrame | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    encoded: dict[str, Encoded] | None = None,
    interstate: InterstateSettings | None = None,
) -> pd.DataFrame:
    """Feature columns for the claims of `night` (the rows of `window` with batch_date == night), by claim_id.

    window: claims with batch_date in (night - history_days, night] (lake columns); later nights are ignored.
    references: kind -> the tokenized reference list frame as read_reference returns it (a kind may be
    missing or empty).
    ssn_structure: the :func:`ssn_structure_flags` columns by claim_id, used when the window lacks them.
    labels: not read (identity signals do not learn from dispositions); accepted for a common signature.
    timezone: the agency's time zone, which turns ``filed_at`` into a filing date.
    encoded: the window's ``ssn_token`` and ``email_canonical`` already coded
    (:mod:`~claimscreen.features.codes`): the history rows sharing tonight's values are found
    on the codes, with the same result.
    interstate: the ``[interstate]`` windows (default: the settings' defaults).
    """
    del labels
    nights = _as_dates(window["batch_date"]).to_numpy()
    known = nights <= np.datetime64(night)
    is_tonight = nights == np.datetime64(night)
    sharing = _sharing_rows(encoded or {}, known, is_tonight)
    history = window if known.all() else select_rows(window, known)
    tonight = select_rows(window, is_tonight).reset_index(drop=True)
    if tonight.empty:
        return _with_dtypes(pd.DataFrame(columns=list(FEATURE_NAMES), index=pd.Index([], name="claim_id")))
    filed = _filing_dates(tonight["filed_at"], timezone)
    parts = [
        _ssn_flags(tonight, ssn_structure),
        _ssn_reuse(tonight, history, sharing.get("ssn_token")),
        _age(tonight, filed),
        _email_signals(tonight, history, sharing.get("email_canonical")),
        _deceased(tonight, filed, references.get("deceased")),
        _incarcerated(tonight, filed, references.get("incarcerated")),
        _interstate(
            tonight,
            filed,
            night,
            references.get("interstate_claims"),
            timezone,
            interstate or InterstateSettings(),
        ),
        _suspicious_actors(tonight, night, references.get("suspicious_actors")),
        _wages(tonight, filed, references.get("wage_records")),
    ]
    out = pd.concat(parts, axis=1)
    out.index = pd.Index(tonight["claim_id"].astype("str"), name="claim_id")
    return _with_dtypes(out[list(FEATURE_NAMES)])


def _with_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The declared dtype of every feature column."""
    return frame.astype({f.name: f.dtype for f in FEATURES})


# --- Plumbing -------------------------------------------------------------------------


def _as_dates(values: pd.Series) -> pd.Series:
    """Dates (``datetime.date`` objects, text or datetimes) as tz-naive midnight ``datetime64``.

    Each distinct value is converted once: a window of millions of claims holds a few dozen nights.
    """
    codes, uniques = pd.factorize(values)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=values.dtype), errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    dates = np.append(parsed.dt.normalize().to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))
    return pd.Series(dates[codes], index=values.index)


def _filing_dates(filed_at: pd.Series, timezone: str) -> pd.Series:
    """The agency-local calendar date of each filing time, as midnight ``datetime64``."""
    stamps = pd.to_datetime(filed_at, utc=True)
    return stamps.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()


def _text(values: pd.Series) -> pd.Series:
    """A column as ``str`` dtype (missing stays missing), so string methods work even when all are missing."""
    return values.astype("str")


def _isin(values: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Where ``values`` is one of ``wanted`` (missing never matches), by Arrow's hash kernel.

    Arrow's ``is_in`` is an order of magnitude faster than ``Series.isin`` on millions of strings.
    """
    array = pa.array(_text(values).array, type=pa.large_string())
    value_set = pa.array(_text(wanted).dropna().unique(), type=pa.large_string())
    found = pc.fill_null(pc.is_in(array, value_set=value_set), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _usable(reference: pd.DataFrame | None, columns: tuple[str, ...]) -> bool:
    """A reference list that is present, not empty and has the columns a signal needs."""
    return reference is not None and len(reference) > 0 and set(columns) <= set(reference.columns)


def _rows_of(tonight: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Tonight's columns with ``row`` (the claim's position), for joins back onto the night."""
    return tonight[columns].assign(row=np.arange(len(tonight)))


def _any_by_row(rows: pd.Series | np.ndarray, n: int) -> np.ndarray:
    """A bool per claim: True where the claim's position appears in ``rows``."""
    flags = np.zeros(n, dtype=bool)
    flags[np.asarray(rows, dtype=np.int64)] = True
    return flags


def _count_by_row(rows: pd.Series, n: int) -> np.ndarray:
    """How often each claim's position appears in ``rows``."""
    return np.bincount(rows.to_numpy(dtype=np.int64), minlength=n).astype(np.int64)


def _sharing_key(
    history: pd.DataFrame, keys: pd.Series, key: str, columns: list[str], rows: np.ndarray | None = None
) -> pd.DataFrame:
    """``columns`` of the history rows whose ``key`` is one of ``keys`` (one hash pass over the window).

    ``rows``: those rows, when already known (from codes).
    """
    return history[columns].loc[_isin(history[key], keys) if rows is None else rows]


def _sharing_rows(
    encoded: dict[str, Encoded], known: np.ndarray, tonight: np.ndarray
) -> dict[str, np.ndarray]:
    """Per coded key column: which history rows (``known``) have a value one of ``tonight``'s rows has.

    The same rows as :func:`_isin` finds on the text (missing never matches), from the codes.
    """
    out: dict[str, np.ndarray] = {}
    for column in ("ssn_token", "email_canonical"):
        if column not in encoded or not encoded[column].covers(tonight):
            continue
        codes = encoded[column].codes
        seen = np.zeros(encoded[column].size + 1, dtype=bool)
        seen[codes[tonight]] = True
        seen[-1] = False  # missing (code -1)
        out[column] = seen[codes][known]
    return out


def _codes(*columns: pd.Series) -> np.ndarray:
    """Dense integer codes of the value tuples of ``columns`` (-1 where any part is missing)."""
    combined, missing = pd.factorize(columns[0])[0].astype(np.int64), np.zeros(len(columns[0]), dtype=bool)
    for column in columns[1:]:
        codes, uniques = pd.factorize(column)
        missing |= codes < 0
        combined = pd.factorize(combined * (len(uniques) + 1) + codes)[0].astype(np.int64)
    return np.where(missing | (combined < 0), -1, combined)


def _key_codes(related: pd.DataFrame, keys: pd.Series, key: str) -> np.ndarray:
    """Codes of ``keys`` and then of ``related``'s ``key`` column, in one coding (-1: missing)."""
    return _codes(pd.concat([keys, related[key]], ignore_index=True))


def _distinct_per_key(
    related: pd.DataFrame, keys: pd.Series, key: str, values: list[str], key_codes: np.ndarray | None = None
) -> np.ndarray:
    """For each of ``keys``, how many distinct value tuples ``related`` holds with that key (0 if missing).

    Without ``values``, every row is distinct: the count of rows with the key. ``key_codes``:
    :func:`_key_codes` of the same arguments, when several counts share them.
    """
    key_codes = _key_codes(related, keys, key) if key_codes is None else key_codes
    mine, theirs = key_codes[: len(keys)], key_codes[len(keys) :]
    value_codes = _codes(*(related[v] for v in values)) if values else np.arange(len(related))
    present = (theirs >= 0) & (value_codes >= 0)
    width = int(value_codes.max(initial=0)) + 1
    pairs = pd.unique(theirs[present] * width + value_codes[present])
    counts = np.bincount(pairs // width, minlength=int(key_codes.max(initial=0)) + 1)
    return lookup(counts.astype(np.int64), mine, 0)


# --- Signals ---------------------------------------------------------------------------


def _ssn_flags(tonight: pd.DataFrame, ssn_structure: pd.DataFrame | None) -> pd.DataFrame:
    """The ingest-time SSN flags: from the window's columns, else ``ssn_structure``, else False."""
    columns = list(SSN_FLAG_COLUMNS)
    if set(columns) <= set(tonight.columns):
        flags = tonight[columns]
    elif ssn_structure is not None and set(columns) <= set(ssn_structure.columns):
        by_claim = (
            ssn_structure.set_index("claim_id") if "claim_id" in ssn_structure.columns else ssn_structure
        )
        flags = by_claim[columns].reindex(tonight["claim_id"].to_numpy()).reset_index(drop=True)
    else:
        flags = pd.DataFrame(False, index=tonight.index, columns=columns)
    return flags.fillna(False).astype(bool)


def _ssn_reuse(tonight: pd.DataFrame, history: pd.DataFrame, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Names, birth dates, claims, bank accounts and mailboxes seen with each claim's SSN over the window.

    A person who files again keeps their bank account and email; an identity re-used by others
    changes the payment account (the red flag DOL lists as "changes in direct deposit
    information") and the contact each time.
    """
    ssn = tonight["ssn_token"]
    columns = [
        "ssn_token", "first_name_norm", "last_name_norm", "date_of_birth",
        *(c for c in ("bank_account_token", "email_canonical") if c in history.columns),
    ]  # fmt: skip
    related = _sharing_key(history, ssn, "ssn_token", columns, rows)
    key_codes = _key_codes(related, ssn, "ssn_token")  # coded once for the five counts

    def distinct(*values: str) -> np.ndarray:
        if not set(values) <= set(related.columns):  # a window without the column: none seen
            return np.zeros(len(ssn), dtype=np.int64)
        return _distinct_per_key(related, ssn, "ssn_token", list(values), key_codes)

    names = distinct("first_name_norm", "last_name_norm")
    return pd.DataFrame(
        {
            "ssn_distinct_names": names,
            "ssn_names_apart": names_apart(related, ssn, names),
            "ssn_distinct_dobs": distinct("date_of_birth"),
            "ssn_claims_window": distinct(),
            "ssn_distinct_bank_accounts": distinct("bank_account_token"),
            "ssn_distinct_emails": distinct("email_canonical"),
        }
    )


def _age(tonight: pd.DataFrame, filed: pd.Series) -> pd.DataFrame:
    """Age at filing in years, and whether the claimant was a minor (by calendar birthdays)."""
    born = _as_dates(tonight["date_of_birth"])
    years = (filed - born).dt.days / 365.2425
    before_birthday = (filed.dt.month * 100 + filed.dt.day) < (born.dt.month * 100 + born.dt.day)
    whole_years = filed.dt.year - born.dt.year - before_birthday.astype("int64")
    return pd.DataFrame(
        {"age_at_filing": years.to_numpy(dtype=np.float64), "age_under_18": (whole_years < 18).fillna(False)}
    )


def _email_signals(
    tonight: pd.DataFrame, history: pd.DataFrame, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Mailbox name against the claimant's name, provider kind, and alias rings on one mailbox."""
    canonical = _text(tonight["email_canonical"])
    columns = ["email_canonical", "email", "ssn_token"]
    related = _sharing_key(history, canonical, "email_canonical", columns, rows)
    key_codes = _key_codes(related, canonical, "email_canonical")
    domain = canonical.str.replace(r"^[^@]*@", "", regex=True)
    return pd.DataFrame(
        {
            "name_email_similarity": _name_email_similarity(tonight),
            "email_free_provider": _isin(domain, pd.Series(FREE_EMAIL_DOMAINS)),
            "email_disposable": _isin(domain, pd.Series(DISPOSABLE_EMAIL_DOMAINS)),
            "email_alias_variants": _distinct_per_key(
                related, canonical, "email_canonical", ["email"], key_codes
            ),
            "email_canonical_identities": _distinct_per_key(
                related, canonical, "email_canonical", ["ssn_token"], key_codes
            ),
        }
    )


def _mailbox_names(tonight: pd.DataFrame) -> pd.Series:
    """The email's mailbox name in lower-case letters only (no +tag, dots or digits); NA without email."""
    email = _text(tonight["email"]).fillna(_text(tonight["email_canonical"]))
    local = email.str.lower().str.replace(r"[+@].*$", "", regex=True)
    return local.str.replace(r"[^a-z]", "", regex=True)


def _name_email_similarity(tonight: pd.DataFrame) -> np.ndarray:
    """Best rapidfuzz partial ratio (0-1) of any first or last name word against the mailbox name.

    Each distinct (word, mailbox) pair is scored once, by rapidfuzz's vectorized ``cpdist``.
    """
    mailbox = _mailbox_names(tonight)
    words, row = _name_words(pd.concat([tonight["first_name_norm"], tonight["last_name_norm"]]))
    row = row % len(tonight)
    pairs = pd.DataFrame({"word": words, "mailbox": mailbox.to_numpy()[row]})
    kept = pairs["mailbox"].notna().to_numpy()
    pair_codes = _codes(pairs["word"], pairs["mailbox"])[kept]
    first = np.unique(pair_codes, return_index=True)[1]
    unique = pairs.loc[kept].iloc[first]
    scores = process.cpdist(
        unique["word"].tolist(),
        unique["mailbox"].tolist(),
        scorer=fuzz.partial_ratio,
        dtype=np.float64,
        workers=-1,
    )
    by_code = np.zeros(int(pair_codes.max(initial=0)) + 1)
    by_code[pair_codes[first]] = np.asarray(scores, dtype=np.float64) / 100.0
    best = np.full(len(tonight), -1.0)
    np.maximum.at(best, row[kept], by_code[pair_codes])
    has_mailbox = mailbox.notna().to_numpy()
    return np.where(has_mailbox, np.maximum(best, 0.0), np.nan)


def _name_words(names: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The lower-case words of each name (split on whitespace) of :data:`MIN_NAME_TOKEN`+ characters,
    and the position of the name each comes from, in order (Arrow kernels: no Python lists)."""
    array = pa.array(_text(names).array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], pa.large_string())
    split = pc.utf8_split_whitespace(pc.utf8_lower(array))
    words, parents = pc.list_flatten(split), pc.list_parent_indices(split)
    long_enough = pc.greater_equal(pc.utf8_length(words), MIN_NAME_TOKEN)
    kept = pd.Series(pd.array(words.filter(long_enough), dtype="str"))
    return kept, np.asarray(parents.filter(long_enough).to_numpy(), dtype=np.int64)


def _deceased(tonight: pd.DataFrame, filed: pd.Series, deceased: pd.DataFrame | None) -> pd.DataFrame:
    """Whether a death record for the SSN is dated before the filing date."""
    flags = np.zeros(len(tonight), dtype=bool)
    if _usable(deceased, ("ssn_token", "date_of_death")):
        assert deceased is not None
        claims = _rows_of(tonight, ["ssn_token"]).assign(filed=filed.to_numpy())
        deaths = deceased[["ssn_token"]].assign(died=_as_dates(deceased["date_of_death"]))
        hits = claims.merge(deaths, on="ssn_token")
        flags = _any_by_row(hits.loc[hits["died"] < hits["filed"], "row"], len(tonight))
    return pd.DataFrame({"deceased_before_filing": flags})


def _incarcerated(tonight: pd.DataFrame, filed: pd.Series, inmates: pd.DataFrame | None) -> pd.DataFrame:
    """Whether the SSN's owner was admitted on or before the filing date and not released before it."""
    flags = np.zeros(len(tonight), dtype=bool)
    if _usable(inmates, ("ssn_token", "admitted_on")):
        assert inmates is not None
        released = (
            inmates["released_on"] if "released_on" in inmates.columns else pd.Series(pd.NaT, inmates.index)
        )
        stays = inmates[["ssn_token"]].assign(
            admitted=_as_dates(inmates["admitted_on"]), released=_as_dates(released)
        )
        hits = _rows_of(tonight, ["ssn_token"]).assign(filed=filed.to_numpy()).merge(stays, on="ssn_token")
        held = (hits["admitted"] <= hits["filed"]) & (
            hits["released"].isna() | (hits["released"] >= hits["filed"])
        )
        flags = _any_by_row(hits.loc[held, "row"], len(tonight))
    return pd.DataFrame({"incarcerated_at_filing": flags})


def _interstate(
    tonight: pd.DataFrame,
    filed: pd.Series,
    night: dt.date,
    claims: pd.DataFrame | None,
    timezone: str,
    windows: InterstateSettings,
) -> pd.DataFrame:
    """Other states where the SSN filed from ``relevance_days`` before filing to `night`: how many,
    how long before this filing the latest, whether one is within ``concurrent_days`` of it, and
    whether one is the state of the claim's home address. ``interstate_claim``, the hard
    evidence, is a concurrent claim or claims in two or more other states: one older claim in
    one state is what a person who moved here shows."""
    n = len(tonight)
    states = np.zeros(n, dtype=np.int64)
    latest = np.full(n, np.nan)
    concurrent = np.zeros(n, dtype=bool)
    residence = np.zeros(n, dtype=bool)
    if _usable(claims, ("ssn_token", "state", "filed_at")):
        assert claims is not None
        other = claims[["ssn_token", "state"]].assign(
            elsewhere=_reference_dates(claims["filed_at"], timezone)
        )
        home = tonight["state"] if "state" in tonight.columns else pd.Series("", index=tonight.index)
        hits = (
            _rows_of(tonight, ["ssn_token"])
            .assign(filed=filed.to_numpy(), home=_state_codes(home))
            .merge(other, on="ssn_token")
        )
        since = hits["filed"] - pd.Timedelta(days=windows.relevance_days)
        hits = hits[(hits["elsewhere"] >= since) & (hits["elsewhere"] <= pd.Timestamp(night))]
        states = _count_by_row(hits[["row", "state"]].drop_duplicates()["row"], n)
        days = (hits["filed"] - hits["elsewhere"]).dt.days
        by_row = days.clip(lower=0).groupby(hits["row"].to_numpy()).min()
        latest[by_row.index.to_numpy(dtype=np.int64)] = by_row.to_numpy(dtype="float64")
        concurrent = _any_by_row(hits.loc[days.abs() <= windows.concurrent_days, "row"], n)
        same = (_state_codes(hits["state"]) == hits["home"].to_numpy()) & (hits["home"].to_numpy() != "")
        residence = _any_by_row(hits.loc[same, "row"], n)
    return pd.DataFrame(
        {
            "interstate_claim": concurrent | (states >= 2),
            "interstate_states": states,
            "interstate_days_since_latest": latest,
            "interstate_concurrent": concurrent,
            "interstate_residence_state": residence,
        }
    )


def _state_codes(values: pd.Series) -> np.ndarray:
    """Two-letter state codes, upper case, "" where missing (never equal to a real code)."""
    return np.asarray(values.fillna("").astype("str").str.strip().str.upper().to_numpy(), dtype=object)


def _reference_dates(values: pd.Series, timezone: str) -> pd.Series:
    """Local calendar dates of reference timestamps (aware ones converted to the agency's zone)."""
    parsed = pd.to_datetime(values, errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert(timezone).dt.tz_localize(None)
    return parsed.dt.normalize()


def _joined_key(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The columns joined with ``|`` as one matching key (NA where any part is missing)."""
    key = _text(frame[columns[0]])
    for column in columns[1:]:
        key = key + "|" + _text(frame[column])
    return key


def _suspicious_actors(tonight: pd.DataFrame, night: dt.date, actors: pd.DataFrame | None) -> pd.DataFrame:
    """Which of the claim's identifiers were on the suspicious-actors list by `night`."""
    kinds = pd.Series("", index=tonight.index, dtype="str")
    matched = np.zeros(len(tonight), dtype=bool)
    if _usable(actors, ("kind", "match_key")):
        assert actors is not None
        listed = actors
        if "added_on" in actors.columns:
            added = _as_dates(actors["added_on"])
            listed = actors.loc[added.isna() | (added <= pd.Timestamp(night))]
        for kind in SUSPICIOUS_ACTOR_KINDS:
            of_kind = listed.loc[listed["kind"] == kind]
            if of_kind.empty or not set(ACTOR_LIST_KEYS[kind]) <= set(of_kind.columns):
                continue
            listed_keys = _joined_key(of_kind, ACTOR_LIST_KEYS[kind])
            hit = _isin(_joined_key(tonight, ACTOR_CLAIM_KEYS[kind]), listed_keys)
            kinds = kinds.where(~hit, kinds + kind + ";")
            matched |= hit
    return pd.DataFrame({"suspicious_actor_match": matched, "suspicious_actor_kinds": kinds.str.rstrip(";")})


def _quarter_numbers(labels: pd.Series) -> pd.Series:
    """``2026Q2`` to a running quarter number (year * 4 + quarter - 1); NA if malformed.

    Each distinct label is parsed once: a wage file holds millions of rows but a handful of quarters.
    """
    codes, uniques = pd.factorize(labels)
    parts = pd.Series(uniques, dtype="str").str.upper().str.extract(r"^(\d{4})Q([1-4])$")
    numbers = pd.to_numeric(parts[0], errors="coerce") * 4 + pd.to_numeric(parts[1], errors="coerce") - 1
    looked_up = np.append(numbers.to_numpy(dtype=np.float64), np.nan)[codes]
    return pd.Series(looked_up, index=labels.index)


def ein_unassigned(eins: pd.Series) -> np.ndarray:
    """Whether each EIN (nine digits as ingest keeps them; missing: False) has a prefix no IRS
    campus assigns, by python-stdnum's list of campus prefixes; asked once per distinct EIN."""
    from stdnum.exceptions import ValidationError
    from stdnum.us import ein

    def unassigned(value: str) -> bool:
        try:
            ein.validate(value)
        except ValidationError:
            return True
        return False

    array = pa.array(eins.astype("str").array, type=pa.large_string())
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    flags = per_distinct(array, unassigned, pa.bool_())
    return np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)


def _wages(tonight: pd.DataFrame, filed: pd.Series, wages: pd.DataFrame | None) -> pd.DataFrame:
    """Wage records of the SSN in the lookback quarters, with and without the named employer.

    A wage row counts when its SSN, EIN and quarter are all given. Only the rows of tonight's
    SSNs (for the quarters) or tonight's EINs (for the employer's first quarter) are read past
    the two hash lookups, and they are joined to the claims on integer codes, not on the text.
    """
    n = len(tonight)
    out = pd.DataFrame(
        {
            "no_wage_record_with_employer": np.zeros(n, dtype=bool),
            "wage_quarters_found": np.zeros(n, dtype=np.int64),
            "employer_known": np.zeros(n, dtype=bool),
            "employer_ein_unassigned": ein_unassigned(tonight["employer_ein"]),
        }
    )
    if not _usable(wages, ("ssn_token", "employer_ein", "quarter")):
        return out
    assert wages is not None
    claim_ssn, ssns = _coded_text(tonight["ssn_token"])
    claim_ein, eins = _coded_text(tonight["employer_ein"])
    wage_ssn, wage_ein = _positions(wages["ssn_token"], ssns), _positions(wages["employer_ein"], eins)
    complete = (wages["ssn_token"].notna() & wages["employer_ein"].notna()).to_numpy(dtype=bool)
    rows = np.flatnonzero(complete & ((wage_ssn >= 0) | (wage_ein >= 0)))
    quarter = _quarter_numbers(wages["quarter"].iloc[rows]).to_numpy(dtype=np.float64)
    dated = ~np.isnan(quarter)
    wage_ssn, wage_ein, quarter = wage_ssn[rows[dated]], wage_ein[rows[dated]], quarter[dated]

    filing_quarter = (filed.dt.year * 4 + (filed.dt.month - 1) // 3).to_numpy(dtype=np.float64)
    claim, paid = matching_pairs(claim_ssn, wage_ssn, len(ssns))
    lag = filing_quarter[claim] - quarter[paid]
    kept = (lag >= 1) & (lag <= WAGE_LOOKBACK_QUARTERS)
    claim, paid, lag = claim[kept], paid[kept], lag[kept]
    # A claim's filing quarter is fixed, so its distinct wage quarters are its distinct lags.
    quarters = np.zeros((n, WAGE_LOOKBACK_QUARTERS + 1), dtype=bool)
    quarters[claim, lag.astype(np.int64)] = True
    out["wage_quarters_found"] = quarters.sum(axis=1).astype(np.int64)
    same_employer = (wage_ein[paid] == claim_ein[claim]) & (claim_ein[claim] >= 0)
    paid_by_employer = _any_by_row(claim[same_employer], n)
    has_employer = (tonight["employer_ein"].notna() & (tonight["program"] != "PUA")).to_numpy(dtype=bool)
    out["no_wage_record_with_employer"] = has_employer & ~paid_by_employer
    first_quarter = np.full(len(eins), np.inf)
    reported = wage_ein >= 0
    np.minimum.at(first_quarter, wage_ein[reported], quarter[reported])
    out["employer_known"] = lookup(first_quarter, claim_ein, np.inf) < filing_quarter
    return out


def _coded_text(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Codes of a column's values (-1: missing) and the distinct values they stand for, as Arrow
    text for :func:`_positions`."""
    codes, distinct = pd.factorize(_text(values))
    return codes.astype(np.int64), pa.array(distinct, type=pa.large_string())


def _positions(values: pd.Series, distinct: pa.Array) -> np.ndarray:
    """Where each of ``values`` stands in ``distinct`` (-1: missing or not there), by Arrow's hash kernel."""
    array = pa.array(_text(values).array, type=pa.large_string())
    found = pc.fill_null(pc.index_in(array, value_set=distinct), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
