"""Mailboxes: most derived from names, some handles that carry no name; one per person, never
shared by chance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import (
    Arr,
    choose,
    digits,
    first_occurrences,
    join,
    numbers,
    patch,
    pick,
    rank_within,
    take,
    where,
)
from claimscreen.data.generate.people import People
from claimscreen.data.generate.vocab import EMAIL_DOMAINS, HANDLE_WORDS, Vocab

__all__ = [
    "HANDLES_STREAM",
    "HANDLE_SHARE",
    "assign_emails",
    "give_handles",
    "handle_mailboxes",
    "mailboxes_of_their_own",
    "make_emails",
    "own_mailboxes",
]

#: Share of people whose own mailbox carries neither their first nor their last name (an
#: assumption): a handle made from a pastime, a team, an animal, a family role or their initials
#: (``bluejay77``, ``papabear``, ``jd1962``), the kind of address people have kept for years
#: since their first account, at every age and in every language.
HANDLE_SHARE = 0.25

#: The random stream of the handles (:func:`give_handles`): no other draw of the world moves.
HANDLES_STREAM = 31


def make_emails(
    rng: np.random.Generator,
    first: pa.Array,
    last: pa.Array,
    birth_year: Arr,
    domains: Sequence[tuple[str, int]],
) -> pa.Array:
    """Mailboxes derived from names at common providers, unique after adding digits to repeats."""
    n = len(first)
    initial = pc.utf8_slice_codeunits(first, 0, 1)
    yy = digits(birth_year % 100, 2)
    tail = where(rng.random(n) < 0.55, numbers(rng.integers(1, 1000, n)), "")
    local = choose(
        pick(rng, (16, 14, 12, 6, 5, 12, 10, 13, 12), n),
        [
            join(first, ".", last, tail),
            join(first, last, tail),
            join(initial, last, tail),
            join(first, "_", last, tail),
            join(last, ".", first, tail),
            join(first, last, yy),
            join(first, numbers(birth_year)),
            join(first, ".", last, numbers(rng.integers(1, 100, n))),
            join(initial, last, numbers(rng.integers(100, 10_000, n))),
        ],
    )
    domain = take(pa.array([d for d, _ in domains]), pick(rng, [w for _, w in domains], n))
    emails = join(local, "@", domain)
    for _ in range(6):
        repeat = ~first_occurrences(emails)
        if not repeat.any():
            break
        bumped = join(local, numbers(rng.integers(10, 10_000, n)), "@", domain)
        emails = where(repeat, bumped, emails)
        local = where(repeat, join(local, numbers(rng.integers(10, 100, n))), local)
    return own_mailboxes(emails)


def own_mailboxes(emails: pa.Array) -> pa.Array:
    """``emails`` changed where two reach the same mailbox (``john.smith@gmail.com`` and
    ``johnsmith@gmail.com``).

    A provider gives a mailbox to one person, and the pipeline folds Gmail's dots as Gmail
    does, so such a pair would link two strangers. A repeat gets letters and its rank added
    before the ``@``; no random draw is used, so the rest of the world is unchanged.
    """
    from claimscreen.data.normalize import canonical_email_array

    out = emails
    for suffix in ("q", "qz", "qzx", "qzxq"):
        folded = canonical_email_array(out.cast(pa.large_string()))
        order = pc.array_sort_indices(folded).to_numpy()
        codes = folded.take(order).dictionary_encode().indices.to_numpy(zero_copy_only=False)
        rank = np.empty(len(folded), dtype=np.int64)
        rank[order] = rank_within(codes)
        repeat = rank > 0
        if not repeat.any():
            return out
        parts = pc.split_pattern(out.filter(repeat), "@", max_splits=1)
        changed = join(
            pc.list_element(parts, 0), suffix, numbers(rank[repeat]), "@", pc.list_element(parts, 1)
        )
        out = pc.replace_with_mask(out, pa.array(repeat), changed.cast(out.type))
    raise AssertionError("mailboxes still repeat")


def assign_emails(rng: np.random.Generator, people: People, vocab: Vocab) -> None:
    first = vocab.first_ascii.take(pa.array(people.first))
    last = vocab.last_ascii.take(pa.array(people.last))
    year = people.dob.astype("datetime64[Y]").astype(np.int64) + 1970
    people.email = make_emails(rng, first, last, year, EMAIL_DOMAINS)


def mailboxes_of_their_own(emails: pa.Array, taken: pa.Array) -> pa.Array:
    """``emails`` changed where one reaches the same mailbox as one of ``taken``.

    Fraudsters' fresh and listed mailboxes are drawn from the same name patterns as honest
    people's, mostly from English names, so some came out as an honest person's address
    (``kevin1978@gmail.com``). A provider gives a mailbox to one person: such a clash would put
    an honest claimant on the suspicious-actors list. A clashing address gets letters added
    before its ``+tag`` or ``@``; the variants of one alias ring clash together and change
    alike, so they still reach one mailbox. No random draw is used: the rest of the world is
    unchanged.
    """
    from claimscreen.data.normalize import canonical_email_array

    honest = pc.unique(canonical_email_array(taken.cast(pa.large_string()))).drop_null()
    out = emails
    for suffix in ("qz", "qzx", "qzxq", "qzxqz"):
        clash = pc.fill_null(
            pc.is_in(canonical_email_array(out.cast(pa.large_string())), value_set=honest), False
        )
        if not pc.any(clash).as_py():
            return out
        changed = pc.replace_substring_regex(
            out.filter(clash), r"^([^+@]*)", rf"\1{suffix}", max_replacements=1
        )
        out = pc.replace_with_mask(out, clash, changed)
    raise AssertionError("fraud mailboxes still clash with honest ones")


def handle_mailboxes(rng: np.random.Generator, first: pa.Array, last: pa.Array, birth_year: Arr) -> pa.Array:
    """Mailboxes that carry no name (:data:`HANDLE_SHARE`): a word or two of
    :data:`~claimscreen.data.generate.vocab.HANDLE_WORDS` with a number or a birth year, or the
    initials and a birth year, at the common providers. Not yet unique (see :func:`give_handles`)."""
    n = len(first)
    words = pa.array(HANDLE_WORDS)
    word, other = (take(words, rng.integers(0, len(words), n)) for _ in range(2))
    initials = join(pc.utf8_slice_codeunits(first, 0, 1), pc.utf8_slice_codeunits(last, 0, 1))
    local = choose(
        pick(rng, (35, 20, 20, 15, 10), n),
        [
            join(word, numbers(rng.integers(1, 1000, n))),
            join(word, numbers(birth_year)),
            join(word, other),
            join(word, "_", other, numbers(rng.integers(1, 100, n))),
            join(initials, numbers(birth_year)),
        ],
    )
    domain = take(pa.array([d for d, _ in EMAIL_DOMAINS]), pick(rng, [w for _, w in EMAIL_DOMAINS], n))
    return join(local, "@", domain)


def give_handles(rng: np.random.Generator, people: People, vocab: Vocab, emails: pa.Array) -> pa.Array:
    """:data:`HANDLE_SHARE` of ``people`` get a handle instead of their name-made mailbox, in
    ``people.email`` and in the world's ``emails`` (people first, then fraudsters' and listed
    mailboxes), which is returned. A handle reaches no other mailbox of the world."""
    chosen = np.flatnonzero(rng.random(len(people)) < HANDLE_SHARE)
    if not len(chosen):
        return emails
    first = vocab.first_ascii.take(pa.array(people.first[chosen]))
    last = vocab.last_ascii.take(pa.array(people.last[chosen]))
    year = people.dob[chosen].astype("datetime64[Y]").astype(np.int64) + 1970
    handles = own_mailboxes(handle_mailboxes(rng, first, last, year))
    handles = mailboxes_of_their_own(handles, emails)
    people.email = patch(people.email, chosen, handles)
    return patch(emails, chosen, handles)
