"""The layers of docs/architecture.md, held by the imports: each module may import only its own
layer and the layers below it, nothing imports spiders/, and no imports form a cycle.

Read from the source (ast), so a function-level import counts as much as a module-level one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# layer -> the layers it may import besides itself. "base" is monitor's own package module and
# the modules every layer shares: they import nothing of monitor, not even each other (but for
# BASE_EDGES). spiders may use crawling only for the exceptions the middlewares raise.
ALLOWED = {
    "base": set(),
    "intel": {"base"},
    "extract": {"base", "intel.identity"},
    "store": {"base", "intel"},
    "crawling": {"base", "store", "intel", "extract"},
    "desk": {"base", "store"},
    "runs": {"base", "crawling", "store", "intel", "extract"},
    "cli": {"base", "runs", "crawling", "store", "intel", "extract", "desk"},
    "spiders.formats": {"base", "intel"},
    "spiders": {"base", "intel", "crawling.exceptions", "spiders.formats"},
}
BASE_MODULES = {"monitor", "monitor.config", "monitor.items", "monitor.settings", "monitor.lifeline"}
BASE_EDGES = {("monitor.settings", "monitor")}  # the User-Agent names monitor.__version__


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module in BASE_MODULES:
        return "base"
    if module == "monitor.__main__":
        return "cli"
    if module == "monitor.intel.identity" or module.startswith("monitor.intel.identity."):
        return "intel.identity"
    if module.startswith("spiders.formats"):
        return "spiders.formats"
    if module == "spiders" or module.startswith("spiders."):
        return "spiders"
    parts = module.split(".")
    if parts[0] == "monitor" and len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer: add it to tests/test_architecture.py "
                         "and docs/architecture.md")


def may_import(importer: str, imported: str) -> bool:
    own, other = layer_of(importer), layer_of(imported)
    if own == "base":
        return (importer, imported) in BASE_EDGES
    if imported == "monitor.crawling.exceptions" and "crawling.exceptions" in ALLOWED[own]:
        return True
    if own == "intel.identity":
        own = "intel"
    if other == own or (other == "intel.identity" and own == "intel"):
        return True
    allowed = ALLOWED[own]
    return other in allowed or (other == "intel.identity" and "intel" in allowed)


def source_files() -> list[Path]:
    files = [p for d in ("monitor", "spiders") for p in (ROOT / d).rglob("*.py")]
    return sorted(p for p in files if "sample_site" not in p.parts)


MODULES = {module_name(p): p for p in source_files()}


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports, anywhere in its source."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import a.b.c` of a package path: its module
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_layers(module):
    wrong = sorted(m for m in GRAPH[module] if not may_import(module, m))
    assert not wrong, (f"{module} ({layer_of(module)}) imports {wrong}: the layers go "
                       "cli -> runs -> crawling -> store -> intel, extract -> intel.identity, "
                       "desk -> store (docs/architecture.md)")


def test_nothing_in_monitor_imports_spiders():
    offenders = sorted(m for m in MODULES if m.startswith("monitor")
                       for i in GRAPH[m] if i.startswith("spiders"))
    assert not offenders


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_check_sees_a_wrong_import():
    """The rules themselves: a store that imported the crawl layer, or a parser a spider, fails."""
    assert not may_import("monitor.store.database", "monitor.crawling.pipelines")
    assert not may_import("monitor.intel.relevance", "monitor.extract.html")
    assert not may_import("monitor.extract.html", "monitor.intel.facts")
    assert may_import("monitor.extract.html", "monitor.intel.identity")
    assert not may_import("spiders.formats.feed", "spiders.base")
    assert not may_import("monitor.desk.server", "monitor.runs.crawl")
    assert not may_import("monitor.desk.server", "monitor.intel.facts")
    assert not may_import("monitor.config", "monitor.items")
    assert may_import("spiders.base", "monitor.crawling.exceptions")
    assert not may_import("spiders.base", "monitor.crawling.pipelines")
