"""Email-alias rings: variants of one Gmail mailbox."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import Arr, join, numbers, take, where
from claimscreen.data.generate.families import is_variant
from claimscreen.data.generate.kinds import EMAIL_ALIAS
from claimscreen.data.generate.vocab import Vocab, draw_first, draw_last

__all__ = ["alias_emails"]


def alias_emails(rng: np.random.Generator, vocab: Vocab, ring: Arr, variant: Arr) -> pa.Array:
    """Variants of one Gmail mailbox per ring: dots anywhere and +tags (all deliver to one inbox);
    the ring's ``variant`` uses dots only, tags only, or both."""
    n = len(ring)
    _, ring_no = np.unique(ring, return_inverse=True)
    n_rings = int(ring_no.max(initial=-1)) + 1
    lang = np.zeros(n_rings, dtype=np.int64)
    first = vocab.first_ascii.take(pa.array(draw_first(rng, vocab, lang, rng.integers(0, 2, n_rings))))
    last = vocab.last_ascii.take(pa.array(draw_last(rng, vocab, lang)))
    base = join(
        first,
        last,
        numbers(rng.integers(10, 1000, n_rings)),
    )
    local = base.take(pa.array(ring_no))
    for _ in range(2):
        position = rng.integers(1, 6, n)
        dotted = local
        for p in range(1, 6):
            cut = join(pc.utf8_slice_codeunits(local, 0, p), ".", pc.utf8_slice_codeunits(local, p))
            dotted = where(position == p, cut, dotted)
        local = where((rng.random(n) < 0.6) & ~is_variant(variant, EMAIL_ALIAS, "tags_only"), dotted, local)
    tags = pa.array(["ui", "claim", "oh", "jobs", "pay", "1", "2", "work", "bene"])
    tag = join("+", take(tags, rng.integers(0, len(tags), n)))
    tagged = rng.random(n) < np.where(is_variant(variant, EMAIL_ALIAS, "tags_only"), 0.9, 0.45)
    local = where(tagged & ~is_variant(variant, EMAIL_ALIAS, "dots_only"), join(local, tag), local)
    local = pc.replace_substring(local, "..", ".")
    return join(where(rng.random(n) < 0.1, pc.utf8_upper(local), local), "@gmail.com")
