"""The synthetic claims world: a seeded, vectorized simulation of one state's UI claims.

The world is a fictional mid-size state that uses Ohio's cities, ZIP codes and
area codes (state code ``OH``). Everything is drawn with numpy from one seeded
generator, people first as arrays, then claims by indexing into them, so the
same seed and arguments always give byte-identical files.

**People.** Claimants, other workers (whose identities fraudsters steal),
deceased people, inmates and synthetic identities share one identity table:
SSN, names drawn with frequency weights from faker's locale word lists
(English, Spanish, Vietnamese, Chinese, Haitian, Russian, Korean), date of
birth, language, home address, employer, wages, phone, email, bank account and
devices. Each identity is a ``person_key``.

**Honest claims** (most of them) come with the hard cases that make naive rules
wrong: households sharing an address, a home IP, sometimes a computer and a
spouse's bank account; library and workforce-centre IPs (and their public
computers) shared by hundreds; mobile-carrier CGNAT addresses; mass layoffs
(one employer, hundreds of claims in a day); phone and in-person claims with no
device data; non-English speakers; elderly claimants with slow sessions;
claimants on a VPN or abroad; people released from prison; people who moved
here and claimed in the state they left months before (:func:`plan_movers`, 1.5%
of honest claims, in a random stream of their own); recycled phone numbers on
the bad-actor list; and people re-filing a few days later with small variations.

**Fraud** (``fraud_rate`` of claims) is organized in rings of 3 to ~60 claims,
each with a typology (see :data:`TYPOLOGIES`). Rings share some identifiers and
vary others, so no single rule catches them all; some rings are chains (claim
A shares a bank account with B, B a device with C, C a phone with D) spread
over weeks; ``email_alias`` and ``synthetic_identity`` appear only in the last
40% of the window.

**Labels** come from a simulated legacy process: it investigates mostly
claims that look suspicious by old rules, plus a small random audit; decisions
arrive days after filing, so recent claims and new schemes are mostly
unlabelled. ``truth.parquet`` holds the real answer, for evaluation only.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from faker.providers.person import en_US, es_MX, fr_FR, ru_RU, vi_VN, zh_CN

from claimscreen.data.schema import (
    CLAIM_COLUMN_NAMES,
    DISPOSITION_COLUMNS,
    PAYMENT_METHODS,
    PROGRAMS,
    REFERENCE_LISTS,
    SEPARATION_REASONS,
)

__all__ = ["FORMATS", "HONEST_CASES", "TYPOLOGIES", "WorldSummary", "generate_world"]

Arr = np.ndarray[Any, Any]
Weights = Sequence[float] | Arr

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
)

# --- Word lists ---------------------------------------------------------------

#: (city, lowest ZIP, highest ZIP, area code, population in thousands)
CITIES = (
    ("Columbus", 43201, 43240, 614, 905), ("Cleveland", 44101, 44144, 216, 372),
    ("Cincinnati", 45202, 45252, 513, 309), ("Toledo", 43604, 43624, 419, 270),
    ("Akron", 44301, 44333, 330, 190), ("Dayton", 45402, 45440, 937, 137),
    ("Parma", 44129, 44134, 440, 80), ("Canton", 44702, 44721, 330, 70),
    ("Youngstown", 44502, 44515, 330, 60), ("Lorain", 44052, 44055, 440, 65),
    ("Hamilton", 45011, 45015, 513, 63), ("Springfield", 45502, 45506, 937, 58),
    ("Kettering", 45409, 45440, 937, 57), ("Elyria", 44035, 44036, 440, 53),
    ("Lakewood", 44107, 44107, 216, 50), ("Cuyahoga Falls", 44221, 44224, 330, 51),
    ("Middletown", 45042, 45044, 513, 50), ("Newark", 43055, 43058, 740, 50),
    ("Mansfield", 44902, 44907, 419, 47), ("Mentor", 44060, 44061, 440, 47),
    ("Beavercreek", 45430, 45434, 937, 47), ("Strongsville", 44136, 44149, 440, 46),
    ("Dublin", 43016, 43017, 614, 49), ("Fairfield", 45014, 45014, 513, 44),
    ("Findlay", 45840, 45840, 419, 41), ("Warren", 44481, 44485, 330, 39),
    ("Lancaster", 43130, 43130, 740, 41), ("Lima", 45801, 45807, 419, 36),
    ("Huber Heights", 45424, 45424, 937, 43), ("Marion", 43302, 43302, 740, 36),
    ("Grove City", 43123, 43123, 614, 42), ("Delaware", 43015, 43015, 740, 42),
    ("Sandusky", 44870, 44870, 419, 25), ("Zanesville", 43701, 43702, 740, 25),
    ("Athens", 45701, 45701, 740, 23), ("Chillicothe", 45601, 45601, 740, 22),
    ("Portsmouth", 45662, 45662, 740, 20), ("Steubenville", 43952, 43953, 740, 18),
    ("Wooster", 44691, 44691, 330, 27), ("Medina", 44256, 44258, 330, 26),
)  # fmt: skip
OTHER_AREA_CODES = (312, 404, 212, 305, 702, 313, 412, 502, 317, 786, 469, 347)
STREETS = (
    "Main", "Oak", "Maple", "Cedar", "Park", "Pine", "Elm", "Washington", "Lake", "Hill", "Walnut",
    "Spring", "Ridge", "Church", "Willow", "Mill", "Sunset", "Jackson", "Cherry", "Highland", "Center",
    "Franklin", "Lincoln", "Madison", "Jefferson", "Chestnut", "Adams", "River", "Meadow", "Forest",
    "Broad", "High", "Market", "Liberty", "Prospect", "Woodland", "Locust", "Summit", "Euclid", "Detroit",
    "Lorain", "Kinsman", "Mayfield", "Superior", "Front", "Vine", "Sycamore", "Hickory", "Birch",
    "Poplar", "Grant", "Hamilton", "Monroe", "Harrison", "Taylor", "Clay", "Dogwood", "Orchard",
    "Country Club", "Greenfield", "Fairview", "Riverside", "Cleveland", "Sawmill", "Morse", "Cassady",
)  # fmt: skip
#: (full, abbreviated, weight)
STREET_SUFFIXES = (
    ("Street", "St", 30), ("Avenue", "Ave", 22), ("Road", "Rd", 15), ("Drive", "Dr", 12),
    ("Lane", "Ln", 6), ("Court", "Ct", 5), ("Boulevard", "Blvd", 3), ("Place", "Pl", 3),
    ("Way", "Way", 2), ("Circle", "Cir", 2),
)  # fmt: skip
DIRECTIONS = ("N ", "S ", "E ", "W ")
#: Unit spellings (prefix, separator between number and letter): "Apt 4B", "#4B", "Unit 4-B", ...
UNIT_STYLES = (("Apt ", ""), ("#", ""), ("Unit ", ""), ("Apt. ", ""), ("APT ", ""), ("Unit ", "-"),
               ("APT. ", ""), ("Apt #", ""), ("Ste ", ""))  # fmt: skip
HONEST_UNIT_WEIGHTS = (55, 20, 15, 5, 5, 0, 0, 0, 0)
UNIT_LETTERS = ("A", "B", "C", "D", "E", "F")
EMAIL_DOMAINS = (
    ("gmail.com", 38), ("yahoo.com", 14), ("hotmail.com", 8), ("outlook.com", 7), ("icloud.com", 7),
    ("aol.com", 4), ("comcast.net", 4), ("att.net", 3), ("sbcglobal.net", 2), ("verizon.net", 2),
    ("charter.net", 2), ("live.com", 2), ("msn.com", 1), ("ymail.com", 1), ("roadrunner.com", 1),
    ("frontier.com", 1), ("protonmail.com", 1), ("windstream.net", 1), ("wowway.com", 1),
)  # fmt: skip
FRAUD_EMAIL_DOMAINS = (("gmail.com", 45), ("outlook.com", 15), ("yahoo.com", 12), ("protonmail.com", 10),
                       ("hotmail.com", 8), ("mail.com", 5), ("gmx.com", 5))  # fmt: skip
KOREAN_FIRST_FEMALE = ("Seo-yeon", "Ji-woo", "Min-seo", "Soo-jin", "Eun-ji", "Ye-jin", "Ha-eun", "Ji-min")
KOREAN_FIRST_MALE = ("Min-jun", "Ji-hoon", "Hyun-woo", "Dong-hyun", "Jae-won", "Sung-min", "Joon-ho")
KOREAN_LAST = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Shin")
HAITIAN_LAST = ("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Charles", "Jean-Louis", "Francois", "Desir",
                "Augustin", "Celestin", "Etienne", "Dorsainvil", "Toussaint", "Fleurant", "Saint-Fleur",
                "Noel", "Michel", "Alexis", "Jeune", "Cadet")  # fmt: skip
VIETNAMESE_LAST_WEIGHTS = (38, 11, 10, 7, 4, 3, 2, 2, 1, 5)
LANGUAGES = ("en", "es", "vi", "zh", "ht", "ru", "ko")
LANGUAGE_SHARES = (0.875, 0.08, 0.012, 0.01, 0.008, 0.008, 0.007)
NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Richard": "Rick", "James": "Jim", "John": "Jack",
    "Michael": "Mike", "Joseph": "Joe", "Thomas": "Tom", "Christopher": "Chris", "Daniel": "Dan",
    "Matthew": "Matt", "Anthony": "Tony", "Steven": "Steve", "Kenneth": "Ken", "Edward": "Ed",
    "Elizabeth": "Liz", "Jennifer": "Jen", "Katherine": "Kate", "Margaret": "Peggy", "Patricia": "Pat",
    "Deborah": "Debbie", "Susan": "Sue", "Rebecca": "Becky", "Jessica": "Jess", "Samantha": "Sam",
    "Alexander": "Alex", "Benjamin": "Ben", "Nicholas": "Nick", "Jonathan": "Jon", "Timothy": "Tim",
}  # fmt: skip
EMPLOYER_WORDS = (
    "Manufacturing", "Logistics", "Health Services", "Construction", "Foods", "Staffing", "Auto Parts",
    "Retail", "Hospitality", "Plastics", "Machining", "Dental Group", "Home Care", "Trucking",
    "Restaurant Group", "Distribution", "Steel", "Packaging", "Printing", "Landscaping", "Cleaning Services",
    "Electric", "Plumbing", "Warehouse", "Medical Center", "Insurance Agency", "Tool & Die", "Farms",
    "Hotel Group", "Senior Living", "Call Center", "Fabrication", "Polymers", "Tire & Rubber", "Glass",
)  # fmt: skip
EMPLOYER_ADJECTIVES = (
    "Buckeye", "Great Lakes", "Midwest", "Heartland", "Tri-County", "Ohio Valley", "Summit", "Keystone",
    "Pioneer", "Allied", "United", "Premier", "Riverside", "Northcoast", "Central", "Liberty", "Frontier",
    "Cardinal", "Maumee", "Scioto",
)  # fmt: skip
EMPLOYER_SUFFIXES = (("Inc", 30), ("LLC", 30), ("Co", 8), ("Corp", 8), ("", 14), ("Group", 5), ("Ltd", 5))
EIN_PREFIXES = (10, 12, 20, 26, 27, 31, 34, 35, 36, 37, 38, 45, 46, 47, 52, 54, 61, 62, 81, 82, 83, 84, 85,
                86, 87, 88, 91, 92, 93, 98, 99)  # fmt: skip
#: (bank, weight, online-only): routing numbers are drawn once, with valid ABA checksums.
BANKS = (
    ("JPMorgan Chase", 16, 0), ("Huntington", 14, 0), ("Fifth Third", 11, 0), ("PNC", 10, 0),
    ("KeyBank", 8, 0), ("US Bank", 6, 0), ("Wells Fargo", 4, 0), ("Bank of America", 5, 0),
    ("Park National", 2, 0), ("Third Federal", 2, 0), ("Wright-Patt Credit Union", 3, 0),
    ("Kemba Credit Union", 2, 0), ("Telhio Credit Union", 1, 0), ("First Financial", 2, 0),
    ("Chime (Bancorp)", 4, 1), ("Cash App (Sutton)", 3, 1), ("Varo", 1, 1), ("Green Dot", 2, 1),
    ("Go2bank", 1, 1), ("Netspend (MetaBank)", 1, 1), ("Ally", 1, 1), ("Current (Choice)", 1, 1),
)  # fmt: skip
DESKTOP_AGENTS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36", 34),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0", 16),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Safari/605.1.15", 12),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/128.0.0.0 Safari/537.36", 10),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0", 8),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/128.0.0.0 Safari/537.36", 6),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/118.0.0.0 Safari/537.36", 6),
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko", 2),
)  # fmt: skip
MOBILE_AGENTS = (
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 30),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.0 Mobile/15E148 Safari/604.1", 18),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Mobile Safari/537.36", 30),
    ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921U) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", 14),
    ("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 8),
)  # fmt: skip
AUTOMATION_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 "
    "Safari/537.36",
    "python-requests/2.31.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 "
    "Safari/537.36",
)
AGENTS = tuple(a for a, _ in DESKTOP_AGENTS) + tuple(a for a, _ in MOBILE_AGENTS) + AUTOMATION_AGENTS
N_DESKTOP, N_MOBILE = len(DESKTOP_AGENTS), len(MOBILE_AGENTS)

# --- IP space: (cidr, category) blocks written to ip_ranges, and pools claims draw from -------

IP_BLOCKS = (
    ("3.80.0.0/12", "hosting"), ("34.64.0.0/10", "hosting"), ("35.192.0.0/12", "hosting"),
    ("52.0.0.0/11", "hosting"), ("104.196.0.0/14", "hosting"), ("138.68.0.0/16", "hosting"),
    ("159.65.0.0/16", "hosting"), ("167.99.0.0/16", "hosting"), ("45.55.0.0/16", "hosting"),
    ("2600:1f00::/24", "hosting"), ("2a03:b0c0::/32", "hosting"),
    ("185.159.156.0/22", "vpn"), ("146.70.0.0/16", "vpn"), ("89.187.160.0/19", "vpn"),
    ("37.19.192.0/19", "vpn"), ("193.27.12.0/22", "vpn"), ("2a0d:5600::/29", "vpn"),
    ("41.58.0.0/16", "foreign"), ("197.210.0.0/16", "foreign"), ("102.89.0.0/16", "foreign"),
    ("5.8.0.0/16", "foreign"), ("91.243.0.0/16", "foreign"), ("103.21.0.0/16", "foreign"),
    ("196.49.0.0/16", "foreign"), ("2c0f:f000::/20", "foreign"),
)  # fmt: skip
TOR_EXITS = ("185.220.100.", "185.220.101.", "199.249.230.", "204.8.96.")
#: IPv4 pools claims draw from: (first address as int, size)
RESIDENTIAL_V4 = (("73.0.0.0", 1 << 24), ("98.192.0.0", 1 << 22), ("24.160.0.0", 1 << 19),
                  ("71.64.0.0", 1 << 20), ("76.176.0.0", 1 << 20), ("108.64.0.0", 1 << 20))  # fmt: skip
CGNAT_V4 = (("172.56.0.0", 1 << 18), ("174.192.0.0", 1 << 22), ("166.170.0.0", 1 << 17))
LIBRARY_V4 = (("66.61.0.0", 1 << 16), ("65.24.0.0", 1 << 16))
VPN_V4 = (("185.159.156.0", 1 << 10), ("146.70.0.0", 1 << 16), ("89.187.160.0", 1 << 13))
FOREIGN_V4 = (("41.58.0.0", 1 << 16), ("197.210.0.0", 1 << 16), ("102.89.0.0", 1 << 16),
              ("5.8.0.0", 1 << 16), ("103.21.0.0", 1 << 16))  # fmt: skip
HOSTING_V4 = (("34.64.0.0", 1 << 22), ("52.0.0.0", 1 << 21), ("138.68.0.0", 1 << 16), ("159.65.0.0", 1 << 16))
#: IPv6 prefixes (first two groups) for home and mobile addresses.
#: IPv6 prefixes: first two groups, and the bits of the second group that vary.
RESIDENTIAL_V6 = ((0x2601, 0x0000, 0x0FFF), (0x2603, 0x6000, 0x0FFF))
CGNAT_V6 = ((0x2607, 0xFB90, 0x0000), (0x2600, 0x1010, 0x0000))

# IP kinds a claim can carry; the key picks the address deterministically within the kind.
(IP_NONE, IP_RESIDENTIAL, IP_LIBRARY, IP_CGNAT, IP_VPN, IP_FOREIGN, IP_HOSTING, IP_TOR,
 IP_HOSTING24) = range(9)  # fmt: skip
# Identity kinds, and namespaces of identifier codes (high bits of a uint64 code).
KIND_FILER, KIND_WORKER, KIND_DECEASED, KIND_INMATE, KIND_SYNTHETIC = range(5)
NS_PERSON, NS_MOBILE, NS_HOUSEHOLD, NS_LIBRARY, NS_FRESH, NS_RING, NS_LISTED, NS_UNRELATED = range(1, 9)
NS_SHIFT = np.uint64(48)


@dataclass(frozen=True)
class WorldSummary:
    """What :func:`generate_world` wrote."""

    out_dir: Path
    days: int
    claims: int
    fraud_claims: int
    rings: int
    batch_files: list[Path]
    reference_files: dict[str, Path]
    dispositions_file: Path
    truth_file: Path
    dispositions: int = 0
    typology_counts: dict[str, int] = field(default_factory=dict)
    defects: int = 0

    def describe(self) -> list[str]:
        """A few human-readable lines."""
        share = self.fraud_claims / self.claims if self.claims else 0.0
        return [
            f"{self.claims:,} claims over {self.days} days in {self.out_dir}",
            f"{self.fraud_claims:,} fraudulent ({share:.1%}) in {self.rings:,} rings",
            f"{len(self.batch_files)} batch files, {len(self.reference_files)} reference lists",
            f"{self.dispositions:,} past dispositions in {self.dispositions_file.name}",
            f"{self.defects:,} rows with extract defects (they should end in the quarantine)",
        ]


# --- Small helpers ------------------------------------------------------------


def mix64(values: Arr, salt: int = 0) -> Arr:
    """SplitMix64 finalizer: a well-spread, deterministic uint64 hash of each value."""
    z = values.astype(np.uint64) ^ np.uint64(salt)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def make_code(namespace: int, key: Arr) -> Arr:
    """An identifier code: namespace in the high bits, key in the low ones; equal codes share a value."""
    return (np.uint64(namespace) << NS_SHIFT) | key.astype(np.uint64)


def pick(rng: np.random.Generator, weights: Weights, size: int) -> Arr:
    """Indices drawn with the given (unnormalized) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def digits(values: Arr, width: int) -> pa.Array:
    """Zero-padded decimal text of integers."""
    return pc.utf8_lpad(pa.array(values.astype(np.int64)).cast(pa.string()), width=width, padding="0")


def numbers(values: Arr) -> pa.Array:
    return pa.array(values.astype(np.int64)).cast(pa.string())


def take(vocab: pa.Array, index: Arr) -> pa.Array:
    """vocab[index], with an empty string where index is negative."""
    idx = pa.array(index.astype(np.int64), mask=index < 0)
    return pc.fill_null(vocab.take(idx), "")


def choose(selector: Arr, options: Sequence[pa.Array]) -> pa.Array:
    """options[selector[i]][i] for each row."""
    out = options[0]
    for k in range(1, len(options)):
        out = pc.if_else(pa.array(selector == k), options[k], out)
    return out


def where(mask: Arr, yes: pa.Array | str, no: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(mask), yes, no)


def rank_within(groups: Arr) -> Arr:
    """Position of each row within its group, for rows already sorted by group."""
    n = len(groups)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1] if n else np.zeros(0, np.int64)
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def split_counts(total: int, weights: Weights) -> Arr:
    """Largest-remainder split of total into integer parts."""
    w = np.asarray(weights, dtype=np.float64)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def ip_to_int(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


HEX4 = pa.array([f"{i:04x}" for i in range(65536)])
HEXN = pa.array([f"{i:x}" for i in range(65536)])


# --- Vocabulary ---------------------------------------------------------------


def fold_ascii(text: str) -> str:
    """Accents removed (Vietnamese đ becomes d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Vocab:
    """Names as flat arrays, with the slice and weights of each (language, sex)."""

    first: pa.Array
    first_ascii: pa.Array
    first_groups: dict[tuple[int, int], tuple[Arr, Arr]]
    last: pa.Array
    last_ascii: pa.Array
    last_groups: dict[int, tuple[Arr, Arr]]


def weighted(names: Sequence[str] | dict[str, float]) -> tuple[list[str], list[float]]:
    if isinstance(names, dict):
        return list(names), [float(w) for w in names.values()]
    unique = list(dict.fromkeys(names))
    return unique, [1.0] * len(unique)


def name_sources() -> list[tuple[Any, Any, Any]]:
    """(female, male, last) name lists for each of :data:`LANGUAGES`."""
    en, es, vi, zh, fr = en_US.Provider, es_MX.Provider, vi_VN.Provider, zh_CN.Provider, fr_FR.Provider
    ru = ru_RU.Provider
    vi_last = dict(zip([fold_ascii(n) for n in vi.last_names], VIETNAMESE_LAST_WEIGHTS, strict=True))
    return [
        (en.first_names_female, en.first_names_male, en.last_names),
        (es.first_names_female, es.first_names_male, es.last_names),
        (
            [fold_ascii(n) for n in vi.first_names_female],
            [fold_ascii(n) for n in vi.first_names_male],
            vi_last,
        ),
        (zh.first_romanized_names, zh.first_romanized_names, zh.last_romanized_names),
        (fr.first_names_female, fr.first_names_male, HAITIAN_LAST),
        (
            [ru_RU.translit(n) for n in ru.first_names_female],
            [ru_RU.translit(n) for n in ru.first_names_male],
            [ru_RU.translit(n) for n in ru.last_names_male],
        ),
        (KOREAN_FIRST_FEMALE, KOREAN_FIRST_MALE, KOREAN_LAST),
    ]


def ascii_key(names: list[str]) -> pa.Array:
    return pa.array(["".join(ch for ch in fold_ascii(n).lower() if ch.isalpha()) for n in names])


def make_vocab() -> Vocab:
    """Flatten the per-language name lists into arrays with per-group weights."""
    firsts: list[str] = []
    lasts: list[str] = []
    first_groups: dict[tuple[int, int], tuple[Arr, Arr]] = {}
    last_groups: dict[int, tuple[Arr, Arr]] = {}
    for lang, (female, male, last) in enumerate(name_sources()):
        for sex, names in enumerate((female, male)):
            words, w = weighted(names)
            first_groups[(lang, sex)] = (
                np.arange(len(firsts), len(firsts) + len(words)),
                np.array(w) / sum(w),
            )
            firsts += words
        words, w = weighted(last)
        last_groups[lang] = (np.arange(len(lasts), len(lasts) + len(words)), np.array(w) / sum(w))
        lasts += words
    return Vocab(
        pa.array(firsts), ascii_key(firsts), first_groups, pa.array(lasts), ascii_key(lasts), last_groups
    )


def draw_first(rng: np.random.Generator, vocab: Vocab, lang: Arr, sex: Arr) -> Arr:
    out = np.zeros(len(lang), dtype=np.int64)
    for (g_lang, g_sex), (idx, p) in vocab.first_groups.items():
        rows = np.flatnonzero((lang == g_lang) & (sex == g_sex))
        out[rows] = rng.choice(idx, size=len(rows), p=p)
    return out


def draw_last(rng: np.random.Generator, vocab: Vocab, lang: Arr) -> Arr:
    out = np.zeros(len(lang), dtype=np.int64)
    for g_lang, (idx, p) in vocab.last_groups.items():
        rows = np.flatnonzero(lang == g_lang)
        out[rows] = rng.choice(idx, size=len(rows), p=p)
    return out


# --- Calendar and rings -----------------------------------------------------------


def plan_days(start: datetime.date, days: int, claims_per_day: int) -> Arr:
    """Claims per day: Mondays busiest, weekends quiet; the total is days * claims_per_day."""
    weekday_weight = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.6, 0.55])
    weekdays = (np.arange(days) + start.weekday()) % 7
    return split_counts(days * claims_per_day, weekday_weight[weekdays])


@dataclass(frozen=True)
class Rings:
    """One row per ring (typology, size, timing, shared-pool sizes)."""

    typology: Arr
    size: Arr
    start_day: Arr
    nights: Arr
    gap: Arr
    nocturnal: Arr
    base_sec: Arr
    chained: Arr
    automated: Arr
    pool: Arr  # size of the ring's shared pool of its main identifier
    hosting_block: Arr

    def __len__(self) -> int:
        return len(self.size)


def draw_ring_sizes(rng: np.random.Generator, total: int, largest: int) -> list[int]:
    sizes: list[int] = []
    while total > 0:
        size = int(np.clip(round(rng.lognormal(np.log(9.0), 0.75)), 3, largest))
        size = total if total - size < 3 else size
        sizes.append(size)
        total -= size
    return sizes


def make_rings(rng: np.random.Generator, fraud_claims: int, days: int) -> Rings:
    """Split the fraud claims by typology, then into rings of 3 to ~60 claims."""
    typology: list[int] = []
    sizes: list[int] = []
    for t, count in enumerate(split_counts(fraud_claims, TYPOLOGY_SHARES)):
        ring_sizes = draw_ring_sizes(rng, int(count), 8 if t == REFILED else 60)
        typology += [t] * len(ring_sizes)
        sizes += ring_sizes
    typ, size = np.array(typology, dtype=np.int64), np.array(sizes, dtype=np.int64)
    n = len(size)
    first_day = np.where(np.isin(typ, EMERGING), int(np.ceil(EMERGING_FROM * days)), 0)
    first_day = np.minimum(first_day, days - 1)
    chained = np.isin(typ, CHAINED_TYPOLOGIES) & (rng.random(n) < 0.4)
    nights = np.where(typ == REFILED, size, rng.integers(1, 5, n))
    nights = np.where(
        chained, rng.integers(3, 7, n), np.where(typ == DEVICE_FARM, rng.integers(1, 4, n), nights)
    )
    nocturnal = rng.random(n) < np.where(typ == DEVICE_FARM, 0.9, 0.6)
    return Rings(
        typology=typ,
        size=size,
        start_day=first_day + np.floor(rng.random(n) * (days - first_day)).astype(np.int64),
        nights=nights,
        gap=np.where(chained, rng.integers(2, 8, n), rng.integers(1, 4, n)),
        nocturnal=nocturnal,
        base_sec=np.where(nocturnal, rng.integers(0, 16_200, n), rng.integers(28_800, 72_000, n)),
        chained=chained,
        automated=(typ == DEVICE_FARM) & (rng.random(n) < 0.4),
        pool=np.where(typ == DECEASED, rng.integers(2, 6, n), rng.integers(1, 4, n)),
        hosting_block=(typ == DEVICE_FARM) & (rng.random(n) < 0.6),
    )


def place_fraud_claims(rng: np.random.Generator, rings: Rings, days: int) -> tuple[Arr, Arr, Arr]:
    """(ring, day, second of day) of each fraud claim, sorted by ring then time."""
    ring = np.repeat(np.arange(len(rings)), rings.size)
    rank = rank_within(ring)
    n = len(ring)
    night = np.where(rings.typology[ring] == REFILED, rank, np.floor(rng.random(n) * rings.nights[ring]))
    day = np.minimum(rings.start_day[ring] + night.astype(np.int64) * rings.gap[ring], days - 1)
    burst = rings.typology[ring] == DEVICE_FARM
    spread = np.where(burst, rings.size[ring] * 45, np.where(rings.nocturnal[ring], 5_400, 7_200))
    sec = np.minimum(
        rings.base_sec[ring] + np.floor(rng.random(n) * spread).astype(np.int64), DAY_SECONDS - 1
    )
    order = np.lexsort((sec, day, ring))
    return ring[order], day[order], sec[order]


# --- Employers, addresses and people -------------------------------------------


@dataclass(frozen=True)
class Employers:
    ein: Arr
    name: pa.Array
    weight: Arr

    def __len__(self) -> int:
        return len(self.ein)


def make_employers(rng: np.random.Generator, n: int, vocab: Vocab) -> Employers:
    """A heavy-tailed population of employers: a few large ones, many small ones."""
    prefix = np.asarray(EIN_PREFIXES)[rng.integers(0, len(EIN_PREFIXES), 2 * n)]
    eins = prefix * 10_000_000 + rng.integers(0, 10_000_000, 2 * n)
    _, first = np.unique(eins, return_index=True)
    eins = eins[np.sort(first)][:n]
    last = vocab.last.take(pa.array(rng.integers(0, len(vocab.last_groups[0][0]), n)))
    word = take(pa.array(EMPLOYER_WORDS), rng.integers(0, len(EMPLOYER_WORDS), n))
    adjective = take(pa.array(EMPLOYER_ADJECTIVES), rng.integers(0, len(EMPLOYER_ADJECTIVES), n))
    city = take(pa.array([c[0] for c in CITIES]), rng.integers(0, len(CITIES), n))
    suffix = take(
        pa.array([f" {s}" if s else "" for s, _ in EMPLOYER_SUFFIXES]),
        pick(rng, [w for _, w in EMPLOYER_SUFFIXES], n),
    )
    base = choose(
        pick(rng, (45, 35, 20), n), [join(last, " ", word), join(adjective, " ", word), join(city, " ", word)]
    )
    weight = rng.pareto(1.1, n) + 1.0
    return Employers(eins, join(base, suffix), weight / weight.sum())


@dataclass(frozen=True)
class Addresses:
    """Street addresses of the state; units are rendered per claim (spellings vary)."""

    line1: pa.Array
    city: Arr
    zip5: Arr
    zip4: Arr
    unit_num: Arr  # 0 when there is no unit
    unit_letter: Arr  # -1 when the unit has no letter
    unit_style: Arr

    def __len__(self) -> int:
        return len(self.city)


#: House numbers run from 1 to this.
HOUSE_NUMBERS = 29_999


def make_addresses(rng: np.random.Generator, n: int, n_with_units: int) -> Addresses:
    """n addresses; the last n_with_units always have a lettered unit (used as drop addresses)."""
    lo, hi, pop = (np.array([c[k] for c in CITIES]) for k in (1, 2, 4))
    city = pick(rng, pop, n)
    zip5 = lo[city] + np.floor(rng.random(n) * (hi[city] - lo[city] + 1)).astype(np.int64)
    number = np.clip(np.round(rng.lognormal(np.log(900), 1.0, n)), 1, HOUSE_NUMBERS).astype(np.int64)
    streets = pa.array(STREETS + tuple(list(en_US.Provider.last_names)[:120]))
    street_idx = np.where(
        rng.random(n) < 0.6, rng.integers(0, len(STREETS), n), rng.integers(0, len(streets), n)
    )
    suffix_idx = pick(rng, [w for _, _, w in STREET_SUFFIXES], n)
    full = take(pa.array([s for s, _, _ in STREET_SUFFIXES]), suffix_idx)
    short = take(pa.array([s for _, s, _ in STREET_SUFFIXES]), suffix_idx)
    direction_idx = np.where(rng.random(n) < 0.12, rng.integers(0, 4, n), -1)
    spelled_short = rng.random(n) < 0.65
    has_unit = rng.random(n) < 0.28
    has_unit[n - n_with_units :] = True
    unit_num = np.where(rng.random(n) < 0.6, rng.integers(1, 25, n), rng.integers(101, 421, n))
    letter = np.where(rng.random(n) < 0.35, rng.integers(0, len(UNIT_LETTERS), n), -1)
    letter[n - n_with_units :] = rng.integers(0, len(UNIT_LETTERS), n_with_units)
    unit_num, letter = np.where(has_unit, unit_num, 0), np.where(has_unit, letter, -1)
    # One household per address: drawn numbers repeat on a street (at 4,000,000 households
    # 0.29% of addresses were some other household's too, and a shared address is a ring
    # edge); a repeat moves to a free number of its street, ZIP and unit (the ZIP, not the city:
    # two cities share some ZIPs, and the pipeline keys an address by its ZIP). No random draw.
    names = np.unique(np.asarray(streets.to_pylist()), return_inverse=True)[1]  # "Jackson" is twice
    place = (names[street_idx], suffix_idx, direction_idx + 1, zip5, unit_num, letter + 1)
    group = np.ravel_multi_index(place, tuple(int(p.max(initial=0)) + 1 for p in place)).astype(np.int64)
    number = 1 + spread_repeats(group * HOUSE_NUMBERS, number - 1, np.full(n, HOUSE_NUMBERS))
    direction = take(pa.array(DIRECTIONS), direction_idx)
    line1 = join(
        numbers(number), " ", direction, take(streets, street_idx), " ", where(spelled_short, short, full)
    )
    return Addresses(
        line1=line1,
        city=city,
        zip5=zip5,
        zip4=rng.integers(1, 10_000, n),
        unit_num=unit_num,
        unit_letter=letter,
        unit_style=pick(rng, HONEST_UNIT_WEIGHTS, n),
    )


@dataclass
class People:
    """The identity table: one row per real or invented person (index = person_key)."""

    kind: Arr
    ssn: Arr
    sex: Arr
    lang: Arr
    first: Arr
    middle: Arr
    middle_initial: Arr
    last: Arr
    last2: Arr
    dob: Arr
    household: Arr
    employer: Arr
    prev_employer: Arr
    quarters: Arr
    switch: Arr
    wage: Arr
    phone: Arr
    pay: Arr
    acct: Arr
    ua_web: Arr
    ua_mobile: Arr
    email: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))

    def __len__(self) -> int:
        return len(self.kind)


def draw_valid_ssns(rng: np.random.Generator, n: int) -> Arr:
    """Unique SSNs that could have been issued: area 001-899 but not 666, group 01-99, serial 0001-9999."""
    m = int(n * 1.05) + 100
    area = rng.integers(1, 900, m)
    area = np.where(area == 666, 667, area)
    ssn = area * 1_000_000 + rng.integers(1, 100, m) * 10_000 + rng.integers(1, 10_000, m)
    _, first = np.unique(ssn, return_index=True)
    return ssn[np.sort(first)][:n]


def draw_invalid_ssns(rng: np.random.Generator, n: int) -> Arr:
    """SSNs no one was ever issued: area 000, 666 or 9xx, group 00 or serial 0000."""
    area = rng.integers(1, 900, n)
    group = rng.integers(1, 100, n)
    serial = rng.integers(1, 10_000, n)
    flaw = rng.integers(0, 5, n)
    area = np.select([flaw == 0, flaw == 1, flaw == 2], [0, 666, rng.integers(900, 1000, n)], area)
    group = np.where(flaw == 3, 0, group)
    serial = np.where(flaw == 4, 0, serial)
    return area * 1_000_000 + group * 10_000 + serial


def draw_ages(rng: np.random.Generator, kind: Arr) -> Arr:
    """Age in days at the start of the window, by identity kind."""
    n = len(kind)
    bands = np.array([18, 25, 35, 45, 55, 65, 81])
    band = pick(rng, (10, 25, 23, 19, 15, 8), n)
    years = bands[band] + rng.random(n) * (bands[band + 1] - bands[band])
    years = np.where(kind == KIND_DECEASED, 35 + rng.random(n) * 55, years)
    years = np.where(kind == KIND_INMATE, 19 + rng.random(n) * 40, years)
    years = np.where(kind == KIND_SYNTHETIC, 18.2 + rng.random(n) * 6, years)
    return np.floor(years * 365.25).astype(np.int64)


def group_households(rng: np.random.Generator, n_filers: int, n_people: int) -> Arr:
    """Household id per person: ~10% of filers live with another filer; everyone else alone."""
    sizes = rng.choice([2, 3, 4], size=max(1, n_filers // 18), p=[0.7, 0.22, 0.08])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), int(0.10 * n_filers)) + 1]
    shared = np.repeat(np.arange(len(sizes)), sizes)[:n_filers]
    singles = np.arange(n_people - len(shared)) + len(sizes)
    return np.r_[shared, singles]


def first_member(household: Arr) -> Arr:
    """For each person, the index of the first person of the same household."""
    _, first, inverse = np.unique(household, return_index=True, return_inverse=True)
    return first[inverse]


def make_people(
    rng: np.random.Generator, vocab: Vocab, counts: Sequence[int], start: datetime.date, employers: Employers
) -> People:
    """Everyone in the world, by kind; households are formed among filers only."""
    kind = np.repeat(np.arange(len(counts)), counts)
    n = len(kind)
    lang = pick(rng, LANGUAGE_SHARES, n)
    lang = np.where(kind == KIND_SYNTHETIC, np.where(rng.random(n) < 0.9, 0, 1), lang)
    sex = rng.integers(0, 2, n)
    ssn = np.zeros(n, dtype=np.int64)
    real = kind != KIND_SYNTHETIC
    ssn[real] = draw_valid_ssns(rng, int(real.sum()))
    ssn[~real] = draw_invalid_ssns(rng, int((~real).sum()))
    household = group_households(rng, counts[KIND_FILER], n)
    employer = pick(rng, employers.weight, n)
    quarters = np.where(rng.random(n) < 0.08, rng.integers(1, 4, n), 4)
    no_wages = np.isin(kind, (KIND_DECEASED, KIND_INMATE, KIND_SYNTHETIC))
    people = People(
        kind=kind,
        ssn=ssn,
        sex=sex,
        lang=lang,
        first=draw_first(rng, vocab, lang, sex),
        middle=np.where(rng.random(n) < 0.45, draw_first(rng, vocab, lang, sex), -1),
        middle_initial=rng.random(n) < 0.5,
        last=draw_last(rng, vocab, lang),
        last2=np.where((lang == 1) & (rng.random(n) < 0.25), draw_last(rng, vocab, lang), -1),
        dob=np.datetime64(start) - draw_ages(rng, kind),
        household=household,
        employer=employer,
        prev_employer=np.where(rng.random(n) < 0.3, pick(rng, employers.weight, n), -1),
        quarters=np.where(no_wages, 0, quarters),
        switch=rng.integers(1, 3, n),
        wage=np.round(rng.lognormal(np.log(10_500), 0.55, n), 2),
        phone=np.zeros(n, dtype=np.int64),
        pay=pick(rng, (72, 20, 8), n),
        acct=make_code(NS_PERSON, np.arange(n)),
        ua_web=pick(rng, [w for _, w in DESKTOP_AGENTS], n),
        ua_mobile=N_DESKTOP + pick(rng, [w for _, w in MOBILE_AGENTS], n),
    )
    head = first_member(household)
    spouse = (head != np.arange(n)) & (rng.random(n) < 0.5)
    people.acct = np.where(spouse, people.acct[head], people.acct)
    people.pay = np.where(spouse, 0, people.pay)
    return people


def draw_phones(rng: np.random.Generator, area_codes: Arr) -> Arr:
    """Valid NANP numbers: exchange 200-999 and not N11."""
    n = len(area_codes)
    exchange = rng.integers(200, 1000, n)
    exchange = np.where(exchange % 100 == 11, exchange + 1, exchange)
    return area_codes * 10_000_000 + exchange * 10_000 + rng.integers(0, 10_000, n)


def assign_phones(rng: np.random.Generator, people: People, addresses: Addresses) -> None:
    """Mostly the area code of the home city; some kept an out-of-state cell number."""
    local = np.array([c[3] for c in CITIES])[addresses.city[people.household]]
    n = len(people)
    other_oh = np.array(sorted({c[3] for c in CITIES}))[rng.integers(0, 8, n)]
    away = np.asarray(OTHER_AREA_CODES)[rng.integers(0, len(OTHER_AREA_CODES), n)]
    area = np.select([rng.random(n) < 0.8, rng.random(n) < 0.75], [local, other_oh], away)
    people.phone = own_numbers(draw_phones(rng, area))


def own_numbers(phones: Arr) -> Arr:
    """``phones`` with every repeat moved to a free line number of its exchange.

    A carrier gives a number to one subscriber. Drawn at random, ten million people in a
    few area codes would share numbers by chance (1.3% of people at 20,000 claims a night,
    about ten times that at 200,000), and the shared numbers would link strangers into
    "rings". A repeat moves by a rank-dependent step within its exchange; no random draw is
    used, so the rest of the world is unchanged.
    """
    line = phones % 10_000
    return phones - line + spread_repeats(phones - line, line, np.full(len(phones), 10_000))


def fraud_numbers_of_their_own(honest: Arr, fraud: Arr) -> Arr:
    """``fraud`` (phone numbers fraud claims and the suspicious-actors list use; 0 for none)
    with each number an honest person holds moved to a free line of its exchange, the same
    number always to the same one, so numbers a ring shares stay shared.

    Drawn from the numbers honest people hold, 12,000 of them at 200,000 claims a night
    put an honest claimant's phone on a fraud claim and the claimant in its "ring". No random
    draw is used.
    """
    held = np.unique(honest[honest > 0])
    values, inverse = np.unique(fraud, return_inverse=True)
    taken = np.isin(values, held) & (values > 0)
    if not taken.any():
        return fraud
    kept = values[~taken]
    moved = own_numbers(np.r_[held, kept, values[taken]])[len(held) + len(kept) :]
    values = values.copy()
    values[taken] = moved
    return values[np.ravel(inverse)]


def spread_repeats(start: Arr, slot: Arr, room: Arr) -> Arr:
    """``slot`` (each row's place in its range of ``room`` places from ``start``) with every
    repeat of ``start + slot`` moved to a free place of the same range.

    The first row keeps a place; a repeat moves by its rank times a step that grows with
    each pass. Deterministic, no random draw."""
    slot = slot.copy()
    for attempt in range(100):
        spot = start + slot
        order = np.argsort(spot, kind="stable")
        rank = np.empty(len(spot), dtype=np.int64)
        rank[order] = rank_within(spot[order])
        if not (rank > 0).any():
            return slot
        slot = np.where(rank > 0, (slot + rank * (1 + 2 * attempt * attempt)) % room, slot)
    raise AssertionError("a range ran out of free places")


def first_occurrences(values: pa.Array) -> Arr:
    """True where a value appears for the first time."""
    codes = values.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    seen = np.zeros(len(codes), dtype=bool)
    seen[np.unique(codes, return_index=True)[1]] = True
    return seen


def make_emails(
    rng: np.random.Generator,
    first: pa.Array,
    last: pa.Array,
    birth_year: Arr,
    domains: Sequence[tuple[str, int]],
) -> pa.Array:
    """Mailboxes derived from names at common providers, unique after adding digits to repeats."""
    n = len(first)
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    yy = digits(birth_year % 100, 2)
    tail = where(rng.random(n) < 0.55, numbers(rng.integers(1, 1000, n)), "")
    local = choose(
        pick(rng, (16, 14, 12, 6, 5, 12, 10, 13, 12), n),
        [
            join(first, ".", last, tail),
            join(first, last, tail),
            join(initial, last, tail),
            join(first, "_", last, tail),
            join(last, ".", first, tail),
            join(first, last, yy),
            join(first, numbers(birth_year)),
            join(first, ".", last, numbers(rng.integers(1, 100, n))),
            join(initial, last, numbers(rng.integers(100, 10_000, n))),
        ],
    )
    domain = take(pa.array([d for d, _ in domains]), pick(rng, [w for _, w in domains], n))
    emails = join(local, "@", domain)
    for _ in range(6):
        repeat = ~first_occurrences(emails)
        if not repeat.any():
            break
        bumped = join(local, numbers(rng.integers(10, 10_000, n)), "@", domain)
        emails = where(repeat, bumped, emails)
        local = where(repeat, join(local, numbers(rng.integers(10, 100, n))), local)
    return own_mailboxes(emails)


def own_mailboxes(emails: pa.Array) -> pa.Array:
    """``emails`` changed where two reach the same mailbox (``john.smith@gmail.com`` and
    ``johnsmith@gmail.com``).

    A provider gives a mailbox to one person, and the pipeline folds Gmail's dots as Gmail
    does, so such a pair would link two strangers. A repeat gets letters and its rank added
    before the ``@``; no random draw is used, so the rest of the world is unchanged.
    """
    from claimscreen.data.normalize import canonical_email_array

    out = emails
    for suffix in ("q", "qz", "qzx", "qzxq"):
        folded = canonical_email_array(out.cast(pa.large_string()))
        order = pc.array_sort_indices(folded).to_numpy()
        codes = folded.take(order).dictionary_encode().indices.to_numpy(zero_copy_only=False)
        rank = np.empty(len(folded), dtype=np.int64)
        rank[order] = rank_within(codes)
        repeat = rank > 0
        if not repeat.any():
            return out
        parts = pc.split_pattern(out.filter(repeat), "@", max_splits=1)
        changed = join(
            pc.list_element(parts, 0), suffix, numbers(rank[repeat]), "@", pc.list_element(parts, 1)
        )
        out = pc.replace_with_mask(out, pa.array(repeat), changed.cast(out.type))
    raise AssertionError("mailboxes still repeat")


def assign_emails(rng: np.random.Generator, people: People, vocab: Vocab) -> None:
    first = vocab.first_ascii.take(pa.array(people.first))
    last = vocab.last_ascii.take(pa.array(people.last))
    year = people.dob.astype("datetime64[Y]").astype(np.int64) + 1970
    people.email = make_emails(rng, first, last, year, EMAIL_DOMAINS)


# --- Honest claims -----------------------------------------------------------------

HOUR_WEIGHTS = (
    0.6,
    0.4,
    0.3,
    0.25,
    0.3,
    0.6,
    1.5,
    3.5,
    6,
    7.5,
    7.8,
    7.4,
    6.8,
    6.6,
    6.4,
    6.2,
    5.8,
    5.6,
    5.8,
    6,
    5.5,
    4.6,
    3.3,
    1.8,
)
#: Channel shares (web, mobile, phone, in_person) of most people, the elderly and non-English speakers.
CHANNEL_SHARES = ((0.65, 0.20, 0.10, 0.05), (0.45, 0.10, 0.30, 0.15), (0.50, 0.20, 0.20, 0.10))
WEB, MOBILE, PHONE, IN_PERSON = range(4)
Codes = dict[str, Arr]


def plan_refiles(rng: np.random.Generator, slot_day: Arr, share: float = 0.02) -> Arr:
    """For each honest slot, the earlier slot (1-10 days before) it re-files, or -1."""
    n = len(slot_day)
    cum = np.r_[0, np.cumsum(np.bincount(slot_day, minlength=int(slot_day.max(initial=0)) + 1))]
    candidate = (rng.random(n) < share) & (slot_day >= 1)
    lo, hi = cum[np.maximum(slot_day - 10, 0)], cum[slot_day]
    target = lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
    refile_of = np.where(candidate & (hi > lo), target, -1)
    return np.where((refile_of >= 0) & (refile_of[np.maximum(refile_of, 0)] < 0), refile_of, -1)


def plan_layoffs(
    rng: np.random.Generator, slot_day: Arr, refile_of: Arr, employers: Employers
) -> tuple[Arr, Arr]:
    """Mass layoffs: a large employer's workers file by the hundred on one day (and some the next).

    Returns the layoff employer of each slot (-1 if none) and the separation day."""
    days = int(slot_day.max(initial=0)) + 1
    per_day = np.bincount(slot_day, minlength=days)
    n_events = max(1, round(days / 10))
    event_days = np.sort(rng.choice(max(days - 1, 1), size=min(n_events, max(days - 1, 1)), replace=False))
    big = np.argsort(-employers.weight, kind="stable")[:40]
    emp = np.full(len(slot_day), -1, dtype=np.int64)
    sep = np.full(len(slot_day), -1, dtype=np.int64)
    for event, day in enumerate(event_days):
        size = int(np.clip(0.18 * per_day[day], 30, 900))
        for d, k in ((day, size), (day + 1, size // 4)):
            free = np.flatnonzero((slot_day == d) & (refile_of < 0) & (emp < 0))
            chosen = rng.choice(free, size=min(k, len(free)), replace=False) if len(free) else free
            emp[chosen], sep[chosen] = big[event % len(big)], day - 1
    return emp, sep


def draw_channels(rng: np.random.Generator, elderly: Arr, non_english: Arr) -> Arr:
    shares = np.asarray(CHANNEL_SHARES).cumsum(axis=1)
    group = np.where(elderly, 1, np.where(non_english, 2, 0))
    return (rng.random(len(group))[:, None] > shares[group]).sum(axis=1)


def draw_seconds(rng: np.random.Generator, channel: Arr) -> Arr:
    """Second of the day: online claims follow a day/night curve, phone and in-person office hours."""
    n = len(channel)
    hour = pick(rng, HOUR_WEIGHTS, n)
    hour = np.select(
        [channel == PHONE, channel == IN_PERSON], [rng.integers(8, 17, n), rng.integers(9, 16, n)], hour
    )
    return hour * 3600 + rng.integers(0, 3600, n)


def assign_online(rng: np.random.Generator, c: Codes, people: People) -> None:
    """IP, device and user agent of honest web and mobile claims (none for phone and in person)."""
    ident, channel = c["ident"], c["channel"]
    n = len(ident)
    household = people.household[ident]
    web, mobile = channel == WEB, channel == MOBILE
    place = pick(rng, (84, 4.5, 0.7, 0.8, 10), n)  # home, library, vpn, abroad, elsewhere
    n_library = max(3, round(web.sum() * 0.045 / 350))
    library = rng.integers(0, n_library, n)
    cgnat = mobile & (rng.random(n) < 0.88)
    home_key = household.astype(np.uint64) | np.uint64(1 << 40)
    other_key = np.arange(n, dtype=np.uint64) | np.uint64(2 << 40)
    web_kind = np.asarray((IP_RESIDENTIAL, IP_LIBRARY, IP_VPN, IP_FOREIGN, IP_RESIDENTIAL))[place]
    web_key = np.select(
        [place == 0, place == 1, place == 2], [home_key, library, rng.integers(0, 60, n)], other_key
    )
    c["ip_kind"] = np.select([web, cgnat, mobile], [web_kind, IP_CGNAT, IP_RESIDENTIAL], IP_NONE)
    n_cgnat = max(20, int(mobile.sum()) // 150)
    c["ip_key"] = np.select([web, cgnat], [web_key, rng.integers(0, n_cgnat, n)], home_key).astype(np.uint64)
    shared_pc = (np.bincount(people.household)[household] > 1) & (mix64(household) % np.uint64(10) < 4)
    own = np.where(shared_pc, make_code(NS_HOUSEHOLD, household), make_code(NS_PERSON, ident))
    public_pc = web & (place == 1) & (rng.random(n) < 0.7)
    device = np.where(public_pc, make_code(NS_LIBRARY, library * 8 + rng.integers(0, 8, n)), own)
    device = np.where(mobile, make_code(NS_MOBILE, ident), device)
    c["device"] = np.where(web | mobile, device, np.uint64(0))
    ua = np.where(public_pc, library % N_DESKTOP, people.ua_web[ident])
    c["ua"] = np.select([web, mobile], [ua, people.ua_mobile[ident]], -1)
    c["library"] = web & (place == 1)
    c["vpn_abroad"] = web & ((place == 2) | (place == 3))
    c["cgnat"] = cgnat


def assign_formats(rng: np.random.Generator, c: Codes, n: int) -> None:
    """How the state's extract happens to write each value."""
    c["ssn_fmt"] = pick(rng, (55, 42, 3), n)
    c["phone_fmt"] = pick(rng, (35, 35, 20, 10), n)
    c["zip_fmt"] = pick(rng, (83, 15, 2), n)
    c["ein_fmt"] = pick(rng, (50, 50), n)
    c["ts_fmt"] = pick(rng, (90, 6, 4), n)
    c["unit_inline"] = rng.random(n) < 0.04


def assign_separation(rng: np.random.Generator, c: Codes, n: int, reason_weights: Sequence[float]) -> None:
    c["sep_days"] = np.where(rng.random(n) < 0.97, np.minimum(rng.geometric(0.14, n), 60), -1)
    c["sep_reason"] = np.where(rng.random(n) < 0.97, pick(rng, reason_weights, n), -1)


def make_honest_claims(
    rng: np.random.Generator,
    people: People,
    addresses: Addresses,
    employers: Employers,
    slot_day: Arr,
    refile_of: Arr,
    start: datetime.date,
) -> Codes:
    """Claims of real people, with the hard cases that make naive rules wrong."""
    n = len(slot_day)
    refile = refile_of >= 0
    ident = np.zeros(n, dtype=np.int64)
    ident[~refile] = rng.permutation(int((~refile).sum()))
    ident[refile] = ident[refile_of[refile]]
    layoff_emp, layoff_sep = plan_layoffs(rng, slot_day, refile_of, employers)
    laid_off = layoff_emp >= 0
    people.employer[ident[laid_off]] = layoff_emp[laid_off]
    people.quarters[ident[laid_off]] = 4
    age = (np.datetime64(start) + slot_day - people.dob[ident]).astype(np.int64) / 365.25
    lang = people.lang[ident]
    c: Codes = {"day": slot_day, "ident": ident, "lang": lang, "age": age, "refile": refile}
    c["channel"] = draw_channels(rng, age >= 65, lang != 0)
    c["sec"] = draw_seconds(rng, c["channel"])
    assign_online(rng, c, people)
    assign_formats(rng, c, n)
    assign_separation(rng, c, n, (70, 8, 12, 10))
    c["sep_days"] = np.where(laid_off, slot_day - layoff_sep, c["sep_days"])
    c["sep_reason"] = np.where(laid_off, 0, c["sep_reason"])
    c["laid_off"] = laid_off
    c["program"] = pick(rng, (955, 15, 10, 20), n)
    c["program"] = np.where(laid_off, 0, c["program"])
    c["employer"] = np.where(c["program"] == 3, -1, people.employer[ident])
    session = (
        rng.lognormal(np.log(540), 0.5, n) * np.where(age >= 65, 1.9, 1.0) * np.where(lang != 0, 1.4, 1.0)
    )
    offline = c["channel"] >= PHONE
    c["session"] = np.round(np.where(offline, rng.lognormal(np.log(1100), 0.35, n), session), 1)
    c["addr"] = people.household[ident]
    c["unit_style"] = np.where(
        refile & (rng.random(n) < 0.5), pick(rng, HONEST_UNIT_WEIGHTS, n), addresses.unit_style[c["addr"]]
    )
    po_box = mix64(ident, 17) % np.uint64(100) < 5
    c["mail_kind"] = np.where(po_box, 2, 0)
    c["mail_addr"] = np.full(n, -1)
    c["mail_style"] = c["unit_style"]
    c["email"] = np.where(rng.random(n) < np.where(age >= 65, 0.2, 0.05), -1, ident)
    c["phone"] = np.where(rng.random(n) < 0.03, 0, people.phone[ident])
    c["pay"], c["acct"] = people.pay[ident], people.acct[ident]
    c["name_var"] = np.where(refile & (rng.random(n) < 0.3), 5, 0)
    c["hard_extra"] = np.where(refile, 0, pick(rng, (9945, 20, 30, 5), n))
    c["honest_case"] = label_honest_cases(c, people)
    return c


def label_honest_cases(c: Codes, people: People) -> Arr:
    """The main hard case of each honest claim (first that applies, in :data:`HONEST_CASES` order)."""
    household = people.household[c["ident"]]
    conditions = [
        c["refile"],
        c["hard_extra"] == 2,
        c["laid_off"],
        np.bincount(people.household)[household] > 1,
        c["library"],
        c["vpn_abroad"],
        c["hard_extra"] == 1,
        c["hard_extra"] == 3,
        c["age"] >= 65,
        c["lang"] != 0,
        c["channel"] >= PHONE,
        c["cgnat"],
    ]
    return np.select(conditions, np.arange(1, len(conditions) + 1), 0)


# --- Fraud claims -------------------------------------------------------------------

STOLEN = (BANK_DROP, DEVICE_FARM, EMAIL_ALIAS, DROP_ADDRESS, MULTI_STATE, KNOWN_BAD)
ADDRESSES_PER_RING = 4
LISTED_PER_RING = 2


@dataclass(frozen=True)
class Listed:
    """Identifiers of known bad actors (both used by rings and never used), as codes."""

    accounts: Arr
    emails: pa.Array
    phones: Arr
    ip_keys: Arr
    devices: Arr
    addresses: Arr


def count_identities(rings: Rings) -> dict[int, int]:
    """How many identities of each kind the fraud rings consume."""
    size_by = np.bincount(rings.typology, weights=rings.size, minlength=len(TYPOLOGIES)).astype(np.int64)
    return {
        KIND_WORKER: int(size_by[list(STOLEN)].sum()) + 2 * int((rings.typology == REFILED).sum()),
        KIND_DECEASED: int(size_by[DECEASED]),
        KIND_INMATE: int(size_by[INCARCERATED]),
        KIND_SYNTHETIC: int(size_by[SYNTHETIC]),
    }


def pool_member(rng: np.random.Generator, ring: Arr, pool: Arr) -> Arr:
    """A ring-local key: the ring in the high bits, one of its pool's members in the low ones."""
    return (ring.astype(np.int64) << 8) | np.floor(rng.random(len(ring)) * pool).astype(np.int64)


def assign_fraud_identities(
    rng: np.random.Generator, typ: Arr, ring: Arr, rank: Arr, first_of: dict[int, int]
) -> Arr:
    """Stolen workers, the deceased, inmates and synthetic people; a re-filed ring reuses 1-2 identities."""
    ident = np.zeros(len(typ), dtype=np.int64)
    stolen = np.isin(typ, STOLEN)
    ident[stolen] = first_of[KIND_WORKER] + np.arange(int(stolen.sum()))
    for t, kind in ((DECEASED, KIND_DECEASED), (INCARCERATED, KIND_INMATE), (SYNTHETIC, KIND_SYNTHETIC)):
        rows = typ == t
        ident[rows] = first_of[kind] + np.arange(int(rows.sum()))
    refiled = typ == REFILED
    _, ring_no = np.unique(ring[refiled], return_inverse=True)
    two = mix64(ring[refiled], 5) % np.uint64(3) == 0
    ident[refiled] = (
        first_of[KIND_WORKER] + int(stolen.sum()) + 2 * ring_no + np.where(two, rank[refiled] % 2, 0)
    )
    return ident


def fraud_emails(rng: np.random.Generator, vocab: Vocab, people: People, ident: Arr) -> pa.Array:
    """Fraudsters' mailboxes: a third look like the victim's name, the rest are throwaways."""
    n = len(ident)
    lang = np.zeros(n, dtype=np.int64)
    first = vocab.first_ascii.take(pa.array(draw_first(rng, vocab, lang, rng.integers(0, 2, n))))
    last = vocab.last_ascii.take(pa.array(draw_last(rng, vocab, lang)))
    victim_first = vocab.first_ascii.take(pa.array(people.first[ident]))
    victim_last = vocab.last_ascii.take(pa.array(people.last[ident]))
    victim = rng.random(n) < 0.35
    year = rng.integers(1960, 2004, n)
    return make_emails(
        rng, where(victim, victim_first, first), where(victim, victim_last, last), year, FRAUD_EMAIL_DOMAINS
    )


def alias_emails(rng: np.random.Generator, vocab: Vocab, ring: Arr) -> pa.Array:
    """Variants of one Gmail mailbox per ring: dots anywhere and +tags (all deliver to one inbox)."""
    n = len(ring)
    _, ring_no = np.unique(ring, return_inverse=True)
    n_rings = int(ring_no.max(initial=-1)) + 1
    lang = np.zeros(n_rings, dtype=np.int64)
    first = vocab.first_ascii.take(pa.array(draw_first(rng, vocab, lang, rng.integers(0, 2, n_rings))))
    last = vocab.last_ascii.take(pa.array(draw_last(rng, vocab, lang)))
    base = join(
        first,
        last,
        numbers(rng.integers(10, 1000, n_rings)),
    )
    local = base.take(pa.array(ring_no))
    for _ in range(2):
        position = rng.integers(1, 6, n)
        dotted = local
        for p in range(1, 6):
            cut = join(pc.utf8_slice_codeunits(local, 0, p), ".", pc.utf8_slice_codeunits(local, p))
            dotted = where(position == p, cut, dotted)
        local = where(rng.random(n) < 0.6, dotted, local)
    tags = pa.array(["ui", "claim", "oh", "jobs", "pay", "1", "2", "work", "bene"])
    tag = join("+", take(tags, rng.integers(0, len(tags), n)))
    local = where(rng.random(n) < 0.45, join(local, tag), local)
    local = pc.replace_substring(local, "..", ".")
    return join(where(rng.random(n) < 0.1, pc.utf8_upper(local), local), "@gmail.com")


def fraud_defaults(
    rng: np.random.Generator, ring: Arr, day: Arr, sec: Arr, people: People, employers: Employers, ident: Arr
) -> Codes:
    """What every fraud claim looks like before its typology's habits are applied."""
    n = len(ring)
    c: Codes = {"day": day, "sec": sec, "ident": ident, "ring": ring}
    c["channel"] = np.where(rng.random(n) < 0.72, WEB, MOBILE)
    c["ip_kind"] = np.asarray((IP_RESIDENTIAL, IP_VPN, IP_HOSTING, IP_CGNAT, IP_FOREIGN, IP_TOR))[
        pick(rng, (55, 18, 12, 10, 3, 2), n)
    ]
    c["ip_key"] = np.arange(n, dtype=np.uint64) | np.uint64(5 << 40)
    c["device"] = make_code(NS_FRESH, np.arange(n))
    c["ua"] = np.where(
        c["channel"] == WEB,
        pick(rng, [w for _, w in DESKTOP_AGENTS], n),
        N_DESKTOP + pick(rng, [w for _, w in MOBILE_AGENTS], n),
    )
    area = np.r_[[c[3] for c in CITIES], OTHER_AREA_CODES]
    c["phone"] = draw_phones(rng, area[rng.integers(0, len(area), n)])
    c["pay"] = pick(rng, (80, 15, 5), n)
    c["acct"] = make_code(NS_FRESH, np.arange(n))
    c["addr"] = people.household[ident]
    c["unit_style"] = rng.integers(0, len(UNIT_STYLES), n)
    c["mail_kind"], c["mail_addr"], c["mail_style"] = np.zeros(n, np.int64), np.full(n, -1), c["unit_style"]
    c["program"] = pick(rng, (90, 0, 3, 7), n)
    own_employer = np.where(people.employer[ident] >= 0, people.employer[ident], 0)
    c["employer"] = np.where(c["program"] == 3, -1, own_employer)
    c["session"] = np.round(rng.lognormal(np.log(260), 0.6, n), 1)
    c["lang"] = np.where(rng.random(n) < 0.97, 0, 1)
    c["name_var"] = np.zeros(n, dtype=np.int64)
    assign_formats(rng, c, n)
    assign_separation(rng, c, n, (85, 3, 4, 8))
    return c


def apply_bank_and_device_habits(rng: np.random.Generator, c: Codes, rings: Rings, typ: Arr) -> None:
    """Bank drops share 1-3 accounts; device farms 1-3 devices, a hosting block, bursts, bots."""
    ring = c["ring"]
    n = len(ring)
    pooled = (typ == BANK_DROP) | (
        (typ == DECEASED) & (mix64(ring, 3) % np.uint64(2) == 0) & ~rings.chained[ring]
    )
    c["acct"] = np.where(pooled, make_code(NS_RING, pool_member(rng, ring, rings.pool[ring])), c["acct"])
    c["pay"] = np.where(pooled, 0, c["pay"])
    farm = typ == DEVICE_FARM
    shared_device = farm | ((typ == MULTI_STATE) & ~rings.chained[ring])
    c["device"] = np.where(
        shared_device, make_code(NS_RING, pool_member(rng, ring, rings.pool[ring] + farm)), c["device"]
    )
    block = farm & rings.hosting_block[ring]
    c["ip_kind"] = np.where(block, IP_HOSTING24, c["ip_kind"])
    c["ip_key"] = np.where(
        block,
        (ring.astype(np.uint64) << np.uint64(8)) | rng.integers(1, 255, n).astype(np.uint64),
        c["ip_key"],
    )
    c["session"] = np.where(farm, np.round(rng.lognormal(np.log(45), 0.4, n), 1), c["session"])
    bot = farm & rings.automated[ring]
    c["channel"] = np.where(bot, WEB, c["channel"])
    c["ua"] = np.where(bot, N_DESKTOP + N_MOBILE + (ring % len(AUTOMATION_AGENTS)), c["ua"])
    c["ip_kind"] = np.where((typ == DECEASED) & (rng.random(n) < 0.4), IP_VPN, c["ip_kind"])


def apply_address_habits(
    rng: np.random.Generator, c: Codes, rings: Rings, typ: Arr, drop_base: int, ring_phones: Arr
) -> None:
    """Drop addresses (unit spelled many ways), inmates' outside accomplice, synthetic rings' phones."""
    ring = c["ring"]
    n = len(ring)
    drop = drop_base + ring * ADDRESSES_PER_RING + np.floor(rng.random(n) * rings.pool[ring]).astype(np.int64)
    dropping = typ == DROP_ADDRESS
    as_residence = dropping & (mix64(ring, 11) % np.uint64(100) < 55)
    as_mailing = dropping & ~as_residence
    inmate = typ == INCARCERATED
    accomplice = drop_base + ring * ADDRESSES_PER_RING + rng.integers(0, 2, n)
    c["addr"] = np.select([as_residence, inmate & ~rings.chained[ring]], [drop, accomplice], c["addr"])
    c["mail_kind"] = np.where(as_mailing, 1, c["mail_kind"])
    c["mail_addr"] = np.where(as_mailing, drop, c["mail_addr"])
    c["mail_style"] = np.where(as_mailing, rng.integers(0, len(UNIT_STYLES), n), c["mail_style"])
    c["unit_inline"] = np.where(dropping, rng.random(n) < 0.15, c["unit_inline"])
    c["pay"] = np.where(dropping | inmate, pick(rng, (30, 55, 15), n), c["pay"])
    phone_pool = (typ == SYNTHETIC) | (inmate & ~rings.chained[ring])
    c["phone"] = np.where(phone_pool, ring_phones[ring * 4 + rng.integers(0, 2, n)], c["phone"])


def apply_identity_habits(
    rng: np.random.Generator, c: Codes, typ: Arr, rank: Arr, employers: Employers
) -> None:
    """Re-filed identities vary the spelling; invented and dead people claim a random employer."""
    n = len(typ)
    variant = np.asarray((1, 2, 3, 4, 6))[pick(rng, (30, 25, 20, 15, 10), n)]
    c["name_var"] = np.where((typ == REFILED) & (rank > 0), variant, c["name_var"])
    no_job = np.isin(typ, (SYNTHETIC, DECEASED, INCARCERATED))
    c["employer"] = np.where(no_job & (c["program"] != 3), pick(rng, employers.weight, n), c["employer"])


def apply_listed_habits(
    rng: np.random.Generator,
    c: Codes,
    typ: Arr,
    drop_base: int,
    email_base: int,
    listed_phones: Arr,
) -> None:
    """Known bad actors reuse one or two identifiers that are already on the suspicious-actors list."""
    ring = c["ring"]
    n = len(ring)
    bad = typ == KNOWN_BAD
    first = rng.integers(0, 6, n)
    second = np.where(rng.random(n) < 0.3, (first + rng.integers(1, 6, n)) % 6, -1)
    member = rng.integers(0, LISTED_PER_RING, n)
    slot = ring * LISTED_PER_RING + member
    key = (ring.astype(np.int64) << 8) | member

    def uses(kind: int) -> Arr:
        return bad & ((first == kind) | (second == kind))

    c["acct"] = np.where(uses(0), make_code(NS_LISTED, key), c["acct"])
    c["pay"] = np.where(uses(0), 0, c["pay"])
    c["email"] = np.where(uses(1), email_base + slot, c["email"])
    c["phone"] = np.where(uses(2), listed_phones[slot], c["phone"])
    c["ip_kind"] = np.where(uses(3), IP_RESIDENTIAL, c["ip_kind"])
    c["ip_key"] = np.where(uses(3), make_code(NS_LISTED, key), c["ip_key"])
    c["device"] = np.where(uses(4), make_code(NS_LISTED, key), c["device"])
    c["addr"] = np.where(uses(5), drop_base + ring * ADDRESSES_PER_RING + 2 + member, c["addr"])


def link_chains(c: Codes, rings: Rings, rank: Arr) -> None:
    """Chained rings: each claim shares one identifier with the previous (account, device, phone in turn)."""
    ring = c["ring"]
    chained = rings.chained[ring]
    c["pay"] = np.where(chained, 0, c["pay"])
    link = chained & (rank > 0)
    kind = (rank + ring) % 3
    prev = np.flatnonzero(link) - 1
    rows = np.flatnonzero(link)
    for k, name in enumerate(("acct", "device", "phone")):
        original = c[name].copy()
        chosen = kind[rows] == k
        c[name][rows[chosen]] = original[prev[chosen]]


def mailboxes_of_their_own(emails: pa.Array, taken: pa.Array) -> pa.Array:
    """``emails`` changed where one reaches the same mailbox as one of ``taken``.

    Fraudsters' fresh and listed mailboxes are drawn from the same name patterns as honest
    people's, mostly from English names, so some came out as an honest person's address
    (``kevin1978@gmail.com``). A provider gives a mailbox to one person: such a clash would put
    an honest claimant on the suspicious-actors list. A clashing address gets letters added
    before its ``+tag`` or ``@``; the variants of one alias ring clash together and change
    alike, so they still reach one mailbox. No random draw is used: the rest of the world is
    unchanged.
    """
    from claimscreen.data.normalize import canonical_email_array

    honest = pc.unique(canonical_email_array(taken.cast(pa.large_string()))).drop_null()
    out = emails
    for suffix in ("qz", "qzx", "qzxq", "qzxqz"):
        clash = pc.fill_null(
            pc.is_in(canonical_email_array(out.cast(pa.large_string())), value_set=honest), False
        )
        if not pc.any(clash).as_py():
            return out
        changed = pc.replace_substring_regex(
            out.filter(clash), r"^([^+@]*)", rf"\1{suffix}", max_replacements=1
        )
        out = pc.replace_with_mask(out, clash, changed)
    raise AssertionError("fraud mailboxes still clash with honest ones")


def make_fraud_claims(
    rng: np.random.Generator,
    rings: Rings,
    placed: tuple[Arr, Arr, Arr],
    people: People,
    employers: Employers,
    vocab: Vocab,
    first_of: dict[int, int],
    drop_base: int,
) -> tuple[Codes, pa.Array, Listed]:
    """Fraud claims of every ring, the extra email strings they use, and the bad actors' identifiers."""
    ring, day, sec = placed
    n = len(ring)
    typ = rings.typology[ring]
    rank = rank_within(ring)
    ident = assign_fraud_identities(rng, typ, ring, rank, first_of)
    c = fraud_defaults(rng, ring, day, sec, people, employers, ident)
    email_base = len(people)
    fresh = fraud_emails(rng, vocab, people, ident)
    alias_rows = np.flatnonzero(typ == EMAIL_ALIAS)
    alias = alias_emails(rng, vocab, ring[alias_rows])
    c["email"] = email_base + np.arange(n)
    c["email"][alias_rows] = email_base + n + np.arange(len(alias_rows))
    listed = make_listed(rng, vocab, people, len(rings), drop_base)
    listed_email_base = email_base + n + len(alias_rows)
    area = np.asarray([c[3] for c in CITIES])
    ring_phones = draw_phones(rng, area[rng.integers(0, len(area), 4 * len(rings))])
    apply_bank_and_device_habits(rng, c, rings, typ)
    apply_address_habits(rng, c, rings, typ, drop_base, ring_phones)
    apply_identity_habits(rng, c, typ, rank, employers)
    apply_listed_habits(rng, c, typ, drop_base, listed_email_base, listed.phones)
    link_chains(c, rings, rank)
    c["typology"] = typ
    c["chained"] = rings.chained[ring]
    return c, pa.concat_arrays([fresh, alias, listed.emails]), listed


def make_listed(
    rng: np.random.Generator, vocab: Vocab, people: People, n_rings: int, drop_base: int
) -> Listed:
    """Two identifiers of each kind per ring (known-bad rings use theirs; the others are just listed)."""
    slots = n_rings * LISTED_PER_RING
    ring = np.repeat(np.arange(n_rings), LISTED_PER_RING)
    member = np.tile(np.arange(LISTED_PER_RING), n_rings)
    key = (ring << 8) | member
    area = np.asarray([c[3] for c in CITIES])
    return Listed(
        accounts=make_code(NS_LISTED, key),
        emails=fraud_emails(rng, vocab, people, rng.integers(0, len(people), slots)),
        phones=draw_phones(rng, area[rng.integers(0, len(area), slots)]),
        ip_keys=make_code(NS_LISTED, key),
        devices=make_code(NS_LISTED, key),
        addresses=drop_base + ring * ADDRESSES_PER_RING + 2 + member,
    )


@dataclass(frozen=True)
class World:
    """The tables claims index into."""

    vocab: Vocab
    people: People
    addresses: Addresses
    employers: Employers
    banks: Banks
    emails: pa.Array
    salt: int
    #: Per IP kind, each key's own IPv4 address: (sorted keys, addresses), from
    #: :func:`own_address_tables` (home networks, and addresses abroad).
    own_ips: dict[int, tuple[Arr, Arr]] | None = None
    #: Each account code's own number (sorted codes, numbers), from :func:`own_accounts`.
    own_accounts: tuple[Arr, Arr] | None = None


# --- Rendering: codes to the text a state extract would hold ---------------------------


def patch(values: pa.Array, rows: Arr, replacements: Sequence[str] | pa.Array) -> pa.Array:
    """values with values[rows] replaced."""
    index = np.arange(len(values))
    index[rows] = len(values) + np.arange(len(rows))
    return pa.concat_arrays([values, pa.array(replacements, pa.string())]).take(pa.array(index))


def render_ssn(ssn: Arr, fmt: Arr) -> pa.Array:
    area, group, serial = digits(ssn // 1_000_000, 3), digits(ssn // 10_000 % 100, 2), digits(ssn % 10_000, 4)
    return choose(
        fmt,
        [join(area, "-", group, "-", serial), join(area, group, serial), join(area, " ", group, " ", serial)],
    )


def render_phone(phone: Arr, fmt: Arr) -> pa.Array:
    """(555) 201-4432, 555-201-4432, 5552014432 or +1 555 201 4432; empty when missing."""
    a, e, line = digits(phone // 10**7, 3), digits(phone // 10**4 % 1000, 3), digits(phone % 10**4, 4)
    text = choose(
        fmt,
        [
            join("(", a, ") ", e, "-", line),
            join(a, "-", e, "-", line),
            join(a, e, line),
            join("+1 ", a, " ", e, " ", line),
        ],
    )
    return where(phone == 0, "", text)


def render_zip(zip5: Arr, zip4: Arr, fmt: Arr) -> pa.Array:
    five, four = digits(zip5, 5), digits(zip4, 4)
    return choose(fmt, [five, join(five, "-", four), join(five, four)])


def render_ein(ein: Arr, fmt: Arr) -> pa.Array:
    return choose(fmt, [join(digits(ein // 10_000_000, 2), "-", digits(ein % 10_000_000, 7)), digits(ein, 9)])


def render_date(dates: Arr) -> pa.Array:
    return pc.strftime(pa.array(dates.astype("datetime64[s]")), format="%Y-%m-%d")


def render_hex(values: Arr) -> pa.Array:
    v = values.astype(np.uint64)
    parts = [
        HEX4.take(pa.array(((v >> np.uint64(s)) & np.uint64(0xFFFF)).astype(np.int64)))
        for s in (48, 32, 16, 0)
    ]
    return join(*parts)


def render_device(code: Arr, salt: int) -> pa.Array:
    return where(code == 0, "", render_hex(mix64(code, salt ^ 0xD1CE)))


@dataclass(frozen=True)
class Banks:
    routing: Arr
    cum_weight: Arr  # honest customers
    cum_weight_fraud: Arr  # fraudsters prefer online banks and prepaid cards


def aba_check_digit(first8: Arr) -> Arr:
    """The ninth digit that makes 3*(d1+d4+d7) + 7*(d2+d5+d8) + (d3+d6+d9) a multiple of 10."""
    return (10 - (first8 * np.array([3, 7, 1, 3, 7, 1, 3, 7])).sum(axis=1) % 10) % 10


def make_banks(rng: np.random.Generator) -> Banks:
    n = len(BANKS)
    district = np.r_[np.arange(1, 13), np.arange(21, 33)][rng.integers(0, 24, n)]
    first8 = np.c_[district // 10, district % 10, rng.integers(0, 10, (n, 6))]
    routing = (np.c_[first8, aba_check_digit(first8)] * 10 ** np.arange(8, -1, -1)).sum(axis=1)
    weight = np.array([w for _, w, _ in BANKS], dtype=np.float64)
    online = np.array([o for _, _, o in BANKS], dtype=bool)
    fraud = np.where(online, weight * 8, weight)
    return Banks(routing, np.cumsum(weight) / weight.sum(), np.cumsum(fraud) / fraud.sum())


def draw_accounts(code: Arr, banks: Banks, salt: int) -> tuple[Arr, Arr, Arr]:
    """Bank (index), number of digits (8-12) and account number of each account code, hashed."""
    code = code.astype(np.uint64)
    h = mix64(code, salt ^ 0xBA4C)
    u = (h >> np.uint64(11)).astype(np.float64) / 2.0**53
    fraudulent = (code >> NS_SHIFT) >= NS_FRESH
    bank = np.where(
        fraudulent, np.searchsorted(banks.cum_weight_fraud, u), np.searchsorted(banks.cum_weight, u)
    )
    bank = np.minimum(bank, len(banks.routing) - 1)
    length = 8 + (h >> np.uint64(3)).astype(np.int64) % 5
    number = (mix64(h) % (np.uint64(10) ** length.astype(np.uint64))).astype(np.int64)
    return bank, length, number


def own_accounts(codes: Arr, banks: Banks, salt: int) -> tuple[Arr, Arr]:
    """Each account code's own number at its bank: (sorted distinct codes, numbers).

    A bank gives an account number to one account. Hashed, the numbers repeated by chance
    (607 accounts held by two households at 200,000 claims a night), and a shared account
    is a ring edge. A repeat moves to a free number of the same bank and length; no random
    draw is used."""
    keys = np.unique(codes[codes > 0].astype(np.uint64))
    bank, length, number = draw_accounts(keys, banks, salt)
    room = 10**length
    group = bank * 5 + (length - 8)
    return keys, spread_repeats(group * 10**12, number, room)


def render_account(
    code: Arr, banks: Banks, salt: int, own: tuple[Arr, Arr] | None = None
) -> tuple[pa.Array, pa.Array]:
    """(routing, account) of each account code; the namespace says whose account it is.
    With ``own`` (:func:`own_accounts`), different codes get different accounts."""
    bank, length, number = draw_accounts(code, banks, salt)
    if own is not None:
        rows = code > 0
        at = np.searchsorted(own[0], code[rows].astype(np.uint64))
        if (at >= len(own[0])).any() or (own[0][np.minimum(at, len(own[0]) - 1)] != code[rows]).any():
            raise AssertionError("an account code has no number of its own")
        number[rows] = own[1][at]
    account = digits(number, 8)
    for width in range(9, 13):
        account = where(length == width, digits(number, width), account)
    routing = digits(banks.routing[bank], 9)
    empty = code == 0
    return where(empty, "", routing), where(empty, "", account)


def ipv4_pools() -> dict[int, tuple[Arr, Arr]]:
    def blocks(spec: Sequence[tuple[str, int]]) -> tuple[Arr, Arr]:
        return np.array([ip_to_int(b) for b, _ in spec], np.uint64), np.array([s for _, s in spec], np.uint64)

    return {
        IP_RESIDENTIAL: blocks(RESIDENTIAL_V4),
        IP_LIBRARY: blocks(LIBRARY_V4),
        IP_CGNAT: blocks(CGNAT_V4),
        IP_VPN: blocks(VPN_V4),
        IP_FOREIGN: blocks(FOREIGN_V4),
        IP_HOSTING: blocks(HOSTING_V4),
        IP_HOSTING24: blocks(HOSTING_V4),
        IP_TOR: blocks([(t + "0", 256) for t in TOR_EXITS]),
    }


def render_ipv4(v4: Arr) -> pa.Array:
    octets = [numbers((v4 >> np.uint64(s)) & np.uint64(0xFF)) for s in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*octets, ".")


def render_ipv6(prefix: Arr, h: Arr) -> pa.Array:
    h2 = mix64(h)
    groups = [prefix[:, 0], prefix[:, 1] | ((h >> np.uint64(20)) & prefix[:, 2])]
    groups += [(h2 >> np.uint64(s)) & np.uint64(0xFFFF) for s in (48, 32, 16, 0)]
    groups += [(h >> np.uint64(s)) & np.uint64(0xFFFF) for s in (40, 28)]
    return pc.binary_join_element_wise(*[HEXN.take(pa.array(g.astype(np.int64))) for g in groups], ":")


def own_addresses(keys: Arr, salt: int, kind: int = IP_RESIDENTIAL) -> tuple[Arr, Arr]:
    """A distinct IPv4 address of the ``kind`` pool for each key: (sorted keys, addresses).

    An internet provider gives a home one address at a time. Hashed into a fixed pool, the
    homes of a large state would share addresses by chance (the smallest block, chosen as
    often as the largest, held twice as many homes as addresses at 200,000 claims a night),
    and a shared home address is a ring edge: strangers became "rings", more the larger the
    state. The same holds abroad: 40,000 honest claims from abroad hashed into the foreign
    pool's 327,680 addresses gave 2,300 addresses to two households (0.57 honest claims in
    1,000 at 200,000 a night, 0.07 at 20,000). Blocks are chosen in proportion to their size,
    host numbers run 1-254, and a repeat moves by a rank-dependent step within its block; no
    random draw is used.
    """
    keys = np.unique(keys.astype(np.uint64))
    base, size = ipv4_pools()[kind]
    hosts = (size // np.uint64(256) * np.uint64(254)).astype(np.int64)
    h = mix64(keys ^ (np.uint64(kind) << np.uint64(56)), salt ^ 0x1F)
    cum = np.cumsum(hosts)
    block = np.searchsorted(cum, (h % np.uint64(cum[-1])).astype(np.int64), side="right")
    host = ((h >> np.uint64(16)) % hosts[block].astype(np.uint64)).astype(np.int64)
    host = spread_repeats(cum[block] - hosts[block], host, hosts[block])
    return keys, base[block] + (host // 254 * 256 + 1 + host % 254).astype(np.uint64)


#: IP kinds whose keys get addresses of their own (:func:`own_addresses`), when they fit:
#: a pool is used only while its keys fill at most half of it.
OWN_ADDRESS_KINDS = (IP_RESIDENTIAL, IP_FOREIGN)


def own_address_tables(kind: Arr, key: Arr, salt: int) -> dict[int, tuple[Arr, Arr]]:
    """:func:`own_addresses` of each kind of :data:`OWN_ADDRESS_KINDS` whose keys fit its pool."""
    tables = {}
    for k in OWN_ADDRESS_KINDS:
        keys = np.unique(key[kind == k].astype(np.uint64))
        _, size = ipv4_pools()[k]
        if k == IP_RESIDENTIAL or len(keys) <= int((size // np.uint64(256) * np.uint64(254)).sum()) // 2:
            tables[k] = own_addresses(keys, salt, k)
    return tables


def render_ip(kind: Arr, key: Arr, salt: int, own: dict[int, tuple[Arr, Arr]] | None = None) -> pa.Array:
    """The address a (kind, key) pair stands for: equal pairs give equal addresses; with
    ``own`` (:func:`own_address_tables`), different keys of a kind it holds give different ones."""
    h = mix64(key.astype(np.uint64) ^ (kind.astype(np.uint64) << np.uint64(56)), salt ^ 0x1F)
    v4 = np.zeros(len(kind), dtype=np.uint64)
    for k, (base, size) in ipv4_pools().items():
        rows = kind == k
        pool_key = np.where(k == IP_HOSTING24, mix64(key >> np.uint64(8), salt), h)[rows]
        block = (pool_key % np.uint64(len(base))).astype(np.int64)
        offset = (pool_key >> np.uint64(16)) % size[block]
        v4[rows] = base[block] + offset
    low = np.where(
        kind == IP_HOSTING24, key & np.uint64(0xFF), np.uint64(1) + (v4 & np.uint64(0xFF)) % np.uint64(254)
    )
    v4 = (v4 & ~np.uint64(0xFF)) | low
    for k, (keys, addresses) in (own or {}).items():
        rows = kind == k
        at = np.searchsorted(keys, key[rows].astype(np.uint64))
        if (at >= len(keys)).any() or (keys[np.minimum(at, len(keys) - 1)] != key[rows]).any():
            raise AssertionError(f"a key of IP kind {k} has no address of its own")
        v4[rows] = addresses[at]
    top = h >> np.uint64(60)
    v6 = ((kind == IP_RESIDENTIAL) & (top < 2)) | ((kind == IP_CGNAT) & (top < 5))
    prefixes = np.where(
        (kind == IP_CGNAT)[:, None],
        np.asarray(CGNAT_V6)[(h % np.uint64(2)).astype(np.int64)],
        np.asarray(RESIDENTIAL_V6)[(h % np.uint64(2)).astype(np.int64)],
    ).astype(np.uint64)
    text = where(v6, render_ipv6(prefixes, h), render_ipv4(v4))
    return where(kind == IP_NONE, "", text)


def utc_offsets(start: datetime.date, days: int) -> Arr:
    """UTC offset in seconds of each (day, hour) of the window in the agency's time zone."""
    offsets = np.zeros((days, 24), dtype=np.int64)
    for d in range(days):
        date = start + datetime.timedelta(days=d)
        for hour in range(24):
            moment = datetime.datetime.combine(date, datetime.time(hour), tzinfo=TIMEZONE)
            offsets[d, hour] = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
    return offsets


def local_times(start: datetime.date, day: Arr, sec: Arr) -> Arr:
    return np.datetime64(start, "s") + (day * DAY_SECONDS + sec).astype("timedelta64[s]")


def render_timestamps(start: datetime.date, day: Arr, sec: Arr, fmt: Arr) -> pa.Array:
    """Mostly local time without offset; some with the local offset, some in UTC with Z."""
    local = local_times(start, day, sec)
    offset = utc_offsets(start, int(day.max(initial=0)) + 1)[day, sec // 3600]
    iso = "%Y-%m-%dT%H:%M:%S"
    naive = pc.strftime(pa.array(local), format=iso)
    suffix = join(
        where(offset < 0, "-", "+"),
        digits(np.abs(offset) // 3600, 2),
        ":",
        digits(np.abs(offset) % 3600 // 60, 2),
    )
    utc = join(pc.strftime(pa.array(local - offset.astype("timedelta64[s]")), format=iso), "Z")
    return choose(fmt, [naive, join(naive, suffix), utc])


def render_units(addresses: Addresses, addr: Arr, style: Arr) -> pa.Array:
    """The unit of each address in the given spelling ("Apt 4B", "#4B", "Unit 4-B"...); empty if none."""
    num, letter = addresses.unit_num[addr], addresses.unit_letter[addr]
    prefix = take(pa.array([p for p, _ in UNIT_STYLES]), style)
    sep = take(pa.array([s for _, s in UNIT_STYLES]), np.where(letter >= 0, style, -1))
    text = join(prefix, numbers(num), sep, take(pa.array(UNIT_LETTERS), letter))
    return where(num == 0, "", text)


def render_street(addresses: Addresses, addr: Arr, style: Arr, inline: Arr) -> tuple[pa.Array, pa.Array]:
    """(line1, line2): the unit goes on line 2, or at the end of line 1 for some."""
    unit = render_units(addresses, addr, style)
    line1 = addresses.line1.take(pa.array(addr))
    on_line1 = inline & (addresses.unit_num[addr] > 0)
    return where(on_line1, join(line1, " ", unit), line1), where(on_line1, "", unit)


def typo(name: str, h: int, double: bool) -> str:
    if len(name) < 4:
        return name + name[-1]
    k = 1 + h % (len(name) - 2)
    return name[:k] + name[k] + name[k:] if double else name[:k] + name[k + 1 :]


def vary_first_names(first: pa.Array, last: pa.Array, variant: Arr, salt: int) -> tuple[pa.Array, pa.Array]:
    """Nicknames, typos and swapped first/last names of re-filed identities (a few rows)."""
    rows = np.flatnonzero(np.isin(variant, (1, 2, 3, 6)))
    if not len(rows):
        return first, last
    hashes = mix64(rows, salt).tolist()
    firsts, lasts = first.take(pa.array(rows)).to_pylist(), last.take(pa.array(rows)).to_pylist()
    kinds = variant[rows].tolist()
    new_first = [
        NICKNAMES.get(f, typo(f, h, False)) if k == 1 else typo(f, h, k == 3) if k in (2, 3) else ln
        for f, ln, h, k in zip(firsts, lasts, hashes, kinds, strict=True)
    ]
    new_last = [f if k == 6 else ln for f, ln, k in zip(firsts, lasts, kinds, strict=True)]
    return patch(first, rows, new_first), patch(last, rows, new_last)


def swap_day_month(dob: Arr) -> Arr:
    """The date with day and month swapped where that is a valid date, else one day later."""
    year = dob.astype("datetime64[Y]")
    month = (dob.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    swapped = (year.astype("datetime64[M]") + (day - 1)).astype("datetime64[D]") + (month - 1)
    return np.where((day <= 12) & (day != month), swapped, dob + 1)


def render_names(c: Codes, people: People, vocab: Vocab, salt: int) -> dict[str, pa.Array]:
    ident, variant = c["ident"], c["name_var"]
    first = vocab.first.take(pa.array(people.first[ident]))
    last2 = take(vocab.last, people.last2[ident])
    last = where(
        people.last2[ident] >= 0,
        join(vocab.last.take(pa.array(people.last[ident])), " ", last2),
        vocab.last.take(pa.array(people.last[ident])),
    )
    first, last = vary_first_names(first, last, variant, salt)
    middle = take(vocab.first, np.where(variant == 5, -1, people.middle[ident]))
    middle = where(people.middle_initial[ident], pc.utf8_slice_codeunits(middle, 0, 1), middle)
    dob = people.dob[ident]
    dob = np.where(variant == 4, swap_day_month(dob), dob)
    return {"first_name": first, "last_name": last, "middle_name": middle, "date_of_birth": render_date(dob)}


#: PO box numbers run 1 to PO_BOXES at each ZIP's post office.
PO_BOXES = 99_999


def box_numbers(ident: Arr, zip5: Arr, box: Arr) -> Arr:
    """Each box holder's PO box number less one (0 where ``box`` is false): one box per person
    at their ZIP's post office, never another's. Drawn from 9,000 numbers a ZIP, 35,466 boxes
    were shared by households that do not live together at 200,000 claims a night (76,291
    honest claims), and a shared mailing address is a ring edge. No random draw is used."""
    out = np.zeros(len(ident), dtype=np.int64)
    if not box.any():
        return out
    pairs, inverse = np.unique(np.c_[zip5[box], ident[box]], axis=0, return_inverse=True)
    zips = np.unique(pairs[:, 0], return_inverse=True)[1].astype(np.int64)
    slot = (mix64(pairs[:, 1].astype(np.uint64), 29) % np.uint64(PO_BOXES)).astype(np.int64)
    number = spread_repeats(zips * PO_BOXES, slot, np.full(len(pairs), PO_BOXES))
    out[box] = number[np.ravel(inverse)]
    return out


def render_mailing(c: Codes, addresses: Addresses) -> dict[str, pa.Array]:
    """The mailing address: a drop address, a PO box, or empty (mail goes to the residence)."""
    kind = c["mail_kind"]
    addr = np.where(kind == 1, c["mail_addr"], c["addr"])
    line1, line2 = render_street(addresses, addr, c["mail_style"], c["unit_inline"])
    none, box = kind == 0, kind == 2
    po_box = join("PO Box ", numbers(1 + box_numbers(c["ident"], addresses.zip5[addr], box)))
    city = take(pa.array([ct[0] for ct in CITIES]), addresses.city[addr])
    zip_ = render_zip(addresses.zip5[addr], addresses.zip4[addr], c["zip_fmt"])
    return {
        "mailing_address_line1": where(none, "", where(box, po_box, line1)),
        "mailing_address_line2": where(none | box, "", line2),
        "mailing_city": where(none, "", city),
        "mailing_state": where(none, "", STATE),
        "mailing_zip": where(none, "", where(box, digits(addresses.zip5[addr], 5), zip_)),
    }


def render_claims(c: Codes, world: World, start: datetime.date) -> dict[str, pa.Array]:
    """Every column of :data:`CLAIM_COLUMN_NAMES`, as text."""
    n = len(c["day"])
    people, addresses, employers = world.people, world.addresses, world.employers
    line1, line2 = render_street(addresses, c["addr"], c["unit_style"], c["unit_inline"])
    dd = c["pay"] == 0
    routing, account = render_account(
        np.where(dd, c["acct"], np.uint64(0)), world.banks, world.salt, world.own_accounts
    )
    employer = np.maximum(c["employer"], 0)
    has_employer = c["employer"] >= 0
    sep_date = np.datetime64(start) + c["day"] - np.maximum(c["sep_days"], 0)
    columns = {
        "claim_id": join("C", digits(np.arange(n), 8)),
        "filed_at": render_timestamps(start, c["day"], c["sec"], c["ts_fmt"]),
        "program": take(pa.array(PROGRAMS), c["program"]),
        "ssn": render_ssn(people.ssn[c["ident"]], c["ssn_fmt"]),
        **render_names(c, people, world.vocab, world.salt),
        "email": take(world.emails, c["email"]),
        "phone": render_phone(c["phone"], c["phone_fmt"]),
        "address_line1": line1,
        "address_line2": line2,
        "city": take(pa.array([ct[0] for ct in CITIES]), addresses.city[c["addr"]]),
        "state": pa.array(np.full(n, STATE)),
        "zip": render_zip(addresses.zip5[c["addr"]], addresses.zip4[c["addr"]], c["zip_fmt"]),
        **render_mailing(c, addresses),
        "payment_method": take(pa.array(PAYMENT_METHODS), c["pay"]),
        "bank_routing": routing,
        "bank_account": account,
        "employer_ein": where(has_employer, render_ein(employers.ein[employer], c["ein_fmt"]), ""),
        "employer_name": where(has_employer, employers.name.take(pa.array(employer)), ""),
        "separation_date": where(c["sep_days"] >= 0, render_date(sep_date), ""),
        "separation_reason": take(pa.array(SEPARATION_REASONS), c["sep_reason"]),
        "channel": take(pa.array(("web", "mobile", "phone", "in_person")), c["channel"]),
        "ip_address": render_ip(c["ip_kind"], c["ip_key"], world.salt, world.own_ips),
        "device_id": render_device(c["device"], world.salt),
        "user_agent": take(pa.array(AGENTS), c["ua"]),
        "session_seconds": pa.array(c["session"].astype(np.float64)),
        "language": take(pa.array(LANGUAGES), c["lang"]),
    }
    return {name: columns[name] for name in CLAIM_COLUMN_NAMES}


# --- Reference lists -------------------------------------------------------------------

OTHER_STATES = ("PA", "MI", "IN", "KY", "WV", "NY", "IL", "FL", "TX", "GA", "NC", "CA")
LIST_SOURCES = ("NASWA IDH", "USDOL OIG", "state investigation", "bank referral", "law enforcement")
HOSTING_OCTETS = (13, 18, 20, 40, 44, 54, 137, 139, 143, 157, 161, 164, 165, 178, 188, 194, 195, 206, 209)
FOREIGN_OCTETS = (31, 46, 77, 95, 105, 110, 114, 117, 154, 180, 181, 186, 190, 200, 201)


def quarter_labels(start: datetime.date) -> list[str]:
    """The four quarters of the base period: those ending two quarters before the filing quarter."""
    index = start.year * 4 + (start.month - 1) // 3 - 2
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(index - 3, index + 1)]


def make_wage_records(rng: np.random.Generator, world: World, start: datetime.date) -> pa.Table:
    """Employer-reported wages of filers and workers: up to four quarters, some at a previous employer."""
    people = world.people
    who = np.flatnonzero((people.quarters > 0) & np.isin(people.kind, (KIND_FILER, KIND_WORKER)))
    person = np.repeat(who, 4)
    quarter = np.tile(np.arange(4), len(who))
    keep = quarter >= 4 - people.quarters[person]
    person, quarter = person[keep], quarter[keep]
    before_switch = (people.prev_employer[person] >= 0) & (quarter < people.switch[person])
    employer = np.where(before_switch, people.prev_employer[person], people.employer[person])
    wages = np.round(people.wage[person] * rng.uniform(0.8, 1.15, len(person)), 2)
    plain = (mix64(person, 41) % np.uint64(5) != 0).astype(np.int64)
    return pa.table(
        {
            "ssn": render_ssn(people.ssn[person], plain),
            "employer_ein": render_ein(world.employers.ein[employer], rng.integers(0, 2, len(person))),
            "quarter": take(pa.array(quarter_labels(start)), quarter),
            "wages": pa.array(wages),
        }
    )


def optional_dates(start: datetime.date, offset: Arr, present: Arr) -> pa.Array:
    """Dates start + offset days, empty where not present."""
    return where(present, render_date(np.datetime64(start) + np.where(present, offset, 0)), "")


def fraud_rows(c: Codes, typology: int) -> Arr:
    return np.flatnonzero(c["typology"] == typology)


def make_deceased(rng: np.random.Generator, world: World, start: datetime.date) -> pa.Table:
    """Every deceased person: those whose identity a ring uses, and many who never came near a claim."""
    dead = rng.permutation(np.flatnonzero(world.people.kind == KIND_DECEASED))
    death = np.datetime64(start) - rng.integers(30, 2200, len(dead))
    return pa.table(
        {
            "ssn": render_ssn(world.people.ssn[dead], rng.integers(0, 2, len(dead))),
            "date_of_death": render_date(death),
        }
    )


def make_incarcerated(
    rng: np.random.Generator, world: World, c: Codes, start: datetime.date, days: int
) -> pa.Table:
    """Inmates held when a ring filed in their name, others held or long released, and honest ex-inmates."""
    people = world.people
    claim_day = np.full(len(people), -1)
    rows = fraud_rows(c, INCARCERATED)
    claim_day[c["ident"][rows]] = c["day"][rows]
    inmates = np.flatnonzero(people.kind == KIND_INMATE)
    n = len(inmates)
    used = claim_day[inmates] >= 0
    released_after = claim_day[inmates] + rng.integers(1, 20, n)
    released_before = -rng.integers(1, 900, n)
    released = np.where(used, released_after, released_before)
    has_release = np.where(used, (rng.random(n) < 0.15) & (released_after < days), rng.random(n) < 0.5)
    admitted = np.minimum(-rng.integers(60, 2500, n), released - 30)
    honest = np.flatnonzero(c["hard_extra"] == 1)
    freed = c["day"][honest] - rng.integers(30, 365, len(honest))
    person = np.r_[inmates, c["ident"][honest]]
    order = rng.permutation(len(person))
    released = np.r_[released, freed][order]
    return pa.table(
        {
            "ssn": render_ssn(people.ssn[person][order], rng.integers(0, 2, len(person))),
            "last_name": world.vocab.last.take(pa.array(people.last[person][order])),
            "date_of_birth": render_date(people.dob[person][order]),
            "admitted_on": render_date(
                np.datetime64(start) + np.r_[admitted, freed - rng.integers(90, 2500, len(honest))][order]
            ),
            "released_on": optional_dates(
                start, released, np.r_[has_release, np.ones(len(honest), bool)][order]
            ),
        }
    )


def render_address_values(world: World, addr: Arr) -> pa.Array:
    """Addresses as ``line1, city, ST zip`` (the suspicious-actors format)."""
    line1, _ = render_street(world.addresses, addr, np.zeros(len(addr), np.int64), np.ones(len(addr), bool))
    city = take(pa.array([ct[0] for ct in CITIES]), world.addresses.city[addr])
    return join(line1, ", ", city, ", ", STATE, " ", digits(world.addresses.zip5[addr], 5))


def make_congregate_addresses(world: World, start: datetime.date) -> pa.Table:
    """A few of the state's addresses listed as shelters, group homes and dormitories (no random draw:
    the first addresses of the state, one per 20,000, at least three)."""
    n = max(3, len(world.addresses.zip5) // 20_000)
    kinds = ("shelter", "group_home", "dormitory")
    return pa.table(
        {
            "address": render_address_values(world, np.arange(n)),
            "kind": pa.array([kinds[i % len(kinds)] for i in range(n)]),
            "added_on": pa.array([(start - datetime.timedelta(days=365)).isoformat()] * n),
        }
    )


def make_suspicious_actors(
    rng: np.random.Generator, world: World, c: Codes, rings: Rings, listed: Listed, start: datetime.date
) -> pa.Table:
    """Known bad identifiers: those known-bad rings reuse, others never seen, and recycled phone numbers."""
    routing, account = render_account(listed.accounts, world.banks, world.salt, world.own_accounts)
    n = len(listed.accounts)
    bad_ring = rings.typology[np.arange(n) // LISTED_PER_RING] == KNOWN_BAD
    recycled = c["phone"][(c["hard_extra"] == 3) & (c["phone"] > 0)]
    parts = [
        ("bank_account", join(routing, ":", account)),
        ("email", listed.emails),
        ("phone", render_phone(np.r_[listed.phones, recycled], rng.integers(0, 4, n + len(recycled)))),
        ("ip_address", render_ip(np.full(n, IP_RESIDENTIAL), listed.ip_keys, world.salt, world.own_ips)),
        ("device_id", render_device(listed.devices, world.salt)),
        ("address", render_address_values(world, listed.addresses[bad_ring])),
    ]
    kind = pa.array(np.concatenate([np.full(len(v), k) for k, v in parts]))
    value = pa.concat_arrays([v for _, v in parts])
    m = len(value)
    order = pa.array(rng.permutation(m))
    return pa.table(
        {
            "kind": kind.take(order),
            "value": value.take(order),
            "added_on": render_date(np.datetime64(start) - rng.integers(10, 1000, m)),
            "source": take(pa.array(LIST_SOURCES), pick(rng, (30, 25, 25, 12, 8), m)),
        }
    )


def make_ip_ranges(rng: np.random.Generator, n_extra: int) -> pa.Table:
    """Hosting, VPN, Tor and foreign ranges: the blocks claims use and many unrelated ones."""
    tor = [f"{prefix}{last}/32" for prefix in TOR_EXITS for last in range(1, 255)]
    hosting = join(
        numbers(np.asarray(HOSTING_OCTETS)[rng.integers(0, len(HOSTING_OCTETS), n_extra)]),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".0/24",
    )
    foreign = join(
        numbers(np.asarray(FOREIGN_OCTETS)[rng.integers(0, len(FOREIGN_OCTETS), n_extra)]),
        ".",
        numbers(rng.integers(0, 256, n_extra)),
        ".0.0/16",
    )
    cidr = pa.concat_arrays([pa.array([b for b, _ in IP_BLOCKS]), pa.array(tor), hosting, foreign])
    category = [k for _, k in IP_BLOCKS] + ["tor"] * len(tor) + ["hosting"] * n_extra + ["foreign"] * n_extra
    table = pa.table({"cidr": cidr, "category": pa.array(category)})
    _, first = np.unique(table["cidr"].to_numpy(), return_index=True)
    return table.take(pa.array(np.sort(first)))


def make_interstate_claims(
    rng: np.random.Generator,
    world: World,
    c: Codes,
    start: datetime.date,
    movers_rng: np.random.Generator | None = None,
) -> pa.Table:
    """Claims in other states: by multi-state rings (recent), honest movers (long ago), other
    workers; with ``movers_rng``, also the claims of :func:`plan_movers`'s movers in the state
    they left, drawn from that stream (the other rows stay as they were) and shuffled in."""
    people = world.people
    multi = fraud_rows(c, MULTI_STATE)
    movers = np.flatnonzero(c["hard_extra"] == 2)
    used = np.bincount(c["ident"], minlength=len(people)) > 0
    idle = np.flatnonzero((people.kind == KIND_WORKER) & ~used)
    others = rng.choice(idle, size=len(idle) // 25, replace=False) if len(idle) else idle
    person = np.r_[c["ident"][multi], c["ident"][movers], others]
    day = np.r_[
        c["day"][multi] - rng.integers(1, 90, len(multi)),
        c["day"][movers] - rng.integers(180, 540, len(movers)),
        -rng.integers(1, 700, len(others)),
    ]
    filed = other_state_filing_times(rng, start, day)
    order = pa.array(rng.permutation(len(person)))
    table = pa.table(
        {
            "ssn": render_ssn(people.ssn[person], rng.integers(0, 2, len(person))),
            "state": take(pa.array(OTHER_STATES), rng.integers(0, len(OTHER_STATES), len(person))),
            "filed_at": filed,
        }
    ).take(order)
    if movers_rng is None or "moved_from" not in c:
        return table
    left = np.flatnonzero(c["moved_from"] >= 0)
    person = c["ident"][left]
    moved = pa.table(
        {
            "ssn": render_ssn(people.ssn[person], movers_rng.integers(0, 2, len(left))),
            "state": take(pa.array(OTHER_STATES), c["moved_from"][left]),
            "filed_at": other_state_filing_times(movers_rng, start, c["day"][left] - c["moved_gap"][left]),
        }
    )
    both = pa.concat_tables([table, moved])
    return both.take(pa.array(movers_rng.permutation(both.num_rows)))


def other_state_filing_times(rng: np.random.Generator, start: datetime.date, day: Arr) -> pa.Array:
    """Local filing times on ``day`` (working hours), half of them written as a date only."""
    local = local_times(start, day, rng.integers(25_200, 72_000, len(day)))
    stamp = pc.strftime(pa.array(local), format="%Y-%m-%dT%H:%M:%S")
    return where(rng.random(len(day)) < 0.5, pc.utf8_slice_codeunits(stamp, 0, 10), stamp)


# --- Honest movers ---------------------------------------------------------------------------

#: People move between states, and some claimed UI in the state they left months before they
#: file here: this share of honest first claims (besides the few ``hard_extra == 2`` ones),
#: filed there MOVER_GAP_DAYS (low inclusive, high exclusive) before filing here, in a
#: neighbouring state (Pennsylvania, Michigan, Indiana, Kentucky, West Virginia: the first
#: five of OTHER_STATES) NEIGHBOUR_SHARE of the time, else in any of OTHER_STATES.
MOVER_SHARE = 0.015
MOVER_GAP_DAYS = (60, 361)
NEIGHBOURS = 5
NEIGHBOUR_SHARE = 0.6
MOVERS_STREAM = 13


def plan_movers(rng: np.random.Generator, c: Codes) -> None:
    """Mark honest movers in ``c``: ``moved_from`` (index into OTHER_STATES, -1 for none) and
    ``moved_gap`` (days from their claim in the state they left to this filing), and their
    ``honest_case``. ``rng`` is a stream of its own (``[seed, MOVERS_STREAM]``), so every
    other draw of the world is as it was without movers."""
    n = len(c["day"])
    eligible = (c["typology"] < 0) & ~c["refile"] & (c["hard_extra"] == 0)
    moved = eligible & (rng.random(n) < MOVER_SHARE)
    state = np.where(
        rng.random(n) < NEIGHBOUR_SHARE, rng.integers(0, NEIGHBOURS, n), rng.integers(0, len(OTHER_STATES), n)
    )
    c["moved_from"] = np.where(moved, state, -1)
    c["moved_gap"] = np.where(moved, rng.integers(*MOVER_GAP_DAYS, n), 0)
    c["honest_case"] = np.where(moved, HONEST_CASES.index("interstate_mover"), c["honest_case"])


# --- Mail drops ----------------------------------------------------------------------------

#: A mail-drop ring rents or borrows one apartment (or PO box) and routes many stolen
#: identities' mail and debit cards there over weeks. Drop-address rings of this many people
#: become mail drops (about half of them): one unit, given as home or as mailing address by
#: each member alike, the unit spelled as each member's form happened to (Apt 5, #5, Unit 5...),
#: filed over 7 to 21 days rather than in an evening or two.
MAIL_DROP_SIZES = (5, 24)
MAIL_DROP_SHARE = 0.5
MAIL_DROP_DAYS = (7, 22)
MAIL_DROP_STREAM = 17


def plan_mail_drops(rng: np.random.Generator, c: Codes, rings: Rings, people: People, days: int) -> None:
    """Turn some drop-address rings of the fraud claims ``c`` into mail drops (:data:`MAIL_DROP_SIZES`).

    ``rng`` is a stream of its own (``[seed, MAIL_DROP_STREAM]``), so every other draw of the
    world is as it was without mail drops; only the chosen rings' timing and addresses change.
    """
    low, high = MAIL_DROP_SIZES
    chosen = (rings.typology == DROP_ADDRESS) & (rings.size >= low) & (rings.size <= high)
    chosen &= rng.random(len(rings)) < MAIL_DROP_SHARE
    span = rng.integers(*MAIL_DROP_DAYS, len(rings))
    ring = c["ring"]
    rows = np.flatnonzero(chosen[ring])
    n, r = len(rows), ring[rows]
    c["day"][rows] = np.minimum(
        rings.start_day[r] + np.floor(rng.random(n) * span[r]).astype(np.int64), days - 1
    )
    c["sec"][rows] = rng.integers(8 * 3600, 23 * 3600, n)
    given = np.where(c["mail_kind"][rows] == 1, c["mail_addr"][rows], c["addr"][rows])
    first = np.zeros(len(rings), dtype=np.int64)
    first[r[::-1]] = given[::-1]  # one unit per ring: its first member's drop address
    drop = first[r]
    as_home = rng.random(n) < 0.5
    c["addr"][rows] = np.where(as_home, drop, people.household[c["ident"][rows]])
    c["mail_kind"][rows] = np.where(as_home, 0, 1)
    c["mail_addr"][rows] = np.where(as_home, -1, drop)
    c["unit_style"][rows] = rng.integers(0, len(UNIT_STYLES), n)
    c["mail_style"][rows] = rng.integers(0, len(UNIT_STYLES), n)
    c["typology"][rows] = MAIL_DROP


# --- Dispositions and truth --------------------------------------------------------------

SUSPICIOUS_IPS = (IP_VPN, IP_FOREIGN, IP_HOSTING, IP_TOR, IP_HOSTING24)


def looks_suspicious(c: Codes) -> Arr:
    """What the legacy process flags: night filing, risky IPs, shared accounts, rushed sessions, list hits."""
    shared = np.zeros(len(c["day"]), dtype=bool)
    dd = np.flatnonzero(c["pay"] == 0)
    _, inverse, counts = np.unique(c["acct"][dd], return_inverse=True, return_counts=True)
    shared[dd] = counts[inverse] >= 3
    return (
        (c["sec"] < 5 * 3600)
        | np.isin(c["ip_kind"], SUSPICIOUS_IPS)
        | shared
        | (c["session"] < 120)
        | np.isin(c["typology"], (DECEASED, INCARCERATED, KNOWN_BAD))
    )


def make_dispositions(rng: np.random.Generator, c: Codes, start: datetime.date, days: int) -> pa.Table:
    """Decisions known when the window ends: investigations of mostly suspicious claims, a random audit."""
    n = len(c["day"])
    fraud = c["typology"] >= 0
    emerging = np.isin(c["typology"], EMERGING)
    flagged = looks_suspicious(c)
    p = np.where(fraud & ~emerging, np.where(flagged, 0.75, 0.3), np.where(flagged & ~fraud, 0.2, 0.012))
    investigated = rng.random(n) < p
    audited = ~investigated & (rng.random(n) < 0.008)
    lag = np.where(investigated, 1 + rng.gamma(2.0, 2.5, n), 5 + rng.gamma(2.0, 3.0, n))
    decided_day = c["day"] + np.ceil(lag).astype(np.int64)
    keep = np.flatnonzero((investigated | audited) & (decided_day < days))
    missed = rng.random(n) < 0.03
    outcome = np.where(fraud & ~missed, 0, 1)[keep]
    decided = local_times(start, decided_day[keep], rng.integers(9 * 3600, 17 * 3600, len(keep)))
    table = pa.table(
        {
            "claim_id": join("C", digits(keep, 8)),
            "outcome": take(pa.array(("fraud", "legitimate")), outcome),
            "decided_at": pc.strftime(pa.array(decided), format="%Y-%m-%dT%H:%M:%S"),
            "source": take(pa.array(("investigation", "audit")), audited[keep].astype(np.int64)),
        }
    )
    order = np.lexsort((keep, decided))
    return table.select([col.name for col in DISPOSITION_COLUMNS]).take(pa.array(order))


def make_truth(c: Codes, world: World, rings: Rings, start: datetime.date) -> pa.Table:
    """The real answer behind every claim (evaluation only; the pipeline never reads it)."""
    n = len(c["day"])
    fraud = c["typology"] >= 0
    ring = np.maximum(c["ring"], 0)
    kinds = pa.array(("filer", "worker", "deceased", "inmate", "synthetic"))
    return pa.table(
        {
            "claim_id": join("C", digits(np.arange(n), 8)),
            "batch_date": pa.array(np.datetime64(start) + c["day"]),
            "is_fraud": pa.array(fraud),
            "typology": where(fraud, take(pa.array(TYPOLOGIES), np.maximum(c["typology"], 0)), "legitimate"),
            "ring_key": pc.if_else(pa.array(fraud), join("R", digits(ring, 5)), pa.scalar(None, pa.string())),
            "ring_size": pa.array(np.where(fraud, rings.size[ring], 0)),
            "chained": pa.array(c["chained"]),
            "person_key": join("P", digits(c["ident"], 8)),
            "identity_kind": kinds.take(pa.array(world.people.kind[c["ident"]])),
            "honest_case": pc.if_else(
                pa.array(fraud), pa.scalar(None, pa.string()), take(pa.array(HONEST_CASES), c["honest_case"])
            ),
            "age": pa.array(np.floor(c["age"]).astype(np.int64)),
            "language": take(pa.array(LANGUAGES), c["lang"]),
        }
    )


# --- Writing -------------------------------------------------------------------------------


def blank_to_null(table: pa.Table) -> pa.Table:
    """Empty strings become nulls, so CSV writes them as nothing rather than ``""``."""
    columns = [
        pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        if pa.types.is_string(col.type)
        else col
        for col in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def write_csv(table: pa.Table, path: Path) -> Path:
    pcsv.write_csv(blank_to_null(table), path)
    return path


def write_jsonl(table: pa.Table, path: Path) -> Path:
    frame = table.to_pandas()
    path.write_text(frame.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8")
    return path


def write_batches(
    columns: dict[str, pa.Array], day: Arr, start: datetime.date, out: Path, fmt: str
) -> list[Path]:
    """One file per day, ``batches/claims_YYYY-MM-DD.<fmt>``, rows in filing order."""
    folder = out / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(columns)
    if fmt == "csv":
        table = table.set_column(
            table.schema.get_field_index("session_seconds"),
            "session_seconds",
            pc.cast(table["session_seconds"], pa.string()),
        )
    bounds = np.r_[0, np.cumsum(np.bincount(day, minlength=int(day.max(initial=0)) + 1))]
    paths = []
    for d in range(len(bounds) - 1):
        part = table.slice(int(bounds[d]), int(bounds[d + 1] - bounds[d]))
        path = folder / f"claims_{start + datetime.timedelta(days=d)}.{fmt}"
        if fmt == "parquet":
            pq.write_table(part, path)
        elif fmt == "jsonl":
            write_jsonl(part, path)
        else:
            write_csv(part, path)
        paths.append(path)
    return paths


# --- Extract defects -------------------------------------------------------------------------

#: What goes wrong in a real state's nightly extract, and the change that shows it.
DEFECTS: tuple[tuple[str, str, str], ...] = (
    ("missing ssn", "ssn", ""),
    ("malformed ssn", "ssn", "12345678"),
    ("malformed zip", "zip", "4321"),
    ("malformed date_of_birth", "date_of_birth", "1984-02-30"),
    ("unknown channel", "channel", "kiosk"),
    ("malformed phone", "phone", "555-01"),
    ("duplicate claim_id (resent the next night)", "", ""),
)


def add_extract_defects(
    rng: np.random.Generator, columns: dict[str, pa.Array], day: Arr, rate: float
) -> tuple[dict[str, pa.Array], Arr, pa.Array]:
    """Spoil a share ``rate`` of rows the way real extracts are spoilt.

    Returns the batch columns (a resent row is appended to the next night), each
    row's night, and the defect of every claim (null for clean ones) for the
    truth file. A separate random stream keeps the clean world unchanged.
    """
    n = len(day)
    chosen = np.sort(rng.choice(n, size=min(round(n * rate), n), replace=False))
    kind = rng.integers(0, len(DEFECTS), size=len(chosen))
    labels = np.full(n, None, dtype=object)
    labels[chosen] = [DEFECTS[k][0] for k in kind]
    out = dict(columns)
    for k, (_, column, value) in enumerate(DEFECTS):
        rows = chosen[kind == k]
        if column and len(rows):
            values = out[column].to_numpy(zero_copy_only=False).astype(object)
            values[rows] = value
            out[column] = pa.array(values, pa.string())
    is_dup = kind == len(DEFECTS) - 1
    resent = chosen[is_dup & (day[chosen] < day.max(initial=0))]
    labels[chosen[is_dup & (day[chosen] == day.max(initial=0))]] = None  # no next night to resend on
    order = np.argsort(np.r_[day, day[resent] + 1], kind="stable")
    rows = np.r_[np.arange(n), resent][order]
    batch = {name: array.take(pa.array(rows)) for name, array in out.items()}
    return batch, np.r_[day, day[resent] + 1][order], pa.array(labels, pa.string())


# --- The world ---------------------------------------------------------------------------------


def combine_claims(honest: Codes, fraud: Codes, rng: np.random.Generator) -> Codes:
    """Honest and fraud claims in one set of arrays, in filing order."""
    n_h, n_f = len(honest["day"]), len(fraud["day"])
    defaults: dict[str, tuple[Any, Any]] = {
        "typology": (-1, None),
        "ring": (-1, None),
        "chained": (False, None),
        "honest_case": (None, 0),
        "hard_extra": (None, 0),
        "refile": (None, False),
        "laid_off": (None, False),
    }
    c: Codes = {}
    for name in set(honest) | set(fraud):
        if name in ("library", "vpn_abroad", "cgnat", "age"):
            continue
        h_default, f_default = defaults.get(name, (None, None))
        h = honest.get(name, np.full(n_h, h_default))
        f = fraud.get(name, np.full(n_f, f_default))
        c[name] = np.concatenate([h, f])
    order = np.lexsort((rng.random(n_h + n_f), c["sec"], c["day"]))
    return {name: values[order] for name, values in c.items()}


def identity_counts(n_filers: int, rings: Rings, n_claims: int) -> list[int]:
    need = count_identities(rings)
    return [
        n_filers,
        need[KIND_WORKER] + max(100, n_filers // 4),
        need[KIND_DECEASED] + max(200, n_claims // 100),
        need[KIND_INMATE] + max(200, n_claims // 120),
        need[KIND_SYNTHETIC],
    ]


def build_world(
    rng: np.random.Generator, seed: int, counts: list[int], n_rings: int, n_claims: int, start: datetime.date
) -> World:
    vocab = make_vocab()
    employers = make_employers(rng, int(np.clip(n_claims / 250, 150, 4000)), vocab)
    people = make_people(rng, vocab, counts, start, employers)
    n_households = int(people.household.max(initial=0)) + 1
    extra = ADDRESSES_PER_RING * n_rings
    addresses = make_addresses(rng, n_households + extra, extra)
    assign_phones(rng, people, addresses)
    assign_emails(rng, people, vocab)
    salt = int(mix64(np.array([seed], dtype=np.uint64))[0])
    return World(vocab, people, addresses, employers, make_banks(rng), people.email, salt)


def write_references(
    rng: np.random.Generator,
    world: World,
    c: Codes,
    rings: Rings,
    listed: Listed,
    start: datetime.date,
    days: int,
    out: Path,
    movers_rng: np.random.Generator | None = None,
) -> dict[str, Path]:
    folder = out / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "deceased": make_deceased(rng, world, start),
        "incarcerated": make_incarcerated(rng, world, c, start, days),
        "wage_records": make_wage_records(rng, world, start),
        "suspicious_actors": make_suspicious_actors(rng, world, c, rings, listed, start),
        "ip_ranges": make_ip_ranges(rng, max(100, len(c["day"]) // 5000)),
        "interstate_claims": make_interstate_claims(rng, world, c, start, movers_rng),
        "congregate_addresses": make_congregate_addresses(world, start),
    }
    return {
        kind: write_csv(table.select(list(REFERENCE_LISTS[kind].column_names)), folder / f"{kind}.csv")
        for kind, table in tables.items()
    }


def generate_world(
    out_dir: Path,
    *,
    days: int = 30,
    claims_per_day: int = 1000,
    seed: int = 0,
    start: datetime.date = datetime.date(2026, 10, 1),
    fraud_rate: float = 0.02,
    fmt: str = "csv",
    defect_rate: float = 0.002,
) -> WorldSummary:
    """Write a synthetic world (batches, reference lists, dispositions, truth) into ``out_dir``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if days < 1 or claims_per_day < 1 or not 0 <= fraud_rate < 0.5 or not 0 <= defect_rate < 0.1:
        raise ValueError(
            "days and claims_per_day must be positive, fraud_rate in [0, 0.5) and defect_rate in [0, 0.1)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    totals = plan_days(start, days, claims_per_day)
    n_claims = int(totals.sum())
    rings = make_rings(rng, round(n_claims * fraud_rate), days)
    placed = place_fraud_claims(rng, rings, days)
    honest_per_day = np.maximum(totals - np.bincount(placed[1], minlength=days), 0)
    slot_day = np.repeat(np.arange(days), honest_per_day)
    refile_of = plan_refiles(rng, slot_day)
    counts = identity_counts(int((refile_of < 0).sum()), rings, n_claims)
    world = build_world(rng, seed, counts, len(rings), n_claims, start)
    first_of = dict(enumerate(np.r_[0, np.cumsum(counts)][:-1].tolist()))
    honest = make_honest_claims(
        rng, world.people, world.addresses, world.employers, slot_day, refile_of, start
    )
    drop_base = len(world.addresses) - ADDRESSES_PER_RING * len(rings)
    fraud, fraud_mail, listed = make_fraud_claims(
        rng, rings, placed, world.people, world.employers, world.vocab, first_of, drop_base
    )
    fraud_mail = mailboxes_of_their_own(fraud_mail, world.people.email)
    listed = replace(listed, emails=fraud_mail.slice(len(fraud_mail) - len(listed.emails)))
    phones = fraud_numbers_of_their_own(world.people.phone, np.r_[fraud["phone"], listed.phones])
    fraud["phone"], listed = (
        phones[: len(fraud["phone"])],
        replace(listed, phones=phones[len(fraud["phone"]) :]),
    )
    world = World(
        world.vocab,
        world.people,
        world.addresses,
        world.employers,
        world.banks,
        pa.concat_arrays([world.people.email, fraud_mail]),
        world.salt,
    )
    plan_mail_drops(np.random.default_rng([seed, MAIL_DROP_STREAM]), fraud, rings, world.people, days)
    c = combine_claims(honest, fraud, rng)
    movers_rng = np.random.default_rng([seed, MOVERS_STREAM])
    plan_movers(movers_rng, c)
    kinds = np.r_[c["ip_kind"], np.full(len(listed.ip_keys), IP_RESIDENTIAL)]
    world = replace(world, own_ips=own_address_tables(kinds, np.r_[c["ip_key"], listed.ip_keys], world.salt))
    accounts = np.r_[c["acct"][c["pay"] == 0], listed.accounts]
    world = replace(world, own_accounts=own_accounts(accounts, world.banks, world.salt))
    c["age"] = (np.datetime64(start) + c["day"] - world.people.dob[c["ident"]]).astype(np.int64) / 365.25
    rendered, batch_day, defects = add_extract_defects(
        np.random.default_rng([seed, 7]), render_claims(c, world, start), c["day"], defect_rate
    )
    batch_files = write_batches(rendered, batch_day, start, out, fmt)
    reference_files = write_references(rng, world, c, rings, listed, start, days, out, movers_rng)
    dispositions = make_dispositions(rng, c, start, days)
    dispositions_file = write_csv(dispositions, out / "dispositions.csv")
    truth_file = out / "truth.parquet"
    truth = make_truth(c, world, rings, start)
    pq.write_table(truth.append_column("defect", defects), truth_file)
    fraud_mask = c["typology"] >= 0
    return WorldSummary(
        out_dir=out,
        days=days,
        claims=len(c["day"]),
        fraud_claims=int(fraud_mask.sum()),
        rings=len(rings),
        batch_files=batch_files,
        reference_files=reference_files,
        dispositions_file=dispositions_file,
        truth_file=truth_file,
        dispositions=dispositions.num_rows,
        typology_counts={t: int((c["typology"] == i).sum()) for i, t in enumerate(TYPOLOGIES)},
        defects=int(pc.sum(pc.is_valid(defects)).as_py() or 0),
    )
