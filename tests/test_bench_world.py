"""bench/world.py deletes and rebuilds a world only in a root it made itself."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from helpers import TEST_KEY

BENCH_WORLD = Path(__file__).resolve().parents[1] / "bench" / "world.py"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("CLAIMSCREEN_SECRET_KEY", TEST_KEY)
    spec = importlib.util.spec_from_file_location("bench_world", BENCH_WORLD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_a_root_it_did_not_make_is_refused_and_kept(world: ModuleType, tmp_path: Path) -> None:
    mine = tmp_path / "home" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("a user's own file")
    with pytest.raises(SystemExit) as refused:
        world.build_world(tmp_path, 2, 50, 3)
    message = str(refused.value)
    assert "\n" not in message and f"{tmp_path} holds home" in message and "refusing to delete" in message
    assert mine.read_text() == "a user's own file"
    assert not (tmp_path / world.MARKER).exists() and not (tmp_path / "world").exists()


def test_a_root_it_made_is_rebuilt_for_other_arguments(world: ModuleType, tmp_path: Path) -> None:
    root = tmp_path / "new"
    first = world.build_world(root, 2, 50, 3)
    assert (root / world.MARKER).exists() and first.nights == ["2026-10-01", "2026-10-02"]
    stray = root / "home" / "left.txt"
    stray.write_text("from the first world")
    assert world.build_world(root, 2, 50, 3) == first and stray.exists()  # the same arguments reuse it
    world.build_world(root, 2, 50, 4)
    assert not stray.exists() and json.loads((root / "built.json").read_text())["params"]["seed"] == 4


def test_a_root_built_before_the_marker_is_recognised(world: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "built.json").write_text(json.dumps({"params": {"days": 30}}))
    world.claim_root(tmp_path)
    assert (tmp_path / world.MARKER).exists()
    other = tmp_path / "other"
    (other / "world").mkdir(parents=True)
    (other / "built.json").write_text("[]")  # not one of this script's
    with pytest.raises(SystemExit, match=r"holds world, built\.json that bench/world\.py did not make"):
        world.claim_root(other)
