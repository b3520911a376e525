"""Every module of the five stages says what it offers (issue 21: public modules with ``__all__``).

Each module of ``data/``, ``features/``, ``models/``, ``review/`` and ``flows/`` (the review
database's Alembic migrations aside) assigns ``__all__`` at its top level, and every name that
another module of the package imports from it (``from claimscreen.x.y import name``) is listed
there: a name used across modules is public, and says so. Names with a leading underscore are
private and never listed, and no module (nor a bench script) imports another module's private name:
a helper used by two modules is public in the one that defines it.
The files are parsed with :mod:`ast`, never imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "claimscreen"
STAGES = ("data", "features", "models", "review", "flows")

#: Modules exempt from both checks (none now: every module declares ``__all__``). A module
#: put here while it is rewritten is taken out again by whoever finishes it.
PENDING: frozenset[str] = frozenset()


def stage_modules() -> dict[str, Path]:
    """Every module of the five stages by its dotted name (migrations aside)."""
    found = {}
    for stage in STAGES:
        for path in sorted((ROOT / stage).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = relative.with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((PACKAGE, *parts))] = path
    return found


def declared(path: Path) -> list[str] | None:
    """The names a module's top-level ``__all__`` lists (None without one)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return list(ast.literal_eval(value))
    return None


def imported_names(module: str, path: Path, known: set[str]) -> list[tuple[str, str, int]]:
    """``(module imported from, name, line)`` of every ``from ... import name`` in ``path`` that
    takes a name (not a submodule) from a module of ``known``."""
    found = []
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            if source in known and f"{source}.{alias.name}" not in known:
                found.append((source, alias.name, node.lineno))
    return found


def where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_module_declares_all() -> None:
    missing = [
        where(path)
        for path in stage_modules().values()
        if where(path) not in PENDING and declared(path) is None
    ]
    assert not missing, f"modules without __all__: {missing}"


def test_every_name_another_module_imports_is_declared() -> None:
    modules = stage_modules()
    lists = {name: declared(path) for name, path in modules.items() if where(path) not in PENDING}
    undeclared = [
        f"{where(path)}:{line} imports {name} from {source}, which does not list it in __all__"
        for module, path in modules.items()
        for source, name, line in imported_names(module, path, set(modules))
        if source != module
        and source in lists
        and not name.startswith("_")
        and name not in (lists[source] or ())
    ]
    assert not undeclared, "\n".join(undeclared)


def test_no_module_imports_another_modules_private_name() -> None:
    modules = stage_modules()
    scripts = {f"bench.{p.stem}": p for p in sorted((ROOT / "bench").glob("*.py"))}
    private = [
        f"{where(path)}:{line} imports {name} from {source}"
        for module, path in {**modules, **scripts}.items()
        for source, name, line in imported_names(module, path, set(modules))
        if source != module and name.startswith("_") and not name.startswith("__")
    ]
    assert not private, "\n".join(private)


def test_no_private_name_is_declared() -> None:
    private = [
        f"{where(path)}: {name}"
        for path in stage_modules().values()
        for name in declared(path) or ()
        if name.startswith("_")
    ]
    assert not private, private


def test_the_scan_reads_relative_and_absolute_imports(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from claimscreen.data.lake import Lake, atomic_target\n"
        "from claimscreen.data import lake\n"
        "from .arrays import Arr\n"
        "def f():\n"
        "    from claimscreen.data.settings import load_settings\n"
    )
    known = {
        "claimscreen.data",
        "claimscreen.data.lake",
        "claimscreen.data.settings",
        "claimscreen.data.generate.arrays",
    }
    found = imported_names("claimscreen.data.generate.sample", source, known)
    assert [(s, n) for s, n, _ in found] == [
        ("claimscreen.data.lake", "Lake"),
        ("claimscreen.data.lake", "atomic_target"),
        ("claimscreen.data.generate.arrays", "Arr"),
        ("claimscreen.data.settings", "load_settings"),
    ]
    assert declared(ROOT / "models" / "verification.py") is not None
    assert declared(source) is None
