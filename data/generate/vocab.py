"""Word lists of the fictional state: cities, streets, names by language, employers, banks, browsers."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from faker.providers.person import en_US, es_MX, fr_FR, ru_RU, vi_VN, zh_CN

from claimscreen.data.generate.arrays import Arr

__all__ = [
    "AGENTS",
    "AUTOMATION_AGENTS",
    "BANKS",
    "CITIES",
    "CLASSIC_UNIT_STYLES",
    "DESKTOP_AGENTS",
    "DIRECTIONS",
    "EIN_PREFIXES",
    "EMAIL_DOMAINS",
    "EMPLOYER_ADJECTIVES",
    "EMPLOYER_SUFFIXES",
    "EMPLOYER_WORDS",
    "FRAUD_EMAIL_DOMAINS",
    "HANDLE_WORDS",
    "HONEST_UNIT_WEIGHTS",
    "LANGUAGES",
    "LANGUAGE_SHARES",
    "LIST_SOURCES",
    "MOBILE_AGENTS",
    "NICKNAMES",
    "N_DESKTOP",
    "N_MOBILE",
    "OTHER_AREA_CODES",
    "OTHER_STATES",
    "STREETS",
    "STREET_STYLES",
    "STREET_SUFFIXES",
    "UNIT_LETTERS",
    "UNIT_STYLES",
    "Vocab",
    "draw_first",
    "draw_last",
    "make_vocab",
]

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
#: How a street suffix is written on a form: as the address list has it, or (a mail drop's
#: members, each writing it their way) in full, short, short with a period, or short in capitals.
STREET_STYLES = ("as listed", "full", "short", "short.", "SHORT")


DIRECTIONS = ("N ", "S ", "E ", "W ")


#: Unit spellings (prefix, separator between number and letter): "Apt 4B", "#4B", "Unit 4-B", ...
#: How a unit is written ("Apt 4B", "#4B", "Unit 4-B"...). Forms fill them in as people type
#: them: honest claimants use the first five (HONEST_UNIT_WEIGHTS), fraud the first
#: CLASSIC_UNIT_STYLES, and drop addresses and mail drops every one, "Apartment 5", "Apt.5"
#: and "# 5" included (the spellings a held-out world's mail drops used).
UNIT_STYLES = (("Apt ", ""), ("#", ""), ("Unit ", ""), ("Apt. ", ""), ("APT ", ""), ("Unit ", "-"),
               ("APT. ", ""), ("Apt #", ""), ("Ste ", ""), ("Apartment ", ""), ("Apt.", ""),
               ("# ", ""))  # fmt: skip
CLASSIC_UNIT_STYLES = 9


HONEST_UNIT_WEIGHTS = (55, 20, 15, 5, 5, 0, 0, 0, 0, 0, 0, 0)


UNIT_LETTERS = ("A", "B", "C", "D", "E", "F")


EMAIL_DOMAINS = (
    ("gmail.com", 38), ("yahoo.com", 14), ("hotmail.com", 8), ("outlook.com", 7), ("icloud.com", 7),
    ("aol.com", 4), ("comcast.net", 4), ("att.net", 3), ("sbcglobal.net", 2), ("verizon.net", 2),
    ("charter.net", 2), ("live.com", 2), ("msn.com", 1), ("ymail.com", 1), ("roadrunner.com", 1),
    ("frontier.com", 1), ("protonmail.com", 1), ("windstream.net", 1), ("wowway.com", 1),
)  # fmt: skip


#: Words people make a mailbox from when it is not their name: pastimes, teams, animals, things
#: they like, family roles (``buckeyefan62``, ``gardenlady``, ``papabear``).
HANDLE_WORDS = (
    "buckeye", "bluejay", "cardinal", "eagle", "tiger", "bear", "wolf", "fox", "hawk", "mustang",
    "harley", "fishing", "hunter", "golfer", "bowler", "garden", "sunshine", "sunny", "rainbow",
    "angel", "blessed", "faith", "grace", "lucky", "happy", "music", "guitar", "drummer", "rocker",
    "gamer", "soccer", "hoops", "brownsfan", "bengals", "redsfan", "cavsfan", "buckeyefan", "mama",
    "papa", "nana", "grandpa", "granny", "mom", "dad", "queen", "princess", "king", "cowboy",
    "trucker", "mechanic", "nurse", "chef", "baker", "farmer", "crafty", "quilter", "reader",
    "biker", "runner", "country", "lakeside", "river", "mountain", "dragon", "kitty", "puppy",
    "coffee", "cookie", "peach", "cherry", "rose", "daisy", "star", "moon", "skyline", "thunder",
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


OTHER_STATES = ("PA", "MI", "IN", "KY", "WV", "NY", "IL", "FL", "TX", "GA", "NC", "CA")


LIST_SOURCES = ("NASWA IDH", "USDOL OIG", "state investigation", "bank referral", "law enforcement")
