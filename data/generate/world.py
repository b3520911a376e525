"""The tables claims index into, and how honest and fraud claims become one set."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, Codes, mix64
from claimscreen.data.generate.banks import Banks, make_banks
from claimscreen.data.generate.emails import assign_emails
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING, count_identities
from claimscreen.data.generate.kinds import (
    KIND_DECEASED,
    KIND_FILER,
    KIND_INMATE,
    KIND_SYNTHETIC,
    KIND_WORKER,
)
from claimscreen.data.generate.people import People, assign_phones, make_people
from claimscreen.data.generate.places import Addresses, Employers, make_addresses, make_employers
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import Vocab, make_vocab

__all__ = ["World", "build_world", "combine_claims", "identity_counts", "spare_workers"]


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
        "street_style": (0, None),
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


def spare_workers(counts: list[int], rings: Rings) -> Arr:
    """The workers no ring steals, as person indices (the identity table holds the kinds in the
    order of ``counts``, and the rings take the first workers): people no claim names, each
    living alone at an address no claim gives."""
    first = counts[KIND_FILER] + count_identities(rings)[KIND_WORKER]
    return np.arange(first, counts[KIND_FILER] + counts[KIND_WORKER], dtype=np.int64)


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
