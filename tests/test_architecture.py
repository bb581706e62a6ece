"""The layers of docs/architecture.md, held by the code: a lower layer never imports a higher one.

Every import in src/corsguard (module level or inside a function) is read with ast and the
importing and imported modules are placed in their layers. The model (pure, no I/O) is at
the bottom; the enforce adapters and policy sources above it; the tools above those; the
command line at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "corsguard"

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
    "pytest_plugin": TOOL,
    "migrate": TOOL,
    "appload": TOOL,
    "learn": TOOL,
    "metrics": TOOL,
    "refusal_log": MODEL,
    "cli": CLI,
    "cliargs": TOOL,  # argument parsing the tools' commands share
    "__main__": CLI,
}
NAMES = {MODEL: "model", ADAPTER: "adapter", TOOL: "tool", CLI: "cli"}

# Imports that break the rule today, each to be removed by the restructuring of issue #11;
# the test fails when one is fixed and still listed, so the list only shrinks.
KNOWN_VIOLATIONS: set[tuple[str, str]] = {
    ("policy", "config"),  # policy problems rendered for env/TOML by config (issue #11)
}

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
