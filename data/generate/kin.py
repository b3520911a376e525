"""Relatives who live apart: the honest people who share a contact point across homes.

A household shares its phone, mailbox, computer and bank account at one home, and the
generator always had those. Real claimants also share them with a relative who lives
elsewhere, and these are the honest counterparts of a ring's cross-home links:

* **A relative helps file** (:data:`HELPED_SHARE`): an adult child, a parent or a sibling
  who lives elsewhere fills in the form and gives their own phone number or mailbox as the
  contact, most often for older claimants (Pew Research, 2021: a quarter of Americans 65
  and older never go online) and for those with limited English (Census ACS: about 8% of
  residents speak English less than "very well"); the shares are assumptions. Some file on
  the relative's laptop or phone (:data:`LENDS_DEVICE`), at the relative's home or
  their own. The relative is usually not a claimant, and then nothing on the claim is
  shared with another claim; sometimes (:data:`HELPER_FILES`) the relative is out of work
  too and files a claim of their own with the same phone, mailbox or device (families
  share employers and local labour markets), and sometimes one relative helps two claimants
  who live apart (:data:`HELPS_TWO`: divorced parents, a parent and an in-law).
* **Separated spouses on a joint account** (:data:`SEPARATED`): one spouse has moved out
  and both still give the joint account (closing one takes both; Census ACS: about 2% of
  adults are separated). The one who moved has filed from the shared home before
  (an address history) only when they filed before the move.
* **Re-filers who moved** (:data:`MOVED_REFILE`): a person re-files from a new home in
  the state; it is one person at two homes, no one else.

Relatives usually share a surname (:data:`SAME_SURNAME`: parents and sons, unmarried
daughters, siblings; Pew Research, 2023: 79% of married women took their husband's name,
so a married daughter, an in-law or a step-relative usually does not) and separated
spouses more often (:data:`SPOUSES_SAME_SURNAME`); a relative who takes a claimant's
surname gets a mailbox made from the new name. Every rate is an assumption unless a
source is named. Everything is drawn from a random stream of its own
(:data:`KIN_STREAM`): every other draw of the world is as it was without relatives.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from claimscreen.data.generate.arrays import Arr, Codes, make_code, patch
from claimscreen.data.generate.emails import mailboxes_of_their_own, make_emails
from claimscreen.data.generate.kinds import (
    HONEST_CASES,
    IP_CGNAT,
    IP_RESIDENTIAL,
    MOBILE,
    NS_HOUSEHOLD,
    NS_LIBRARY,
    NS_PERSON,
    NS_SHIFT,
    WEB,
)
from claimscreen.data.generate.vocab import EMAIL_DOMAINS
from claimscreen.data.generate.world import World

__all__ = ["KIN_STREAM", "plan_kin"]

KIN_STREAM = 29

#: Share of honest claimants a relative living elsewhere helps to file, giving the relative's
#: phone or mailbox: 65 and older, other languages than English, everyone else (assumptions).
HELPED_SHARE = (0.10, 0.08, 0.015)

#: What the helped claimant gives of the relative's: the phone, the mailbox, both (assumption).
GIVES = (0.55, 0.25, 0.20)

#: Share of helpers who are claimants themselves within 28 days of the claimant (assumption).
HELPER_FILES = 0.10

#: Share of helpers who do not claim but help a second relative at another home who claims
#: within 28 days (assumption).
HELPS_TWO = 0.05

#: Share of helped claimants who file on the relative's laptop or phone (assumption).
LENDS_DEVICE = 0.35

#: Share of relatives who share a surname, and of separated spouses (assumptions, see above).
SAME_SURNAME = 0.7
SPOUSES_SAME_SURNAME = 0.8

#: Share of households with two or more claimants in which a spouse has moved out (assumption).
SEPARATED = 0.04

#: Share of honest re-filers living alone who re-file from a new home in the state (assumption).
MOVED_REFILE = 0.10

#: Days apart two relatives' claims may be filed.
WITHIN_DAYS = 28

#: Candidate relatives looked at for each claimant (the one nearest in age to the relation wins).
CANDIDATES = 40

HOME = np.uint64(1 << 40)


def plan_kin(rng: np.random.Generator, c: Codes, world: World, start: np.datetime64, spare: Arr) -> World:
    """Relatives living apart who share a phone, a mailbox, a device or an account, in ``c``
    (honest claims only, labelled in ``honest_case``); returns the world with the mailboxes of
    the relatives who took another's surname. ``spare``: people no claim names or ever will
    (workers beyond what the rings steal), who live alone: the relatives who do not claim, and
    the new homes of people who move.

    Every draw is over honest claims alone, in their filing order: fraud claims, whatever
    their variants, change nothing here."""
    people = world.people
    age = (start + c["day"] - people.dob[c["ident"]]).astype(np.int64) / 365.25
    honest = c["typology"] < 0
    first = honest & ~c["refile"] & (c["hard_extra"] == 0)
    free = rng.permutation(spare)
    moved, stayed, share, used = _separate_spouses(rng, c, world, first, free)
    first &= ~np.isin(c["ident"], np.r_[moved, stayed])
    who, whose, more = _help_relatives(rng, c, world, age, first, free[used:])
    refiles = honest & c["refile"] & (c["honest_case"] == HONEST_CASES.index("refile"))
    _moved_refiles(rng, c, world, refiles, free[used + more :])
    return _renamed(rng, world, np.r_[moved[share], who], np.r_[stayed[share], whose])


def _rows_of(c: Codes, people: int, persons: Arr) -> Arr:
    """Rows of the honest claims of ``persons``."""
    chosen = np.zeros(people, dtype=bool)
    chosen[persons] = True
    return np.flatnonzero(chosen[c["ident"]] & (c["typology"] < 0))


def _label(c: Codes, rows: Arr, case: str) -> None:
    c["honest_case"][rows] = HONEST_CASES.index(case)


def _move(c: Codes, world: World, rows: Arr, homes: Arr) -> None:
    """Claims ``rows`` filed from new ``homes`` (household indices of free workers): the address,
    the home connection, and the person's own computer instead of the old household's."""
    person = c["ident"][rows]
    old = world.people.household[person]
    c["addr"][rows] = homes
    c["unit_style"][rows] = world.addresses.unit_style[homes]
    at_home = (c["ip_kind"][rows] == IP_RESIDENTIAL) & (c["ip_key"][rows] == (old.astype(np.uint64) | HOME))
    c["ip_key"][rows[at_home]] = homes[at_home].astype(np.uint64) | HOME
    shared_pc = c["device"][rows] == make_code(NS_HOUSEHOLD, old)
    c["device"][rows[shared_pc]] = make_code(NS_PERSON, person[shared_pc])


def _separate_spouses(
    rng: np.random.Generator, c: Codes, world: World, first: Arr, free: Arr
) -> tuple[Arr, Arr, Arr, int]:
    """In :data:`SEPARATED` of the households with two or more claimants, one has moved out and
    both give the joint account. Returns who moved, who stayed, which of them share a surname
    (:data:`SPOUSES_SAME_SURNAME`) and how many ``free`` homes were used."""
    people = world.people
    rows = np.flatnonzero(first)
    home = people.household[c["ident"][rows]]
    order = np.lexsort((rng.random(len(rows)), home))
    rows, home = rows[order], home[order]
    starts = np.flatnonzero(np.r_[True, home[1:] != home[:-1]]) if len(rows) else np.zeros(0, np.int64)
    size = np.diff(np.r_[starts, len(rows)])
    chosen = starts[(size >= 2) & (rng.random(len(starts)) < SEPARATED)]
    k = min(len(chosen), len(free))
    chosen = chosen[:k]
    moved, stayed = c["ident"][rows[chosen]], c["ident"][rows[chosen + 1]]
    joint = np.zeros(len(people), dtype=c["acct"].dtype)
    joint[moved] = joint[stayed] = c["acct"][rows[chosen + 1]]
    both = _rows_of(c, len(people), np.r_[moved, stayed])
    c["acct"][both], c["pay"][both] = joint[c["ident"][both]], 0
    _label(c, both, "separated_spouse")
    # One who filed before moving out and re-filed since has a claim at the shared home.
    before = np.zeros(len(people), dtype=bool)
    before[moved] = rng.random(k) < 0.5
    new_home = np.full(len(people), -1, dtype=np.int64)
    new_home[moved] = people.household[free[:k]]
    mine = _rows_of(c, len(people), moved)
    claims = np.bincount(c["ident"][mine], minlength=len(people))[c["ident"][mine]]
    mine = mine[~(before[c["ident"][mine]] & (claims >= 2) & ~c["refile"][mine])]
    _move(c, world, mine, new_home[c["ident"][mine]])
    return moved, stayed, rng.random(k) < SPOUSES_SAME_SURNAME, k


def _moved_refiles(rng: np.random.Generator, c: Codes, world: World, refiles: Arr, free: Arr) -> None:
    """:data:`MOVED_REFILE` of the re-filers living alone re-file from a new home (every re-filing
    of theirs, from the same one)."""
    people = world.people
    rows = np.flatnonzero(refiles)
    person = np.unique(c["ident"][rows])
    alone = np.bincount(people.household)[people.household[person]] == 1
    person = person[alone & (rng.random(len(person)) < MOVED_REFILE)][: len(free)]
    new_home = np.full(len(people), -1, dtype=np.int64)
    new_home[person] = people.household[free[: len(person)]]
    rows = rows[new_home[c["ident"][rows]] >= 0]
    _move(c, world, rows, new_home[c["ident"][rows]])
    _label(c, rows, "moved_refile")


def _target_age(rng: np.random.Generator, age: Arr, lang: Arr) -> Arr:
    """The age of the relative who helps: an adult child for older claimants (and for those of
    another language from 45), a parent for the young, a sibling otherwise."""
    n = len(age)
    child = age - rng.uniform(22, 36, n)
    parent = age + rng.uniform(22, 34, n)
    sibling = age + rng.uniform(-8, 8, n)
    target = np.where(age >= 55, child, np.where(age < 30, parent, sibling))
    target = np.where((lang != 0) & (age >= 45), child, target)
    return np.clip(target, 18, 85)


def _nearest(c: Codes, world: World, pool: Arr, rows: Arr, target: Arr, age: Arr, draws: Arr) -> Arr:
    """For each claim of ``rows``: a claim of ``pool`` (rows sorted by day) filed within
    :data:`WITHIN_DAYS` by someone of another household, the nearest to ``target`` in age of
    the :data:`CANDIDATES` drawn (``draws``: uniform numbers, one row per claim); -1 if none."""
    if not len(pool) or not len(rows):
        return np.full(len(rows), -1, dtype=np.int64)
    day = c["day"][pool]
    lo = np.searchsorted(day, c["day"][rows] - WITHIN_DAYS)
    hi = np.searchsorted(day, c["day"][rows] + WITHIN_DAYS, side="right")
    at = np.minimum(lo[:, None] + np.floor(draws * (hi - lo)[:, None]).astype(np.int64), len(pool) - 1)
    cand = pool[at]
    household = world.people.household
    other = household[c["ident"][cand]] != household[c["ident"][rows]][:, None]
    gap = np.where(other, np.abs(age[cand] - target[:, None]), np.inf)
    best = np.argmin(gap, axis=1)
    found = np.isfinite(gap[np.arange(len(rows)), best]) & (hi > lo)
    return np.where(found, cand[np.arange(len(rows)), best], -1)


def _help_relatives(
    rng: np.random.Generator, c: Codes, world: World, age: Arr, first: Arr, free: Arr
) -> tuple[Arr, Arr, int]:
    """Claimants a relative living elsewhere helps (:data:`HELPED_SHARE`) with the relative's
    phone or mailbox (:data:`GIVES`) and device (:data:`LENDS_DEVICE`): a relative who claims
    too (:data:`HELPER_FILES`), or one who does not, who may help a second claimant
    (:data:`HELPS_TWO`). Returns the relatives who take a claimant's surname, whose, and how
    many ``free`` people were used."""
    n, n_people = len(age), len(world.people)
    lang = c["lang"]
    draw = np.ones(n)
    draw[c["typology"] < 0] = rng.random(int((c["typology"] < 0).sum()))
    helped = first & (draw < np.select([age >= 65, lang != 0], HELPED_SHARE[:2], HELPED_SHARE[2]))
    rows, pool = np.flatnonzero(helped), np.flatnonzero(first & ~helped)
    m = len(rows)
    target = _target_age(rng, age[rows], lang[rows])
    relative = _nearest(c, world, pool, rows, target, age, rng.random((m, CANDIDATES)))
    second = _nearest(
        c, world, pool, rows, age[rows] + rng.uniform(-6, 6, m), age, rng.random((m, CANDIDATES))
    )
    files = (rng.random(m) < HELPER_FILES) & (relative >= 0)
    two = ~files & (rng.random(m) < HELPS_TWO) & (second >= 0)
    gives, gives2 = rng.choice(3, m, p=GIVES), rng.choice(3, m, p=GIVES)
    lends, lends2 = rng.random(m) < LENDS_DEVICE, rng.random(m) < LENDS_DEVICE
    same, same2 = rng.random(m) < SAME_SURNAME, rng.random(m) < SAME_SURNAME
    person = c["ident"][rows]
    kin = np.where(files, c["ident"][np.maximum(relative, 0)], -1)
    other = np.where(two, c["ident"][np.maximum(second, 0)], -1)
    # Each person plays one part: an arrangement whose people appear in another is dropped.
    count = np.bincount(np.r_[person, kin[kin >= 0], other[other >= 0]], minlength=n_people)
    ok = (count[person] == 1) & (count[np.maximum(kin, 0)] * (kin >= 0) <= 1)
    ok &= count[np.maximum(other, 0)] * (other >= 0) <= 1
    helper = kin.copy()
    alone_at = np.flatnonzero(~files)[: len(free)]
    helper[alone_at] = free[: len(alone_at)]
    ok &= helper >= 0
    files, two = files & ok, two & ok
    alone = ok & ~files
    giver = np.r_[person[ok], other[two]]
    _give_contacts(c, world, giver, np.r_[helper[ok], helper[two]], np.r_[gives[ok], gives2[two]])
    lend = np.r_[ok & lends, two & lends2]
    at = np.r_[np.where(files, relative, -1), np.full(m, -1)][lend]
    _lend_devices(rng, c, world, np.r_[rows, second][lend], np.r_[helper, helper][lend], at)
    _label(c, _rows_of(c, n_people, person[alone & ~two]), "relative_helper")
    _label(
        c,
        _rows_of(c, n_people, np.r_[person[files], kin[files], person[two], other[two]]),
        "relatives_sharing",
    )
    who = np.r_[kin[files & same], helper[alone & same], other[two & same2]]
    whose = np.r_[person[files & same], person[alone & same], person[two & same2]]
    return who, whose, len(alone_at)


def _give_contacts(c: Codes, world: World, giver: Arr, helper: Arr, gives: Arr) -> None:
    """Every honest claim of each ``giver`` gives the ``helper``'s phone (``gives`` 0 or 2) and
    mailbox (1 or 2)."""
    people = world.people
    phone_of = np.full(len(people), -1, dtype=np.int64)
    mail_of = np.full(len(people), -1, dtype=np.int64)
    phone_of[giver[gives != 1]] = helper[gives != 1]
    mail_of[giver[gives != 0]] = helper[gives != 0]
    honest = c["typology"] < 0
    rows = np.flatnonzero(honest & (phone_of[c["ident"]] >= 0))
    c["phone"][rows] = people.phone[phone_of[c["ident"][rows]]]
    rows = np.flatnonzero(honest & (mail_of[c["ident"]] >= 0))
    c["email"][rows] = mail_of[c["ident"][rows]]


def _lend_devices(rng: np.random.Generator, c: Codes, world: World, rows: Arr, helper: Arr, at: Arr) -> None:
    """Claims ``rows`` filed on the helper's device: the one of the helper's own claim ``at``
    (when it was online, not on a public computer), or the helper's laptop (``at`` -1), at the
    claimant's home or the helper's; a phone on its carrier's network mostly."""
    people = world.people
    src = np.maximum(at, 0)
    public = (c["device"][src] >> NS_SHIFT) == np.uint64(NS_LIBRARY)
    keep = (at < 0) | (np.isin(c["channel"][src], (WEB, MOBILE)) & ~public)
    rows, helper, at, src = rows[keep], helper[keep], at[keep], src[keep]
    claim = at >= 0
    channel = np.where(claim, c["channel"][src], WEB)
    c["device"][rows] = np.where(claim, c["device"][src], make_code(NS_PERSON, helper))
    c["ua"][rows] = np.where(claim, c["ua"][src], people.ua_web[helper])
    c["channel"][rows] = channel
    mobile = channel == MOBILE
    cgnat = mobile & (rng.random(len(rows)) < 0.88)
    theirs = ~mobile & (rng.random(len(rows)) < 0.5)
    n_cgnat = int(c["ip_key"][(c["ip_kind"] == IP_CGNAT) & (c["typology"] < 0)].max(initial=19)) + 1
    own = people.household[c["ident"][rows]].astype(np.uint64) | HOME
    keys = [
        rng.integers(0, n_cgnat, len(rows)).astype(np.uint64),
        people.household[helper].astype(np.uint64) | HOME,
    ]
    c["ip_kind"][rows] = np.where(cgnat, IP_CGNAT, IP_RESIDENTIAL)
    c["ip_key"][rows] = np.select([cgnat, theirs], keys, own)


def _renamed(rng: np.random.Generator, world: World, who: Arr, whose: Arr) -> World:
    """The world with each of ``who`` given the surname of ``whose`` (the same position), and a
    mailbox made from the new name, distinct from every other mailbox of the world."""
    who, first_at = np.unique(who.astype(np.int64), return_index=True)
    whose = whose.astype(np.int64)[first_at]
    if not len(who):
        return world
    people, vocab = world.people, world.vocab
    people.last[who] = people.last[whose]
    first = vocab.first_ascii.take(pa.array(people.first[who]))
    last = vocab.last_ascii.take(pa.array(people.last[who]))
    year = people.dob[who].astype("datetime64[Y]").astype(np.int64) + 1970
    fresh = mailboxes_of_their_own(make_emails(rng, first, last, year, EMAIL_DOMAINS), world.emails)
    people.email = patch(people.email, who, fresh)
    return replace(world, emails=patch(world.emails, who, fresh))
