"""The model registry under ``HOME/models``: versions, cards, the champion, promote and roll back.

Layout::

    HOME/models/
      v0001/model.joblib     the scorer (joblib)
      v0001/card.json        its card: training window, label counts, features,
                             metrics, thresholds, fairness figures, sha256 of model.joblib
      champion.json          {"version": "v0003", "history": [...every promotion and rollback...]}
      shadow.json            {"version": "v0004", "since": ..., "reason": ..., "history": [...]}:
                             the challenger each night's score stage also scores, without
                             touching routes or the record (absent, or version null: none)

An artifact never travels without its card, and is never loaded unless the
sha256 of its bytes matches the card's (a file changed on disk, by accident or
not, is refused with a one-line error). Every write is atomic; a lock keeps two
writers from numbering the same version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib

from claimscreen.data.errors import InputError
from claimscreen.data.lake import write_bytes_atomic, write_json
from claimscreen.models.scorer import ClaimScorer

__all__ = [
    "RegistryError",
    "card",
    "champion",
    "load",
    "promote",
    "registry_folder",
    "rollback",
    "save",
    "set_shadow",
    "shadow",
    "versions",
]


class RegistryError(InputError):
    """The registry refuses: an unknown version, a changed artifact, nothing to roll back to."""


def registry_folder(home: Path) -> Path:
    return Path(home) / "models"


def _champion_file(home: Path) -> Path:
    return registry_folder(home) / "champion.json"


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    folder = registry_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def versions(home: Path) -> list[str]:
    """Every saved version, oldest first."""
    folder = registry_folder(home)
    return sorted(p.parent.name for p in folder.glob("v*/card.json"))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save(home: Path, scorer: ClaimScorer, card: dict[str, Any]) -> str:
    """Save a new version with its card; returns its name (``v0001``, ``v0002``, ...)."""
    buffer = io.BytesIO()
    joblib.dump(scorer, buffer, compress=3)
    data = buffer.getvalue()
    with _locked(home):
        existing = versions(home)
        number = int(existing[-1][1:]) + 1 if existing else 1
        version = f"v{number:04d}"
        folder = registry_folder(home) / version
        write_bytes_atomic(folder / "model.joblib", data)
        full = {
            **card,
            "version": version,
            "created_at": _now(),
            "artifact": "model.joblib",
            "sha256": sha256_of(data),
            "bytes": len(data),
        }
        write_json(folder / "card.json", full)
    return version


def card(home: Path, version: str) -> dict[str, Any]:
    path = registry_folder(home) / version / "card.json"
    if not path.exists():
        raise RegistryError(f"no model version {version!r} in {registry_folder(home)}")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def load(home: Path, version: str) -> ClaimScorer:
    """The scorer of ``version``, after checking its bytes against the card's sha256."""
    meta = card(home, version)
    path = registry_folder(home) / version / meta["artifact"]
    data = path.read_bytes() if path.exists() else b""
    if sha256_of(data) != meta["sha256"]:
        raise RegistryError(
            f"model {version}: {path.name} does not match the sha256 on its card; refusing to load it"
        )
    scorer = joblib.load(io.BytesIO(data))
    if not isinstance(scorer, ClaimScorer):
        raise RegistryError(f"model {version}: the artifact is not a claimscreen scorer")
    return scorer


def champion(home: Path) -> str | None:
    """The version that scores the nights, or None before any."""
    path = _champion_file(home)
    if not path.exists():
        return None
    version: str | None = json.loads(path.read_text(encoding="utf-8")).get("version")
    return version


def history(home: Path) -> list[dict[str, Any]]:
    path = _champion_file(home)
    if not path.exists():
        return []
    found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")).get("history", [])
    return found


def promote(home: Path, version: str, reason: str, by: str = "claimscreen") -> None:
    """Make ``version`` the champion (it must exist and load), recording why. A shadow that
    becomes the champion is a shadow no more."""
    load(home, version)
    with _locked(home):
        _set_champion(home, version, {"action": "promote", "version": version, "reason": reason, "by": by})
        if shadow(home) == version:
            _write_shadow(home, None, f"promoted: {reason}", by)


def shadow(home: Path) -> str | None:
    """The challenger the nights also score in shadow (never routing with it), or None."""
    version: str | None = _shadow_state(home).get("version")
    return version


def shadow_since(home: Path) -> str | None:
    """When the current shadow was registered (ISO time), or None."""
    state = _shadow_state(home)
    since: str | None = state.get("since") if state.get("version") else None
    return since


def set_shadow(home: Path, version: str | None, reason: str, by: str = "claimscreen") -> None:
    """Register ``version`` as the shadow (it must exist and load), or none with None."""
    if version is not None:
        load(home, version)
    with _locked(home):
        _write_shadow(home, version, reason, by)


def _shadow_state(home: Path) -> dict[str, Any]:
    path = registry_folder(home) / "shadow.json"
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return state


def _write_shadow(home: Path, version: str | None, reason: str, by: str) -> None:
    state = _shadow_state(home)
    at = _now()
    entry = {"version": version, "reason": reason, "by": by, "at": at}
    state = {"version": version, "since": at, "reason": reason, "history": [*state.get("history", []), entry]}
    write_json(registry_folder(home) / "shadow.json", state)


def rollback(home: Path, reason: str = "rolled back", by: str = "claimscreen") -> str:
    """Make the champion before the current one the champion again; returns it.

    Champions form a stack: a promotion pushes, a rollback pops, so rolling back
    twice after three promotions returns to the first champion.
    """
    with _locked(home):
        stack = champion_stack(history(home))
        if len(stack) < 2:
            raise RegistryError("no earlier champion to roll back to")
        current, previous = stack[-1], stack[-2]
        load(home, previous)
        entry = {"action": "rollback", "version": previous, "from": current, "reason": reason, "by": by}
        _set_champion(home, previous, entry)
    return previous


def champion_stack(entries: list[dict[str, Any]]) -> list[str]:
    """The champions in force, oldest first, replayed from the history."""
    stack: list[str] = []
    for entry in entries:
        if entry["action"] == "promote":
            stack.append(entry["version"])
        elif entry["action"] == "rollback" and stack:
            stack.pop()
    return stack


def _set_champion(home: Path, version: str, entry: dict[str, Any]) -> None:
    entries = [*history(home), {**entry, "at": _now()}]
    write_json(_champion_file(home), {"version": version, "history": entries})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
