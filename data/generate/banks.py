"""Banks and account numbers: valid routing numbers, and one number per account."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, digits, mix64, spread_repeats, where
from claimscreen.data.generate.kinds import NS_FRESH, NS_SHIFT
from claimscreen.data.generate.vocab import BANKS

__all__ = ["Banks", "draw_accounts", "make_banks", "own_accounts", "render_account"]


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
