"""One layer per stage (docs/architecture.md): imports only point down, and no module cycle.

Every module of the package is parsed (never imported) with :mod:`ast`; every import
counts, at the top of a module, inside a function, under ``if TYPE_CHECKING``, and
``importlib.import_module("claimscreen....")`` with a literal name. ``claimscreen.X.*``
belongs to the layer ``X``:

    data      imports no other stage
    features  data
    models    data, features
    review    data, features, models (never flows)
    flows     all of them: it wires the stages together

The package root (``__init__.py``) imports no stage (importing any stage runs it first);
``__main__.py`` is the entry point and nothing imports it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "claimscreen"
ORDER = ("data", "features", "models", "review", "flows")
#: The layers each layer may import (its own included).
ALLOWED: dict[str, frozenset[str]] = {
    "data": frozenset({"data"}),
    "features": frozenset({"data", "features"}),
    "models": frozenset({"data", "features", "models"}),
    "review": frozenset({"data", "features", "models", "review"}),
    "flows": frozenset(ORDER),
}
ENTRY = f"{PACKAGE}.__main__"


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def module_files() -> dict[str, Path]:
    """Every module of the package, by its dotted name."""
    found = {PACKAGE: ROOT / "__init__.py", ENTRY: ROOT / "__main__.py"}
    for layer in ORDER:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((PACKAGE, *parts))] = path
    return found


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The package's modules that ``module`` imports, wherever in the file the import is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def add(target: str, node: ast.AST) -> None:
        if target == PACKAGE or target.startswith(PACKAGE + "."):
            found.append(Import(module, target, path, getattr(node, "lineno", 0)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node.level, node.module)
            for alias in node.names:
                # `from claimscreen.models import registry` imports the module registry.
                submodule = f"{base}.{alias.name}"
                add(submodule if submodule in known else base, node)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                add(first.value, node)
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def all_imports() -> list[Import]:
    files = module_files()
    known = set(files)
    return [found for module, path in files.items() for found in imports_of(module, path, known)]


def layer_of(module: str) -> str | None:
    """The stage a module belongs to; None for the package root and its entry point."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def breaks_the_rule(found: Import) -> str | None:
    """Why this import breaks the layer rule, or None when it does not."""
    if found.target == ENTRY:
        return f"{found.where()}: {found.importer} imports {ENTRY}, the entry point (nothing may)"
    if found.importer == PACKAGE:
        return (
            f"{found.where()}: the package root imports {found.target} "
            "(importing any stage runs the root first: it may import no stage)"
        )
    layer, target = layer_of(found.importer), layer_of(found.target)
    if layer is None or target is None or target in ALLOWED[layer]:
        return None
    allowed = ", ".join(x for x in ORDER if x in ALLOWED[layer])
    return f"{found.where()}: {found.importer} imports {found.target}: {layer}/ may import only {allowed}"


def test_the_scan_sees_the_whole_package() -> None:
    files = module_files()
    assert {"claimscreen.data.errors", "claimscreen.flows.cli", "claimscreen.review.cli"} <= set(files)
    pairs = {(f.importer, f.target) for f in all_imports()}
    assert ("claimscreen.flows.nightly", "claimscreen.data.ingest") in pairs  # a top-level import
    assert ("claimscreen.__main__", "claimscreen.flows.cli") in pairs


def test_the_scan_counts_every_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "if TYPE_CHECKING:\n"
        "    from claimscreen.flows.cli import Home\n"
        "def late():\n"
        "    from claimscreen.models import registry\n"
        "    import claimscreen.review.db\n"
        "    return importlib.import_module('claimscreen.review.publish')\n"
        "from . import lake\n",
        encoding="utf-8",
    )
    known = {"claimscreen.models.registry", "claimscreen.data.lake"}
    found = [f.target for f in imports_of("claimscreen.data.sample", source, known)]
    assert sorted(found) == [
        "claimscreen.data.lake",
        "claimscreen.flows.cli",
        "claimscreen.models.registry",
        "claimscreen.review.db",
        "claimscreen.review.publish",
    ]


def test_imports_only_point_down() -> None:
    ordered = sorted(all_imports(), key=lambda f: (str(f.path), f.line))
    broken = [why for why in map(breaks_the_rule, ordered) if why]
    assert not broken, "imports that break the layer rule (docs/architecture.md):\n" + "\n".join(broken)


def test_no_import_cycle() -> None:
    graph = nx.DiGraph()
    where: dict[tuple[str, str], Import] = {}
    known = set(module_files())
    for found in all_imports():
        if found.target in known:
            graph.add_edge(found.importer, found.target)
            where.setdefault((found.importer, found.target), found)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1 or any(graph.has_edge(m, m) for m in component):
            # Every import among the modules of the cycle: each one is a place to break it.
            inside = sorted(
                (where[edge] for edge in graph.subgraph(component).edges), key=lambda f: (str(f.path), f.line)
            )
            steps = [f"{f.where()}: {f.importer} imports {f.target}" for f in inside]
            cycles.append(f"{len(component)} modules import each other:\n  " + "\n  ".join(steps))
    assert not cycles, "import cycles among the package's modules:\n" + "\n".join(cycles)


# --- One I/O boundary for Parquet ---------------------------------------------------------------

#: The one module that reads and writes the lake's Parquet files (so that a
#: ``pyarrow.fs.FileSystem`` can stand behind it later).
PARQUET_BOUNDARY = "data/lake.py"
#: Modules that may still touch Parquet themselves, and why. Each entry is either a file the
#: user names (an input batch, a generated world, an export), not the lake, or a lake reader
#: still to be routed through ``Lake`` (owned by other work today; remove the entry then).
PARQUET_ALLOWED: dict[str, str] = {
    "data/read.py": "reads the batch file the user names (an input, not the lake)",
    "flows/scale_out.py": "counts the rows of the batch file the user names, from its footer",
    "data/generate/__init__.py": "writes the synthetic world's truth.parquet the user names",
    "data/generate/files.py": "writes the synthetic world's batch files the user names",
    "flows/demo.py": "reads the synthetic world's truth.parquet (a generated file, not the lake)",
}
_PARQUET_MODULES = ("pyarrow.parquet", "pyarrow.dataset")
_PARQUET_CALLS = ("read_parquet", "to_parquet")


def raw_parquet_io(path: Path, root: Path = ROOT) -> list[str]:
    """Where ``path`` reads or writes Parquet itself: an import of ``pyarrow.parquet`` or
    ``pyarrow.dataset`` (in any form) or a call of pandas' ``read_parquet``/``to_parquet``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _PARQUET_CALLS
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}: calls {node.func.attr}")
        if any(n == m or n.startswith(m + ".") for n in names for m in _PARQUET_MODULES):
            found.append(f"{path.relative_to(root)}:{node.lineno}: imports {', '.join(names)}")
    return sorted(found, key=lambda hit: int(hit.split(":")[1]))


def test_the_parquet_scan_sees_every_form(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "import pyarrow.parquet as pq\n"
        "from pyarrow import parquet\n"
        "def late(frame, pd):\n"
        "    from pyarrow.dataset import dataset\n"
        "    frame.to_parquet('x')\n"
        "    return pd.read_parquet('x')\n"
        "import pyarrow.compute as pc\n",
        encoding="utf-8",
    )
    lines = [int(hit.split(":")[1]) for hit in raw_parquet_io(source, tmp_path)]
    assert lines == [1, 2, 4, 5, 6]


def test_parquet_io_goes_through_the_lake() -> None:
    """Every Parquet read and write of the package goes through ``data/lake.py`` (``Lake``),
    except the allow-listed files above."""
    files = module_files()
    assert (ROOT / PARQUET_BOUNDARY) in files.values()
    outside = [
        hit
        for path in sorted(files.values())
        if str(path.relative_to(ROOT)) not in (PARQUET_BOUNDARY, *PARQUET_ALLOWED)
        for hit in raw_parquet_io(path)
    ]
    assert not outside, "Parquet I/O outside data/lake.py (use Lake's methods):\n" + "\n".join(outside)
    stale = [
        name for name in PARQUET_ALLOWED if not (ROOT / name).exists() or not raw_parquet_io(ROOT / name)
    ]
    assert not stale, f"allow-listed files that no longer touch Parquet (remove them): {stale}"


def test_every_name_a_module_exports_is_defined_there() -> None:
    """A module's ``__all__`` (its public names) names only what the module defines or imports."""
    wrong = []
    for path in module_files().values():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bound: set[str] = set()
        exported: list[str] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    # A, B = ... binds each name of the tuple.
                    bound.update(e.id for e in getattr(target, "elts", ()) if isinstance(e, ast.Name))
                    if isinstance(target, ast.Name):
                        bound.add(target.id)
                        if target.id == "__all__" and isinstance(node.value, (ast.List, ast.Tuple)):
                            exported = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
        wrong += [
            f"{path.relative_to(ROOT)}: __all__ names {name}, never defined"
            for name in exported
            if name not in bound
        ]
    assert not wrong, "\n".join(wrong)


#: Issue #21's limits: no module over 800 lines, no function over 80 (migrations aside: each
#: is one generated upgrade).
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def test_modules_and_functions_stay_small() -> None:
    too_long: list[str] = []
    for name, path in module_files().items():
        if ".migrations." in name:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines "
                        f"(at most {MAX_FUNCTION_LINES})"
                    )
    assert not too_long, "split by responsibility:\n" + "\n".join(too_long)
