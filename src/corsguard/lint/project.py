"""The project-wide symbol table: values followed across the modules of a linted project.

A CORS setting is often written in one module and used in another (``from app.core.cors
import ORIGINS``, ``settings.CORS_ORIGINS`` of a pydantic ``BaseSettings`` instance, Django
settings split over ``settings/base.py`` and ``settings/production.py`` with star imports).
Python resolves these names through its import system; lint does the same, statically:

- every linted ``.py`` file gets a module name from its path below the linted root, under
  each of its trailing forms (``src/app/core/cors.py`` is ``app.core.cors`` and
  ``core.cors`` too), so that the import wins whatever directory was passed; a name shared by
  two files is ambiguous and not followed;
- a module is read and parsed only when another module asks for one of its names (and reused
  when that file is linted itself); the values looked up are cached for the run, so each
  name is evaluated once and the whole project costs at most two parses per file (the
  parses kept in memory are bounded, ``MAX_MODULES``, least recently used dropped first);
- a name being resolved is marked, so circular imports (``a`` imports ``b`` imports ``a``)
  end as "unknown" instead of looping, and every chain is also cut at ``MAX_CHAIN`` modules.

Pure: the files are read through the ``reader`` the caller passes (the CLI's bounded reader).
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import PurePath

from corsguard.lint.values import MISSING, UNKNOWN, Evaluator

__all__ = ["MAX_CHAIN", "Project", "module_names"]

# Imports followed in one chain (a -> b -> c ...): real settings chains are two or three.
MAX_CHAIN = 32
# Parsed modules kept at once (a tree takes about 50 times its file's size in memory): the
# least recently used beyond this are dropped and parsed again if asked for once more. The
# values looked up in them stay cached, so what is dropped is only the parse.
MAX_MODULES = 256

Reader = Callable[[str], "str | None"]


def module_names(relative: PurePath) -> list[str]:
    """Dotted names of a file below its root, longest first: a/b/c.py -> a.b.c, b.c, c."""
    parts = list(relative.parts)
    if not parts or not parts[-1].endswith(".py"):
        return []
    last = parts[-1][:-3]
    parts = parts[:-1] if last == "__init__" else [*parts[:-1], last]
    if not parts or not all(p.isidentifier() for p in parts):
        return []
    return [".".join(parts[i:]) for i in range(len(parts))]


class Project:
    """Module name -> file, and the names each module defines, read lazily."""

    def __init__(self, files: Iterable[tuple[str, PurePath]], reader: Reader) -> None:
        """``files``: (path as the reader takes it, path relative to its linted root)."""
        self._reader = reader
        self._paths: dict[str, str | None] = {}  # module -> path (None: ambiguous)
        self._packages: set[str] = set()
        self._module_of: dict[str, str] = {}  # path -> its longest module name
        for path, relative in files:
            names = module_names(relative)
            if not names:
                continue
            self._module_of[path] = names[0]
            is_package = relative.name == "__init__.py"
            for name in names:
                if name in self._paths and self._paths[name] != path:
                    self._paths[name] = None
                else:
                    self._paths[name] = path
                if is_package:
                    self._packages.add(name)
        self._evaluators: OrderedDict[str, Evaluator | None] = OrderedDict()
        self._values: dict[tuple[str, str], object] = {}
        self._resolving: set[tuple[str, str]] = set()
        self.parsed = 0  # modules parsed for the table (a benchmark and test figure)

    # --- the table --------------------------------------------------------------------

    def module_of(self, path: str) -> str:
        return self._module_of.get(path, "")

    def has_module(self, module: str) -> bool:
        return self._paths.get(module) is not None

    def is_package(self, module: str) -> bool:
        return module in self._packages

    def _parse(self, module: str) -> ast.Module | None:
        """The parsed module (None when absent, unreadable or not parseable)."""
        path = self._paths.get(module)
        if path is None:
            return None
        text = self._reader(path)
        if text is None:
            return None
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        self.parsed += 1
        return tree

    def adopt(self, path: str, tree: ast.Module) -> Evaluator:
        """The evaluator for a file being linted: the table's own when the module was already
        read for another one (no second parse); else a new one, not kept (linted files are
        not held in memory for the rest of the run)."""
        module = self.module_of(path)
        if module and self._paths.get(module) == path:
            known = self._evaluators.get(module)
            if known is not None:
                return known
        return Evaluator(tree, self, module)

    def cached_tree(self, path: str) -> ast.Module | None:
        """The tree of a file the table has already parsed, so that linting it parses nothing."""
        module = self.module_of(path)
        if module and self._paths.get(module) == path:
            known = self._evaluators.get(module)
            if known is not None:
                return known.tree
        return None

    def evaluator(self, module: str) -> Evaluator | None:
        if module in self._evaluators:
            self._evaluators.move_to_end(module)
            return self._evaluators[module]
        tree = self._parse(module)
        evaluator = Evaluator(tree, self, module) if tree is not None else None
        self._evaluators[module] = evaluator
        if len(self._evaluators) > MAX_MODULES:
            self._evaluators.popitem(last=False)
        return evaluator

    def lookup(self, module: str, name: str) -> object:
        """The value of ``module.name`` once the module has run (MISSING: not defined there;
        UNKNOWN: defined, but not known statically, or part of an import cycle)."""
        key = (module, name)
        if key in self._values:
            return self._values[key]
        if key in self._resolving or len(self._resolving) >= MAX_CHAIN:
            return UNKNOWN  # a circular import, or too long a chain
        evaluator = self.evaluator(module)
        if evaluator is None:
            return MISSING
        self._resolving.add(key)
        try:
            value = evaluator.global_value(name)
        finally:
            self._resolving.discard(key)
        self._values[key] = value
        return value

    def has_class(self, module: str, name: str) -> bool:
        return self._class_home(module, name, 0) is not None

    def class_home(self, module: str, name: str) -> tuple[str, str]:
        home = self._class_home(module, name, 0)
        return home if home is not None else (module, name)

    def _class_home(self, module: str, name: str, depth: int) -> tuple[str, str] | None:
        """Where a class imported under ``module.name`` is defined (through re-exports)."""
        if depth > MAX_CHAIN:
            return None
        evaluator = self.evaluator(module)
        if evaluator is None:
            return None
        if name in evaluator.classes:
            return module, name
        origin = evaluator.import_from.get(name)
        if origin is not None:
            return self._class_home(origin[0], origin[1], depth + 1)
        for _pos, star in evaluator.star_imports:
            home = self._class_home(star, name, depth + 1)
            if home is not None:
                return home
        return None

    def class_node(self, module: str, name: str) -> tuple[Evaluator, ast.ClassDef] | None:
        """The definition of a class imported as ``module.name`` (through re-exports)."""
        home = self._class_home(module, name, 0)
        if home is None:
            return None
        evaluator = self.evaluator(home[0])
        if evaluator is None:
            return None
        return evaluator, evaluator.classes[home[1]]

    def class_attribute(self, module: str, cls: str, attr: str) -> object:
        home = self._class_home(module, cls, 0)
        if home is None:
            return MISSING
        key = (home[0], f"{home[1]}.{attr}")
        if key in self._values:
            return self._values[key]
        if key in self._resolving or len(self._resolving) >= MAX_CHAIN:
            return UNKNOWN
        evaluator = self.evaluator(home[0])
        if evaluator is None:
            return MISSING
        self._resolving.add(key)
        try:
            value = evaluator.class_attribute(home[1], attr)
        finally:
            self._resolving.discard(key)
        self._values[key] = value
        return value

    def star_names(self, module: str, depth: int = 0) -> dict[str, str]:
        """Module-level names a star import of ``module`` brings (name -> defining module)."""
        if depth > MAX_CHAIN:
            return {}
        evaluator = self.evaluator(module)
        if evaluator is None:
            return {}
        out: dict[str, str] = {}
        for _pos, star in evaluator.star_imports:
            out.update(self.star_names(star, depth + 1))
        for name in evaluator.consts:
            if not name.startswith("_"):
                out[name] = module
        return out
