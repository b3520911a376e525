"""Evidence: the signals a claim can show, each with a reason code, a plain-English
sentence and a cold-start weight.

This table is the one place a reason code is declared. Each :class:`Evidence`
says when it *fires* on a claim's features, the sentence an investigator and a
claimant notice read (filled in with the claim's own figures, e.g. "bank
account shared with 14 other claimants"), its weight in the cold-start score,
and which model inputs stand behind it (set to their neutral values to measure
how much the signal adds to a claim's risk, which orders the reasons).

**Hard evidence** (``rule=True``) routes a claim to review whatever any model
says: a deceased or incarcerated person's SSN, an identifier on the agency's
bad-actor list, a claim by the same SSN in another state that overlaps this one
(filed within ``[interstate] concurrent_days`` of it, or claims in two or more
other states within the year), an SSN that cannot exist. A person still decides:
these claims are reviewed, never denied. One older claim in one other state is
what a person who moved here shows (they claimed in the state they left):
``INTERSTATE_EARLIER``, a weak signal that delays no one by itself.

**Cold-start weights** are log-odds: the cold-start probability is
``sigmoid(PRIOR_LOGIT + sum of the weights of the evidence that fires)``. They
are set by judgement from the fraud typologies the pipeline must catch, not fit
to data (there are no labels on day one): a signal an honest claimant almost
never shows (a bank account paid for three SSNs inside a ring, a session under
two minutes) weighs 2 to 4; one that honest claimants show for honest reasons
(a VPN, an address abroad) weighs 1 or less. Every weight is listed in
docs/reference.md by :func:`evidence_markdown`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "BY_CODE",
    "EVIDENCE",
    "MODEL_CODE",
    "MODEL_TEXT",
    "PRIOR_LOGIT",
    "RULE_CODES",
    "WEAK_CODES",
    "Evidence",
    "cold_logit",
    "evidence_markdown",
    "evidence_matrix",
    "named_hits",
    "rule_hits",
]

Fires = Callable[[pd.DataFrame], np.ndarray]

#: Log-odds of fraud before any evidence (a 2% base rate).
PRIOR_LOGIT = float(np.log(0.02 / 0.98))

#: The percentile of the anomaly model's score above which ANOMALY fires.
ANOMALY_PERCENTILE = 0.995


def _num(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame))
    return np.nan_to_num(pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64"), nan=0.0)


def _flag(name: str) -> Fires:
    return lambda f: _num(f, name) > 0


def _at_least(name: str, threshold: float) -> Fires:
    return lambda f: _num(f, name) >= threshold


def _address_people(frame: pd.DataFrame) -> np.ndarray:
    """People who gave the claim's home or mailing address (unit included) in 30 days: the larger."""
    return np.maximum(_num(frame, "residence_identities_30d"), _num(frame, "mailing_identities_30d"))


def _ssn_many_names(frame: pd.DataFrame) -> np.ndarray:
    """Names on the SSN that are not spellings of one another (``ssn_names_apart``), or a
    respelled name (a typo, swapped order) with a second bank account: a person re-keyed with a
    typo keeps their account; a stolen identity re-used with variations is paid elsewhere each
    time. Features built before ``ssn_names_apart``: every spelling counts, as before."""
    spelled = _num(frame, "ssn_distinct_names")
    apart = spelled
    if "ssn_names_apart" in frame:  # row by row: a training set stacks nights from before it
        given = pd.to_numeric(frame["ssn_names_apart"], errors="coerce").to_numpy(dtype="float64")
        apart = np.where(np.isnan(given), spelled, given)
    return (apart >= 2) | ((spelled >= 2) & (_num(frame, "ssn_distinct_bank_accounts") >= 2))


def _short_session(frame: pd.DataFrame) -> np.ndarray:
    return _num(frame, "short_session") > 0


@dataclass(frozen=True)
class Evidence:
    """One signal: its reason code, sentence, cold-start weight and model inputs."""

    code: str
    text: str
    weight: float
    fires: Fires
    #: Model inputs behind the signal and their neutral values (an ordinary claim's).
    neutral: dict[str, float] = field(default_factory=dict)
    rule: bool = False
    group: str = "claim"
    #: A signal honest claimants show for honest reasons too (family abroad, a move): it adds its
    #: weight and its reason, but alone it does not let routing delay a claim the model scores
    #: below ``min_model_only_score`` (see claimscreen.models.routing).
    weak: bool = False


#: The most people a phone, mailbox or device may link for ``*_OTHER_HOMES`` to fire: one
#: given by more is a case worker's, an organization's or a public computer, and the
#: ``*_MANY_PEOPLE`` signals and the rings speak of it.
OTHER_HOMES_MOST_PEOPLE = 5


def _unrelated(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """The people who gave the identifier of ``kind`` are of two or more families (features.sharing:
    people sharing a surname or a home, now or earlier, are one), or the claim's ring holds a
    claim found fraudulent or one with hard evidence. Without the families column (features
    built before it) every sharer counts as a stranger, as before."""
    name = f"{kind}_families_30d"
    if name not in frame:
        return np.ones(len(frame), dtype=bool)
    flagged = (_num(frame, "ring_known_fraud") > 0) | (_num(frame, "ring_red_flag_share") > 0)
    return (_num(frame, name) >= 2) | flagged


def _other_homes(kind: str, most: float = np.inf, *, pair: bool | None = None) -> Fires:
    """Two or more homes behind one identifier of ``kind`` in 30 days, given by two to ``most``
    people of two or more families: one claimant who moved and filed again is two homes but no
    stranger, and a relative who lives elsewhere (a shared surname, or a home they shared) is
    family. ``pair`` True: only a lone pair (:func:`_lone_pair`), False: all but a lone pair."""

    def fires(frame: pd.DataFrame) -> np.ndarray:
        people = _num(frame, f"{kind}_identities_30d")
        apart = (_num(frame, f"{kind}_addresses_30d") >= 2) & (people >= 2) & (people <= most)
        hit = apart & _unrelated(frame, kind)
        return hit if pair is None else hit & (_lone_pair(frame, kind) == pair)

    return fires


#: Per kind with a lone-pair exemption: the column counting its people over the whole window.
PAIR_WINDOW: dict[str, str] = {
    "bank_account": "bank_account_identities_window",
    "phone": "phone_identities_window",
    "email": "email_canonical_identities",
}

#: Nights a joint account must have been given before (``bank_account_first_seen_days``) for a
#: lone pair on it to read as a couple's account rather than a drop opened for the scheme.
PAIR_ACCOUNT_AGE_DAYS = 7


def _lone_pair(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """The identifier links exactly two people at exactly two homes, in 30 days and over the whole
    window, and nothing marks their ring: the shape of a relative who helps from their own home
    (their phone or mailbox) or a spouse who moved out (the joint account), and of no ring that
    grows. An account must be older than :data:`PAIR_ACCOUNT_AGE_DAYS` (a couple's account was
    in use before; a drop's is new) and a mailbox written one way only (a ring's aliases are not)."""
    if kind not in PAIR_WINDOW:
        return np.zeros(len(frame), dtype=bool)
    two = (_num(frame, f"{kind}_identities_30d") == 2) & (_num(frame, f"{kind}_addresses_30d") == 2)
    two &= _num(frame, PAIR_WINDOW[kind]) == 2
    two &= (_num(frame, "ring_known_fraud") <= 0) & (_num(frame, "ring_red_flag_share") <= 0)
    if kind == "bank_account":
        two &= _num(frame, "bank_account_first_seen_days") >= PAIR_ACCOUNT_AGE_DAYS
    if kind == "email":
        two &= _num(frame, "email_alias_variants") <= 1
    return two


def _device_other_homes(frame: pd.DataFrame) -> np.ndarray:
    """A device of two to five people at two or more homes, from two or more networks: a
    household's computer stays at its home, a library's on its building's network."""
    roams = _num(frame, "device_networks_30d") >= 2
    return _other_homes("device", OTHER_HOMES_MOST_PEOPLE)(frame) & roams


def _device_many_people(frame: pd.DataFrame) -> np.ndarray:
    """A device of three people or more in 30 days, unless it is a helper's computer: at most
    five people, all from one network, none within ten minutes of another claim from it (a
    relative or navigator filing for a few claimants at home, as the rings' ``shared_computers``
    rule says). Features built before ``device_networks_30d``: every such device, as before."""
    many = _num(frame, "device_identities_30d") >= 3
    if "device_networks_30d" not in frame:
        return many
    helper = (
        (_num(frame, "device_identities_30d") <= OTHER_HOMES_MOST_PEOPLE)
        & (pd.to_numeric(frame["device_networks_30d"], errors="coerce").to_numpy(dtype="float64") <= 1)
        & (_num(frame, "device_burst_10m") <= 0)
    )
    return many & ~helper


def _ring(frame: pd.DataFrame) -> np.ndarray:
    return _num(frame, "ring_identities") >= 3


RING_NEUTRAL = {
    "ring_size": 0.0,
    "ring_identities": 0.0,
    "ring_ssns_per_bank_account": 0.0,
    "ring_span_days": np.nan,
    "ring_known_fraud": 0.0,
    "ring_red_flag_share": np.nan,
    **{f"ring_shares_{k}": 0.0 for k in ("bank_account", "device", "ip", "email", "phone", "address")},
}

#: The interstate inputs of an ordinary claim: no claim in another state.
INTERSTATE_NEUTRAL = {
    "interstate_claim": 0.0,
    "interstate_states": 0.0,
    "interstate_days_since_latest": np.nan,
    "interstate_concurrent": 0.0,
    "interstate_residence_state": 0.0,
}

EVIDENCE: tuple[Evidence, ...] = (
    # --- hard evidence: review whatever the model says ---------------------------------
    Evidence(
        "DECEASED",
        "Death records show that the owner of this Social Security number died before the claim was filed.",
        6.0,
        _flag("deceased_before_filing"),
        {"deceased_before_filing": 0.0},
        rule=True,
    ),
    Evidence(
        "INCARCERATED",
        "Prison or jail records show that the owner of this Social Security number was held on the day "
        "the claim was filed.",
        6.0,
        _flag("incarcerated_at_filing"),
        {"incarcerated_at_filing": 0.0},
        rule=True,
    ),
    Evidence(
        "SUSPICIOUS_ACTOR",
        "On the agency's list of identifiers used in past fraud: the claim's {suspicious_actor_kinds}.",
        6.0,
        _flag("suspicious_actor_match"),
        {"suspicious_actor_match": 0.0},
        rule=True,
    ),
    Evidence(
        "INTERSTATE",
        "The same Social Security number filed for benefits in {interstate_states} other state(s) "
        "within the past year, the latest {interstate_days_since_latest:.0f} days before this claim "
        "(0: the same day or after it), so more than one state may pay benefits for the same weeks.",
        5.0,
        _flag("interstate_claim"),
        INTERSTATE_NEUTRAL,
        rule=True,
    ),
    Evidence(
        "SSN_INVALID",
        "The Social Security number has a structure that the Social Security Administration never issues.",
        6.0,
        _flag("ssn_structurally_invalid"),
        {
            "ssn_structurally_invalid": 0.0,
            "ssn_invalid_area": 0.0,
            "ssn_invalid_group": 0.0,
            "ssn_invalid_serial": 0.0,
            "ssn_never_issued": 0.0,
        },
        rule=True,
    ),
    # --- the ring ---------------------------------------------------------------------
    Evidence(
        "RING",
        "The claim is one of {ring_size} claims by {ring_identities} different people that share "
        "{ring_shared_kinds}.",
        3.0,
        _ring,
        RING_NEUTRAL,
        group="ring",
    ),
    Evidence(
        "RING_BANK_ACCOUNT",
        "In that group, one bank account is paid for {ring_ssns_per_bank_account} different Social "
        "Security numbers.",
        3.0,
        lambda f: _ring(f) & (_num(f, "ring_ssns_per_bank_account") >= 3),
        {"ring_ssns_per_bank_account": 0.0, "ring_shares_bank_account": 0.0},
        group="ring",
    ),
    Evidence(
        "RING_KNOWN_FRAUD",
        "{ring_known_fraud} claim(s) in that group were already found to be fraud by an investigator.",
        3.0,
        lambda f: _ring(f) & (_num(f, "ring_known_fraud") >= 1),
        {"ring_known_fraud": 0.0},
        group="ring",
    ),
    Evidence(
        "RING_RED_FLAGS",
        "{ring_red_flag_share:.0%} of the claims in that group carry hard evidence such as a deceased "
        "person's number.",
        2.0,
        lambda f: _ring(f) & (_num(f, "ring_red_flag_share") >= 0.25),
        {"ring_red_flag_share": np.nan},
        group="ring",
    ),
    Evidence(
        "RING_LARGE",
        "The group is large: {ring_identities} different people in {ring_span_days:.0f} days.",
        1.0,
        lambda f: _num(f, "ring_identities") >= 8,
        {"ring_identities": 0.0, "ring_size": 0.0},
        group="ring",
    ),
    # --- the identity -----------------------------------------------------------------
    Evidence(
        "INTERSTATE_EARLIER",
        "The same Social Security number filed for benefits in one other state "
        "{interstate_days_since_latest:.0f} days before this claim, which a person who moved here from "
        "that state may have done.",
        1.0,
        lambda f: (_num(f, "interstate_states") >= 1) & ~_flag("interstate_claim")(f),
        INTERSTATE_NEUTRAL,
        weak=True,
    ),
    Evidence(
        "SSN_MANY_NAMES",
        "This Social Security number was used with {ssn_distinct_names} differently written names in "
        "the recent window: names that are not spellings of one another, or a respelled name paid into "
        "another bank account.",
        4.0,
        _ssn_many_names,
        {"ssn_distinct_names": 1.0, "ssn_names_apart": 1.0},
    ),
    Evidence(
        "SSN_MANY_BIRTH_DATES",
        "This Social Security number was used with {ssn_distinct_dobs} different birth dates in the "
        "recent window.",
        2.0,
        _at_least("ssn_distinct_dobs", 2),
        {"ssn_distinct_dobs": 1.0},
    ),
    Evidence(
        "SSN_REPEATED",
        "This Social Security number filed {ssn_claims_window} claims in the recent window.",
        1.0,
        _at_least("ssn_claims_window", 3),
        {"ssn_claims_window": 1.0},
    ),
    Evidence(
        "SSN_PAYMENT_CHANGES",
        "This Social Security number's claims in the recent window asked to be paid into "
        "{ssn_distinct_bank_accounts} different bank accounts, with {ssn_distinct_emails} different "
        "email addresses; a person filing again usually keeps both.",
        2.0,
        _at_least("ssn_distinct_bank_accounts", 2),
        {"ssn_distinct_bank_accounts": 1.0, "ssn_distinct_emails": 1.0},
    ),
    Evidence(
        "UNDER_18",
        "The date of birth makes the claimant younger than 18.",
        3.0,
        _flag("age_under_18"),
        {"age_under_18": 0.0},
    ),
    Evidence(
        "EMPLOYER_EIN_UNASSIGNED",
        "The employer's EIN begins with two digits the IRS has never assigned: no real employer has "
        "this number (a typing slip can also cause it).",
        2.0,
        _flag("employer_ein_unassigned"),
        {"employer_ein_unassigned": 0.0},
    ),
    Evidence(
        "NO_WAGES",
        "The named employer reported no wages for this Social Security number in the last five quarters.",
        1.0,
        _flag("no_wage_record_with_employer"),
        {"no_wage_record_with_employer": 0.0, "wage_quarters_found": 4.0},
    ),
    # --- identifiers shared with other claimants (features.sharing) -------------------
    Evidence(
        "ADDRESS_MANY_PEOPLE",
        "In the last 30 days, {residence_identities_30d:.0f} different people gave the claim's home "
        "address (the same unit) as theirs, and {mailing_identities_30d:.0f} gave its mailing "
        "address (0 when it has none); six or more at one unit is unusual outside shelters and "
        "group homes.",
        2.0,
        lambda f: (_address_people(f) >= 6) & ~_flag("address_congregate")(f),
        {
            **{f"residence_identities_{w}": 1.0 for w in ("7d", "30d", "window")},
            **{f"mailing_identities_{w}": np.nan for w in ("7d", "30d", "window")},
            "address_congregate": 0.0,
        },
    ),
    Evidence(
        "BANK_ACCOUNT_MANY_PEOPLE",
        "The bank account was given by {bank_account_identities_30d:.0f} different people in the last "
        "30 days.",
        2.0,
        _at_least("bank_account_identities_30d", 5),  # more than a household of four
        {f"bank_account_identities_{w}": 1.0 for w in ("7d", "30d", "window")},
    ),
    # People living apart who share an identifier (features.sharing: homes are house number and
    # ZIP code). A household shares an account, a phone, a mailbox and a computer at one home;
    # a bank drop's first two claimants, a stealth chain's pairs and a proxy farm's few devices
    # link strangers who live apart, before any count reaches a ring. Honest claimants share one
    # across homes with family: a grown child who helps a parent file gives their own phone or
    # mailbox or lends a laptop, a spouse who moved out is still on the joint account. Family
    # (a shared surname, or a home shared now or before) fires nothing; two or more families
    # weigh 4 each, a delay by itself.
    Evidence(
        "BANK_ACCOUNT_OTHER_HOMES",
        "In the last 30 days the bank account was given by people at {bank_account_addresses_30d:.0f} "
        "different home addresses, {bank_account_families_30d:.0f} families sharing no surname and no "
        "home; people who share an account usually live together or are family.",
        4.0,
        _other_homes("bank_account", pair=False),
        {"bank_account_addresses_30d": 1.0, "bank_account_families_30d": 1.0},
    ),
    Evidence(
        "PHONE_OTHER_HOMES",
        "In the last 30 days the phone number was given by {phone_identities_30d:.0f} different people at "
        "{phone_addresses_30d:.0f} different home addresses, {phone_families_30d:.0f} families sharing no "
        "surname and no home; people who share a phone number usually live together or are family.",
        4.0,
        _other_homes("phone", OTHER_HOMES_MOST_PEOPLE, pair=False),
        {"phone_addresses_30d": 1.0, "phone_families_30d": 1.0},
    ),
    Evidence(
        "EMAIL_OTHER_HOMES",
        "In the last 30 days the email's mailbox was used by {email_identities_30d:.0f} different people "
        "at {email_addresses_30d:.0f} different home addresses, {email_families_30d:.0f} families sharing "
        "no surname and no home; people who share a mailbox usually live together or are family.",
        4.0,
        _other_homes("email", OTHER_HOMES_MOST_PEOPLE, pair=False),
        {"email_addresses_30d": 1.0, "email_families_30d": 1.0},
    ),
    # The same at a lone pair (two people, two homes, nothing else linking them: _lone_pair) is
    # what a relative who helps from their own home or a spouse who moved out shows, under two
    # surnames when a daughter married or a spouse kept their name: the weight adds to other
    # evidence, but the pair alone names no delay (weak); the data scientists' guide has its figures.
    Evidence(
        "BANK_ACCOUNT_PAIR_OTHER_HOMES",
        "In the last 30 days the bank account, in use for {bank_account_first_seen_days:.0f} days, was "
        "given by two people at two different home addresses with no surname or home in common, as a "
        "couple who live apart may still do on a joint account.",
        4.0,
        _other_homes("bank_account", pair=True),
        {"bank_account_addresses_30d": 1.0, "bank_account_families_30d": 1.0},
        weak=True,
    ),
    Evidence(
        "PHONE_PAIR_OTHER_HOMES",
        "In the last 30 days the phone number was given by two people at two different home addresses "
        "with no surname or home in common, as a relative who helps a claimant file may do.",
        4.0,
        _other_homes("phone", OTHER_HOMES_MOST_PEOPLE, pair=True),
        {"phone_addresses_30d": 1.0, "phone_families_30d": 1.0},
        weak=True,
    ),
    Evidence(
        "EMAIL_PAIR_OTHER_HOMES",
        "In the last 30 days the email's mailbox was used by two people at two different home addresses "
        "with no surname or home in common, as a relative who helps a claimant file may do.",
        4.0,
        _other_homes("email", OTHER_HOMES_MOST_PEOPLE, pair=True),
        {"email_addresses_30d": 1.0, "email_families_30d": 1.0},
        weak=True,
    ),
    Evidence(
        "PHONE_MANY_PEOPLE",
        "The phone number was given by {phone_identities_30d:.0f} different people in the last 30 days.",
        1.5,
        _at_least("phone_identities_30d", 3),
        {f"phone_identities_{w}": 1.0 for w in ("7d", "30d", "window")},
    ),
    Evidence(
        "EMAIL_MANY_PEOPLE",
        "The email's mailbox was used by {email_canonical_identities} different Social Security numbers.",
        3.0,
        _at_least("email_canonical_identities", 3),
        {"email_canonical_identities": 1.0},
    ),
    Evidence(
        "EMAIL_ALIASES",
        "The email is one of {email_alias_variants} differently written addresses that deliver to the "
        "same mailbox.",
        2.0,
        _at_least("email_alias_variants", 3),
        {"email_alias_variants": 1.0},
    ),
    Evidence(
        "EMAIL_DISPOSABLE",
        "The email is at a throwaway mailbox service.",
        # A claimant needs a mailbox that lasts: the agency's notices and determinations go to
        # it for months, and a throwaway one expires within hours or days. Alone it reaches
        # verify. At 1.5, 14 synthetic identities of a fictitious employer that gave one were
        # paid on an independently built world (bench/heldout.py), where no honest claimant
        # gave one.
        4.0,
        _flag("email_disposable"),
        {"email_disposable": 0.0},
    ),
    # Contact points abroad: common among honest claimants (family abroad, a recent move), so
    # each weighs 0.5 (these three and IP_FOREIGN together: 2.0, a 13% cold-start score, never a
    # delay alone); the supervised model learns what they are worth (docs/data-scientists.md).
    Evidence(
        "PHONE_FOREIGN",
        "The contact phone number is outside the United States.",
        0.5,
        _flag("phone_foreign"),
        {"phone_foreign": 0.0},
        weak=True,
    ),
    Evidence(
        "PHONE_NON_GEOGRAPHIC",
        "The contact phone number is tied to no place: a toll-free, premium, personal or internet "
        "calling number.",
        0.5,
        _flag("phone_non_geographic"),
        {"phone_non_geographic": 0.0},
        weak=True,
    ),
    Evidence(
        "MAILING_ABROAD",
        "The mailing address is outside the United States.",
        0.5,
        _flag("mailing_abroad"),
        {"mailing_abroad": 0.0},
        weak=True,
    ),
    # --- the device and the session ---------------------------------------------------
    Evidence(
        "DEVICE_MANY_PEOPLE",
        "The device used for this claim filed for {device_identities_30d:.0f} different people in the "
        "last 30 days.",
        2.0,
        _device_many_people,
        {
            "device_identities_30d": 1.0,
            "device_identities_7d": 1.0,
            "device_identities_1d": 1.0,
            "device_claims_30d": 1.0,
            "device_claims_7d": 1.0,
            "device_claims_1d": 1.0,
        },
    ),
    Evidence(
        "DEVICE_OTHER_HOMES",
        "In the last 30 days the device used for this claim filed for {device_identities_30d:.0f} "
        "different people at {device_addresses_30d:.0f} different home addresses ({device_families_30d:.0f} "
        "families sharing no surname and no home), from {device_networks_30d:.0f} different internet "
        "networks; a computer or phone a household shares stays at its home, and one lent to a relative "
        "stays in the family.",
        4.0,
        _device_other_homes,
        {"device_addresses_30d": 1.0, "device_networks_30d": 1.0, "device_families_30d": 1.0},
    ),
    Evidence(
        "DEVICE_BURST",
        "{device_burst_10m:.0f} other claims came from the same device within 10 minutes of this one.",
        2.0,
        _at_least("device_burst_10m", 2),
        {"device_burst_10m": 0.0},
    ),
    Evidence(
        "NETWORK_BURST",
        "{ip24_burst_10m:.0f} other claims came from the same internet network within 10 minutes of "
        "this one.",
        1.0,
        _at_least("ip24_burst_10m", 3),
        {"ip24_burst_10m": 0.0},
    ),
    Evidence(
        "SHORT_SESSION",
        "The application was completed in {session_seconds:.0f} seconds, faster than a person typically can.",
        2.5,
        _short_session,
        {"short_session": 0.0, "session_seconds": 600.0},
    ),
    Evidence(
        "AUTOMATED_BROWSER",
        "The browser identified itself as an automated script or headless browser.",
        2.0,
        _flag("automation_user_agent"),
        {"automation_user_agent": 0.0},
    ),
    Evidence(
        "IP_TOR",
        "The claim was filed through the Tor anonymity network.",
        2.0,
        _flag("ip_tor"),
        {"ip_tor": 0.0},
    ),
    Evidence(
        "IP_HOSTING",
        "The claim was filed from a data-centre (hosting) internet address, not a home or phone network.",
        # People file from home broadband and phones; cloud servers are where scripts, proxies
        # and farms run. Alone it reaches verify (an identity check settles it: an honest
        # claimant behind a workplace's cloud gateway passes). 1.5 left a farm's one-claim
        # hosting addresses clear: 9 of 33 on an independently built world (bench/heldout.py).
        4.0,
        _flag("ip_hosting"),
        {"ip_hosting": 0.0},
    ),
    Evidence(
        "IP_VPN",
        "The claim was filed through a commercial VPN service.",
        1.0,
        _flag("ip_vpn"),
        {"ip_vpn": 0.0},
    ),
    Evidence(
        "IP_FOREIGN",
        "The claim was filed from an internet address outside the United States.",
        0.5,
        _flag("ip_foreign"),
        {"ip_foreign": 0.0},
    ),
    # --- the models -------------------------------------------------------------------
    Evidence(
        "ANOMALY",
        "The claim's details are unusual compared with other claims.",
        1.5,
        lambda f: _num(f, "anomaly_score") >= ANOMALY_PERCENTILE,
        group="model",
    ),
)

BY_CODE: dict[str, Evidence] = {e.code: e for e in EVIDENCE}
RULE_CODES: tuple[str, ...] = tuple(e.code for e in EVIDENCE if e.rule)

#: The reason given when the supervised model, not any one signal, raised the score.
MODEL_CODE = "MODEL_PATTERN"
MODEL_TEXT = (
    "The claim's combination of details closely resembles claims that investigators found to be fraud."
)

#: Every reason code and its sentence (templates keep their {placeholders}).
REASON_TEXTS: dict[str, str] = {**{e.code: e.text for e in EVIDENCE}, MODEL_CODE: MODEL_TEXT}


def evidence_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """One yes/no column per evidence code: whether it fires on each claim."""
    return pd.DataFrame({e.code: e.fires(features) for e in EVIDENCE}, index=features.index)


WEAK_CODES: frozenset[str] = frozenset(e.code for e in EVIDENCE if e.weak)


def named_hits(evidence: pd.DataFrame) -> np.ndarray:
    """Whether a signal that can name a delay by itself fires on each claim: any evidence but
    the weak (:attr:`Evidence.weak`)."""
    strong = [c for c in evidence.columns if c not in WEAK_CODES]
    return np.asarray(evidence[strong].to_numpy(dtype=bool).any(axis=1), dtype=bool)


def rule_hits(evidence: pd.DataFrame) -> np.ndarray:
    """Whether any hard-evidence rule fires on each claim."""
    return np.asarray(evidence[list(RULE_CODES)].to_numpy().any(axis=1), dtype=bool)


def cold_logit(evidence: pd.DataFrame, weights: dict[str, float] | None = None) -> np.ndarray:
    """The cold-start log-odds of each claim: the prior plus the weights of what fires
    (each code's own weight, or the one ``weights`` gives it)."""
    chosen = weights or {}
    vector = np.array([chosen.get(c, BY_CODE[c].weight) for c in evidence.columns])
    return PRIOR_LOGIT + evidence.to_numpy(dtype="float64") @ vector


def evidence_markdown() -> str:
    """The reason-code page (docs/reasons.md is this, and a test keeps it so)."""
    lines = [
        "# Reason codes",
        "",
        "Every reason a claim can be given, as declared in `models/evidence.py`. A delayed claim",
        "lists the codes that apply to it, hard evidence first, then the others by how much each",
        "adds to its risk. The sentence is what the investigator and the claimant notice read,",
        "filled in with the claim's own figures. The weight is the signal's log-odds in the",
        "cold-start score (see docs/data-scientists.md). This page is generated: `make docs`",
        "rewrites it.",
        "",
        "| code | hard evidence | cold-start weight | sentence |",
        "|---|---|---|---|",
    ]
    for e in EVIDENCE:
        lines.append(f"| `{e.code}` | {'yes' if e.rule else ''} | {e.weight:g} | {e.text} |")
    lines.append(f"| `{MODEL_CODE}` |  |  | {MODEL_TEXT} |")
    return "\n".join(lines) + "\n"
