"""The claim schema, declared once (docs/reference.md, "Claim batches"), and the lake schemas.

Every other stage derives what it needs from :data:`CLAIM_COLUMNS`: the ingest
validator (required-ness, formats, allowed values, length caps), the Parquet schema of the
claims lake, the synthetic generator (which columns to write) and the tests.
Nothing else retypes a column list.

Two columns are *sensitive*: ``ssn`` and ``bank_account``. They never reach the
lake in the clear; ingest replaces each with a keyed-hash token and a display
form that keeps the last four digits only (see :mod:`claimscreen.data.tokenize`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

__all__ = [
    "CHANNELS",
    "CLAIMS_LAKE_SCHEMA",
    "CLAIM_COLUMNS",
    "CLAIM_COLUMN_NAMES",
    "COLUMNS_BY_NAME",
    "DISPOSITIONS_SCHEMA",
    "DISPOSITION_COLUMNS",
    "IP_RANGE_CATEGORIES",
    "LOOKBACK_EXPORT_COLUMNS",
    "LOOKBACK_QUEUE_LABEL",
    "LOOKBACK_SCHEMA",
    "PAYMENT_METHODS",
    "PROGRAMS",
    "QUARANTINE_EXPORT_COLUMNS",
    "QUARANTINE_SCHEMA",
    "QUEUE_SCHEMA",
    "REFERENCE_LISTS",
    "REQUIRED_COLUMN_NAMES",
    "ROUTES",
    "SCORES_EXPORT_COLUMNS",
    "SCORES_SCHEMA",
    "SENSITIVE_COLUMN_NAMES",
    "SEPARATION_REASONS",
    "STATUS_EXPORT_COLUMNS",
    "SUSPICIOUS_ACTOR_KINDS",
    "VERIFICATIONS_SCHEMA",
    "VERIFICATION_CHECKS",
    "VERIFICATION_COLUMNS",
    "VERIFY_EXPORT_COLUMNS",
    "Column",
    "Condition",
]

ColumnKind = Literal["string", "timestamp", "date", "number"]
#: What ingest does with a value longer than its column's ``max_length``.
Overlong = Literal["quarantine", "truncate"]


@dataclass(frozen=True)
class Condition:
    """A column is required only when another column has (or lacks) some values."""

    column: str
    values: tuple[str, ...]
    negate: bool = False

    def describe(self) -> str:
        values = ", ".join(self.values)
        return f"unless {self.column} is {values}" if self.negate else f"for {self.column} {values}"


@dataclass(frozen=True)
class Column:
    """One column of the claim batch, as the contract declares it."""

    name: str
    kind: ColumnKind
    required: bool = False
    required_when: Condition | None = None
    allowed: tuple[str, ...] | None = None
    default: str | None = None
    sensitive: bool = False
    description: str = ""
    #: Longest value accepted, in characters (None: the column's format bounds it).
    max_length: int | None = None
    #: A longer value quarantines the row (``too long COLUMN``) or is cut to ``max_length``.
    overlong: Overlong = "quarantine"

    @property
    def conditionally_required(self) -> bool:
        return self.required_when is not None


_DIRECT_DEPOSIT = Condition("payment_method", ("direct_deposit",))
_NOT_PUA = Condition("program", ("PUA",), negate=True)
_ONLINE = Condition("channel", ("web", "mobile"))

PROGRAMS = ("UI", "UCFE", "UCX", "PUA")
PAYMENT_METHODS = ("direct_deposit", "debit_card", "check")
SEPARATION_REASONS = ("lack_of_work", "quit", "discharged", "other")
CHANNELS = ("web", "mobile", "phone", "in_person")

# Length caps (characters): far above any real value (the longest legal names and street
# lines run to some 60), low enough that an over-long value is a broken extract or an
# attack, not a claimant. Identity and contact fields are quarantined when over: a cut
# value would match, or be shown as, someone it is not. A user agent, free text kept as
# evidence only, is cut instead.
_NAME, _LINE, _TEXT = 100, 100, 200

CLAIM_COLUMNS: tuple[Column, ...] = (
    Column("claim_id", "string", required=True, description="unique across all batches", max_length=_NAME),
    Column("filed_at", "timestamp", required=True, description="ISO 8601; agency time zone if no offset"),
    Column("program", "string", allowed=PROGRAMS, default="UI"),
    Column("ssn", "string", required=True, sensitive=True, description="9 digits"),
    Column("first_name", "string", required=True, description="any script", max_length=_NAME),
    Column("last_name", "string", required=True, description="any script", max_length=_NAME),
    Column("middle_name", "string", max_length=_NAME),
    Column("date_of_birth", "date", required=True, description="YYYY-MM-DD"),
    # RFC 5321: a path is at most 256 octets, so an address at most 254 characters.
    Column("email", "string", description="internationalized allowed", max_length=254),
    Column("phone", "string", description="any common US format, or international with +", max_length=40),
    Column("address_line1", "string", required=True, max_length=_LINE),
    Column("address_line2", "string", description="unit, apartment", max_length=_LINE),
    Column("city", "string", required=True, max_length=_LINE),
    Column("state", "string", required=True, description="two-letter code"),
    Column("zip", "string", required=True, description="12345, 12345-6789 or 123456789"),
    Column("mailing_address_line1", "string", max_length=_LINE),
    Column("mailing_address_line2", "string", max_length=_LINE),
    Column("mailing_city", "string", max_length=_LINE),
    Column("mailing_state", "string", description="USPS code, or a region abroad", max_length=_LINE),
    Column("mailing_zip", "string", description="ZIP, or a postal code abroad", max_length=20),
    Column("payment_method", "string", required=True, allowed=PAYMENT_METHODS),
    Column("bank_routing", "string", required_when=_DIRECT_DEPOSIT, description="9 digits"),
    Column("bank_account", "string", required_when=_DIRECT_DEPOSIT, sensitive=True),
    Column("employer_ein", "string", required_when=_NOT_PUA, description="9 digits, dash optional"),
    Column("employer_name", "string", required_when=_NOT_PUA, max_length=_TEXT),
    Column("separation_date", "date"),
    Column("separation_reason", "string", allowed=SEPARATION_REASONS),
    Column("channel", "string", required=True, allowed=CHANNELS),
    Column("ip_address", "string", required_when=_ONLINE, description="IPv4 or IPv6"),
    Column("device_id", "string", required_when=_ONLINE, max_length=_TEXT),
    Column("user_agent", "string", max_length=1000, overlong="truncate"),
    Column("session_seconds", "number"),
    Column("language", "string", default="en", description="ISO 639-1"),
)

COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in CLAIM_COLUMNS}
CLAIM_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in CLAIM_COLUMNS)
REQUIRED_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in CLAIM_COLUMNS if c.required)
SENSITIVE_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in CLAIM_COLUMNS if c.sensitive)

# --- The claims lake (normalized, tokenized; what features read) -------------

_TS = pa.timestamp("us", tz="UTC")

#: Columns the lake adds to every claim: where it came from.
PROVENANCE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("claim_id", pa.string(), nullable=False),
    pa.field("batch_date", pa.date32(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_sha256", pa.string(), nullable=False),
    pa.field("row_number", pa.int64(), nullable=False),
)

CLAIMS_LAKE_SCHEMA = pa.schema(
    [
        *PROVENANCE_FIELDS,
        pa.field("filed_at", _TS, nullable=False),
        pa.field("program", pa.string(), nullable=False),
        pa.field("ssn_token", pa.string(), nullable=False),
        pa.field("ssn_last4", pa.string(), nullable=False),
        # Keyed hash of the digits before the last four: a typo in the last four is seen
        # without the digits (see claimscreen.data.ssn_keys); null when too short.
        pa.field("ssn_head_token", pa.string()),
        # SSN structure, from the digits at ingest (see claimscreen.data.ssn).
        pa.field("ssn_invalid_area", pa.bool_(), nullable=False),
        pa.field("ssn_invalid_group", pa.bool_(), nullable=False),
        pa.field("ssn_invalid_serial", pa.bool_(), nullable=False),
        pa.field("ssn_never_issued", pa.bool_(), nullable=False),
        pa.field("ssn_structurally_invalid", pa.bool_(), nullable=False),
        pa.field("first_name", pa.string(), nullable=False),
        pa.field("last_name", pa.string(), nullable=False),
        pa.field("middle_name", pa.string()),
        pa.field("first_name_norm", pa.string(), nullable=False),
        pa.field("last_name_norm", pa.string(), nullable=False),
        pa.field("middle_name_norm", pa.string()),
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("email", pa.string()),
        pa.field("email_canonical", pa.string()),
        pa.field("phone_e164", pa.string()),
        # Null where there is no phone: a country code other than +1 (NANP), and a number
        # tied to no place (toll-free, premium, personal, VoIP...; normalize.phone_flags_array).
        pa.field("phone_foreign", pa.bool_()),
        pa.field("phone_non_geographic", pa.bool_()),
        pa.field("address_line1", pa.string(), nullable=False),
        pa.field("address_line2", pa.string()),
        pa.field("city", pa.string(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("zip5", pa.string(), nullable=False),
        pa.field("zip4", pa.string()),
        pa.field("address_norm", pa.string(), nullable=False),
        pa.field("mailing_address_line1", pa.string()),
        pa.field("mailing_address_line2", pa.string()),
        pa.field("mailing_city", pa.string()),
        pa.field("mailing_state", pa.string()),
        pa.field("mailing_zip5", pa.string()),
        pa.field("mailing_address_norm", pa.string()),
        # The mailing address is outside the US mail (mailing_state no USPS code, or no
        # state and a postal code no ZIP); then mailing_state is the region as given and
        # mailing_zip5 is null (normalize.mailing_region_array).
        pa.field("mailing_abroad", pa.bool_(), nullable=False),
        pa.field("payment_method", pa.string(), nullable=False),
        pa.field("bank_routing", pa.string()),
        pa.field("bank_account_token", pa.string()),
        pa.field("bank_account_last4", pa.string()),
        pa.field("employer_ein", pa.string()),
        pa.field("employer_name", pa.string()),
        pa.field("employer_name_norm", pa.string()),
        pa.field("separation_date", pa.date32()),
        pa.field("separation_reason", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("ip_address", pa.string()),
        pa.field("device_id", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("session_seconds", pa.float64()),
        pa.field("language", pa.string(), nullable=False),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("batch_date", pa.date32(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("claim_id", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("details", pa.string(), nullable=False),
    ]
)

#: The columns of `claimscreen quarantine export` (docs/reference.md, "Commands").
QUARANTINE_EXPORT_COLUMNS: tuple[str, ...] = ("source_file", "row_number", "claim_id", "reason")

DISPOSITION_OUTCOMES = ("fraud", "legitimate")
DISPOSITION_SOURCES = ("investigation", "audit")
DISPOSITIONS_SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("decided_at", _TS, nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("decided_by", pa.string()),
        pa.field("imported_from", pa.string()),
    ]
)

# --- Scores and the review queue (docs/reference.md, "Scores") ---------------------

ROUTES = ("clear", "verify", "review")

#: The contract's scores table, in its column order (`claimscreen scores export`).
SCORES_EXPORT_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "batch_date",
    "risk_score",
    "route",
    "reasons",
    "ring_id",
    "ring_size",
    "identity_id",
    "model_version",
)

#: One night's scores in the lake (``lake/scores/batch_date=D/scores.parquet``): the
#: contract's columns, then what the review queue and the run report need.
SCORES_SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("batch_date", pa.date32(), nullable=False),
        pa.field("risk_score", pa.float64(), nullable=False),
        pa.field("route", pa.string(), nullable=False),
        # Reason codes, strongest first, separated by ";" (see models/reasons.py).
        pa.field("reasons", pa.string(), nullable=False),
        pa.field("ring_id", pa.string()),
        pa.field("ring_size", pa.int64(), nullable=False),
        pa.field("identity_id", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
        # The reasons in plain language, same order, one sentence each.
        pa.field("reason_text", pa.list_(pa.string()), nullable=False),
        # Claims of one flagged ring share a case; any other claim is its own case.
        pa.field("case_id", pa.string(), nullable=False),
        # A `clear` claim drawn at random for audit after payment (not delayed).
        pa.field("audit_sample", pa.bool_(), nullable=False),
        # A hard-evidence rule fired (routes to review whatever the model says).
        pa.field("rule_hit", pa.bool_(), nullable=False),
        pa.field("model_score", pa.float64(), nullable=False),
        pa.field("anomaly_score", pa.float64(), nullable=False),
        # Why a `clear` claim that scored min_verify_score or more was paid without waiting:
        # "model_only" or "honest_delay_budget" (models/routing.py); "" for any other claim.
        pa.field("held_back", pa.string(), nullable=False),
    ]
)

#: The review queue a night publishes (``lake/queue/batch_date=D/queue.parquet``): one row
#: per claim an investigator must see: routed `verify` or `review`, or drawn for audit.
QUEUE_SCHEMA = pa.schema(
    [
        pa.field("case_id", pa.string(), nullable=False),
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("batch_date", pa.date32(), nullable=False),
        pa.field("route", pa.string(), nullable=False),
        pa.field("audit_sample", pa.bool_(), nullable=False),
        pa.field("risk_score", pa.float64(), nullable=False),
        # Higher first: risk, ring size and the claim's age decide it (models/routing.py).
        pa.field("priority", pa.float64(), nullable=False),
        pa.field("reasons", pa.string(), nullable=False),
        pa.field("reason_text", pa.list_(pa.string()), nullable=False),
        pa.field("ring_id", pa.string()),
        pa.field("ring_size", pa.int64(), nullable=False),
        pa.field("identity_id", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
    ]
)

# --- Reference lists (docs/reference.md, "Reference lists") ---------------------------------

SUSPICIOUS_ACTOR_KINDS = ("bank_account", "email", "phone", "ip_address", "device_id", "address")
IP_RANGE_CATEGORIES = ("foreign", "hosting", "vpn", "tor")
#: What a congregate address is (the ``congregate_addresses`` list).
CONGREGATE_KINDS = ("shelter", "group_home", "dormitory", "care_facility", "other")


@dataclass(frozen=True)
class ReferenceList:
    """One reference list: its file name (`KIND`) and input columns."""

    kind: str
    columns: tuple[Column, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


REFERENCE_LISTS: dict[str, ReferenceList] = {
    r.kind: r
    for r in (
        ReferenceList(
            "deceased",
            (
                Column("ssn", "string", required=True, sensitive=True),
                Column("date_of_death", "date", required=True),
            ),
            "death records",
        ),
        ReferenceList(
            "incarcerated",
            (
                Column("ssn", "string", required=True, sensitive=True),
                Column("last_name", "string"),
                Column("date_of_birth", "date"),
                Column("admitted_on", "date", required=True),
                Column("released_on", "date", description="empty while held"),
            ),
            "prison and jail records",
        ),
        ReferenceList(
            "wage_records",
            (
                Column("ssn", "string", required=True, sensitive=True),
                Column("employer_ein", "string", required=True),
                Column("quarter", "string", required=True, description="like 2026Q2"),
                Column("wages", "number", required=True),
            ),
            "employer-reported wages",
        ),
        ReferenceList(
            "suspicious_actors",
            (
                Column("kind", "string", required=True, allowed=SUSPICIOUS_ACTOR_KINDS),
                Column("value", "string", required=True, sensitive=True),
                Column("added_on", "date"),
                Column("source", "string"),
            ),
            "known bad identifiers",
        ),
        ReferenceList(
            "ip_ranges",
            (
                Column("cidr", "string", required=True),
                Column("category", "string", required=True, allowed=IP_RANGE_CATEGORIES),
            ),
            "foreign, hosting, VPN and Tor address ranges",
        ),
        ReferenceList(
            "interstate_claims",
            (
                Column("ssn", "string", required=True, sensitive=True),
                Column("state", "string", required=True),
                Column("filed_at", "timestamp", required=True),
            ),
            "claims by the same SSN in other states",
        ),
        ReferenceList(
            "congregate_addresses",
            (
                Column("address", "string", required=True, description="line1, city, ST zip (unit optional)"),
                Column("kind", "string", required=True, allowed=CONGREGATE_KINDS),
                Column("added_on", "date"),
            ),
            "shelters, group homes, dormitories: addresses many unrelated people share",
        ),
    )
}

#: Columns of a dispositions file (docs/reference.md, "Dispositions").
DISPOSITION_COLUMNS: tuple[Column, ...] = (
    Column("claim_id", "string", required=True),
    Column("outcome", "string", required=True, allowed=DISPOSITION_OUTCOMES),
    Column("decided_at", "timestamp", required=True),
    Column("source", "string", required=True, allowed=DISPOSITION_SOURCES),
)

# --- The claimant after the night (docs/reference.md, "Verification") ----------

#: The checks a `verify` claim may need: identity proofing and bank-account ownership.
VERIFICATION_CHECKS = ("identity", "bank_account")
VERIFICATION_OUTCOMES = ("passed", "failed", "no_response")
#: Columns of a verification outcomes file (`claimscreen verify import`).
VERIFICATION_COLUMNS: tuple[Column, ...] = (
    Column("claim_id", "string", required=True),
    Column("check", "string", required=True, allowed=VERIFICATION_CHECKS),
    Column("outcome", "string", required=True, allowed=VERIFICATION_OUTCOMES),
    Column("decided_at", "timestamp", required=True),
    Column("provider", "string", required=True),
)
#: `lake/verifications/outcomes.parquet`: every outcome imported, once each.
VERIFICATIONS_SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("check", pa.string(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("decided_at", _TS, nullable=False),
        pa.field("provider", pa.string(), nullable=False),
        pa.field("imported_from", pa.string()),
    ]
)
#: Columns of `claimscreen verify export`.
VERIFY_EXPORT_COLUMNS = ("claim_id", "checks", "reasons", "requested_at")
#: A claim's status in `claimscreen status export`, in the order a claim moves through them.
CLAIM_STATUSES = ("cleared", "verifying", "in_review", "decided_fraud", "decided_legitimate")
STATUS_EXPORT_COLUMNS = ("claim_id", "filed_at", "status", "status_since", "hours_waited")

# --- Look-back (docs/reference.md, "Look-back") ---------------------------------

#: What the review queue shows for a look-back alert: the claim was paid already.
LOOKBACK_QUEUE_LABEL = "paid: possible overpayment"
#: `lake/lookback/batch_date=D/alerts.parquet`: one row per claim and reason, raised once, on
#: the night (``flagged_on``) that first saw it; the review side reads it as it is.
LOOKBACK_SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("flagged_on", pa.date32(), nullable=False),
        pa.field("first_scored", pa.date32(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("reason_text", pa.string(), nullable=False),
        pa.field("ring_id", pa.string()),
        pa.field("identity_id", pa.string()),
        pa.field("risk_score", pa.float64()),
        pa.field("case_id", pa.string(), nullable=False),
        pa.field("queue_label", pa.string(), nullable=False),
    ]
)
#: Columns of `claimscreen lookback export`: one row per claim, its reasons `;`-separated.
LOOKBACK_EXPORT_COLUMNS = ("claim_id", "first_scored", "flagged_on", "reasons", "ring_id")
