"""The layers of docs/architecture.md, held by the code: a lower layer never imports a higher one.

Every import in src/corsguard (module level or inside a function) is read with ast and the
importing and imported modules are placed in their layers. The model (pure, no I/O) is at
the bottom; the enforce adapters and policy sources above it; the tools above those; the
command line at the top.

The tests' own layout (issue #11) is held here too: one folder per subject, shared code in
tests.helpers imported like any package, no test module importing another, and every module
that drives Chromium named so that tests/conftest.py marks it `browser`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import paths

SRC = paths.SRC / "corsguard"

# Layer of each top-level module or package of corsguard (docs/architecture.md).
MODEL = 0
ADAPTER = 1
TOOL = 2
CLI = 3
LAYERS: dict[str, int] = {
    "__init__": MODEL,  # the package facade re-exports the model
    "origin": MODEL,
    "policy": MODEL,
    "engine": MODEL,
    "browser": MODEL,
    "findings": MODEL,
    "remediation": MODEL,
    "sarif": MODEL,
    "probes": MODEL,
    "spec": MODEL,
    "suffixes": MODEL,
    "untrusted": MODEL,
    "decision": MODEL,
    "problems": MODEL,
    "origin_regex": MODEL,  # regexes to patterns, exactly (policy advice and migrate)
    "foreign": MODEL,  # other libraries' option names and what to write instead
    "sources": MODEL,  # the env/TOML/settings readers Policy.from_env/from_file use
    "response": MODEL,  # the immediate response and header merge the adapters share
    "trusted": MODEL,  # trusting an origin or pattern on purpose, in finding ids (all tools)
    "asgi": ADAPTER,
    "wsgi": ADAPTER,
    "django": ADAPTER,
    "flask": ADAPTER,
    "config": ADAPTER,
    "startup": ADAPTER,  # the adapters' start-up log line (logging is I/O)
    "audit": TOOL,
    "lint": TOOL,
    "explain": TOOL,
    "explain_policy": TOOL,
    "har": TOOL,
    "http_client": TOOL,
    "check": TOOL,
    "lab": TOOL,
    "testing": TOOL,
    "inprocess": TOOL,  # calling an ASGI/WSGI app in-process (testing, explain, audit --app)
    "pytest_plugin": TOOL,
    "migrate": TOOL,
    "appload": TOOL,
    "learn": TOOL,
    "metrics": TOOL,
    "refusal_log": MODEL,
    "report_only": MODEL,  # report-only mode's comparison; reports through refusal_log
    "observe": ADAPTER,  # report-only mode in the adapters: pass through, watch the answer
    "cli": CLI,
    "cliargs": TOOL,  # argument parsing the tools' commands share
    "__main__": CLI,
}
NAMES = {MODEL: "model", ADAPTER: "adapter", TOOL: "tool", CLI: "cli"}

# Imports that break the rule today, each to be removed by the restructuring of issue #11;
# the test fails when one is fixed and still listed, so the list only shrinks.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

# The tools' command modules raise corsguard.cli.UsageError: the one upward import allowed,
# an exception type shared by every command.
ALLOWED = {("cli", "UsageError")}


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "corsguard":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    relative = path.relative_to(SRC).with_suffix("")
    return relative.parts[0]


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, set[str]]] = []
    package = "corsguard." + ".".join(path.relative_to(SRC).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rstrip(".").split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names = {alias.name for alias in node.names}
            # `from corsguard import x` imports the submodule x when it is one.
            if module == "corsguard":
                for name in names:
                    found.append((f"corsguard.{name}", {name}))
                continue
            found.append((module, names))
    return found


def _edges() -> set[tuple[str, str, str]]:
    edges: set[tuple[str, str, str]] = set()
    for path in SRC.rglob("*.py"):
        source = _module_of(path)
        for module, names in _imports(path):
            target = _top(module)
            if target is None or target == source:
                continue
            if target not in LAYERS and (SRC / target).exists() is False:
                target = "__init__"  # `from corsguard import __version__`
            for name in names or {""}:
                edges.add((source, target, name))
    return edges


def test_every_module_has_a_layer() -> None:
    modules = {_module_of(path) for path in SRC.rglob("*.py")}
    assert modules <= set(LAYERS), sorted(modules - set(LAYERS))


def test_no_lower_layer_imports_a_higher_one() -> None:
    violations = set()
    for source, target, name in _edges():
        if (target, name) in ALLOWED:
            continue
        if LAYERS.get(target, MODEL) > LAYERS[source]:
            violations.add((source, target))
    unexpected = violations - KNOWN_VIOLATIONS
    assert not unexpected, [
        f"{s} ({NAMES[LAYERS[s]]}) imports {t} ({NAMES[LAYERS[t]]})" for s, t in sorted(unexpected)
    ]
    fixed = KNOWN_VIOLATIONS - violations
    assert not fixed, f"no longer violated, remove from KNOWN_VIOLATIONS: {sorted(fixed)}"


@pytest.mark.parametrize("layer", [MODEL])
def test_the_model_does_no_io(layer: int) -> None:
    # No sockets, subprocesses or files in the model: I/O lives at the edges (sans-IO).
    forbidden = {"socket", "subprocess", "asyncio", "aiohttp", "http.client", "urllib.request"}
    offenders = []
    for path in SRC.rglob("*.py"):
        if LAYERS[_module_of(path)] != layer:
            continue
        for module, _names in _imports(path):
            if module in forbidden or module.split(".")[0] in forbidden:
                offenders.append(f"{path.relative_to(SRC)} imports {module}")
    assert not offenders


# --- the tests' layout ------------------------------------------------------------------------

TESTS = paths.TESTS
SUBJECTS = {"model", "enforce", "explain", "audit", "lint", "migrate", "cli"}


def _test_package_files() -> list[Path]:
    """The tests' Python files, corpora excluded: those reachable through __init__.py files."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        folders = path.relative_to(TESTS).parents
        if all((TESTS / folder / "__init__.py").is_file() for folder in folders):
            found.append(path)
    return found


def _imported_modules(path: Path, source: str) -> list[str]:
    """Every module an import in the file names, relative ones resolved (`from . import x`)."""
    package = ".".join(("tests", *path.relative_to(TESTS).parent.parts))
    names = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def _is_test_module(name: str) -> bool:
    return any(part.startswith("test_") for part in name.split("."))


def test_the_layout_scan_sees_every_subject_and_the_helpers() -> None:
    files = _test_package_files()
    folders = {f.parent.name for f in files if f.parent != TESTS}
    assert folders == SUBJECTS | {"helpers"}
    corpora = {"lint_corpus", "lint_corpus_stacks", "lint_realworld", "migrate_corpus"}
    assert not any(corpora & set(f.relative_to(TESTS).parts) for f in files)


def test_every_test_module_is_in_a_subject_folder() -> None:
    # tests/<subject>/test_*.py only: a new test goes beside its subject's tests.
    misplaced = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("test_*.py")
        if path in _test_package_files() and path.parent.name not in SUBJECTS
    ]
    assert misplaced == []


def test_no_test_module_imports_another() -> None:
    # Shared code lives in tests.helpers; a test module imported elsewhere would have its
    # tests collected twice under two names, and its fixtures leak into the importer.
    offenders = [
        (str(path.relative_to(TESTS)), name)
        for path in _test_package_files()
        for name in _imported_modules(path, path.read_text(encoding="utf-8"))
        if _is_test_module(name)
    ]
    assert offenders == []


def _edits_sys_path_on_import(path: Path) -> bool:
    """A module-level sys.path.insert/append (inside a function, for a subprocess or a corpus
    project it imports, is fine)."""
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and ast.unparse(node.value.func.value) == "sys.path"
        ):
            return True
    return False


def test_no_test_file_edits_sys_path_on_import() -> None:
    # tests is a package: `from tests.helpers.x import y` works with no sys.path insertion.
    offenders = [
        str(path.relative_to(TESTS))
        for path in _test_package_files()
        if _edits_sys_path_on_import(path)
    ]
    assert offenders == []


def test_the_layout_checks_can_fail(tmp_path: Path) -> None:
    # Controls: each detector above flags the shape it is there to refuse.
    hack = tmp_path / "conftest.py"
    hack.write_text("import sys\nsys.path.insert(0, 'tests')\ndef f():\n    sys.path.append('x')\n")
    assert _edits_sys_path_on_import(hack)
    hack.write_text("import sys\ndef f():\n    sys.path.append('x')\n")
    assert not _edits_sys_path_on_import(hack)
    module = TESTS / "lint" / "test_example.py"
    sources = {
        "from test_lint_cli import FORMATS": True,
        "import tests.audit.test_audit_output": True,
        "from tests.audit import test_audit_output": True,
        "from .test_lint_cli import FORMATS": True,
        "from ..audit.test_audit_faults import RawServer": True,
        "from tests.helpers.lint_sarif import FORMATS": False,
        "from . import conftest": False,
    }
    for source, imports_a_test in sources.items():
        names = _imported_modules(module, source)
        assert any(_is_test_module(n) for n in names) is imports_a_test, source


def _uses_chromium(path: Path) -> bool:
    """The module takes the `chromium` fixture or launches Chromium itself."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.FunctionDef) and any(a.arg == "chromium" for a in node.args.args):
            return True
        if isinstance(node, ast.Name) and node.id in {"launch_chromium", "require_chromium"}:
            return True
    return False


def test_every_module_that_drives_chromium_is_named_chromium() -> None:
    # tests/conftest.py marks `browser` from the module name alone; a module that drives the
    # browser under another name would run in the fast, browser-free selection.
    modules = [p for p in _test_package_files() if p.name.startswith("test_")]
    users = {p.name for p in modules if _uses_chromium(p)}
    assert "test_engine_chromium.py" in users and "test_review_prove_chromium.py" in users
    assert sorted(name for name in users if not name.endswith("_chromium.py")) == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_model_import_graph_is_acyclic() -> None:
    # Issue #11: policy and config, policy and engine imported each other. Every import
    # counts, inside functions and `if TYPE_CHECKING:` blocks too.
    graph: dict[str, set[str]] = {}
    for source, target, _name in _edges():
        if LAYERS[source] == MODEL and LAYERS.get(target) == MODEL and source != "__init__":
            graph.setdefault(source, set()).add(target)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert _cycle(graph) == cycle
