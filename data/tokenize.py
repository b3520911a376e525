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
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.errors import ClaimscreenError
from claimscreen.data.lake import write_bytes_atomic
from claimscreen.data.settings import SECRET_KEY_ENV

__all__ = ["last4", "last4_array", "load_secret_key", "tokenize", "tokenize_array"]

KEY_FILE = "secret.key"
TOKEN_BYTES = 16
#: Domain separation: an SSN and an account number with the same digits get different tokens.
DOMAINS = {"ssn": b"cs-ssn", "bank_account": b"cs-bank"}


class SecretKeyError(ClaimscreenError):
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
    """Keyed-hash tokens (32 hex digits) of canonical identifier strings; missing stays missing."""
    text = values if isinstance(values.dtype, pd.StringDtype) else values.astype("str")
    array = pa.array(text.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pd.Series(tokenize_array(array, key, domain), index=values.index, dtype="str")


def tokenize_array(values: pa.Array, key: bytes, domain: str) -> pa.Array:
    """:func:`tokenize` on an Arrow string array: a large-string array of tokens, null where missing.

    The keyed state is set up once and copied for each value (cheaper than keying a
    new hash each time), and the hex text is written straight into an Arrow buffer:
    no Python string per row. Values are not deduplicated first: SSNs and account
    numbers hardly repeat within a night, so finding the repeats costs more than it saves.
    """
    keyed = hashlib.blake2b(key=key, digest_size=TOKEN_BYTES, person=DOMAINS[domain])
    present = pc.drop_null(values).cast(pa.large_binary()).to_pylist()
    joined = bytearray()
    for value in present:  # a plain loop: a third cheaper than a function per value
        state = keyed.copy()
        state.update(value)
        joined += state.digest()
    digests = np.frombuffer(bytes(joined), dtype=np.uint8).reshape(-1, TOKEN_BYTES)
    width = TOKEN_BYTES * 2
    offsets = np.arange(len(present) + 1, dtype=np.int64) * width
    hexed = pa.Array.from_buffers(
        pa.large_string(), len(present), [None, pa.py_buffer(offsets), pa.py_buffer(_hex_bytes(digests))]
    )
    if values.null_count == 0:
        return hexed
    return pc.replace_with_mask(pa.nulls(len(values), pa.large_string()), pc.is_valid(values), hexed)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_bytes(rows: np.ndarray) -> np.ndarray:
    """Lower-case hex text of each row of bytes, concatenated, vectorized."""
    pairs = np.empty((rows.shape[0], rows.shape[1] * 2), dtype=np.uint8)
    pairs[:, 0::2] = _HEX_DIGITS[rows >> 4]
    pairs[:, 1::2] = _HEX_DIGITS[rows & 0x0F]
    return pairs.ravel()


def last4(values: pd.Series) -> pd.Series:
    """The display form: the last four digits, missing stays missing."""
    return values.str.slice(-4)


def last4_array(values: pa.Array) -> pa.Array:
    """:func:`last4` on an Arrow string array."""
    return pc.utf8_slice_codeunits(values, -4)
