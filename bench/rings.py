"""Benchmark of ring finding: scipy vs networkx components on 1,000,000 claims, and quality on a world.

Usage::

    .venv/bin/python bench/rings.py [--claims 1000000] [--seed 0] [--world-days 30 --world-claims 3000]

1. Builds a synthetic claims window (vectorized, in lake form) with realistic
   sharing: households (address, home IP, shared computer, spouse's account),
   library IPs and public computers, mobile CGNAT, honest VPN users, apartment
   buildings written without the unit, mass layoffs, and 2% fraud in rings (bank
   drops, device farms in bursts from hosting IPs, drop addresses, chains).
2. Times :func:`find_rings` end to end, then the connected-components step alone
   with scipy and with networkx on the same bipartite graph, checks that the two
   partitions are equal, and prints seconds, the ratio and the peak RSS.
3. With ``--world-days`` > 0: generates a world with ``generate_world``, ingests
   it (the congregate-address list too), and prints the quality figures (share
   of fraud ring claims with a ring id, share of honest claims with one, ring
   sizes, the largest component) and the pairwise precision and recall of ring
   grouping among fraud claims: a pair of claims is predicted when both carry
   one ring id, true when both belong to one generated ring (overall, without
   the one-person re-filings, and per variant beside what an oracle linking any
   shared value of a ring's own claims reaches), and the honest claims in a ring
   by the generator's honest profile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from claimscreen.data.reference import read_reference
from claimscreen.features.device import categorize_ips
from claimscreen.features.network import connected_labels, find_rings, ring_components, ring_graph

Arr = np.ndarray[Any, Any]
START = np.datetime64("2026-07-01T00:00:00", "s")
DAYS = 90


def text(prefix: str, values: Arr, missing: Arr | None = None) -> pa.Array:
    """``prefix`` followed by each integer, as an Arrow string array (null where ``missing``)."""
    out = pc.binary_join_element_wise(pa.scalar(prefix), pc.cast(pa.array(values), pa.string()), "")
    return out if missing is None else pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), out)


def honest_columns(rng: np.random.Generator, n: int) -> dict[str, Arr]:
    """Integer codes of honest claims' identifiers (households, libraries, CGNAT, VPN, buildings)."""
    person = np.where(rng.random(n) < 0.03, rng.integers(0, n, n), np.arange(n))  # 3% re-file
    household = np.where(person < int(0.10 * n), person // 3, person)  # ~10% live 2-4 to a home
    head = np.where(person < int(0.10 * n), (person // 3) * 3, person)
    channel = rng.choice(3, n, p=[0.65, 0.20, 0.15])  # web, mobile, phone/in person
    place = rng.choice(4, n, p=[0.84, 0.045, 0.007, 0.108])  # home, library, vpn, elsewhere
    n_library = max(3, n * 45 // 1000 // 350)
    library = rng.integers(0, n_library, n)
    ip = np.select(
        [place == 0, place == 1, place == 2],
        [household, 10**9 + library, 2 * 10**9 + rng.integers(0, 60, n)],
        3 * 10**9 + np.arange(n),
    )
    ip = np.where(channel == 1, 4 * 10**9 + rng.integers(0, max(20, n // 150 // 5), n), ip)
    device = np.where(
        (place == 1) & (rng.random(n) < 0.7), 10**9 + library * 8 + rng.integers(0, 8, n), person
    )
    device = np.where((household != person) & (household % 10 < 4), 2 * 10**9 + household, device)
    building = household % 50 < 15  # a third of homes are in buildings of 40 units
    no_unit = building & (rng.random(n) < 0.02)
    return {
        "person": person,
        "account": np.where(rng.random(n) < 0.5, head, person),
        "device": device,
        "ip": ip,
        "online": channel < 2,
        "vpn": place == 2,
        "email": person,
        "phone": person,
        "street": np.where(building, 10**9 + household // 40, household),
        "unit": np.where(building & ~no_unit, household % 40, -1),
        "employer": np.where(rng.random(n) < 0.05, rng.integers(0, 20, n), rng.integers(0, n // 20 + 1, n)),
        "second": rng.integers(0, DAYS * 86_400, n),
        "surname": surnames(rng, n, household),
    }


def surnames(rng: np.random.Generator, n: int, household: Arr) -> Arr:
    """A surname code per claim: one per household (four in five share it), drawn from 50,000
    names weighted 1 / (rank + 10): the commonest 1.2% of people (SMITH is about 0.8% in the US)."""
    drawn = np.floor(10 * np.exp(rng.random(n) * np.log(5_001)) - 10).astype(np.int64)
    return np.where(rng.random(n) < 0.8, drawn[household % n], drawn)


def fraud_columns(rng: np.random.Generator, n: int, base: int) -> dict[str, Arr]:
    """Integer codes of fraud claims in rings of 3-60: bank drops, device farms, drop addresses, chains."""
    sizes = np.clip(np.round(rng.lognormal(np.log(9), 0.75, n // 3)), 3, 60).astype(np.int64)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    ring = np.repeat(np.arange(len(sizes)), sizes)[:n]
    kind = (ring * 7919) % 4  # 0 bank drop, 1 device farm, 2 drop address, 3 chain
    own = base + np.arange(n)
    pool = 1 + ring % 3
    member = rng.integers(0, 3, n) % pool
    night = ring % DAYS + rng.integers(0, 3, n)
    burst = np.where(kind == 1, rng.integers(0, 60 * sizes[ring], n), rng.integers(0, 7_200, n))
    cols = {
        "person": own,
        "account": np.where(kind == 0, 5 * 10**9 + ring * 4 + member, own),
        "device": np.where(kind == 1, 5 * 10**9 + ring * 4 + member, own),
        "ip": np.where(kind == 1, 6 * 10**9 + ring * 256 + rng.integers(0, 8, n), own),
        "online": np.ones(n, dtype=bool),
        "vpn": kind == 1,
        "email": own,
        "phone": own,
        "street": np.where(kind == 2, 5 * 10**9 + ring * 4 + member, own),
        "unit": np.where(kind == 2, 1, -1),
        "employer": rng.integers(0, n // 20 + 1, n),
        "second": np.minimum(night * 86_400 + 79_200 + burst, DAYS * 86_400 - 1),
        "surname": surnames(rng, n, own),
    }
    chain = np.flatnonzero((kind == 3) & (np.r_[-1, ring[:-1]] == ring))
    for k, name in enumerate(
        ("account", "device", "phone")
    ):  # each link shares one identifier with the previous
        rows = chain[chain % 3 == k]
        cols[name][rows] = cols[name][rows - 1]
    return cols


def synthetic_window(n: int, seed: int, fraud_rate: float = 0.02) -> tuple[pd.DataFrame, pd.Series]:
    """A claims window in lake form, and the categories of its VPN and hosting IPs."""
    rng = np.random.default_rng(seed)
    n_fraud = int(n * fraud_rate)
    honest, fraud = honest_columns(rng, n - n_fraud), fraud_columns(rng, n_fraud, 10 * n)
    c = {k: np.r_[honest[k], fraud[k]] for k in honest}
    offline = ~c["online"]
    street = text("", c["street"])
    address = pc.binary_join_element_wise(street, text(" OAK ST #", c["unit"]), "")
    address = pc.if_else(
        pa.array(c["unit"] < 0), pc.binary_join_element_wise(street, pa.scalar(" OAK ST"), ""), address
    )
    ip = text("ip-", c["ip"], offline)
    table = pa.table(
        {
            "claim_id": text("C", np.arange(n)),
            "filed_at": pa.array(
                (START + c["second"].astype("timedelta64[s]")).astype("datetime64[us]")
            ).cast(pa.timestamp("us", tz="UTC")),
            "ssn_token": text("ssn-", c["person"]),
            "bank_account_token": text("acct-", c["account"]),
            "device_id": text("dev-", c["device"], offline),
            "ip_address": ip,
            "email_canonical": text("mail-", c["email"]),
            "phone_e164": text("+1", c["phone"]),
            "address_norm": address,
            "zip5": text("", 43000 + c["street"] % 900),
            "mailing_address_norm": pa.nulls(n, pa.string()),
            "mailing_zip5": pa.nulls(n, pa.string()),
            "employer_ein": text("EIN", c["employer"]),
            "last_name_norm": text("NAME", c["surname"]),
        }
    )
    claims = table.to_pandas()
    risky = pd.unique(pd.Series(ip.filter(pa.array(c["vpn"] & ~offline)).to_pandas()))
    return claims, pd.Series("vpn", index=pd.Index(risky, dtype="str"), dtype="str")


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def networkx_labels(claim: Arr, node: Arr, n_claims: int) -> Arr:
    """The same components with networkx (graph built from the same bipartite edge list)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n_claims))
    graph.add_edges_from(zip(claim.tolist(), (node + n_claims).tolist(), strict=True))
    labels = np.empty(n_claims, dtype=np.int64)
    for k, members in enumerate(nx.connected_components(graph)):
        rows = np.fromiter((m for m in members if m < n_claims), dtype=np.int64)
        labels[rows] = k
    return labels


def same_partition(a: Arr, b: Arr) -> bool:
    """Equal partitions: relabelling each by first appearance gives the same arrays."""
    return bool((pd.factorize(a)[0] == pd.factorize(b)[0]).all())


def bench_speed(n: int, seed: int) -> None:
    started = time.perf_counter()
    claims, categories = synthetic_window(n, seed)
    print(f"window: {len(claims):,} claims built in {time.perf_counter() - started:.1f} s")
    started, cpu = time.perf_counter(), time.process_time()
    rings = find_rings(claims, ip_categories=categories)
    full = time.perf_counter() - started
    print(
        f"find_rings (end to end): {full:.2f} s (CPU {time.process_time() - cpu:.2f} s); "
        f"{rings['ring_id'].nunique():,} rings, "
        f"{rings['ring_id'].notna().mean():.2%} of claims in one, largest ring {rings['ring_size'].max()}"
    )
    graph = ring_graph(claims, ip_categories=categories)
    nodes = int(graph.node.max()) + 1
    print(f"graph: {graph.n_claims:,} claims, {nodes:,} identifier nodes, {len(graph.claim):,} edges")
    started = time.perf_counter()
    labels = connected_labels(graph.claim, graph.node, graph.n_claims)
    scipy_s = time.perf_counter() - started
    started = time.perf_counter()
    nx_labels = networkx_labels(graph.claim, graph.node, graph.n_claims)
    nx_s = time.perf_counter() - started
    same = same_partition(labels, nx_labels)
    print(f"components: scipy {scipy_s:.3f} s, networkx {nx_s:.2f} s (build + run), same partition: {same}")
    print(f"ratio networkx / scipy (components): {nx_s / scipy_s:.0f}x")
    print(f"ratio networkx components / find_rings end to end: {nx_s / full:.1f}x")
    print(f"largest component: {np.bincount(labels).max()} claims")
    print(f"peak RSS: {peak_rss_gb():.2f} GB")


def bench_window(n: int, seed: int) -> None:
    """find_rings alone on a full window (a night and its 90-day history), for the stage's time budget."""
    claims, categories = synthetic_window(n, seed)
    print(f"window: {len(claims):,} claims built; peak RSS so far {peak_rss_gb():.2f} GB")
    started, cpu = time.perf_counter(), time.process_time()
    rings = find_rings(claims, ip_categories=categories)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    largest = rings["ring_size"].max()
    print(f"find_rings on {n:,} claims: {seconds:.1f} s (CPU {cpu:.1f} s), largest ring {largest}")
    print(f"peak RSS: {peak_rss_gb():.2f} GB")


def world_claims(
    days: int, per_day: int, seed: int, root: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import ingest_batch
    from claimscreen.data.lake import Lake
    from claimscreen.data.reference import load_reference

    os.environ.setdefault("CLAIMSCREEN_SECRET_KEY", "bench-rings-key-0123456789")
    generate_world(root / "world", days=days, claims_per_day=per_day, seed=seed)
    listed = root / "world" / "reference" / "congregate_addresses.csv"
    if listed.exists():
        load_reference(root / "home", "congregate_addresses", listed)
    for batch in sorted((root / "world" / "batches").glob("claims_*.csv")):
        ingest_batch(root / "home", batch, dt.date.fromisoformat(batch.stem.split("_")[1]))
    claims = Lake(root / "home").read_zone("claims")
    truth = (
        pd.read_parquet(root / "world" / "truth.parquet").set_index("claim_id").reindex(claims["claim_id"])
    )
    return claims, truth, pd.read_csv(root / "world" / "reference" / "ip_ranges.csv")


def bench_quality(days: int, per_day: int, seed: int, root: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="claimscreen-rings-") as tmp:
        where = root or Path(tmp)
        claims, truth, ranges = world_claims(days, per_day, seed, where)
        congregate = read_reference(where / "home", "congregate_addresses")
    categories = categorize_ips(claims["ip_address"], ranges)
    started = time.perf_counter()
    out = find_rings(claims, ip_categories=categories, congregate=congregate)
    seconds = time.perf_counter() - started
    print(f"world: {days} days x {per_day} claims/day: {len(claims):,} claims, find_rings {seconds:.2f} s")
    in_ring = out["ring_id"].notna().to_numpy()
    ring_claim = truth["ring_key"].notna().to_numpy()
    honest = ~truth["is_fraud"].to_numpy(dtype=bool)
    print(f"fraud ring claims with a ring_id: {in_ring[ring_claim].mean():.1%} of {ring_claim.sum():,}")
    by_typology = pd.Series(in_ring[ring_claim]).groupby(truth["typology"].to_numpy()[ring_claim]).mean()
    print("  by typology: " + ", ".join(f"{k} {v:.0%}" for k, v in by_typology.items()))
    share, count = in_ring[honest].mean(), in_ring[honest].sum()
    print(f"honest claims with a ring_id: {share:.2%} ({count:,} of {honest.sum():,})")
    cases = pd.DataFrame({"case": truth["honest_case"].to_numpy()[honest], "in": in_ring[honest]})
    by_case = cases.groupby("case")["in"].agg(["sum", "count"])
    print(
        "  by honest profile: "
        + ", ".join(f"{k} {v['sum']} of {v['count']:,}" for k, v in by_case.iterrows() if v["sum"])
    )
    sizes = out.loc[in_ring & honest, "ring_size"].value_counts().sort_index()
    print(f"  ring sizes they land in (size: claims): {sizes.to_dict()}")
    by_ring = (
        pd.DataFrame({"ring": out["ring_id"], "honest": honest}).dropna().groupby("ring")["honest"].mean()
    )
    fraud_only, honest_only = (by_ring == 0).sum(), (by_ring == 1).sum()
    mixed = len(by_ring) - fraud_only - honest_only
    print(f"rings: {len(by_ring):,}; all fraud {fraud_only}, all honest {honest_only}, mixed {mixed}")
    labels, _ = ring_components(claims, categories, congregate=congregate)
    print(f"largest component: {np.bincount(labels).max()} claims; largest ring: {out['ring_size'].max()}")
    precision, recall = pairwise_scores(out["ring_id"].to_numpy(dtype=object), truth, ring_claim)
    print(f"ring grouping among fraud claims: pairwise precision {precision:.2f}, recall {recall:.2f}")
    linkable = linkable_groups(claims, truth, ring_claim)
    precision, recall = pairwise_scores(
        out["ring_id"].to_numpy(dtype=object), truth.assign(ring_key=linkable), ring_claim
    )
    print(
        f"  against the linkable part of each ring (its claims joined by any identifier they share):"
        f" P {precision:.2f}, R {recall:.2f}"
    )
    precision, recall = pairwise_scores(linkable, truth, ring_claim)
    print(f"  the best any identifier linker can do on this world: P {precision:.2f}, R {recall:.2f}")
    people = ring_claim & (truth["typology"].to_numpy() != "refiled_identity")
    precision, recall = pairwise_scores(out["ring_id"].to_numpy(dtype=object), truth, people)
    print(f"  without re-filed identities (one person: never a ring): P {precision:.2f}, R {recall:.2f}")
    print_variants(out["ring_id"].to_numpy(dtype=object), linkable, truth, ring_claim)


def print_variants(ring_id: Arr, linkable: Arr, truth: pd.DataFrame, ring_claim: Arr) -> None:
    """Per variant: true pairs, recall, the oracle's recall and the pairs it cannot link."""
    variant = truth["variant"].to_numpy()
    print("  by variant: pairs, recall, oracle recall, pairs no identifier links (most first)")
    rows = []
    for name in pd.unique(variant[ring_claim]):
        only = ring_claim & (variant == name)
        pairs = _pairs(pd.Series(truth["ring_key"].to_numpy()[only]).astype(str))
        recall, oracle = pairwise_scores(ring_id, truth, only)[1], pairwise_scores(linkable, truth, only)[1]
        rows.append((round(pairs * (1 - oracle)), name, pairs, recall, oracle))
    for unlinked, name, pairs, recall, oracle in sorted(rows, reverse=True):
        print(f"    {name}: {pairs:,} pairs, R {recall:.2f}, oracle {oracle:.2f} ({unlinked:,} unlinkable)")


#: The identifiers a ring's claims can be seen to share: every kind the ring graph links on
#: (a residence and a mailing address are one kind, as in the ring graph: a unit given as home
#: by one member and for mail by another is shared).
LINK_COLUMNS = (
    ("bank_account_token",), ("device_id",), ("ip_address",), ("email_canonical",), ("phone_e164",),
    ("address_norm", "zip5"), ("mailing_address_norm", "mailing_zip5"), ("ssn_token",),
)  # fmt: skip
#: Columns whose values share one namespace with the first column of another (mailing -> residence).
SAME_KIND = {"mailing_address_norm": "address_norm"}


def linkable_groups(claims: pd.DataFrame, truth: pd.DataFrame, rows: Arr) -> Arr:
    """Each ring claim's group when a generated ring is cut where its claims share nothing.

    Within each generated ring (``ring_key``), claims are joined by any value they share of
    :data:`LINK_COLUMNS` (with no threshold: an oracle that knows who is in the ring); the
    connected pieces are the most any linker reading identifiers could group. Other rows: None.
    """
    out = np.full(len(claims), None, dtype=object)
    ring = truth["ring_key"].to_numpy()[rows]
    sub = claims.loc[rows].reset_index(drop=True)
    values, members = [], []
    for columns in LINK_COLUMNS:
        if not set(columns) <= set(sub.columns):
            continue
        value = sub[columns[0]].astype("str")
        for column in columns[1:]:
            value = value + "|" + sub[column].astype("str")
        kind = SAME_KIND.get(columns[0], columns[0])
        value = (pd.Series(ring, dtype="str") + f"|{kind}|" + value).where(sub[columns[0]].notna().to_numpy())
        present = value.notna().to_numpy()
        members.append(np.flatnonzero(present))
        values.append(value[present].to_numpy(dtype=object))
    n = len(sub)
    codes, uniques = pd.factorize(np.concatenate(values))
    member, node, base = np.concatenate(members), codes + n, len(uniques)
    graph = coo_matrix((np.ones(len(member)), (member, node)), shape=(n + base, n + base))
    labels = connected_components(graph, directed=False)[1][:n]
    out[rows] = [f"{r}:{label}" for r, label in zip(ring, labels, strict=True)]
    return out


def _pairs(groups: pd.Series) -> int:
    sizes = groups.value_counts().to_numpy(dtype=np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(ring_id: Arr, truth: pd.DataFrame, rows: Arr) -> tuple[float, float]:
    """Pairwise precision and recall of ring grouping over the claims of ``rows`` (fraud ring claims).

    A pair is predicted when both claims carry the same ring id, true when both belong to the
    same generated ring (``ring_key``). Precision: true pairs among predicted; recall: predicted
    pairs among true.
    """
    predicted = pd.Series(ring_id[rows]).dropna().astype(str)
    actual = pd.Series(truth["ring_key"].to_numpy()[rows]).astype(str)
    both = pd.Series(list(zip(predicted, actual.loc[predicted.index], strict=True)))
    hits = _pairs(both) if len(both) else 0
    guessed, real = _pairs(predicted), _pairs(actual)
    return (hits / guessed if guessed else 1.0), (hits / real if real else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--world-days", type=int, default=30)
    parser.add_argument("--world-claims", type=int, default=3000)
    parser.add_argument(
        "--window", type=int, default=0, help="also time find_rings alone on this many claims"
    )
    parser.add_argument(
        "--root", type=Path, help="build the world here and keep it (default: a temporary directory)"
    )
    args = parser.parse_args()
    if args.window > 0:
        bench_window(args.window, args.seed)
    if args.claims > 0:
        bench_speed(args.claims, args.seed)
    if args.world_days > 0:
        bench_quality(args.world_days, args.world_claims, args.seed, args.root)
    print(f"peak RSS (whole run): {peak_rss_gb():.2f} GB")


if __name__ == "__main__":
    main()
