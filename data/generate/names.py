"""Names and birth dates as written on a claim, with re-filers' variations."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import Arr, Codes, join, mix64, patch, take, where
from claimscreen.data.generate.formats import render_date
from claimscreen.data.generate.people import People
from claimscreen.data.generate.vocab import NICKNAMES, Vocab

__all__ = ["render_names"]


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


#: A claim's ``name_var``: 0 as the identity is, 1 a nickname, 2 a letter dropped, 3 a letter
#: doubled, 4 day and month of birth swapped, 5 no middle name, 6 first and last names swapped,
#: 7 a nickname and day and month swapped, 8 a letter dropped and day and month swapped.
NAME_VARIATIONS = 9
SWAPPED_BIRTH_DATE = (4, 7, 8)


def render_names(c: Codes, people: People, vocab: Vocab, salt: int) -> dict[str, pa.Array]:
    ident, variant = c["ident"], c["name_var"]
    spelled = np.select([variant == 7, variant == 8], [1, 2], variant)
    first = vocab.first.take(pa.array(people.first[ident]))
    last2 = take(vocab.last, people.last2[ident])
    last = where(
        people.last2[ident] >= 0,
        join(vocab.last.take(pa.array(people.last[ident])), " ", last2),
        vocab.last.take(pa.array(people.last[ident])),
    )
    first, last = vary_first_names(first, last, spelled, salt)
    middle = take(vocab.first, np.where(variant == 5, -1, people.middle[ident]))
    middle = where(people.middle_initial[ident], pc.utf8_slice_codeunits(middle, 0, 1), middle)
    dob = people.dob[ident]
    dob = np.where(np.isin(variant, SWAPPED_BIRTH_DATE), swap_day_month(dob), dob)
    return {"first_name": first, "last_name": last, "middle_name": middle, "date_of_birth": render_date(dob)}
