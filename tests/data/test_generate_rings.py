"""Rings of the generator: what a ring's members share, pattern by pattern."""

from __future__ import annotations

import pandas as pd
import pytest

from claimscreen.data.generate import generate_world


@pytest.fixture(scope="module")
def farms(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The device farms' claims of a world of 20 nights x 1,500 claims (seed 3)."""
    world = generate_world(
        tmp_path_factory.mktemp("farms"), days=20, claims_per_day=1500, seed=3, defect_rate=0
    )
    batches = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in world.batch_files])
    truth = pd.read_parquet(world.truth_file)
    claims = batches.merge(truth, on="claim_id", validate="one_to_one")
    return claims[claims["typology"] == "device_farm"]


def test_a_hosting_block_farm_leaves_from_one_or_two_server_addresses(farms: pd.DataFrame) -> None:
    """Its emulators run on one or two cloud servers of one /24, each with one public address."""
    block = farms[farms["variant"] == "device_farm/hosting_block"]
    assert block["ring_key"].nunique() >= 1
    by_ring = block.groupby("ring_key")
    assert by_ring["ip_address"].nunique().between(1, 2).all()
    assert (by_ring["ip_address"].nunique() < by_ring.size()).all()
    network = block["ip_address"].str.rsplit(".", n=1).str[0]
    assert (network.groupby(block["ring_key"]).nunique() == 1).all()
    assert (by_ring["device_id"].nunique() >= 2).all()


def test_a_mixed_farm_files_over_its_own_line_from_one_address(farms: pd.DataFrame) -> None:
    """What a mixed farm files over its own line (not VPN, hosting or mobile) leaves from one
    address, whichever device; a residential-proxy farm's addresses are one per claim."""
    mixed = farms[farms["variant"] == "device_farm/mixed_ips"]
    assert mixed["ring_key"].nunique() >= 1
    top = mixed.groupby("ring_key")["ip_address"].agg(lambda s: s.value_counts().iloc[0])
    assert (top >= 2).all()
    line = mixed.groupby(["ring_key", "ip_address"])["device_id"].nunique()
    assert (line.groupby(level=0).max() >= 2).all()  # the line joins the farm's devices
    proxy = farms[farms["variant"] == "device_farm/residential_proxy"]
    assert proxy["ip_address"].is_unique
