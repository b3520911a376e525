"""Rendering: identifier codes to the text a state extract would hold, claim by claim."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from claimscreen.data.generate.arrays import (
    Arr,
    Codes,
    choose,
    digits,
    join,
    mix64,
    numbers,
    spread_repeats,
    take,
    where,
)
from claimscreen.data.generate.banks import render_account
from claimscreen.data.generate.formats import (
    render_date,
    render_device,
    render_ein,
    render_phone,
    render_ssn,
    render_timestamps,
    render_zip,
)
from claimscreen.data.generate.kinds import STATE
from claimscreen.data.generate.names import render_names
from claimscreen.data.generate.network import render_ip
from claimscreen.data.generate.places import Addresses
from claimscreen.data.generate.vocab import (
    AGENTS,
    CITIES,
    LANGUAGES,
    STREET_SUFFIXES,
    UNIT_LETTERS,
    UNIT_STYLES,
)
from claimscreen.data.generate.world import World
from claimscreen.data.schema import (
    CLAIM_COLUMN_NAMES,
    PAYMENT_METHODS,
    PROGRAMS,
    SEPARATION_REASONS,
)

__all__ = ["PO_BOXES", "box_numbers", "render_claims", "render_street"]


def render_units(addresses: Addresses, addr: Arr, style: Arr) -> pa.Array:
    """The unit of each address in the given spelling ("Apt 4B", "#4B", "Unit 4-B"...); empty if none."""
    num, letter = addresses.unit_num[addr], addresses.unit_letter[addr]
    prefix = take(pa.array([p for p, _ in UNIT_STYLES]), style)
    sep = take(pa.array([s for _, s in UNIT_STYLES]), np.where(letter >= 0, style, -1))
    text = join(prefix, numbers(num), sep, take(pa.array(UNIT_LETTERS), letter))
    return where(num == 0, "", text)


def render_street(
    addresses: Addresses, addr: Arr, style: Arr, inline: Arr, street: Arr | None = None
) -> tuple[pa.Array, pa.Array]:
    """(line1, line2): the unit goes on line 2, or at the end of line 1 for some; ``street``
    (index into STREET_STYLES, 0 where the address list's spelling is kept) respells the suffix."""
    unit = render_units(addresses, addr, style)
    line1 = addresses.line1.take(pa.array(addr))
    if street is not None and (street > 0).any():
        line1 = where(street > 0, respell_suffix(addresses, addr, street), line1)
    on_line1 = inline & (addresses.unit_num[addr] > 0)
    return where(on_line1, join(line1, " ", unit), line1), where(on_line1, "", unit)


def respell_suffix(addresses: Addresses, addr: Arr, street: Arr) -> pa.Array:
    """line1 with the street suffix written per STREET_STYLES ("Street", "St", "St.", "ST")."""
    suffix = addresses.suffix[addr]
    full = take(pa.array([s for s, _, _ in STREET_SUFFIXES]), suffix)
    short = take(pa.array([s for _, s, _ in STREET_SUFFIXES]), suffix)
    spelled = choose(np.clip(street - 1, 0, 3), [full, short, join(short, "."), pc.utf8_upper(short)])
    return join(addresses.stem.take(pa.array(addr)), " ", spelled)


#: PO box numbers run 1 to PO_BOXES at each ZIP's post office.
PO_BOXES = 99_999


def box_numbers(ident: Arr, zip5: Arr, box: Arr) -> Arr:
    """Each box holder's PO box number less one (0 where ``box`` is false): one box per person
    at their ZIP's post office, never another's. Drawn from 9,000 numbers a ZIP, 35,466 boxes
    were shared by households that do not live together at 200,000 claims a night (76,291
    honest claims), and a shared mailing address is a ring edge. No random draw is used."""
    out = np.zeros(len(ident), dtype=np.int64)
    if not box.any():
        return out
    pairs, inverse = np.unique(np.c_[zip5[box], ident[box]], axis=0, return_inverse=True)
    zips = np.unique(pairs[:, 0], return_inverse=True)[1].astype(np.int64)
    slot = (mix64(pairs[:, 1].astype(np.uint64), 29) % np.uint64(PO_BOXES)).astype(np.int64)
    number = spread_repeats(zips * PO_BOXES, slot, np.full(len(pairs), PO_BOXES))
    out[box] = number[np.ravel(inverse)]
    return out


def render_mailing(c: Codes, addresses: Addresses) -> dict[str, pa.Array]:
    """The mailing address: a drop address, a PO box, or empty (mail goes to the residence)."""
    kind = c["mail_kind"]
    addr = np.where(kind == 1, c["mail_addr"], c["addr"])
    line1, line2 = render_street(addresses, addr, c["mail_style"], c["unit_inline"], c.get("street_style"))
    none, box = kind == 0, kind == 2
    po_box = join("PO Box ", numbers(1 + box_numbers(c["ident"], addresses.zip5[addr], box)))
    city = take(pa.array([ct[0] for ct in CITIES]), addresses.city[addr])
    zip_ = render_zip(addresses.zip5[addr], addresses.zip4[addr], c["zip_fmt"])
    return {
        "mailing_address_line1": where(none, "", where(box, po_box, line1)),
        "mailing_address_line2": where(none | box, "", line2),
        "mailing_city": where(none, "", city),
        "mailing_state": where(none, "", STATE),
        "mailing_zip": where(none, "", where(box, digits(addresses.zip5[addr], 5), zip_)),
    }


def render_claims(c: Codes, world: World, start: datetime.date) -> dict[str, pa.Array]:
    """Every column of :data:`CLAIM_COLUMN_NAMES`, as text."""
    n = len(c["day"])
    people, addresses, employers = world.people, world.addresses, world.employers
    line1, line2 = render_street(
        addresses, c["addr"], c["unit_style"], c["unit_inline"], c.get("street_style")
    )
    dd = c["pay"] == 0
    routing, account = render_account(
        np.where(dd, c["acct"], np.uint64(0)), world.banks, world.salt, world.own_accounts
    )
    employer = np.maximum(c["employer"], 0)
    has_employer = c["employer"] >= 0
    sep_date = np.datetime64(start) + c["day"] - np.maximum(c["sep_days"], 0)
    columns = {
        "claim_id": join("C", digits(np.arange(n), 8)),
        "filed_at": render_timestamps(start, c["day"], c["sec"], c["ts_fmt"]),
        "program": take(pa.array(PROGRAMS), c["program"]),
        "ssn": render_ssn(people.ssn[c["ident"]], c["ssn_fmt"]),
        **render_names(c, people, world.vocab, world.salt),
        "email": take(world.emails, c["email"]),
        "phone": render_phone(c["phone"], c["phone_fmt"]),
        "address_line1": line1,
        "address_line2": line2,
        "city": take(pa.array([ct[0] for ct in CITIES]), addresses.city[c["addr"]]),
        "state": pa.array(np.full(n, STATE)),
        "zip": render_zip(addresses.zip5[c["addr"]], addresses.zip4[c["addr"]], c["zip_fmt"]),
        **render_mailing(c, addresses),
        "payment_method": take(pa.array(PAYMENT_METHODS), c["pay"]),
        "bank_routing": routing,
        "bank_account": account,
        "employer_ein": where(has_employer, render_ein(employers.ein[employer], c["ein_fmt"]), ""),
        "employer_name": where(has_employer, employers.name.take(pa.array(employer)), ""),
        "separation_date": where(c["sep_days"] >= 0, render_date(sep_date), ""),
        "separation_reason": take(pa.array(SEPARATION_REASONS), c["sep_reason"]),
        "channel": take(pa.array(("web", "mobile", "phone", "in_person")), c["channel"]),
        "ip_address": render_ip(c["ip_kind"], c["ip_key"], world.salt, world.own_ips),
        "device_id": render_device(c["device"], world.salt),
        "user_agent": take(pa.array(AGENTS), c["ua"]),
        "session_seconds": pa.array(c["session"].astype(np.float64)),
        "language": take(pa.array(LANGUAGES), c["lang"]),
    }
    return {name: columns[name] for name in CLAIM_COLUMN_NAMES}
