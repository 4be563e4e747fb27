"""The core's module graph: no import cycle among evdash's modules, and no module reaches into another's
private names (`other._name`), so each module's contract is what it exports."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent


def test_evdash_has_no_import_cycle() -> None:
    graph = grimp.build_graph("evdash")
    cycles = sorted(
        (a, b)
        for a in graph.modules
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    )
    assert cycles == []


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    modules: set[str] = set()  # local names bound to evdash modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evdash"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("evdash"):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    files = [*(REPO / "evdash").rglob("*.py"), REPO / "app.py", *(REPO / "pages").glob("*.py")]
    found = [use for f in sorted(files) for use in _private_uses(f)]
    assert found == []


PAGES = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]
# Pages lay out what the core decided: they reach data through the services (evdash.services), read
# through evdash.ui's caches, never through a query, a database connection or a Plotly figure of their own.
PAGE_MUST_NOT_IMPORT = ("duckdb", "plotly", "evdash.db", "evdash.build", "evdash.queries")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_pages_reach_data_only_through_the_ui_layer() -> None:
    bad = {
        page.name: sorted(n for n in _imports(page) if n.startswith(PAGE_MUST_NOT_IMPORT)) for page in PAGES
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_code_reads_its_callers_stack() -> None:
    """Cache keys come from explicit arguments (data version, function, bound parameters) and the page a
    frame belongs to from Streamlit's page registry: nothing in evdash, app.py or the pages reads the call
    stack (`sys._getframe`, `inspect.stack`, `inspect.currentframe`), which silently changes meaning when
    a function is moved or wrapped."""
    files = [*(REPO / "evdash").rglob("*.py"), REPO / "app.py", *(REPO / "pages").glob("*.py")]
    found = [
        f"{path.relative_to(REPO)}:{node.lineno} {node.attr}"
        for path in sorted(files)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr in {"_getframe", "stack", "currentframe"}
        and isinstance(node.value, ast.Name)
        and node.value.id in {"sys", "inspect"}
    ]
    assert found == []


def test_every_core_module_is_small_enough_to_read() -> None:
    """The core is split by job (issue 21): no module under evdash/ passes 600 lines (at 53b3b0e five did:
    apply.py 885, briefing_pdf.py 660, deliveries.py 629, briefing.py 620, and cli.py grew to 625)."""
    evdash = REPO / "evdash"
    sizes = {p.relative_to(evdash).as_posix(): len(p.read_text().splitlines()) for p in evdash.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 600} == {}


CODE = [*(REPO / "evdash").rglob("*.py"), REPO / "app.py", *(REPO / "pages").glob("*.py")]
LONG_FUNCTION = 60  # lines, from `def` to the last line, docstring included
LONG_FUNCTIONS_ALLOWED = 10  # issue 21: at most ten functions pass 60 lines


def _long_functions() -> list[str]:
    return sorted(
        f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({lines} lines)"
        for path in CODE
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > LONG_FUNCTION
    )


def test_functions_are_short_enough_to_read() -> None:
    """A function does one job a reader can hold in mind (issue 21: at most ten functions in evdash/,
    app.py and the pages pass 60 lines; there were 38 at 53b3b0e, `landed_price` at 189)."""
    long = _long_functions()
    assert len(long) <= LONG_FUNCTIONS_ALLOWED, long


def test_every_module_says_its_job_first() -> None:
    """Every module of the core, the Overview and each page opens with a docstring saying its job (issue
    21: a newcomer reads the first line of a file to know why it is there)."""
    missing = [
        str(p.relative_to(REPO)) for p in sorted(CODE) if not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert missing == []
