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
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    digests = b"".join(
        hashlib.blake2b(str(v).encode("utf-8"), key=key, digest_size=TOKEN_BYTES, person=person).digest()
        for v in uniques.tolist()
    )
    hexed = _hex(np.frombuffer(digests, dtype=np.uint8).reshape(-1, TOKEN_BYTES))
    tokens = np.empty(len(values), dtype=object)
    present = codes >= 0
    tokens[present] = hexed[codes[present]]
    tokens[~present] = None
    return pd.Series(tokens, index=values.index, dtype="str")


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex(rows: np.ndarray) -> np.ndarray:
    """Lower-case hex text of each row of bytes, vectorized."""
    pairs = np.empty((rows.shape[0], rows.shape[1] * 2), dtype=np.uint8)
    pairs[:, 0::2] = _HEX_DIGITS[rows >> 4]
    pairs[:, 1::2] = _HEX_DIGITS[rows & 0x0F]
    return pairs.view(f"S{rows.shape[1] * 2}").ravel().astype(str).astype(object)


def last4(values: pd.Series) -> pd.Series:
    """The display form: the last four digits, missing stays missing."""
    return values.str.slice(-4)
