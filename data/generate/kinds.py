"""The enumerations every part of the generator shares.

Fraud typologies, honest hard cases, identity and IP kinds, identifier-code namespaces, channels.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

__all__ = [
    "BANK_DROP",
    "CHAINED_TYPOLOGIES",
    "DAY_SECONDS",
    "DECEASED",
    "DEVICE_FARM",
    "DROP_ADDRESS",
    "EMAIL_ALIAS",
    "EMERGING",
    "EMERGING_FROM",
    "FORMATS",
    "HONEST_CASES",
    "INCARCERATED",
    "IN_PERSON",
    "IP_CGNAT",
    "IP_FOREIGN",
    "IP_HOSTING",
    "IP_HOSTING24",
    "IP_LIBRARY",
    "IP_NONE",
    "IP_RESIDENTIAL",
    "IP_TOR",
    "IP_VPN",
    "KIND_DECEASED",
    "KIND_FILER",
    "KIND_INMATE",
    "KIND_SYNTHETIC",
    "KIND_WORKER",
    "KNOWN_BAD",
    "MAIL_DROP",
    "MOBILE",
    "MULTI_STATE",
    "NS_FRESH",
    "NS_HOUSEHOLD",
    "NS_LIBRARY",
    "NS_LISTED",
    "NS_MOBILE",
    "NS_PERSON",
    "NS_RING",
    "NS_SHIFT",
    "PHONE",
    "REFILED",
    "STATE",
    "SYNTHETIC",
    "TIMEZONE",
    "TYPOLOGIES",
    "TYPOLOGY_SHARES",
    "WEB",
]

FORMATS = ("csv", "parquet", "jsonl")


STATE = "OH"


TIMEZONE = ZoneInfo("America/New_York")


DAY_SECONDS = 86_400


TYPOLOGIES = (
    "stolen_identity_bank_drop",
    "device_farm",
    "email_alias",
    "drop_address",
    "synthetic_identity",
    "deceased_identity",
    "incarcerated_identity",
    "multi_state",
    "refiled_identity",
    "known_bad_actor",
    "mail_drop",
)


TYPOLOGY_SHARES = (0.16, 0.13, 0.08, 0.12, 0.09, 0.08, 0.07, 0.08, 0.08, 0.11)


(BANK_DROP, DEVICE_FARM, EMAIL_ALIAS, DROP_ADDRESS, SYNTHETIC, DECEASED, INCARCERATED, MULTI_STATE, REFILED,
 KNOWN_BAD, MAIL_DROP) = range(11)  # fmt: skip


#: Schemes that only start after this share of the window (absent from early labels).
EMERGING = (EMAIL_ALIAS, SYNTHETIC)


EMERGING_FROM = 0.6


CHAINED_TYPOLOGIES = (DECEASED, INCARCERATED, MULTI_STATE)


HONEST_CASES = (
    "none",
    "refile",
    "interstate_mover",
    "mass_layoff",
    "household",
    "library_ip",
    "vpn_abroad",
    "released_inmate",
    "listed_phone",
    "elderly",
    "non_english",
    "no_device",
    "mobile_cgnat",
    "relative_helper",
    "relatives_sharing",
    "separated_spouse",
    "moved_refile",
)


# IP kinds a claim can carry; the key picks the address deterministically within the kind.
(IP_NONE, IP_RESIDENTIAL, IP_LIBRARY, IP_CGNAT, IP_VPN, IP_FOREIGN, IP_HOSTING, IP_TOR,
 IP_HOSTING24) = range(9)  # fmt: skip


# Identity kinds, and namespaces of identifier codes (high bits of a uint64 code).
KIND_FILER, KIND_WORKER, KIND_DECEASED, KIND_INMATE, KIND_SYNTHETIC = range(5)


NS_PERSON, NS_MOBILE, NS_HOUSEHOLD, NS_LIBRARY, NS_FRESH, NS_RING, NS_LISTED, NS_UNRELATED = range(1, 9)


NS_SHIFT = np.uint64(48)


WEB, MOBILE, PHONE, IN_PERSON = range(4)
