"""Tokenization of sensitive identifiers with a keyed hash.

SSNs and bank account numbers never reach the lake, a log or a report in the
clear. At ingest each is replaced by a token, the keyed BLAKE2b hash (a MAC,
RFC 7693) of its canonical digits, and a display form that keeps the last four
digits only. The same key tokenizes claims, reference lists and labels, so a
deceased person's SSN matches the token of a claim filed with it.

The key comes from ``CLAIMSCREEN_SECRET_KEY`` when set; otherwise it is
generated once into ``HOME/secret.key`` with owner-only permissions (0600).
Losing the key means new tokens no longer match old ones: back it up with the
lake, and keep it out of the lake's copies.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from claimscreen.data.lake import write_bytes_atomic
from claimscreen.data.settings import SECRET_KEY_ENV

KEY_FILE = "secret.key"
TOKEN_BYTES = 16
#: Domain separation: an SSN and an account number with the same digits get different tokens.
DOMAINS = {"ssn": b"cs-ssn", "bank_account": b"cs-bank"}


class SecretKeyError(ValueError):
    """The secret key is missing, too short or readable by others."""


def load_secret_key(home: Path) -> bytes:
    """The tokenization key: from the environment, else ``HOME/secret.key`` (made on first use)."""
    from_env = os.environ.get(SECRET_KEY_ENV)
    if from_env:
        key = from_env.encode("utf-8")
        if len(key) < 16:
            raise SecretKeyError(f"{SECRET_KEY_ENV} must be at least 16 characters")
        return hashlib.blake2b(key, digest_size=32).digest()
    path = Path(home) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, secrets.token_bytes(32), mode=0o600)
    if path.stat().st_mode & 0o077:
        raise SecretKeyError(f"{path} is readable by others; run: chmod 600 {path}")
    key = path.read_bytes()
    if len(key) < 16:
        raise SecretKeyError(f"{path} is too short to be a key")
    return key


def tokenize(values: pd.Series, key: bytes, domain: str) -> pd.Series:
    """Keyed-hash tokens (32 hex digits) of canonical identifier strings; missing stays missing.

    Each distinct value is hashed once, so a batch with many repeats costs little.
    """
    person = DOMAINS[domain]
    present = values.notna()
    uniques = pd.unique(values[present].to_numpy(dtype=object))
    digests = np.array(
        [
            hashlib.blake2b(str(v).encode("utf-8"), key=key, digest_size=TOKEN_BYTES, person=person).hexdigest()
            for v in uniques
        ],
        dtype=object,
    )
    mapping = pd.Series(digests, index=pd.Index(uniques, dtype=object), dtype="str")
    out = pd.Series(pd.NA, index=values.index, dtype="str")
    out[present] = values[present].map(mapping)
    return out


def last4(values: pd.Series) -> pd.Series:
    """The display form: the last four digits, missing stays missing."""
    return values.str.slice(-4)
