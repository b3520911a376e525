"""The synthetic claims world: a seeded, vectorized simulation of one state's UI claims.

The world is a fictional mid-size state that uses Ohio's cities, ZIP codes and
area codes (state code ``OH``). Everything is drawn with numpy from one seeded
generator, people first as arrays, then claims by indexing into them, so the
same seed and arguments always give byte-identical files.

**People.** Claimants, other workers (whose identities fraudsters steal),
deceased people, inmates and synthetic identities share one identity table:
SSN, names drawn with frequency weights from faker's locale word lists
(English, Spanish, Vietnamese, Chinese, Haitian, Russian, Korean), date of
birth, language, home address, employer, wages, phone, email, bank account and
devices. Each identity is a ``person_key``.

**Honest claims** (most of them) come with the hard cases that make naive rules
wrong: households sharing an address, a home IP, sometimes a computer and a
spouse's bank account; library and workforce-centre IPs (and their public
computers) shared by hundreds; mobile-carrier CGNAT addresses; mass layoffs
(one employer, hundreds of claims in a day); phone and in-person claims with no
device data; non-English speakers; elderly claimants with slow sessions;
claimants on a VPN or abroad; people released from prison; people who moved
here and claimed in the state they left months before (:func:`plan_movers`, 1.5%
of honest claims, in a random stream of their own); recycled phone numbers on
the bad-actor list; people re-filing a few days later with small variations; and
relatives living apart who share a phone, a mailbox, a device or a joint account
(:func:`~claimscreen.data.generate.kin.plan_kin`, a random stream of its own).

**Fraud** (``fraud_rate`` of claims) is organized in rings of 3 to ~60 claims,
each with a typology (see :data:`TYPOLOGIES`). Rings share some identifiers and
vary others, so no single rule catches them all; some rings are chains (claim
A shares a bank account with B, B a device with C, C a phone with D) spread
over weeks; ``email_alias`` and ``synthetic_identity`` appear only in the last
40% of the window.

**Labels** come from a simulated legacy process: it investigates mostly
claims that look suspicious by old rules, plus a small random audit; decisions
arrive days after filing, so recent claims and new schemes are mostly
unlabelled. ``truth.parquet`` holds the real answer, for evaluation only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from claimscreen.data.generate.arrays import Arr, Codes, mix64
from claimscreen.data.generate.banks import draw_accounts, make_banks, own_accounts, render_account
from claimscreen.data.generate.defects import add_extract_defects
from claimscreen.data.generate.emails import (
    HANDLE_SHARE,
    HANDLES_STREAM,
    give_handles,
    mailboxes_of_their_own,
    own_mailboxes,
)
from claimscreen.data.generate.families import FAMILIES, VARIANT_STREAM, VARIANTS, shape_rings
from claimscreen.data.generate.files import write_batches, write_csv
from claimscreen.data.generate.fraud import ADDRESSES_PER_RING, Listed
from claimscreen.data.generate.honest import MOVERS_STREAM, make_honest_claims, plan_movers, plan_refiles
from claimscreen.data.generate.kin import KIN_STREAM, plan_kin
from claimscreen.data.generate.kinds import FORMATS, HONEST_CASES, IP_FOREIGN, IP_RESIDENTIAL, TYPOLOGIES
from claimscreen.data.generate.labels import make_dispositions, make_truth
from claimscreen.data.generate.network import (
    FOREIGN_V4,
    RESIDENTIAL_V4,
    own_address_tables,
    own_addresses,
    render_ip,
)
from claimscreen.data.generate.patterns import make_fraud_claims
from claimscreen.data.generate.patterns.mail_drop import MAIL_DROP_STREAM, plan_mail_drops
from claimscreen.data.generate.people import fraud_numbers_of_their_own, own_numbers
from claimscreen.data.generate.places import make_addresses
from claimscreen.data.generate.reference import write_references
from claimscreen.data.generate.render import PO_BOXES, box_numbers, render_claims
from claimscreen.data.generate.rings import Rings, make_rings, place_fraud_claims, plan_days, retime
from claimscreen.data.generate.vocab import UNIT_LETTERS
from claimscreen.data.generate.world import World, build_world, combine_claims, identity_counts, spare_workers

#: The entry point, and the helpers tests and benches import by the package's name.
__all__ = [
    "FAMILIES",
    "FOREIGN_V4",
    "FORMATS",
    "HANDLE_SHARE",
    "HONEST_CASES",
    "IP_FOREIGN",
    "IP_RESIDENTIAL",
    "PO_BOXES",
    "RESIDENTIAL_V4",
    "TYPOLOGIES",
    "UNIT_LETTERS",
    "VARIANTS",
    "WorldSummary",
    "box_numbers",
    "draw_accounts",
    "fraud_numbers_of_their_own",
    "generate_world",
    "make_addresses",
    "make_banks",
    "mix64",
    "own_accounts",
    "own_address_tables",
    "own_addresses",
    "own_mailboxes",
    "own_numbers",
    "render_account",
    "render_ip",
]


@dataclass(frozen=True)
class WorldSummary:
    """What :func:`generate_world` wrote."""

    out_dir: Path
    days: int
    claims: int
    fraud_claims: int
    rings: int
    batch_files: list[Path]
    reference_files: dict[str, Path]
    dispositions_file: Path
    truth_file: Path
    dispositions: int = 0
    typology_counts: dict[str, int] = field(default_factory=dict)
    defects: int = 0

    def describe(self) -> list[str]:
        """A few human-readable lines."""
        share = self.fraud_claims / self.claims if self.claims else 0.0
        return [
            f"{self.claims:,} claims over {self.days} days in {self.out_dir}",
            f"{self.fraud_claims:,} fraudulent ({share:.1%}) in {self.rings:,} rings",
            f"{len(self.batch_files)} batch files, {len(self.reference_files)} reference lists",
            f"{self.dispositions:,} past dispositions in {self.dispositions_file.name}",
            f"{self.defects:,} rows with extract defects (they should end in the quarantine)",
        ]


def add_fraud(
    rng: np.random.Generator,
    variant_rng: np.random.Generator,
    world: World,
    rings: Rings,
    placed: tuple[Arr, Arr, Arr],
    first_of: dict[int, int],
    start: datetime.date,
) -> tuple[Codes, Listed, World]:
    """The fraud claims and the bad actors' identifiers, with mailboxes and phone numbers of
    their own (never an honest person's), and the world holding every mailbox."""
    drop_base = len(world.addresses) - ADDRESSES_PER_RING * len(rings)
    fraud, fraud_mail, listed = make_fraud_claims(
        rng,
        rings,
        placed,
        world.people,
        world.employers,
        world.vocab,
        first_of,
        drop_base,
        variant_rng,
        start,
    )
    fraud_mail = mailboxes_of_their_own(fraud_mail, world.people.email)
    listed = replace(listed, emails=fraud_mail.slice(len(fraud_mail) - len(listed.emails)))
    phones = fraud_numbers_of_their_own(world.people.phone, np.r_[fraud["phone"], listed.phones])
    fraud["phone"], listed = (
        phones[: len(fraud["phone"])],
        replace(listed, phones=phones[len(fraud["phone"]) :]),
    )
    return fraud, listed, replace(world, emails=pa.concat_arrays([world.people.email, fraud_mail]))


def generate_world(
    out_dir: Path,
    *,
    days: int = 30,
    claims_per_day: int = 1000,
    seed: int = 0,
    start: datetime.date = datetime.date(2026, 10, 1),
    fraud_rate: float = 0.02,
    fmt: str = "csv",
    defect_rate: float = 0.002,
) -> WorldSummary:
    """Write a synthetic world (batches, reference lists, dispositions, truth) into ``out_dir``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if days < 1 or claims_per_day < 1 or not 0 <= fraud_rate < 0.5 or not 0 <= defect_rate < 0.1:
        raise ValueError(
            "days and claims_per_day must be positive, fraud_rate in [0, 0.5) and defect_rate in [0, 0.1)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    totals = plan_days(start, days, claims_per_day)
    n_claims = int(totals.sum())
    rings = make_rings(rng, round(n_claims * fraud_rate), days)
    placed = place_fraud_claims(rng, rings, days)
    honest_per_day = np.maximum(totals - np.bincount(placed[1], minlength=days), 0)
    slot_day = np.repeat(np.arange(days), honest_per_day)
    refile_of = plan_refiles(rng, slot_day)
    counts = identity_counts(int((refile_of < 0).sum()), rings, n_claims)
    spare = spare_workers(counts, rings)
    world = build_world(rng, seed, counts, len(rings), n_claims, start)
    first_of = dict(enumerate(np.r_[0, np.cumsum(counts)][:-1].tolist()))
    honest = make_honest_claims(
        rng, world.people, world.addresses, world.employers, slot_day, refile_of, start
    )
    variant_rng = np.random.default_rng([seed, VARIANT_STREAM])
    shaped = shape_rings(variant_rng, rings, days)
    placed, rings = retime(variant_rng, placed, rings, shaped, days), shaped
    fraud, listed, world = add_fraud(rng, variant_rng, world, rings, placed, first_of, start)
    plan_mail_drops(np.random.default_rng([seed, MAIL_DROP_STREAM]), fraud, rings, world.people, days)
    c = combine_claims(honest, fraud, rng)
    movers_rng = np.random.default_rng([seed, MOVERS_STREAM])
    plan_movers(movers_rng, c)
    world = plan_kin(np.random.default_rng([seed, KIN_STREAM]), c, world, np.datetime64(start), spare)
    handles_rng = np.random.default_rng([seed, HANDLES_STREAM])
    world = replace(world, emails=give_handles(handles_rng, world.people, world.vocab, world.emails))
    kinds = np.r_[c["ip_kind"], np.full(len(listed.ip_keys), IP_RESIDENTIAL)]
    world = replace(world, own_ips=own_address_tables(kinds, np.r_[c["ip_key"], listed.ip_keys], world.salt))
    accounts = np.r_[c["acct"][c["pay"] == 0], listed.accounts]
    world = replace(world, own_accounts=own_accounts(accounts, world.banks, world.salt))
    c["age"] = (np.datetime64(start) + c["day"] - world.people.dob[c["ident"]]).astype(np.int64) / 365.25
    rendered, batch_day, defects = add_extract_defects(
        np.random.default_rng([seed, 7]), render_claims(c, world, start), c["day"], defect_rate
    )
    batch_files = write_batches(rendered, batch_day, start, out, fmt)
    reference_files = write_references(rng, world, c, rings, listed, start, days, out, movers_rng)
    dispositions = make_dispositions(rng, c, start, days)
    dispositions_file = write_csv(dispositions, out / "dispositions.csv")
    truth_file = out / "truth.parquet"
    truth = make_truth(c, world, rings, start)
    pq.write_table(truth.append_column("defect", defects), truth_file)
    fraud_mask = c["typology"] >= 0
    return WorldSummary(
        out_dir=out,
        days=days,
        claims=len(c["day"]),
        fraud_claims=int(fraud_mask.sum()),
        rings=len(rings),
        batch_files=batch_files,
        reference_files=reference_files,
        dispositions_file=dispositions_file,
        truth_file=truth_file,
        dispositions=dispositions.num_rows,
        typology_counts={t: int((c["typology"] == i).sum()) for i, t in enumerate(TYPOLOGIES)},
        defects=int(pc.sum(pc.is_valid(defects)).as_py() or 0),
    )
