"""Look-back's ring evidence: which paid claims a ring flagged tonight implicates, and by what.

A ring flagged tonight (a ``ring:`` case in tonight's scores) reaches earlier claims: those
tonight's features put in it (``lake/ring_members``: every claim of the window in the ring,
whatever links it), the claims it held when they were paid (their ``ring_id``), and claims
that hold a value linking the ring (a kind of its ``ring_shared_kinds``) of one of the ring's
claims tonight: the ring has grown to include them. A paid claim so reached is raised only
when it holds, with another claim of the ring, a value a person would accept as evidence
(:func:`ring_hits`):

* a **bank account, email or phone** given by a claim of another identity living elsewhere
  (another residence address): one's spouse's account or a shared family phone is not;
* a **device** likewise, unless it is a computer on a public network: the paid claim or the
  claim of the ring sharing it was filed from an ordinary IP address (not a hosting, VPN or
  Tor range) that more identities used in the 30 days before that claim's night than the ring
  rule's IP cap (``[rings.kinds.ip]``, 5), a library's, a workforce centre's or a campus's
  (on a lake's first night a library's network may not look crowded yet; its later users'
  nights show it). Several patrons of one library computer are not a ring,
  even when the night's features, early in a window that has seen few of them, linked them;
  growth by a device also needs the paid claims holding it to be of no more identities than
  the ring rule's device cap;
* an **address** (residence or mailing, with its ZIP code) given by at least
  :data:`ADDRESS_MIN_IDENTITIES` identities of the ring: a drop address, a mail drop, not a
  couple at home; or given by fewer, a housemate's, when that housemate is tied to the ring by
  evidence of its own (:func:`_tied`: a bank account, email or phone shared with someone of
  the ring living elsewhere): a stealth chain's link (A and B at one house, B's account used
  by C across town). The housemate of a library patron whom only the library's computer
  linked to the ring is not raised.

A ring whose claims at hand (tonight's, its members', the paid claims it reaches: those holding a
value another of its claims holds, so not a stranger the features linked by an IP address alone)
are the shape of one or two households raises nothing (:func:`_not_household_shaped`):

* **one home**: every claim lives there and sends mail nowhere else, and they are of no more
  identities than ``[rings] household_identities``. The features' strangers rule (``[rings]
  strangers_days``) flags 3 to 5 people of no common surname who first give one unit within days
  (the start of a mail drop, flagged on their own night); honest roommates look just like them,
  and their paid housemates share nothing with them but the unit. A mail drop that grows beyond
  a household's size, or has a member's mail sent there from another home, is raised again;
* **two homes**, neither of more than a household's identities, neither sending mail to the
  other: one household and one home elsewhere is the shape of a family split between two homes
  (a spouse who moved out still on the joint account, a grown child filing for a parent with
  their own phone or laptop), whatever surnames they carry; the features' ring rule flags some of
  them (a family with no surname in common). A third home sharing the value, or a drop of more
  identities than a household, makes it a ring's again.

bench/ledger_figures.py's docstring has what each exemption changed.

An IP address alone is no evidence. Each alert names the kind of evidence and the night the
ring was flagged in its sentence (never another claimant's value or claim id: the sentence
may reach the claimant's notice); its ``ring_id`` is the flagged ring's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.lake import Lake
from claimscreen.models.lookback_read import claims_parts, rows_of

__all__ = [
    "ADDRESS_MIN_IDENTITIES",
    "ADDRESS_PAIRS",
    "EVIDENCE_WORDS",
    "RING_LINK_COLUMNS",
    "VALUE_COLUMNS",
    "FlaggedRings",
    "earlier_member_ids",
    "flagged_rings",
    "growth_links",
    "public_networks",
    "ring_hits",
    "ring_sentence",
]

#: The kinds of identifier by which a ring grows to include a paid claim, and the claims
#: column holding each (an address is its street, residence or mailing, matched with its ZIP
#: code). An IP address is not one: a library's or a campus's network links strangers (on
#: bench/ledger_figures.py, with IP addresses and no device cap, 56 of 62 look-back alerts
#: were honest library and household claimants).
RING_LINK_COLUMNS: dict[str, str] = {
    "bank_account": "bank_account_token",
    "email": "email_canonical",
    "phone": "phone_e164",
    "device": "device_id",
    "address": "address_norm",
}
#: A ring's address links by a claim's residence or mailing address: (street, ZIP) columns.
ADDRESS_PAIRS = (("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5"))
#: The claims columns the evidence is read from.
VALUE_COLUMNS = [
    "claim_id", "ssn_token", "bank_account_token", "email_canonical", "phone_e164", "device_id",
    "address_norm", "zip5", "mailing_address_norm", "mailing_zip5",
]  # fmt: skip
#: Evidence kinds, strongest first, with the words an alert's sentence names each by.
EVIDENCE_WORDS: dict[str, str] = {
    "bank_account": "bank account",
    "email": "email address",
    "phone": "phone number",
    "device": "device",
    "address": "address",
    "mailing": "mailing address",
}
#: The fewest identities of a ring (the paid claim's included) giving one address for it to be
#: evidence: more than a couple at home.
ADDRESS_MIN_IDENTITIES = 3
#: Kinds that are evidence only when the claim sharing it lives elsewhere.
_ELSEWHERE = ("bank_account", "email", "phone", "device")
_FEATURE_NETWORK = ["claim_id", "ip_identities_30d", "ip_hosting", "ip_vpn", "ip_tor"]


def _no_claims() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="object") for c in [*VALUE_COLUMNS, "ring_id", "ring_shared_kinds"]}
    )


@dataclass
class FlaggedRings:
    """The rings flagged tonight and the claims they reach."""

    ids: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))
    #: Tonight's claims of the flagged rings: :data:`VALUE_COLUMNS`, ``ring_id, ring_shared_kinds``.
    tonight: pd.DataFrame = field(default_factory=_no_claims)
    #: Every claim of the window in a flagged ring, as tonight's features found it
    #: (``claim_id, ring_id``; ``lake/ring_members``).
    members: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"claim_id": [], "ring_id": []}, dtype="str")
    )
    #: False for a night featured before ring members were written: a claim's ring when it was
    #: paid is then raised as it stands.
    members_known: bool = False
    #: The ring rule's caps: identities per device, and per ordinary IP address (a public network).
    device_cap: int = 5
    network_cap: int = 5
    #: The most identities of one household (``[rings] household_identities``).
    household: int = 5


def flagged_rings(
    lake: Lake, night: dt.date, scores: pa.Table, device_cap: int, network_cap: int, household: int = 5
) -> FlaggedRings:
    """Tonight's flagged rings (a ``ring:`` case in ``scores``), their claims tonight with their
    values, and their members (earlier claims included)."""
    flagged = scores.filter(pc.starts_with(scores["case_id"], "ring:"))["ring_id"]
    ids = pc.unique(flagged.combine_chunks().cast(pa.string()).drop_null())
    rings = FlaggedRings(ids=ids, device_cap=device_cap, network_cap=network_cap, household=household)
    if not len(ids):
        return rings
    rings.members = lake.ring_members(night, ids).to_pandas().astype(str)
    rings.members_known = lake.ring_members_path(night).exists()
    path = lake.features_path(night)
    if not path.exists():
        return rings
    features = lake.read_table(path, columns=["claim_id", "ring_id", "ring_shared_kinds"])
    features = features.filter(pc.is_in(features["ring_id"].cast(pa.string()), value_set=ids)).to_pandas()
    if features.empty:
        return rings
    wanted = pa.array(features["claim_id"].astype(str).unique(), pa.string())
    claims = rows_of(lake, claims_parts(lake, [night]), wanted, VALUE_COLUMNS)
    claims = claims.drop(columns=["first_scored"]).astype({"claim_id": str})
    rings.tonight = features.astype({"claim_id": str}).merge(claims, on="claim_id").assign(first_scored=night)
    return rings


def growth_links(rings: FlaggedRings) -> pd.DataFrame:
    """The values that link each flagged ring tonight: of each of its claims tonight, the value of
    every kind its ``ring_shared_kinds`` names (``column, key``): the keys a ring grows by."""
    links = [pd.DataFrame({"column": [], "key": []}, dtype="str")]
    kinds = rings.tonight["ring_shared_kinds"].fillna("").astype(str).str.split(";")
    for kind, column in RING_LINK_COLUMNS.items():
        named = kinds.map(lambda given, k=kind: k in given).astype(bool)
        for street, _ in ADDRESS_PAIRS if kind == "address" else ((column, None),):
            values = rings.tonight.loc[named, street].dropna().astype(str)
            links.append(pd.DataFrame({"column": column, "key": values}))
    return pd.concat(links, ignore_index=True).drop_duplicates()


def earlier_member_ids(rings: FlaggedRings) -> pa.Array:
    """The members of the flagged rings not filed tonight: their values are read from the lake."""
    tonight = set(rings.tonight["claim_id"].astype(str))
    ids = rings.members.loc[~rings.members["claim_id"].isin(tonight), "claim_id"]
    return pa.array(ids.astype(str).unique(), pa.string())


def public_networks(lake: Lake, rows: pd.DataFrame, network_cap: int) -> set[str]:
    """Of ``rows`` (``claim_id, first_scored``), the claims filed from a public network, as their
    own night's features counted it: an ordinary IP address (not hosting, VPN or Tor) that more
    than ``network_cap`` identities used in the 30 days before."""
    if rows.empty:
        return set()
    nights = sorted(set(rows["first_scored"]))
    parts = [(n, lake.features_path(n)) for n in nights if lake.features_path(n).exists()]
    ids = pa.array(rows["claim_id"].astype(str).unique(), pa.string())
    found = rows_of(lake, parts, ids, _FEATURE_NETWORK)
    if found.empty or "ip_identities_30d" not in found.columns:
        return set()
    risky = np.zeros(len(found), dtype=bool)
    for column in ("ip_hosting", "ip_vpn", "ip_tor"):
        if column in found.columns:
            risky |= found[column].fillna(False).astype(bool).to_numpy()
    crowded = pd.to_numeric(found["ip_identities_30d"], errors="coerce").fillna(0).to_numpy() > network_cap
    return set(found.loc[crowded & ~risky, "claim_id"].astype(str))


def ring_sentence(kind: str | None, flagged_on: dt.date) -> str:
    """An alert's sentence: what links the paid claim to the claims flagged, and when."""
    if kind is None:
        return (
            f"Claims this claim was linked to when it was paid were flagged for review as a group on "
            f"{flagged_on.isoformat()}."
        )
    return (
        f"Claims linked to this one by its {EVIDENCE_WORDS[kind]} were flagged for review as a group on "
        f"{flagged_on.isoformat()}, after it was paid."
    )


# --- Who the rings implicate --------------------------------------------------------------


def ring_hits(
    lake: Lake, rows: pd.DataFrame, earlier: pd.DataFrame, rings: FlaggedRings, night: dt.date
) -> pd.DataFrame:
    """The cleared claims of ``rows`` (scores and claims columns) a flagged ring implicates with
    evidence, one row per claim and ring: ``ring_id`` (the flagged ring's), ``evidence`` (a kind of
    :data:`EVIDENCE_WORDS`, or None for a ring when paid on a night without ring members),
    ``reason_text``. ``earlier``: the claims values of the rings' earlier members."""
    empty = rows.iloc[:0].assign(evidence=[], reason_text=[])
    if not len(rings.ids) or rows.empty:
        return empty
    paid = rows.assign(claim_id=rows["claim_id"].astype(str))
    in_ring = pc.fill_null(pc.is_in(pa.array(paid["ring_id"], pa.string()), rings.ids), False)
    when_paid = paid.loc[np.asarray(in_ring, dtype=bool), ["claim_id", "ring_id"]]
    if not rings.members_known:
        legacy = paid.loc[np.asarray(in_ring, dtype=bool)].assign(evidence=None)
        tied = _tied(_long(rings.tonight.astype({"claim_id": str})))
        hits = pd.concat([legacy, _growth(lake, paid, rings, tied)], ignore_index=True)
        return _not_household_shaped(hits, rings.tonight, rings.household).pipe(_best, night)
    member_of = pd.concat([rings.members, when_paid], ignore_index=True).drop_duplicates()
    ring_claims = _ring_claims(paid, earlier, rings, member_of)
    theirs = _long(ring_claims)
    tied = _tied(theirs)
    mine = _long(paid.drop(columns=["ring_id"]).merge(member_of, on="claim_id"))
    hits = _evidence(_pairs(mine, theirs, ["ring_id"]), paid, lake, rings, tied)
    hits = pd.concat([hits, _growth(lake, paid, rings, tied)], ignore_index=True)
    return _not_household_shaped(hits, ring_claims, rings.household).pipe(_best, night)


def _not_household_shaped(hits: pd.DataFrame, ring_claims: pd.DataFrame, household: int) -> pd.DataFrame:
    """``hits`` but those of a ring whose claims at hand (``ring_claims``: tonight's and its
    members', and the paid claims it reaches) are one or two households (at most ``household``
    identities a home): all at one home, none mailed elsewhere (roommates whom the strangers rule
    took for a mail drop's start), or at exactly two homes, neither mailed to the other (a family
    split between two homes, a spouse who moved out still on the joint account, a grown child
    filing for a parent with their own phone, whatever surnames they carry). A claim mailed away
    from one home, or to a ring's other home, is a mail drop's shape, not a household's."""
    if hits.empty:
        return hits
    columns = [*VALUE_COLUMNS, "ring_id"]
    claims = pd.concat(
        [ring_claims.reindex(columns=columns), hits.reindex(columns=columns)], ignore_index=True
    )
    claims = claims.astype({"claim_id": str, "ring_id": str}).drop_duplicates(["claim_id", "ring_id"])
    # Only the claims holding a value of the ring another of its claims holds count: a stranger the
    # features linked by an IP address alone (a phone carrier's shared address) lives nowhere in it.
    values = _long(claims)
    linked = _pairs(values, values, ["ring_id"])[["claim_id", "ring_id"]].drop_duplicates()
    claims = claims.merge(linked, on=["claim_id", "ring_id"])
    ids = claims["claim_id"]
    frame = pd.DataFrame(
        {"ring_id": claims["ring_id"].astype(str),
         "home": _address(claims, "address_norm", "zip5").fillna("?" + ids),
         "mail": _address(claims, "mailing_address_norm", "mailing_zip5"),
         "who": claims["ssn_token"].astype("string").fillna("?" + ids)}
    ).drop_duplicates()  # fmt: skip
    homes = frame.groupby("ring_id")["home"].nunique()
    most = frame.groupby(["ring_id", "home"])["who"].nunique().groupby("ring_id").max()
    away = frame.loc[frame["mail"].notna() & (frame["mail"] != frame["home"]), ["ring_id", "mail"]]
    to_other_home = away.merge(
        frame[["ring_id", "home"]], left_on=["ring_id", "mail"], right_on=["ring_id", "home"]
    )
    one_home = (homes == 1) & ~homes.index.isin(away["ring_id"])
    two_homes = (homes == 2) & ~homes.index.isin(to_other_home["ring_id"])
    shaped = (one_home | two_homes) & (most <= household)
    return hits.loc[~hits["ring_id"].astype(str).isin(shaped[shaped].index)]


def _ring_claims(
    paid: pd.DataFrame, earlier: pd.DataFrame, rings: FlaggedRings, member_of: pd.DataFrame
) -> pd.DataFrame:
    """Every claim of the flagged rings with its values and night: tonight's, and earlier members'."""
    columns = [*VALUE_COLUMNS, "first_scored"]
    before = pd.concat([earlier.reindex(columns=columns), paid.reindex(columns=columns)])
    before = before.astype({"claim_id": str}).drop_duplicates("claim_id").merge(member_of, on="claim_id")
    tonight = rings.tonight.reindex(columns=[*columns, "ring_id"]).astype({"claim_id": str})
    return pd.concat([tonight, before], ignore_index=True).drop_duplicates(["claim_id", "ring_id"])


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per claim, ring and evidence value: ``claim_id, ring_id, ssn_token, home, night,
    kind, value`` (an address kind is ``address`` or ``mailing``; its value is street and ZIP code;
    ``night``: the claim's night, when known)."""
    home = _address(frame, "address_norm", "zip5")
    base = pd.DataFrame(
        {"claim_id": frame["claim_id"].astype(str), "ring_id": frame["ring_id"].astype(str),
         "ssn_token": frame["ssn_token"].astype("string").fillna("?" + frame["claim_id"].astype(str)),
         "home": home.fillna("?" + frame["claim_id"].astype(str)),
         "night": frame["first_scored"] if "first_scored" in frame.columns else None}
    )  # fmt: skip
    parts = []
    for kind, column in RING_LINK_COLUMNS.items():
        if kind == "address":
            for name, (street, zip5) in zip(("address", "mailing"), ADDRESS_PAIRS, strict=True):
                parts.append(base.assign(kind=name, value=_address(frame, street, zip5)))
        else:
            parts.append(
                base.assign(kind=kind, value=frame.get(column, pd.Series(index=frame.index)).astype("string"))
            )
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])


def _address(frame: pd.DataFrame, street: str, zip5: str) -> pd.Series:
    if street not in frame.columns or zip5 not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[street].astype("string") + "\x1f" + frame[zip5].astype("string")


def _pairs(mine: pd.DataFrame, theirs: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Each paid claim's value shared with another claim (address kinds match each other: a mail
    drop given as a residence by some and for mail by others); ``theirs``' columns get ``_other``."""
    mine = mine.assign(match=mine["kind"].replace({"mailing": "address"}))
    theirs = theirs.assign(match=theirs["kind"].replace({"mailing": "address"})).drop(columns=["kind"])
    pairs = mine.merge(theirs, on=[*on, "match", "value"], suffixes=("", "_other"))
    return pairs.loc[pairs["claim_id"] != pairs["claim_id_other"]]


def _evidence(
    pairs: pd.DataFrame, paid: pd.DataFrame, lake: Lake, rings: FlaggedRings, tied: pd.DataFrame
) -> pd.DataFrame:
    """The shared values that are evidence (see the module docstring), as hits of ``paid`` rows
    (``pairs``: :func:`_pairs` of the paid claims and the ring's claims, ``ring_id`` the ring's;
    ``tied``: :func:`_tied` of the ring's claims)."""
    elsewhere = (pairs["ssn_token"] != pairs["ssn_token_other"]) & (pairs["home"] != pairs["home_other"])
    personal = pairs["kind"].isin(_ELSEWHERE) & elsewhere
    device = personal & (pairs["kind"] == "device")
    if device.any():
        # A computer on a public network: either claim sharing it was filed from one (as counted
        # on its own night: a library's network is seen crowded once the window holds its days).
        users = pd.concat(
            [
                pairs.loc[device, ["claim_id", "night"]],
                pairs.loc[device, ["claim_id_other", "night_other"]].set_axis(["claim_id", "night"], axis=1),
            ]
        )
        users = users.dropna().drop_duplicates("claim_id").rename(columns={"night": "first_scored"})
        public = public_networks(lake, users, rings.network_cap)
        personal &= ~(device & (pairs["claim_id"].isin(public) | pairs["claim_id_other"].isin(public)))
    address = pairs["match"] == "address"
    givers = pd.concat(
        [
            pairs.loc[address, ["ring_id", "value", "ssn_token"]],
            pairs.loc[address, ["ring_id", "value", "ssn_token_other"]].set_axis(
                ["ring_id", "value", "ssn_token"], axis=1
            ),
        ]
    ).drop_duplicates()
    counts = givers.groupby(["ring_id", "value"]).size().rename("identities").reset_index()
    identities = pairs[["ring_id", "value"]].merge(counts, on=["ring_id", "value"], how="left")["identities"]
    crowded = address & (identities.fillna(0).to_numpy() >= ADDRESS_MIN_IDENTITIES)
    # Fewer at one address: a housemate's link counts when the housemate is tied to the ring.
    other = pairs[["ring_id", "claim_id_other"]].set_axis(["ring_id", "claim_id"], axis=1)
    housemate_tied = other.merge(tied.assign(_tied=True), on=["ring_id", "claim_id"], how="left")["_tied"]
    housemate = address & (pairs["ssn_token"] != pairs["ssn_token_other"])
    housemate &= housemate_tied.fillna(False).astype(bool).to_numpy()
    kept = pairs.loc[personal | crowded | housemate, ["claim_id", "ring_id", "kind"]].drop_duplicates()
    return paid.drop(columns=["ring_id"]).merge(kept, on="claim_id").rename(columns={"kind": "evidence"})


def _tied(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims of ``claims`` (:func:`_long` of a ring's claims) tied to their ring by evidence
    of their own (``ring_id, claim_id``): a bank account, email or phone shared with a claim of
    the ring of another identity living elsewhere, or an address 3+ identities of the ring gave.
    (A device is left out: whether it was a public computer is known only for paid claims.)"""
    pairs = _pairs(claims, claims, ["ring_id"])
    elsewhere = (pairs["ssn_token"] != pairs["ssn_token_other"]) & (pairs["home"] != pairs["home_other"])
    personal = pairs["kind"].isin(("bank_account", "email", "phone")) & elsewhere
    address = pairs["match"] == "address"
    people = pairs.loc[address].groupby(["ring_id", "value"])["ssn_token_other"].transform("nunique")
    crowded = pd.Series(False, index=pairs.index)
    crowded.loc[people.index] = people >= ADDRESS_MIN_IDENTITIES
    return pairs.loc[personal | crowded, ["ring_id", "claim_id"]].drop_duplicates()


def _growth(lake: Lake, paid: pd.DataFrame, rings: FlaggedRings, tied: pd.DataFrame) -> pd.DataFrame:
    """Paid claims holding a value that links a flagged ring tonight (a kind of its claims'
    ``ring_shared_kinds``): the ring has grown to include them. The same evidence rules, and a
    device of no more identities than the device cap among the paid claims holding it."""
    tonight = rings.tonight.astype({"claim_id": str})
    if tonight.empty:
        return paid.iloc[:0].assign(evidence=[])
    theirs = _long(tonight)
    shared = dict(
        zip(
            tonight["claim_id"],
            tonight["ring_shared_kinds"].fillna("").astype(str).str.split(";"),
            strict=True,
        )
    )
    named = [
        k.replace("mailing", "address") in shared[c]
        for k, c in zip(theirs["kind"], theirs["claim_id"], strict=True)
    ]
    pairs = _pairs(_long(paid.assign(ring_id="")).drop(columns=["ring_id"]), theirs.loc[named], [])
    pairs = pairs.rename(columns={"ring_id_other": "ring_id"}) if "ring_id_other" in pairs else pairs
    device = pairs["kind"] == "device"
    holders = pairs.loc[device].groupby("value")["ssn_token"].transform("nunique")
    too_many = pd.Series(False, index=pairs.index)
    too_many.loc[holders.index] = holders > rings.device_cap
    return _evidence(pairs.loc[~too_many], paid, lake, rings, tied)


def _best(hits: pd.DataFrame, night: dt.date) -> pd.DataFrame:
    """One alert per claim: the strongest evidence (:data:`EVIDENCE_WORDS` order), the lowest ring id."""
    if hits.empty:
        return hits.assign(reason_text=[])
    order = {kind: i for i, kind in enumerate(EVIDENCE_WORDS)}
    rank = hits["evidence"].map(order).fillna(len(order))
    hits = hits.assign(_rank=rank).sort_values(["claim_id", "_rank", "ring_id"], kind="stable")
    best = hits.drop_duplicates("claim_id").drop(columns=["_rank"])
    texts = [ring_sentence(None if pd.isna(k) else str(k), night) for k in best["evidence"]]
    return best.assign(reason_text=texts)
