"""Comparing two claims for identity resolution: the matching fields and the merge rules.

:mod:`claimscreen.features.identity` describes the rules; this module holds the
comparisons it runs over candidate pairs (vectorized, one array per comparison),
the name and date coding they read, and what counts as a placeholder (missing).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "DOB_OFFSET",
    "NICKNAME_GROUPS",
    "PLACEHOLDER_NAMES",
    "BoolArr",
    "IntArr",
    "LinkageSettings",
    "Records",
    "code_names",
    "compare_pairs",
    "decide_merges",
    "dob_related",
    "names_apart",
    "soundex",
    "to_day_numbers",
    "ymd_of_days",
]

IntArr = np.ndarray[Any, np.dtype[np.int64]]
BoolArr = np.ndarray[Any, np.dtype[np.bool_]]
FloatArr = np.ndarray[Any, np.dtype[np.float32]]


#: Given-name nicknames (common US English and Spanish): a formal name, then its nicknames.
#: Names in one group are equivalent to each other; a nickname may sit in several groups.
NICKNAME_GROUPS: tuple[str, ...] = (
    "WILLIAM BILL BILLY WILL WILLIE WILLY LIAM", "ROBERT BOB BOBBY ROB ROBBIE BERT",
    "RICHARD RICK RICKY DICK RICH RICHIE", "JAMES JIM JIMMY JAMIE", "JOHN JACK JOHNNY JON",
    "JONATHAN JON JOHNNY", "MICHAEL MIKE MIKEY MICK", "JOSEPH JOE JOEY", "THOMAS TOM TOMMY",
    "CHRISTOPHER CHRIS KIT", "CHRISTINE CHRIS CHRISTY TINA", "CHRISTINA CHRIS TINA", "CHRISTIAN CHRIS",
    "DANIEL DAN DANNY", "DANIELLE DANI", "MATTHEW MATT", "ANTHONY TONY", "STEVEN STEVE", "STEPHEN STEVE",
    "KENNETH KEN KENNY", "EDWARD ED EDDIE TED NED", "ELIZABETH LIZ LIZZIE BETH BETTY BETSY ELIZA LIBBY",
    "JENNIFER JEN JENNY", "KATHERINE KATE KATHY KATIE KAT", "CATHERINE CATHY KATE KATIE",
    "KATHLEEN KATHY KATE", "MARGARET PEGGY MAGGIE MEG MARGIE", "PATRICIA PAT PATTY TRISH TRICIA",
    "PATRICK PAT PADDY", "DEBORAH DEBBIE DEB", "SUSAN SUE SUSIE SUZY", "REBECCA BECKY BECCA",
    "JESSICA JESS JESSIE", "SAMANTHA SAM SAMMY", "SAMUEL SAM SAMMY", "ALEXANDER ALEX AL SASHA",
    "ALEXANDRA ALEX ALEXA SASHA", "BENJAMIN BEN BENNY BENJI", "NICHOLAS NICK NICKY", "TIMOTHY TIM TIMMY",
    "ANDREW ANDY DREW", "ALBERT AL BERT", "ALFRED AL ALFIE FRED", "FREDERICK FRED FREDDY RICK",
    "CHARLES CHARLIE CHUCK", "DAVID DAVE DAVEY", "DONALD DON DONNIE", "DOUGLAS DOUG", "GERALD GERRY JERRY",
    "GREGORY GREG", "HAROLD HAL HARRY", "HENRY HANK HARRY", "JEFFREY JEFF", "JOSHUA JOSH",
    "LAWRENCE LARRY", "LEONARD LEN LENNY LEO", "PETER PETE", "PHILIP PHIL", "PHILLIP PHIL",
    "RAYMOND RAY", "RONALD RON RONNIE", "RUSSELL RUSS", "THEODORE TED TEDDY THEO", "VINCENT VINCE VINNY",
    "WALTER WALT WALLY", "ZACHARY ZACK ZACH", "NATHANIEL NATE NATHAN", "NATHAN NATE", "JACOB JAKE",
    "EUGENE GENE", "FRANCIS FRANK", "FRANKLIN FRANK", "FRANCISCO PACO PANCHO FRANK", "JOSE PEPE",
    "MANUEL MANNY", "EDUARDO EDDIE LALO", "GUILLERMO MEMO", "ALEJANDRO ALEX", "ROBERTO BETO",
    "ALBERTO BETO", "ANTONIO TONY", "ENRIQUE KIKE", "IGNACIO NACHO", "JESUS CHUY", "DOROTHY DOT DOTTIE",
    "BARBARA BARB BARBIE", "VIRGINIA GINNY GINGER", "ABIGAIL ABBY", "AMANDA MANDY", "ANGELA ANGIE",
    "CAROLINE CARRIE", "CAROLYN CARRIE", "CYNTHIA CINDY", "EMILY EMMY", "FRANCES FRAN FRANNIE",
    "GABRIELLE GABBY", "GABRIEL GABE", "JACQUELINE JACKIE", "JANET JAN", "JUDITH JUDY", "KIMBERLY KIM",
    "MARTHA MARTY", "MELISSA MISSY MEL", "NANCY NAN", "PAMELA PAM", "SANDRA SANDY", "STEPHANIE STEPH",
    "TERESA TERRY TESS", "THERESA TERRY TESS", "VALERIE VAL", "VICTORIA VICKY TORI", "ALICIA ALLIE",
    "ALLISON ALLIE", "MARY MOLLY POLLY", "SARAH SALLY SADIE", "HELEN NELL", "ELEANOR ELLIE NELL",
    "MADELINE MADDIE", "OLIVIA LIV", "JOSEPHINE JOSIE JO", "BRADLEY BRAD", "CAMERON CAM",
    "CLIFFORD CLIFF", "CURTIS CURT", "DENNIS DENNY", "ERNEST ERNIE", "HERBERT HERB", "LOUIS LOU",
    "MARTIN MARTY", "MITCHELL MITCH", "NORMAN NORM", "RANDALL RANDY", "RANDOLPH RANDY", "STANLEY STAN",
    "TERRENCE TERRY", "TOBIAS TOBY", "WESLEY WES", "NICOLE NIKKI", "MICHELLE SHELLY", "ROBERTA BOBBIE",
    "GWENDOLYN GWEN", "ARTHUR ART ARTIE", "BERNARD BERNIE", "CALVIN CAL", "DOMINIC DOM", "ISAAC IKE",
    "JEROME JERRY", "MAXWELL MAX", "MAXIMILIAN MAX", "OLIVER OLLIE", "REGINALD REGGIE", "SOLOMON SOL",
    "ANNE ANNIE", "ANN ANNIE", "ROSEMARY ROSIE", "SUZANNE SUE SUZY", "CONSTANCE CONNIE", "LEONARDO LEO",
)  # fmt: skip


_NAME_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV"})
DOB_OFFSET = 1 << 17  # day numbers are shifted to stay positive in block keys
MISSING_DAY = -DOB_OFFSET + 1  # the day number of a missing or placeholder date of birth

#: Dates of birth that stand for "unknown" in the source systems: they count as missing.
PLACEHOLDER_DATES: tuple[str, ...] = ("0001-01-01", "1800-01-01", "1899-12-30", "1900-01-01", "9999-12-31")
#: Names (normalized, as in ``*_norm``) that stand for "unknown": they count as missing.
PLACEHOLDER_NAMES = frozenset(
    {
        "UNKNOWN", "UNK", "NONE", "NA", "N A", "NULL", "NIL", "TEST", "XX", "XXX", "XXXX", "BLANK",
        "FNU", "LNU", "NFN", "NLN", "NMN", "NO NAME", "NONAME", "NO FIRST NAME", "NO LAST NAME",
    }
)  # fmt: skip


@dataclass(frozen=True)
class LinkageSettings:
    """Thresholds and capacities of identity resolution."""

    name_similarity: float = 0.88
    max_block_size: int = 200
    full_name_ratio: float = 85.0
    pair_chunk: int = 4_000_000
    workers: int = -1


@dataclass(frozen=True)
class Records:
    """The matching fields of every claim, as integer codes (-1 where missing)."""

    ssn: IntArr
    email: IntArr
    phone: IntArr
    address: IntArr
    zip5: IntArr
    bank: IntArr
    last4: IntArr
    last4_number: IntArr
    ssn_head: IntArr
    dob_days: IntArr
    dob_ymd: IntArr
    first: IntArr
    first_word: IntArr
    last: IntArr
    first_sound: IntArr
    last_sound: IntArr
    vocab: np.ndarray[Any, np.dtype[np.object_]]
    nicknames: IntArr
    blank_name: int  # the code of the empty name (missing or placeholder) in ``vocab``, -1 if none

    def __len__(self) -> int:
        return len(self.ssn)

    def dob_known(self, rows: IntArr) -> BoolArr:
        """The claim's date of birth is given (not missing, not a placeholder)."""
        return self.dob_days[rows] != MISSING_DAY


# --- Dates ---


def to_day_numbers(values: pd.Series) -> IntArr:
    """Days since 1970-01-01 of each date (dates, timestamps or ISO text); :data:`MISSING_DAY` where
    missing, a placeholder (:data:`PLACEHOLDER_DATES`) or out of range (before 1611, after 2328)."""
    out: IntArr | None = None
    if values.dtype == object:
        array = pa.array(values, from_pandas=True)
        if pa.types.is_date32(array.type):
            days = array.cast(pa.int32()).to_numpy(zero_copy_only=False)
            out = np.nan_to_num(days, nan=MISSING_DAY).astype(np.int64)
    if out is None:
        parsed = pd.to_datetime(values, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        dates = parsed.to_numpy(dtype="datetime64[D]")
        out = dates.astype(np.int64)
        out[np.isnat(dates)] = MISSING_DAY
    placeholder = np.isin(out, PLACEHOLDER_DAYS) | (out <= MISSING_DAY) | (out >= DOB_OFFSET)
    out[placeholder] = MISSING_DAY
    return out


PLACEHOLDER_DAYS = np.array([np.datetime64(d, "D").astype(np.int64) for d in PLACEHOLDER_DATES], np.int64)


def ymd_of_days(days: IntArr) -> IntArr:
    """:func:`to_ymd` computed once per distinct day (a window of millions holds some 25,000 birth dates)."""
    codes, distinct = pd.factorize(days)
    return to_ymd(np.asarray(distinct, dtype=np.int64))[codes]


def to_ymd(days: IntArr) -> IntArr:
    """YYYYMMDD integers of day numbers (proleptic Gregorian, in integer arithmetic: no datetime casts)."""
    shifted = days + 719_468  # days since 0000-03-01
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_from_march + 2) // 5 + 1
    month = np.where(month_from_march < 10, month_from_march + 3, month_from_march - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year * 10_000 + month * 100 + day


# --- Names ---


def code_names(first: pd.Series, last: pd.Series) -> dict[str, Any]:
    """Name codes into one vocabulary (spaceless first, first word, spaceless last), Soundex, nicknames."""
    first_codes, first_uniques = pd.factorize(first.fillna(""))
    last_codes, last_uniques = pd.factorize(last.fillna(""))
    first_words = [[] if str(n) in PLACEHOLDER_NAMES else str(n).split() for n in first_uniques]
    first_full = ["".join(w) for w in first_words]
    first_word = [w[0] if w else "" for w in first_words]
    last_full = ["" if str(n) in PLACEHOLDER_NAMES else clean_last_name(str(n)) for n in last_uniques]
    vocab, inverse = np.unique(
        np.array(first_full + first_word + last_full, dtype=object), return_inverse=True
    )
    n_first = len(first_full)
    to_full, to_word = inverse[:n_first], inverse[n_first : 2 * n_first]
    to_last = inverse[2 * n_first :]
    sound = soundex(vocab)
    formal = np.array([FORMAL_NAME.get(w, w) for w in first_word], dtype=object)
    return {
        "first": to_full[first_codes].astype(np.int64),
        "first_word": to_word[first_codes].astype(np.int64),
        "last": to_last[last_codes].astype(np.int64),
        "first_sound": soundex(formal)[first_codes],
        "last_sound": sound[to_last][last_codes],
        "vocab": vocab,
        "nicknames": nickname_keys(vocab),
        "blank_name": int(np.searchsorted(vocab, "")) if len(vocab) and vocab[0] == "" else -1,
    }


def clean_last_name(name: str) -> str:
    """The last name without generational suffixes and spaces (``SMITH JR`` -> ``SMITH``)."""
    words = name.split()
    kept = [w for w in words if w not in _NAME_SUFFIXES] or words
    return "".join(kept)


def formal_names() -> dict[str, str]:
    """Each nickname's formal name (the first group listing it), for blocking."""
    formal: dict[str, str] = {}
    for group in NICKNAME_GROUPS:
        head, *nicks = group.split()
        for nick in nicks:
            formal.setdefault(nick, head)
    return formal


FORMAL_NAME = formal_names()


def nickname_keys(vocab: np.ndarray[Any, Any]) -> IntArr:
    """Sorted keys ``low * len(vocab) + high`` of the nickname-equivalent pairs present in ``vocab``."""
    position = {name: i for i, name in enumerate(vocab.tolist())}
    keys: set[int] = set()
    for group in NICKNAME_GROUPS:
        present = sorted(position[n] for n in group.split() if n in position)
        keys.update(a * len(vocab) + b for a, b in itertools.combinations(present, 2))
    return np.array(sorted(keys), dtype=np.int64)


_SOUNDEX_DIGITS = {**dict.fromkeys("BFPV", 1), **dict.fromkeys("CGJKQSXZ", 2), **dict.fromkeys("DT", 3)}
_SOUNDEX_DIGITS |= {"L": 4, "M": 5, "N": 5, "R": 6, **dict.fromkeys("AEIOUY", 0), "H": -1, "W": -1}


def soundex_table() -> np.ndarray[Any, np.dtype[np.int8]]:
    """Byte -> Soundex digit (0 vowel, -1 H/W, -2 anything else)."""
    table = np.full(256, -2, dtype=np.int8)
    for letter, digit in _SOUNDEX_DIGITS.items():
        table[ord(letter)] = digit
    return table


_SOUNDEX_TABLE = soundex_table()


def soundex(names: np.ndarray[Any, Any], width: int = 24) -> IntArr:
    """American Soundex of each name as ``letter * 1000 + digits`` (``ROBERT`` R163 -> 18163); -1 if empty."""
    raw = np.array([n.encode("ascii", "ignore")[:width] for n in names.tolist()], dtype=f"S{width}")
    data = np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(len(names), width)
    digits = _SOUNDEX_TABLE[data]
    letters = data[:, 0].astype(np.int64)
    previous = digits[:, 0].astype(np.int64)
    code, count = np.zeros(len(names), dtype=np.int64), np.zeros(len(names), dtype=np.int64)
    for column in range(1, width):
        digit = digits[:, column].astype(np.int64)
        emit = (digit > 0) & (digit != previous) & (count < 3)
        code = np.where(emit, code * 10 + digit, code)
        count += emit
        previous = np.where(digit >= 0, digit, previous)
    code = code * 10 ** (3 - count)
    is_letter = (letters >= ord("A")) & (letters <= ord("Z"))
    return np.where(is_letter, (letters - ord("A") + 1) * 1000 + code, -1)


# --- Scoring -----------------------------------------------------------------------------------


def same(codes: IntArr, a: IntArr, b: IntArr) -> BoolArr:
    """Equal and present."""
    return (codes[a] == codes[b]) & (codes[a] >= 0)


def shares_contact(records: Records, a: IntArr, b: IntArr) -> BoolArr:
    """Same email, phone, address or bank account, or the same SSN last four digits."""
    return (
        same(records.email, a, b)
        | same(records.phone, a, b)
        | same(records.address, a, b)
        | same(records.bank, a, b)
        | same(records.last4, a, b)
    )


def digit_differences(x: IntArr, y: IntArr, width: int) -> IntArr:
    """How many of the ``width`` decimal digits differ."""
    return sum(((x // 10**k) % 10 != (y // 10**k) % 10).astype(np.int64) for k in range(width))


def dob_related(records: Records, a: IntArr, b: IntArr) -> BoolArr:
    """Same year, same month and day, one day apart, or one date missing (a cheap superset of what
    the rules need of the dates)."""
    ya, yb = records.dob_ymd[a], records.dob_ymd[b]
    one_day = np.abs(records.dob_days[a] - records.dob_days[b]) <= 1
    unknown = ~(records.dob_known(a) & records.dob_known(b))
    return (ya // 10_000 == yb // 10_000) | (ya % 10_000 == yb % 10_000) | one_day | unknown


def compare_dates(records: Records, a: IntArr, b: IntArr) -> tuple[BoolArr, BoolArr, BoolArr, BoolArr]:
    """(exact, near, related, unknown) dates of birth; see the module docstring. A missing or
    placeholder date is ``unknown``: neither equal nor different to any other."""
    ya, yb = records.dob_ymd[a], records.dob_ymd[b]
    known = records.dob_known(a) & records.dob_known(b)
    exact = (ya == yb) & known
    month_a, day_a, month_b, day_b = ya // 100 % 100, ya % 100, yb // 100 % 100, yb % 100
    swapped = (ya // 10_000 == yb // 10_000) & (month_a == day_b) & (day_a == month_b)
    one_day = np.abs(records.dob_days[a] - records.dob_days[b]) <= 1
    near = (exact | swapped | one_day | (digit_differences(ya, yb, 8) <= 1)) & known
    related = (near | (ya // 10_000 == yb // 10_000) | (ya % 10_000 == yb % 10_000)) & known
    return exact, near, related, ~known


def name_similarity(records: Records, a: IntArr, b: IntArr, workers: int) -> FloatArr:
    """Jaro-Winkler similarity of vocabulary codes, computed once per distinct pair."""
    size = len(records.vocab)
    low, high = np.minimum(a, b), np.maximum(a, b)
    inverse, keys = pd.factorize(low * size + high)
    scores = np.ones(len(keys), dtype=np.float32)
    differ = keys // size != keys % size
    if differ.any():
        left, right = records.vocab[keys[differ] // size], records.vocab[keys[differ] % size]
        scores[differ] = process.cpdist(
            left, right, scorer=JaroWinkler.normalized_similarity, workers=workers, dtype=np.float32
        ).ravel()
    return scores[inverse.ravel()]


def compare_names(records: Records, a: IntArr, b: IntArr, settings: LinkageSettings) -> dict[str, BoolArr]:
    """first_similar, last_similar, swapped and crossed (one name similar to the other field's) of each
    pair; a missing or placeholder name is similar to none."""
    r, n = records, len(a)
    lefts = np.r_[r.first[a], r.last[a], r.first[a], r.last[a]]
    rights = np.r_[r.first[b], r.last[b], r.last[b], r.first[b]]
    scores = name_similarity(r, lefts, rights, settings.workers)
    given = (lefts != r.blank_name) & (rights != r.blank_name)
    similar = ((scores >= settings.name_similarity) & given).reshape(4, n)
    words_a, words_b = r.first_word[a], r.first_word[b]
    pair_keys = np.minimum(words_a, words_b) * len(r.vocab) + np.maximum(words_a, words_b)
    nickname = (np.isin(pair_keys, r.nicknames) | (words_a == words_b)) & given[:n]
    initial = is_initial_of(r.vocab, r.first[a], r.first[b])
    return {
        "first_similar": similar[0] | nickname | initial,
        "last_similar": similar[1],
        "swapped": similar[2] & similar[3],
        "crossed": similar[2] | similar[3],
    }


def name_typo(records: Records, a: IntArr, b: IntArr, settings: LinkageSettings) -> BoolArr:
    """The whole names (first and last, in either order) are one typo or so apart: rapidfuzz's
    ``token_sort_ratio`` >= :attr:`LinkageSettings.full_name_ratio`; a missing name matches none."""
    r = records
    out = np.zeros(len(a), dtype=bool)
    given = (r.first[a] != r.blank_name) & (r.first[b] != r.blank_name)
    given &= (r.last[a] != r.blank_name) & (r.last[b] != r.blank_name)
    rows = np.flatnonzero(given)
    if len(rows):
        left = r.vocab[r.first[a[rows]]] + " " + r.vocab[r.last[a[rows]]]
        right = r.vocab[r.first[b[rows]]] + " " + r.vocab[r.last[b[rows]]]
        scores = process.cpdist(
            left, right, scorer=fuzz.token_sort_ratio, workers=settings.workers, dtype=np.float32
        ).ravel()
        out[rows] = scores >= settings.full_name_ratio
    return out


def last4_close(x: IntArr, y: IntArr) -> BoolArr:
    """Last four digits equal but for one digit, or two adjacent digits swapped (both given)."""
    close = digit_differences(x, y, 4) == 1
    for k in range(3):  # swap the digits at 10**k and 10**(k+1)
        low, high = (x // 10**k) % 10, (x // 10 ** (k + 1)) % 10
        swapped = x + (high - low) * 10**k + (low - high) * 10 ** (k + 1)
        close |= (swapped == y) & (x != y)
    return close & (x >= 0) & (y >= 0)


def ssn_near(records: Records, a: IntArr, b: IntArr) -> BoolArr:
    """Another SSN one typo away in its last four digits: the same digits before them
    (``ssn_head_token``) and last four one digit apart or with two adjacent digits swapped."""
    numbers = np.r_[records.last4_number, -1]  # code -1 (missing) reads the last: -1
    return same(records.ssn_head, a, b) & last4_close(numbers[records.last4[a]], numbers[records.last4[b]])


def is_initial_of(vocab: np.ndarray[Any, Any], a: IntArr, b: IntArr) -> BoolArr:
    """One first name is a single letter and the other starts with it."""
    lengths = np.fromiter((len(v) for v in vocab.tolist()), dtype=np.int64, count=len(vocab))
    heads = np.array([v[:1] for v in vocab.tolist()], dtype=object)
    short = (lengths[a] == 1) | (lengths[b] == 1)
    return short & (heads[a] == heads[b]) & (lengths[a] > 0) & (lengths[b] > 0)


def compare_pairs(records: Records, a: IntArr, b: IntArr, settings: LinkageSettings) -> dict[str, BoolArr]:
    """Every comparison of the merge rules, by name."""
    exact, near, related, unknown = compare_dates(records, a, b)
    names = compare_names(records, a, b, settings)
    shared = shares_contact(records, a, b)
    contact = shared | (same(records.zip5, a, b) & exact)
    same_ssn = same(records.ssn, a, b)
    typo = np.zeros(len(a), dtype=bool)
    weak = np.flatnonzero(same_ssn & ~(names["first_similar"] & names["last_similar"]))  # where it decides
    typo[weak] = name_typo(records, a[weak], b[weak], settings)
    home = np.zeros(len(a), dtype=bool)  # read by R6 and R7 alone, which need the same SSN
    ssn_rows = np.flatnonzero(same_ssn)
    home[ssn_rows] = same(records.address, a[ssn_rows], b[ssn_rows]) | same(
        records.zip5, a[ssn_rows], b[ssn_rows]
    )
    blank = records.blank_name
    part_missing = (records.first[a] == blank) | (records.first[b] == blank)
    part_missing |= (records.last[a] == blank) | (records.last[b] == blank)
    return {
        "same_ssn": same_ssn,
        "ssn_near": ~same_ssn & ssn_near(records, a, b),
        "dob_exact": exact,
        "dob_near": near,
        "dob_related": related,
        "dob_unknown": unknown,
        "dob_same_year": (records.dob_ymd[a] // 10_000 == records.dob_ymd[b] // 10_000) & ~unknown,
        **names,
        "name_typo": typo,
        "name_part_missing": part_missing,
        "contact": contact,
        "shared": shared,
        "same_home": home,
    }


def decide_merges(records: Records, a: IntArr, b: IntArr, settings: LinkageSettings) -> IntArr:
    """The rule (1 to 7) that links each pair, 0 if none; see the table in the module docstring."""
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    c = compare_pairs(records, a, b, settings)
    full_name = (c["first_similar"] & c["last_similar"]) | c["swapped"]
    some_name = c["first_similar"] | c["last_similar"] | c["crossed"]
    r1 = c["same_ssn"] & (c["dob_near"] | c["dob_unknown"]) & some_name
    r2 = c["same_ssn"] & (full_name | c["name_typo"])
    r3 = ~c["same_ssn"] & full_name & ((c["dob_near"] & c["contact"]) | (c["dob_same_year"] & c["shared"]))
    r4 = c["same_ssn"] & c["dob_exact"] & c["name_part_missing"]
    r5 = c["ssn_near"] & (
        (c["dob_exact"] & (c["first_similar"] | c["swapped"]))
        | ((c["dob_related"] | c["dob_unknown"]) & full_name)
    )
    r6 = c["same_ssn"] & c["dob_exact"] & c["same_home"]
    r7 = c["same_ssn"] & c["name_part_missing"] & some_name & c["same_home"]
    return np.select([r1, r2, r3, r4, r5, r6, r7], [1, 2, 3, 4, 5, 6, 7], 0).astype(np.int64)


def names_apart(related: pd.DataFrame, ssn: pd.Series, names: np.ndarray) -> np.ndarray:
    """Per claim: its SSN's names in ``related`` (``names`` of them, spelled differently), with
    the spellings of one person's name counted once. Two whole names (first and last, in either
    order) are one when rapidfuzz's ``token_sort_ratio`` reaches
    :attr:`LinkageSettings.full_name_ratio` *and* they were given with the same date of birth,
    as identity resolution links a re-keyed name (``KIMBERLY SNYDER``, ``KIMERLY SNYDER``, born
    1980-11-20); transitively. A name given with another birth date stays apart, and so does
    every name of an SSN given with more than :attr:`LinkageSettings.max_block_size` names (a
    placeholder SSN). Only SSNs with two or more spellings are looked at: a few per night."""
    out = names.copy()
    many = names >= 2
    columns = {"first_name_norm", "last_name_norm", "date_of_birth"}
    if not many.any() or not columns <= set(related.columns):
        return out
    settings = LinkageSettings()
    tokens = pd.Index(pd.unique(ssn[many].astype("str")))
    rows = related.loc[related["ssn_token"].astype("str").isin(tokens)]
    given = rows["first_name_norm"].notna() & rows["last_name_norm"].notna()
    whole = rows["first_name_norm"].astype("str") + " " + rows["last_name_norm"].astype("str")
    spellings = pd.DataFrame(
        {
            "ssn": rows["ssn_token"].astype("str").to_numpy(),
            "name": whole.where(given).to_numpy(),
            "born": rows["date_of_birth"].astype("str").to_numpy(),
        }
    ).dropna(subset=["name"])
    apart: dict[str, int] = {}
    for token, group in spellings.drop_duplicates().groupby("ssn", sort=False):
        spelled, unique_names = pd.factorize(group["name"])
        n = len(unique_names)
        if n < 2 or n > settings.max_block_size:
            apart[str(token)] = n
            continue
        births = pd.crosstab(spelled, group["born"].to_numpy()).to_numpy() > 0
        same_birth = (births.astype(np.int64) @ births.T.astype(np.int64)) > 0
        listed = list(unique_names)
        close = process.cdist(listed, listed, scorer=fuzz.token_sort_ratio, dtype=np.float32)
        joined = (close >= settings.full_name_ratio) & same_birth
        apart[str(token)] = int(connected_components(csr_matrix(joined), directed=False)[0])
    found = ssn[many].astype("str").map(apart)
    out[many] = np.where(found.notna(), found.fillna(0), names[many]).astype(np.int64)
    return out
