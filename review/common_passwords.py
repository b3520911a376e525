"""The 10,000 most common passwords, most common first, for the password rule (review/auth.py).

The list is ``common_passwords.txt`` beside this module (one per line, package data), copied
from the password list of zxcvbn 4.5.0 (PyPI ``zxcvbn``, MIT license, Copyright (c) 2016
Daniel Wolf, a port of Dropbox's zxcvbn): its first 10,000 entries, which zxcvbn took from
the most frequent passwords of Mark Burnett's ten-million-password corpus (xato). Lower case.
Not edited by hand: to refresh, write the first 10,000 entries of
``zxcvbn.frequency_lists.FREQUENCY_LISTS["passwords"]`` of a newer release, one per line.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["COMMON_PASSWORDS", "SOURCE"]

SOURCE = "zxcvbn 4.5.0 frequency_lists passwords[:10000]"

COMMON_PASSWORDS = frozenset(
    files("claimscreen.review").joinpath("common_passwords.txt").read_text(encoding="utf-8").split()
)
