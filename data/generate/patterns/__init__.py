"""Fraud claims of every ring: the shared defaults, then each pattern's habits."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, Codes, rank_within
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.fraud import (
    Listed,
    assign_fraud_identities,
    fraud_defaults,
    fraud_emails,
    make_listed,
)
from claimscreen.data.generate.kinds import BANK_DROP, EMAIL_ALIAS
from claimscreen.data.generate.patterns.addresses import apply_address_habits, respell_drop_addresses
from claimscreen.data.generate.patterns.alias import alias_emails
from claimscreen.data.generate.patterns.bank_device import apply_bank_and_device_habits
from claimscreen.data.generate.patterns.chains import link_chains
from claimscreen.data.generate.patterns.household import apply_household_cover
from claimscreen.data.generate.patterns.identity import apply_identity_habits
from claimscreen.data.generate.patterns.layoff import apply_layoff_cover
from claimscreen.data.generate.patterns.listed import apply_listed_habits
from claimscreen.data.generate.patterns.proxies import apply_residential_proxies
from claimscreen.data.generate.patterns.stealth import link_stealth_chains
from claimscreen.data.generate.patterns.synthetic import apply_synthetic_identities
from claimscreen.data.generate.people import People, draw_phones
from claimscreen.data.generate.places import Employers
from claimscreen.data.generate.rings import Rings
from claimscreen.data.generate.vocab import CITIES, Vocab

__all__ = ["make_fraud_claims"]


def make_fraud_claims(
    rng: np.random.Generator,
    rings: Rings,
    placed: tuple[Arr, Arr, Arr],
    people: People,
    employers: Employers,
    vocab: Vocab,
    first_of: dict[int, int],
    drop_base: int,
    variant_rng: np.random.Generator,
    start: datetime.date,
) -> tuple[Codes, pa.Array, Listed]:
    """Fraud claims of every ring, the extra email strings they use, and the bad actors' identifiers.

    ``rng`` draws what every ring of a family has in common, ``variant_rng`` (the variants'
    stream, families.py) what its variant adds; a variant may change the identities it uses
    in ``people`` (a synthetic identity's SSN, a laid-off worker's employer)."""
    ring, day, sec = placed
    n = len(ring)
    typ = rings.typology[ring]
    variant = rings.variant[ring]
    rank = rank_within(ring)
    ident = assign_fraud_identities(rng, typ, ring, rank, first_of, variant)
    c = fraud_defaults(rng, ring, day, sec, people, employers, ident)
    email_base = len(people)
    fresh = fraud_emails(rng, vocab, people, ident)
    alias_rows = np.flatnonzero(typ == EMAIL_ALIAS)
    alias = alias_emails(rng, vocab, ring[alias_rows], variant[alias_rows])
    c["email"] = email_base + np.arange(n)
    c["email"][alias_rows] = email_base + n + np.arange(len(alias_rows))
    listed = make_listed(rng, vocab, people, len(rings), drop_base)
    listed_email_base = email_base + n + len(alias_rows)
    area = np.asarray([c[3] for c in CITIES])
    ring_phones = draw_phones(rng, area[rng.integers(0, len(area), 4 * len(rings))])
    apply_bank_and_device_habits(rng, c, rings, typ)
    apply_address_habits(rng, c, rings, typ, drop_base, ring_phones)
    apply_identity_habits(rng, c, typ, rank, employers, variant)
    apply_listed_habits(rng, c, rings, typ, drop_base, listed_email_base, listed.phones)
    link_chains(c, rings, rank)
    c["street_style"] = np.zeros(n, dtype=np.int64)
    respell_drop_addresses(variant_rng, c, typ)
    link_stealth_chains(c, rings, rank)
    apply_household_cover(c, rings, rank, drop_base)
    apply_residential_proxies(variant_rng, c, rings)
    apply_layoff_cover(variant_rng, c, rings, people, employers)
    apply_synthetic_identities(variant_rng, c, rings, people, start)
    c["typology"] = typ
    c["chained"] = rings.chained[ring] | is_variant(variant, BANK_DROP, "stealth_chain")
    return c, pa.concat_arrays([fresh, alias, listed.emails]), listed
