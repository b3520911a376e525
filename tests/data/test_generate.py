"""The synthetic world: formats of every file, determinism, and the hard cases it promises."""

from __future__ import annotations

import datetime
import ipaddress
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from claimscreen.data.generate import (
    FAMILIES,
    FOREIGN_V4,
    HANDLE_SHARE,
    HONEST_CASES,
    IP_FOREIGN,
    IP_RESIDENTIAL,
    PO_BOXES,
    RESIDENTIAL_V4,
    TYPOLOGIES,
    UNIT_LETTERS,
    VARIANTS,
    WorldSummary,
    box_numbers,
    draw_accounts,
    fraud_numbers_of_their_own,
    generate_world,
    make_addresses,
    make_banks,
    mix64,
    own_accounts,
    own_address_tables,
    own_addresses,
    own_mailboxes,
    own_numbers,
    render_account,
    render_ip,
)
from claimscreen.data.normalize import canonical_email, normalize_address
from claimscreen.data.schema import CLAIM_COLUMN_NAMES, DISPOSITION_COLUMNS, REFERENCE_LISTS

SSN = r"(?!000|666|9\d\d)\d{3}([- ]?)(?!00)\d{2}\1(?!0000)\d{4}"
PHONE = r"\(\d{3}\) \d{3}-\d{4}|\d{3}-\d{3}-\d{4}|\d{10}|\+1 \d{3} \d{3} \d{4}"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?"


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def digits(values: pd.Series) -> pd.Series:
    return values.str.replace(r"\D", "", regex=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return generate_world(tmp_path_factory.mktemp("small"), days=5, claims_per_day=400, seed=7)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return generate_world(
        tmp_path_factory.mktemp("big"), days=30, claims_per_day=1500, seed=11, defect_rate=0
    )


@pytest.fixture(scope="module")
def claims(big: WorldSummary) -> pd.DataFrame:
    batches = pd.concat([read_csv(p) for p in big.batch_files], ignore_index=True)
    truth = pd.read_parquet(big.truth_file).rename(columns={"language": "true_language"})
    return batches.merge(truth, on="claim_id", validate="one_to_one")


def test_layout_and_columns_follow_the_schema(small: WorldSummary) -> None:
    assert [p.name for p in small.batch_files] == [f"claims_2026-10-0{d}.csv" for d in range(1, 6)]
    for path in small.batch_files:
        assert tuple(read_csv(path).columns) == CLAIM_COLUMN_NAMES
    for kind, path in small.reference_files.items():
        assert path == small.out_dir / "reference" / f"{kind}.csv"
        assert tuple(read_csv(path).columns) == REFERENCE_LISTS[kind].column_names
    assert set(small.reference_files) == set(REFERENCE_LISTS)
    assert tuple(read_csv(small.dispositions_file).columns) == tuple(c.name for c in DISPOSITION_COLUMNS)
    assert small.claims == 2000 and len(small.describe()) >= 3


def test_same_seed_gives_the_same_bytes(small: WorldSummary, tmp_path: Path) -> None:
    again = generate_world(tmp_path, days=5, claims_per_day=400, seed=7)
    files = [*small.batch_files, *small.reference_files.values(), small.dispositions_file, small.truth_file]
    for path in files:
        assert (tmp_path / path.relative_to(small.out_dir)).read_bytes() == path.read_bytes(), path.name
    other = generate_world(tmp_path / "other", days=5, claims_per_day=400, seed=8)
    assert other.batch_files[0].read_bytes() != small.batch_files[0].read_bytes()
    assert again.claims == small.claims


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_other_batch_formats(tmp_path: Path, fmt: str) -> None:
    summary = generate_world(tmp_path, days=2, claims_per_day=100, seed=1, fmt=fmt)
    path = summary.batch_files[0]
    assert path.suffix == f".{fmt}"
    if fmt == "parquet":
        names = tuple(pq.read_schema(path).names)
    else:
        names = tuple(json.loads(path.read_text(encoding="utf-8").splitlines()[0]))
    assert names == CLAIM_COLUMN_NAMES
    assert (summary.out_dir / "reference" / "deceased.csv").exists()


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt must be one of"):
        generate_world(tmp_path, days=1, claims_per_day=10, fmt="xml")


def test_claim_ids_unique_and_filed_within_their_day(claims: pd.DataFrame) -> None:
    assert claims.claim_id.is_unique
    assert claims.filed_at.str.fullmatch(TIMESTAMP).all()
    local = claims[claims.filed_at.str.len() == 19]
    assert (local.filed_at.str[:10] == local.batch_date.astype(str)).all()
    assert 0.8 < (claims.filed_at.str.len() == 19).mean() < 0.97


def test_fraud_share_and_every_typology(claims: pd.DataFrame, big: WorldSummary) -> None:
    assert 0.015 < claims.is_fraud.mean() < 0.025
    assert big.fraud_claims == claims.is_fraud.sum()
    assert set(claims.typology[claims.is_fraud]) == set(TYPOLOGIES)
    assert (claims.typology[~claims.is_fraud] == "legitimate").all()
    assert claims.ring_key[claims.is_fraud].notna().all() and claims.ring_key[~claims.is_fraud].isna().all()
    sizes = claims[claims.is_fraud].groupby("ring_key").size()
    assert sizes.max() <= 60 and sizes.median() >= 3


def test_emerging_typologies_start_late(claims: pd.DataFrame) -> None:
    first = claims[claims.is_fraud].groupby("typology").batch_date.min()
    late = datetime.date(2026, 10, 1) + datetime.timedelta(days=18)
    assert first["email_alias"] >= late and first["synthetic_identity"] >= late
    assert first["stolen_identity_bank_drop"] < late


def test_honest_identifiers_are_well_formed(claims: pd.DataFrame) -> None:
    honest = claims[~claims.is_fraud]
    assert honest.ssn.str.fullmatch(SSN).all()
    phones = claims.phone[claims.phone != ""]
    assert phones.str.fullmatch(PHONE).all()
    assert digits(phones).str[-10:].str.fullmatch(r"[2-9]\d\d[2-9]\d{6}").all()
    assert claims.zip.str.fullmatch(r"\d{5}(-?\d{4})?").all() and (claims.state == "OH").all()
    assert claims.employer_ein[claims.program != "PUA"].str.fullmatch(r"\d{2}-?\d{7}").all()
    assert claims.date_of_birth.str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_routing_numbers_pass_the_aba_checksum(claims: pd.DataFrame) -> None:
    deposit = claims[claims.payment_method == "direct_deposit"]
    assert len(deposit) > 0.6 * len(claims)
    d = deposit.bank_routing.str.split("", expand=True).iloc[:, 1:10].astype(int).to_numpy()
    assert ((d * [3, 7, 1, 3, 7, 1, 3, 7, 1]).sum(axis=1) % 10 == 0).all()
    assert deposit.bank_account.str.fullmatch(r"\d{8,12}").all()
    assert (claims.bank_routing[claims.payment_method != "direct_deposit"] == "").all()


def test_online_fields_only_for_web_and_mobile(claims: pd.DataFrame) -> None:
    online = claims.channel.isin(["web", "mobile"])
    assert (claims.ip_address[online] != "").all() and (claims.device_id[online] != "").all()
    assert (claims.ip_address[~online] == "").all() and (claims.device_id[~online] == "").all()
    assert all(ipaddress.ip_address(ip) for ip in claims.ip_address[online].head(2000))
    assert claims.ip_address.str.contains(":").any()
    shares = claims.channel.value_counts(normalize=True)
    assert 0.55 < shares["web"] < 0.72 and 0.03 < shares["in_person"] < 0.1


def test_honest_hard_cases(claims: pd.DataFrame) -> None:
    honest = claims[~claims.is_fraud]
    assert set(honest.honest_case) <= set(HONEST_CASES)
    library = honest[honest.honest_case == "library_ip"].groupby("ip_address").size()
    assert library.max() >= 100
    layoff = honest[honest.honest_case == "mass_layoff"].groupby(["batch_date", "employer_name"]).size()
    assert layoff.max() >= 200
    households = honest[honest.honest_case == "household"].groupby("address_line1").person_key.nunique()
    assert (households >= 2).sum() >= 50
    refiled = honest[honest.honest_case == "refile"].person_key
    assert len(refiled) > 0.01 * len(honest)
    assert (honest.person_key.value_counts()[refiled] >= 2).all()
    assert (honest.language != "en").mean() > 0.08
    elderly = honest[honest.age >= 65].session_seconds.astype(float).median()
    assert elderly > 1.3 * honest[honest.age < 65].session_seconds.astype(float).median()


def test_rings_share_some_identifiers_and_not_others(claims: pd.DataFrame) -> None:
    fraud = claims[claims.is_fraud]
    pooled = fraud.variant.isin(
        ["stolen_identity_bank_drop/shared_accounts", "stolen_identity_bank_drop/layoff_cover"]
    )
    drops = fraud[pooled].groupby("ring_key")
    assert (drops.bank_account.nunique() <= 3).all() and (drops.device_id.nunique() > 3).any()
    farms = fraud[fraud.typology == "device_farm"].groupby("ring_key")
    assert (farms.device_id.nunique() <= 4).all() and (farms.bank_account.nunique() > 3).any()
    refiled = fraud[fraud.typology == "refiled_identity"].groupby("ring_key")
    assert (refiled.person_key.nunique() < refiled.size()).all()
    assert (refiled.first_name.nunique() > 1).any()
    alias = fraud[fraud.typology == "email_alias"]
    canonical = (
        alias.email.str.lower().str.replace(r"\+[^@]*", "", regex=True).str.replace(".", "", regex=False)
    )
    assert (canonical.groupby(alias.ring_key).nunique() == 1).all()
    assert fraud.chained.any()


def test_reference_lists_match_the_right_claims(claims: pd.DataFrame, big: WorldSummary) -> None:
    ref = {kind: read_csv(path) for kind, path in big.reference_files.items()}
    ssn = digits(claims.ssn)
    deceased = ssn.isin(digits(ref["deceased"].ssn))
    assert deceased[claims.typology == "deceased_identity"].all() and not deceased[~claims.is_fraud].any()
    assert len(ref["deceased"]) > 2 * (claims.typology == "deceased_identity").sum()
    assert ssn[claims.typology == "multi_state"].isin(digits(ref["interstate_claims"].ssn)).all()
    wages = digits(ref["wage_records"].ssn)
    assert ssn[claims.typology == "stolen_identity_bank_drop"].isin(wages).all()
    assert not ssn[claims.typology == "synthetic_identity"].isin(wages).any()
    assert ref["wage_records"].quarter.str.fullmatch(r"\d{4}Q[1-4]").all()
    assert set(ref["ip_ranges"].category) == {"foreign", "hosting", "vpn", "tor"}
    assert set(ref["suspicious_actors"].kind) == {"bank_account", "email", "phone", "ip_address", "device_id",
                                                   "address"}  # fmt: skip
    held = ref["incarcerated"]
    assert (held.released_on == "").any() and (held.released_on != "").any()


def test_fraud_mailboxes_are_never_an_honest_persons(claims: pd.DataFrame, big: WorldSummary) -> None:
    """Fraudsters' and listed mailboxes come from the same name patterns as honest people's, but a
    mailbox belongs to one person: none is an honest claimant's (after folding +tags and dots)."""
    listed = read_csv(big.reference_files["suspicious_actors"])
    listed_emails = canonical_email(listed.loc[listed.kind == "email", "value"].astype("str"))
    honest = canonical_email(claims.loc[~claims.is_fraud, "email"].astype("str")).dropna()
    fraud = canonical_email(claims.loc[claims.is_fraud, "email"].astype("str")).dropna()
    assert len(listed_emails) and len(fraud)
    assert not listed_emails.isin(honest).any()
    assert not fraud.isin(honest).any()
    aliases = claims[claims.typology == "email_alias"]
    folded = canonical_email(aliases.email.astype("str"))
    assert (folded.groupby(aliases.ring_key).nunique() == 1).all()  # a ring's variants: one mailbox


def test_dispositions_are_selective_and_lagged(claims: pd.DataFrame, big: WorldSummary) -> None:
    labels = read_csv(big.dispositions_file).merge(claims, on="claim_id", validate="one_to_one")
    assert set(labels.outcome) <= {"fraud", "legitimate"} and set(labels.source) == {"investigation", "audit"}
    investigated = labels[labels.source == "investigation"]
    assert investigated.is_fraud.mean() > 10 * claims.is_fraud.mean()
    assert 0.002 < (labels.source == "audit").sum() / len(claims) < 0.01
    assert (labels.decided_at.str[:10] > labels.filed_at.str[:10]).all()
    last_days = labels.batch_date >= datetime.date(2026, 10, 28)
    assert last_days.sum() < 0.02 * len(labels)
    assert (labels.typology == "email_alias").sum() <= 3
    assert (labels.outcome == "fraud").sum() > 0.3 * claims.is_fraud.sum() * 0.5


def test_phone_numbers_and_mailboxes_belong_to_one_person(claims: pd.DataFrame) -> None:
    """A carrier gives a number, and a provider a mailbox, to one subscriber: honest strangers never
    share one by chance (shared ones would link them into a "ring"); relatives do, on purpose."""
    honest = claims[~claims.is_fraud]
    strangers = honest[honest.honest_case != "relatives_sharing"]
    phones = digits(strangers.phone).str[-10:]
    assert strangers[phones != ""].groupby(phones).person_key.nunique().max() == 1
    mailboxes = canonical_email(strangers.email.astype("str"))
    assert strangers[mailboxes.notna()].groupby(mailboxes).person_key.nunique().max() == 1


def test_a_quarter_of_honest_mailboxes_carry_no_name(claims: pd.DataFrame) -> None:
    """Many honest people's own mailboxes are handles (a pastime, a team, initials and a year):
    about :data:`HANDLE_SHARE` of them carry neither the first nor the last name, at every age
    and in every language, so a mailbox without the claimant's name is no mark of fraud."""
    kin = ("relative_helper", "relatives_sharing", "separated_spouse")  # may give another's mailbox
    honest = claims[~claims.is_fraud & (claims.email != "") & ~claims.honest_case.isin(kin)]
    honest = honest.drop_duplicates("person_key")

    def letters(values: pd.Series) -> pd.Series:
        folded = values.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        return folded.str.lower().str.replace(r"[^a-z]", "", regex=True)

    local = letters(honest.email.str.split("@").str[0])

    def carries(names: pd.Series) -> np.ndarray:
        pairs = zip(letters(names), local, strict=True)
        return np.array([name != "" and name in box for name, box in pairs])

    no_name = ~(carries(honest.first_name) | carries(honest.last_name))
    assert len(honest) > 5_000
    assert 0.8 * HANDLE_SHARE < no_name.mean() < 1.25 * HANDLE_SHARE
    old = honest.age >= 65
    assert abs(no_name[old.to_numpy()].mean() - no_name[~old.to_numpy()].mean()) < 0.05


def test_handles_come_from_a_stream_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other draws of handles change only honest claims' mailboxes."""
    import claimscreen.data.generate as generate

    def world(folder: str) -> pd.DataFrame:
        summary = generate_world(tmp_path / folder, days=4, claims_per_day=600, seed=8, defect_rate=0)
        return pd.concat([read_csv(p) for p in summary.batch_files]).merge(
            pd.read_parquet(summary.truth_file).drop(columns="language"), on="claim_id"
        )

    first = world("a")
    monkeypatch.setattr(generate, "HANDLES_STREAM", 4321)
    second = world("b")
    pd.testing.assert_frame_equal(first[first.is_fraud], second[second.is_fraud])
    columns = [c for c in first.columns if c != "email"]
    pd.testing.assert_frame_equal(first[columns], second[columns])
    honest = ~first.is_fraud & (first.email != "")
    changed = (first.email != second.email)[honest].mean()
    assert 0.2 < changed < 0.5  # a quarter each time, drawn apart


def test_repeated_numbers_and_mailboxes_are_moved_without_a_random_draw() -> None:
    phones = np.array([6145551234, 6145551234, 6145551234, 6145551235, 2165550000])
    moved = own_numbers(phones)
    assert len(set(moved.tolist())) == len(moved)
    assert moved[0] == phones[0] and moved[4] == phones[4]  # a number's first holder keeps it
    assert (moved // 10_000 == phones // 10_000).all()  # same area code and exchange
    assert (own_numbers(phones) == moved).all()
    emails = pa.array(["john.smith@gmail.com", "johnsmith@gmail.com", "JohnSmith@gmail.com", "a@yahoo.com"])
    kept = own_mailboxes(emails)
    folded = canonical_email(pd.Series(kept.to_pylist()))
    assert folded.is_unique
    assert kept[0].as_py() == "john.smith@gmail.com" and kept[3].as_py() == "a@yahoo.com"


def test_strangers_never_share_a_home_internet_address(claims: pd.DataFrame) -> None:
    """A home network's address is its own: honest people sharing an address in a residential
    block live at one street address (a household); strangers share only CGNAT, library and
    VPN addresses."""
    blocks = [ipaddress.ip_network(f"{start}/{32 - size.bit_length() + 1}") for start, size in RESIDENTIAL_V4]
    honest = claims[~claims.is_fraud & (claims.ip_address != "")]
    honest = honest[honest.honest_case != "relatives_sharing"]  # some file at a relative's home
    ips = honest.ip_address.drop_duplicates()
    home = ips[[any(ipaddress.ip_address(ip) in b for b in blocks) for ip in ips]]
    at_home = honest[honest.ip_address.isin(home)]
    people = at_home.groupby("ip_address").person_key.nunique()
    shared = at_home[at_home.ip_address.isin(people[people > 1].index)]
    assert len(shared)  # households do share their home's address
    house = shared.address_line1.str.split().str[0] + " " + shared.zip.str[:5]  # spellings vary
    assert (house.groupby(shared.ip_address).nunique() == 1).all()


def test_home_addresses_are_distinct_and_deterministic() -> None:
    keys = np.arange(200_000, dtype=np.uint64) * np.uint64(2654435761)
    sorted_keys, v4 = own_addresses(keys, salt=5)
    assert (sorted_keys == np.unique(keys)).all()
    assert len(np.unique(v4)) == len(v4)
    assert set((v4 & np.uint64(0xFF)).tolist()) <= set(range(1, 255))
    blocks = [ipaddress.ip_network(f"{start}/{32 - size.bit_length() + 1}") for start, size in RESIDENTIAL_V4]
    assert all(any(ipaddress.ip_address(int(a)) in b for b in blocks) for a in v4[:500])
    assert (own_addresses(keys[::-1], salt=5)[1] == v4).all()


def test_claims_from_abroad_get_addresses_of_their_own() -> None:
    """Honest claims from abroad hashed into the foreign pool's 327,680 addresses shared them
    by chance (2,300 addresses held by two households at 200,000 claims a night), and a shared
    address is a ring edge. Each key now gets its own address, while the pool has room."""
    n = 70_000
    kind = np.r_[np.full(n, IP_FOREIGN), np.full(10, IP_RESIDENTIAL)]
    key = np.r_[np.arange(n, dtype=np.uint64) | np.uint64(5 << 40), np.arange(10, dtype=np.uint64)]
    text = pd.Series(render_ip(kind, key, 5, own_address_tables(kind, key, 5)).to_pylist())
    abroad = text[:n]
    assert abroad.nunique() == n
    assert (pd.Series(render_ip(kind, key, 5).to_pylist())[:n].nunique()) < n  # hashed: shared
    v4 = abroad[~abroad.str.contains(":")].head(500)
    blocks = [ipaddress.ip_network(f"{start}/{32 - size.bit_length() + 1}") for start, size in FOREIGN_V4]
    assert all(any(ipaddress.ip_address(a) in b for b in blocks) for a in v4)
    # Equal keys keep equal addresses, in any order.
    again = render_ip(kind[::-1], key[::-1], 5, own_address_tables(kind[::-1], key[::-1], 5)).to_pylist()
    assert again[::-1] == text.tolist()


def test_a_fraud_claim_never_carries_an_honest_persons_phone_by_chance() -> None:
    """Fraud numbers drawn from the numbers honest people hold put 12,000 honest claimants'
    phones on fraud claims at 200,000 claims a night; a drawn number an honest person holds
    now moves to a free line, the same number always to the same one."""
    rng = np.random.default_rng(5)
    exchange = 614_555_0000
    honest = exchange + rng.choice(10_000, 6_000, replace=False)
    fraud = np.r_[honest[:300], exchange + rng.integers(0, 10_000, 3_000), honest[:300], 0]
    out = fraud_numbers_of_their_own(honest, fraud)
    assert not np.isin(out[out > 0], honest).any() and out[-1] == 0
    assert (out[:300] == out[3_300:3_600]).all()  # shared numbers stay shared
    assert (out // 10_000 == fraud // 10_000)[:-1].all()  # same exchange
    untouched = ~np.isin(fraud, honest)
    assert (out[untouched] == fraud[untouched]).all()
    assert (fraud_numbers_of_their_own(honest, fraud) == out).all()
    assert fraud_numbers_of_their_own(honest, np.r_[fraud, fraud])[: len(fraud)].tolist() == out.tolist()


def test_an_account_number_belongs_to_one_account() -> None:
    """Hashed account numbers repeat at a bank by chance (607 accounts held by two households
    at 200,000 claims a night); each code now gets a number of its own at its bank."""
    banks = make_banks(np.random.default_rng(2))
    codes = np.arange(1, 3_000_001, dtype=np.uint64)
    bank, length, number = draw_accounts(codes, banks, 9)
    hashed = pd.DataFrame({"bank": bank, "length": length, "number": number})
    assert hashed.duplicated().any()  # the old draw: numbers repeat
    table = own_accounts(np.r_[codes, codes[:10], np.zeros(3, np.uint64)], banks, 9)
    routing, account = render_account(codes, banks, 9, table)
    pairs = pd.Series(routing.to_pylist()) + ":" + pd.Series(account.to_pylist())
    assert pairs.is_unique
    moved = (
        pd.Series(account.to_pylist()) != pd.Series(render_account(codes, banks, 9)[1].to_pylist())
    ).sum()
    assert moved == hashed.duplicated().sum()  # only the repeats move, the first keeps its number
    some = codes[[5, 77, 5]]
    again = render_account(np.r_[some, np.uint64(0)], banks, 9, table)[1].to_pylist()
    assert again[:3] == [account[5].as_py(), account[77].as_py(), account[5].as_py()] and again[3] == ""


def test_a_po_box_belongs_to_one_person() -> None:
    """One box holder per box at a ZIP's post office: hashed into 9,000 numbers, 6,300 holders
    at one ZIP (200,000 claims a night) shared boxes with strangers."""
    rng = np.random.default_rng(4)
    ident = rng.integers(0, 30_000, 120_000)
    zip5 = 43_000 + ident % 3  # 10,000 holders a ZIP, every one filing several times
    box = rng.random(len(ident)) < 0.9
    number = box_numbers(ident, zip5, box)
    held = pd.DataFrame({"ident": ident, "zip": zip5, "number": number})[box]
    assert (held.groupby("ident").number.nunique() == 1).all()
    assert (held.groupby(["zip", "number"]).ident.nunique() == 1).all()
    assert held.number.between(0, PO_BOXES - 1).all() and (number[~box] == 0).all()
    hashed = held.assign(number=(mix64(held.ident.to_numpy().astype(np.uint64), 29) % np.uint64(9000)))
    assert (hashed.groupby(["zip", "number"]).ident.nunique() > 1).any()


def test_a_street_address_belongs_to_one_household() -> None:
    """Drawn house numbers repeat on a street; a repeat is moved to a free number (no random
    draw), so two households never share an address as the pipeline normalizes it (a shared
    address is a ring edge). Of 400,000 households, 108 shared an address before the move."""
    n = 400_000
    addresses = make_addresses(np.random.default_rng(3), n, 1_000)
    line1 = pd.Series(addresses.line1.to_pylist())
    units = pd.Series(
        [
            f"Apt {u}{UNIT_LETTERS[x] if x >= 0 else ''}" if u else ""
            for u, x in zip(addresses.unit_num, addresses.unit_letter, strict=True)
        ]
    )
    key = normalize_address(line1, units) + " " + pd.Series(addresses.zip5).astype(str)
    assert key.is_unique
    again = make_addresses(np.random.default_rng(3), n, 1_000)
    assert again.line1.equals(addresses.line1) and (again.zip4 == addresses.zip4).all()


def test_honest_movers_claimed_in_the_state_they_left_months_before(
    claims: pd.DataFrame, big: WorldSummary
) -> None:
    """People move between states, and some claimed UI in the state they left: about 1.8% of
    honest claims (1.5% in their own random stream, 0.3% of old) have one claim in one other
    state, 60 to 540 days before filing here: older than the 30 days within which a claim
    there overlaps this one (INTERSTATE hard evidence). Multi-state fraud stays within 90 days."""
    from claimscreen.data.settings import InterstateSettings

    ref = read_csv(big.reference_files["interstate_claims"]).assign(
        ssn=lambda f: digits(f.ssn), filed=lambda f: pd.to_datetime(f.filed_at.str[:10])
    )
    claims = claims.assign(ssn=digits(claims.ssn), day=pd.to_datetime(claims.batch_date))
    honest = claims[~claims.is_fraud]
    movers = honest[honest.honest_case == "interstate_mover"].merge(ref, on="ssn", suffixes=("", "_there"))
    assert 0.012 < movers.claim_id.nunique() / len(honest) < 0.025
    assert (movers.groupby("claim_id").state_there.nunique() == 1).all()
    gap = (movers.day - movers.filed).dt.days
    assert gap.between(60, 540).all()
    assert (gap > InterstateSettings().concurrent_days).all()
    assert movers.state_there.isin(["PA", "MI", "IN", "KY", "WV"]).mean() > 0.5
    assert not movers.state_there.isin(["OH"]).any()
    multi = claims[claims.typology == "multi_state"].merge(ref, on="ssn", suffixes=("", "_there"))
    assert (multi.day - multi.filed).dt.days.between(0, 90).all()


def test_relatives_living_apart_share_a_phone_a_mailbox_a_device_or_an_account(claims: pd.DataFrame) -> None:
    """Honest people share contact points across homes with family: a relative who helps file gives
    their own phone or mailbox or lends a device (and sometimes claims too), a spouse who moved out
    keeps the joint account, a re-filer moves. Every honest phone, mailbox or device that two people
    at two homes give is a pair of relatives, most of them with a surname word in common."""
    honest = claims[~claims.is_fraud & claims.defect.isna()]
    home = honest.address_line1.str.split().str[0] + " " + honest.zip.str[:5]
    honest = honest.assign(home=home, surname=honest.last_name.str.upper().str.split())
    keys = {
        "phone": digits(honest.phone).str[-10:],
        "email": canonical_email(honest.email.astype("str")).fillna(""),
        "device": honest.device_id,
    }
    pairs = 0
    for kind, key in keys.items():
        given = honest[key != ""].assign(key=key[key != ""])
        people = given.groupby("key").person_key.nunique()
        homes = given.groupby("key").home.nunique()
        apart = given[given.key.isin(people[(people >= 2) & (homes >= 2) & (people <= 5)].index)]
        assert len(apart) and (apart.honest_case == "relatives_sharing").all(), kind
        if kind != "device":
            assert (people[apart.key.unique()] == 2).all()
            pairs += apart.key.nunique()
    sharing = honest[honest.honest_case == "relatives_sharing"]
    phones = digits(sharing.phone).str[-10:]
    related = (
        sharing[phones != ""]
        .groupby(phones[phones != ""])
        .surname.agg(lambda names: len(set.intersection(*map(set, names))) > 0 if len(names) > 1 else None)
    )
    assert 0.55 < related.dropna().mean() < 0.85
    assert 0.002 < sharing.person_key.nunique() / honest.person_key.nunique() < 0.02 and pairs > 100
    helped = honest[honest.honest_case == "relative_helper"]
    assert 0.01 < len(helped) / len(honest) < 0.05
    assert (helped.age >= 65).mean() > 2 * (honest.age >= 65).mean()
    spouses = honest[honest.honest_case == "separated_spouse"]
    accounts = spouses[spouses.bank_account != ""].groupby("bank_account")
    assert (accounts.home.nunique() >= 2).sum() > 20 and (accounts.person_key.nunique() >= 2).all()
    moved = honest[honest.person_key.isin(honest.person_key[honest.honest_case == "moved_refile"])]
    assert (moved.groupby("person_key").home.nunique() == 2).all()
    assert (digits(moved.ssn).groupby(moved.person_key).nunique() == 1).all()


def test_relatives_come_from_a_stream_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other draws of relatives change only the claims of the relatives they choose: fraud claims
    and every other honest claim are the same."""
    import claimscreen.data.generate as generate

    def world(folder: str) -> pd.DataFrame:
        summary = generate_world(tmp_path / folder, days=6, claims_per_day=800, seed=8, defect_rate=0)
        return pd.concat([read_csv(p) for p in summary.batch_files]).merge(
            pd.read_parquet(summary.truth_file).drop(columns="language"), on="claim_id"
        )

    kin = ("relative_helper", "relatives_sharing", "separated_spouse", "moved_refile")
    first = world("a")
    monkeypatch.setattr(generate, "KIN_STREAM", 4321)
    second = world("b")
    pd.testing.assert_frame_equal(first[first.is_fraud], second[second.is_fraud])
    untouched = ~first.honest_case.isin(kin) & ~second.honest_case.isin(kin)
    columns = [c for c in first.columns if c != "honest_case"]
    pd.testing.assert_frame_equal(first.loc[untouched, columns], second.loc[untouched, columns])
    assert (first.honest_case.isin(kin) != second.honest_case.isin(kin)).any()


# --- Fraud families and their variants -----------------------------------------------------


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A world where a fifth of the claims are fraud: every variant of every family appears."""
    world = generate_world(
        tmp_path_factory.mktemp("varied"), days=20, claims_per_day=1000, seed=3, fraud_rate=0.2, defect_rate=0
    )
    batches = pd.concat([read_csv(p) for p in world.batch_files], ignore_index=True)
    truth = pd.read_parquet(world.truth_file)
    claims = batches.merge(truth.drop(columns="language"), on="claim_id", validate="one_to_one")
    wages = read_csv(world.reference_files["wage_records"])
    ranges = read_csv(world.reference_files["ip_ranges"])
    return claims.assign(
        in_wages=digits(claims.ssn).isin(digits(wages.ssn)),
        wage_eins=digits(claims.ssn).map(
            wages.assign(ein=digits(wages.employer_ein)).groupby(digits(wages.ssn)).ein.agg(set)
        ),
        listed_range=claims.ip_address.map(lambda ip: any(ip_in(ip, cidr) for cidr in ranges.cidr[:40])),
    )


def ip_in(ip: str, cidr: str) -> bool:
    return bool(ip) and ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


def rings_of(claims: pd.DataFrame, variant: str) -> pd.core.groupby.DataFrameGroupBy:
    rows = claims[claims.variant == variant]
    assert rows.ring_key.nunique() >= 2, f"too few rings of {variant}"
    return rows.groupby("ring_key")


def test_truth_names_each_fraud_claims_variant_of_its_family(varied: pd.DataFrame) -> None:
    fraud = varied[varied.is_fraud]
    assert varied.loc[~varied.is_fraud, "variant"].isna().all()
    assert (fraud.variant.str.split("/").str[0] == fraud.typology).all()
    assert set(fraud.variant) == set(VARIANTS)  # every variant of every family, at this size
    assert all(len(options) >= 2 for options in FAMILIES.values())
    assert (fraud.groupby("ring_key").variant.nunique() == 1).all()  # one variant per ring


def test_variants_come_from_a_stream_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other variant draws give the same honest claims and the same rings (typology, size):
    the variants' stream never shifts the rest of the world."""
    import claimscreen.data.generate as generate

    def world(folder: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        summary = generate_world(tmp_path / folder, days=6, claims_per_day=800, seed=8, defect_rate=0)
        claims = pd.concat([read_csv(p) for p in summary.batch_files]).merge(
            pd.read_parquet(summary.truth_file).drop(columns="language"), on="claim_id"
        )
        columns = ["ssn", "first_name", "last_name", "date_of_birth", "filed_at", "email", "phone", "zip"]
        honest = claims.loc[~claims.is_fraud, columns].sort_values(columns).reset_index(drop=True)
        rings = (
            claims[claims.is_fraud]
            .groupby("ring_key")
            .agg(typology=("typology", "first"), n=("ring_size", "first"))
        )
        return honest, rings.assign(variant=claims[claims.is_fraud].groupby("ring_key").variant.first())

    honest, rings = world("a")
    monkeypatch.setattr(generate, "VARIANT_STREAM", 1234)
    honest_again, rings_again = world("b")
    pd.testing.assert_frame_equal(honest, honest_again)
    pd.testing.assert_frame_equal(rings[["typology", "n"]], rings_again[["typology", "n"]])
    assert (rings.variant != rings_again.variant).any()


def test_a_stealth_chain_shares_each_identifier_between_exactly_two_claims(varied: pd.DataFrame) -> None:
    """Claim A shares one identifier with B, B another with C, and so on: no account, phone,
    mailbox, device or address is seen three times, yet the ring is one chain."""
    keys = {
        "account": varied.bank_routing + ":" + varied.bank_account,
        "phone": digits(varied.phone).str[-10:],
        "email": canonical_email(varied.email.astype("str")),
        "device": varied.device_id,
        "address": normalize_address(varied.address_line1, varied.address_line2) + " " + varied.zip.str[:5],
    }
    chains = rings_of(varied, "stolen_identity_bank_drop/stealth_chain")
    for _, ring in chains:
        ring = ring.sort_values(["filed_at"])
        links = set()
        for name, key in keys.items():
            values = key[ring.index].replace("", np.nan).dropna()
            counts = key[key.isin(values)].value_counts()
            assert counts.max() <= 2, f"a {name} used by {counts.max()} claims"
            for value in counts[counts == 2].index:
                pair = tuple(sorted(ring.index[(key[ring.index] == value).to_numpy()]))
                assert len(pair) == 2, f"a {name} shared with a claim outside the chain"
                links.add(pair)
        # size - 1 links that join every claim: a chain (a path), not a star or a clique
        assert len(links) == len(ring) - 1
        degree = pd.Series([c for pair in links for c in pair]).value_counts()
        assert degree.max() <= 2 and set(degree.index) == set(ring.index)


def test_device_farms_on_residential_proxies(varied: pd.DataFrame) -> None:
    """Each claim from a home address of its own (no hosting, VPN or Tor range), ordinary
    browsers, sessions of minutes; the farm's few devices still repeat."""
    for _, ring in rings_of(varied, "device_farm/residential_proxy"):
        assert ring.ip_address.is_unique and not ring.listed_range.any()
        assert ring.device_id.nunique() <= 4
        assert not ring.user_agent.str.contains("Headless|python|curl", case=False).any()
        assert ring.session_seconds.astype(float).median() > 120
        assert ring.batch_date.nunique() >= 2 or len(ring) <= 3
    proxies = rings_of(varied, "device_farm/residential_proxy")
    assert (proxies.device_id.nunique() < proxies.size()).any()
    blocks = rings_of(varied, "device_farm/hosting_block")
    assert blocks.ip_address.agg(lambda ips: ips.str.rsplit(".", n=1).str[0].nunique() == 1).all()


def test_one_identity_refiled_with_stacked_variations(varied: pd.DataFrame) -> None:
    """The same SSN filed again and again, each time with a name variation and day and month of
    birth swapped, a mailbox and an account of its own."""
    for _, ring in rings_of(varied, "refiled_identity/stacked_variations"):
        ring = ring.sort_values("filed_at")
        assert digits(ring.ssn).nunique() == 1
        later = ring.iloc[1:]
        assert (later.date_of_birth != ring.date_of_birth.iloc[0]).all()
        assert (
            (later.first_name != ring.first_name.iloc[0]) | (later.last_name != ring.last_name.iloc[0])
        ).all()
        assert ring.email.nunique() == len(ring)


def test_mail_drops_spell_one_unit_many_ways(varied: pd.DataFrame) -> None:
    """5 to 24 claimants over one to three weeks give one unit, written Apt 5, #5, Unit 5, APT. 5,
    Apartment 5, Apt.5 or # 5 and St, Street, St. or ST; as residence, as mailing address, or either."""
    drops = varied[varied.typology == "mail_drop"]
    home = normalize_address(drops.address_line1, drops.address_line2) + " " + drops.zip.str[:5]
    mail = (
        normalize_address(drops.mailing_address_line1, drops.mailing_address_line2)
        + " "
        + drops.mailing_zip.str[:5]
    )
    given = home.where(drops.mailing_address_line1 == "", mail)
    for variant in ("residence", "mailing", "mixed"):
        assert (drops.variant == f"mail_drop/{variant}").any()
    for _, ring in drops.groupby("ring_key"):
        units = pd.concat([ring.address_line2, ring.mailing_address_line2])
        assert 5 <= len(ring) <= 24
        assert given[ring.index].nunique() == 1 or ring.variant.iloc[0] == "mail_drop/mixed"
        assert units[units != ""].nunique() >= 2 or len(ring) < 6
        if ring.variant.iloc[0] == "mail_drop/residence":
            assert (ring.mailing_address_line1 == "").all()
        if ring.variant.iloc[0] == "mail_drop/mailing":
            assert (ring.mailing_address_line1 != "").all()
    units = pd.concat([drops.address_line2, drops.mailing_address_line2])
    assert {"Apartment ", "Apt.", "# "} <= {u.rstrip("0123456789ABCDEF-") for u in units}
    streets = pd.concat([drops.address_line1, drops.mailing_address_line1]).str.split().str[-1]
    assert {"St", "Street", "St.", "ST"} <= set(streets)


def test_synthetic_identities_with_impossible_and_plausible_ssns(varied: pd.DataFrame) -> None:
    synthetic = varied[varied.typology == "synthetic_identity"]
    impossible = synthetic.variant == "synthetic_identity/impossible_ssn"
    valid = synthetic.ssn.str.fullmatch(SSN)
    assert not valid[impossible].any() and valid[~impossible].all()
    assert not synthetic.in_wages.any()  # a thin footprint: no wage history
    honest = set(digits(varied.loc[~varied.is_fraud, "ssn"]))
    assert not digits(synthetic.ssn).isin(honest).any()
    aged = synthetic[synthetic.variant == "synthetic_identity/plausible_ssn_aged"]
    assert aged.age.between(24, 56).all() and synthetic[~impossible].age.min() < 25


def test_a_layoff_cover_files_for_one_employers_workers(varied: pd.DataFrame) -> None:
    """Stolen payroll data of one large employer: its workers, laid off on one date, their wage
    records naming that employer; the payments go to the ring's few accounts."""
    for _, ring in rings_of(varied, "stolen_identity_bank_drop/layoff_cover"):
        assert digits(ring.employer_ein).nunique() == 1 and ring.separation_date.nunique() == 1
        assert (ring.separation_reason == "lack_of_work").all()
        ein = digits(ring.employer_ein).iloc[0]
        assert all(ein in eins for eins in ring.wage_eins)
        assert ring.bank_account.nunique() <= 3


def test_drop_rings_that_look_like_households(varied: pd.DataFrame) -> None:
    """Threes at one unit each, sharing a home internet address and a computer as a family
    does; one bank account takes every payment of the ring."""
    for _, ring in rings_of(varied, "drop_address/household_cover"):
        home = normalize_address(ring.address_line1, ring.address_line2) + " " + ring.zip.str[:5]
        if len(ring) <= 12:
            assert home.value_counts().max() <= 3
        for _, family in ring.groupby("ip_address"):
            assert len(family) <= 3 and family.device_id.nunique() == 1 and home[family.index].nunique() == 1
        assert (ring.bank_account.nunique(), ring.mailing_address_line1.max()) == (1, "")


def test_a_world_without_fraud(tmp_path: Path) -> None:
    world = generate_world(tmp_path, days=2, claims_per_day=300, seed=1, fraud_rate=0.0)
    truth = pd.read_parquet(world.truth_file)
    assert (world.fraud_claims, world.rings, len(truth)) == (0, 0, 600)
    assert truth.variant.isna().all() and not truth.is_fraud.any()
