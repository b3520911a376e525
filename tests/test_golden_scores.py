"""The same scores, byte for byte: a fixed small world run night by night, each night's
scores export compared with the sha256 recorded in ``tests/golden/scores.json``.

The world is generated with a fixed seed and tokenized with a fixed secret key; its
reference lists and dispositions are loaded as an operator would, then every night runs
through :func:`claimscreen.flows.nightly.run_nightly` in this process (no Prefect server:
the same stage functions the nightly flow calls) and its scores are exported as
``claimscreen scores export --out night.csv`` writes them.

A refactoring must leave every digest as it is. When a change of scores is intended,
regenerate the file and say so in the commit message::

    make golden        # or: .venv/bin/python tests/test_golden_scores.py --write

which prints the nights whose scores changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # helpers, when run as a script
from helpers import TEST_KEY

GOLDEN = Path(__file__).resolve().parent / "golden" / "scores.json"
#: The fixed world: small enough for a test, with rings, labels and reference lists.
WORLD: dict[str, Any] = {"days": 4, "claims_per_day": 300, "seed": 7, "fraud_rate": 0.05}


@contextmanager
def _fixed_key() -> Iterator[None]:
    saved = os.environ.get("CLAIMSCREEN_SECRET_KEY")
    os.environ["CLAIMSCREEN_SECRET_KEY"] = TEST_KEY
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CLAIMSCREEN_SECRET_KEY", None)
        else:
            os.environ["CLAIMSCREEN_SECRET_KEY"] = saved


def night_digests(root: Path) -> dict[str, dict[str, Any]]:
    """Build the fixed world under ``root``, run its nights, and return each night's scores
    export (CSV) as its row count and sha256."""
    from claimscreen.data.exports import write_export
    from claimscreen.data.generate import generate_world
    from claimscreen.data.ingest import batch_date_for
    from claimscreen.data.labels import import_labels
    from claimscreen.data.reference import load_reference
    from claimscreen.flows import nightly
    from claimscreen.models.score_stage import export_table

    with _fixed_key():
        world = generate_world(root / "world", **WORLD)
        home = root / "home"
        for kind, path in sorted(world.reference_files.items()):
            load_reference(home, kind, path)
        import_labels(home, world.dispositions_file)
        here = nightly.prefect_api_url
        nightly.prefect_api_url = lambda: None  # the nights run in this process, without Prefect
        try:
            digests: dict[str, dict[str, Any]] = {}
            for batch in sorted(world.batch_files):
                night = batch_date_for(batch, None)
                report = nightly.run_nightly(str(home), str(batch), night.isoformat())
                assert report["status"] == "completed", report
                out = root / "exports" / f"scores_{night}.csv"
                table = export_table(home, night)
                write_export(table, out)
                digest = hashlib.sha256(out.read_bytes()).hexdigest()
                digests[night.isoformat()] = {"rows": table.num_rows, "sha256": digest}
        finally:
            nightly.prefect_api_url = here
    return digests


def read_golden() -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return recorded


def test_every_night_scores_the_same_byte_for_byte(tmp_path: Path) -> None:
    golden = read_golden()
    assert golden["world"] == WORLD, "the world changed: run `make golden` and say why in the commit"
    found = night_digests(tmp_path)
    changed = [n for n in sorted(found) if found[n] != golden["nights"].get(n)]
    assert sorted(found) == sorted(golden["nights"])
    assert not changed, (
        f"the scores of nights {', '.join(changed)} changed; if intended, run `make golden` "
        "and say so in the commit message"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write tests/golden/scores.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimscreen-golden-") as folder:
        found = night_digests(Path(folder))
    before: dict[str, Any] = read_golden()["nights"] if GOLDEN.exists() else {}
    changed = [n for n in sorted(set(found) | set(before)) if found.get(n) != before.get(n)]
    for night in changed:
        print(f"{night}: changed ({before.get(night)} -> {found.get(night)})")
    print(f"{len(changed)} of {len(found)} nights changed" if changed else "no night changed")
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        payload = {"world": WORLD, "nights": found}
        text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
        draft = GOLDEN.with_suffix(".json.tmp")
        draft.write_text(text, encoding="utf-8")
        os.replace(draft, GOLDEN)  # never half a golden file
        print(f"wrote {GOLDEN}")
    return 1 if changed and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
