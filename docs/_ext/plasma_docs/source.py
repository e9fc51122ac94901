"""Facts read from the source: spec and reference modules, their public names, raise sites.

Everything here reads ``spec/`` and ``reference/`` with :mod:`ast`, without
importing them, so that the site's completeness checks see what is written,
not what an import happens to expose. Where the spec raises each rejection
reason is read from ``spec/`` only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SPEC_ROOT = Path(__file__).resolve().parents[3] / "spec"
"""The ``spec`` package directory."""

REFERENCE_ROOT = SPEC_ROOT.parent / "reference"
"""The ``reference`` package directory: the reference node."""

FIXTURES_ROOT = SPEC_ROOT.parent / "fixtures"
"""The ``fixtures`` package directory: the neutral test fixtures."""

RAISING_CALLS = frozenset({"require", "reject"})
"""Functions of ``spec.errors`` through which every rejection is raised."""

DOCUMENTED_REASON = re.compile(r"``([A-Z][A-Z0-9_]+)``")
"""A reason named in a docstring, as ``NAME`` in double backquotes."""


@dataclass(frozen=True)
class SpecModule:
    """One module of ``spec/``."""

    name: str
    """Dotted name, e.g. ``spec.settlement.exits``."""
    path: Path
    """Its file."""


@dataclass(frozen=True)
class SpecFunction:
    """A function or method of the spec, located by module and qualified name."""

    module: str
    """Dotted module name."""
    qualname: str
    """Name inside the module: ``f`` or ``Class.method``."""

    @property
    def target(self) -> str:
        """Return the full dotted name to cross-reference."""
        return f"{self.module}.{self.qualname}"

    def role(self) -> str:
        """Return a reST cross-reference to this function (to its class for a constructor)."""
        owner, _, name = self.qualname.rpartition(".")
        if name in ("__new__", "__init__") and owner:
            return f":class:`{owner}() <{self.module}.{owner}>`"
        kind = "meth" if owner else "func"
        return f":{kind}:`{self.qualname}() <{self.target}>`"


def iter_package_modules(root: Path) -> Iterator[SpecModule]:
    """Yield every public module of the package in ``root`` (packages as their ``__init__``).

    Modules are sorted by name; a module whose name starts with an underscore
    (other than ``__init__``) is private and left out.
    """
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        elif any(part.startswith("_") for part in parts):
            continue
        yield SpecModule(".".join(parts), path)


def iter_spec_modules() -> Iterator[SpecModule]:
    """Yield every module of ``spec/`` (packages as their ``__init__``), sorted by name."""
    return iter_package_modules(SPEC_ROOT)


def iter_reference_modules() -> Iterator[SpecModule]:
    """Yield every public module of ``reference/``, the reference node, sorted by name."""
    return iter_package_modules(REFERENCE_ROOT)


def iter_fixture_modules() -> Iterator[SpecModule]:
    """Yield every module of ``fixtures/``, the neutral test fixtures."""
    return iter_package_modules(FIXTURES_ROOT)


def find_module(name: str) -> SpecModule:
    """Return the module of ``spec/``, ``reference/`` or ``fixtures/`` with the dotted ``name``."""
    modules = (*iter_spec_modules(), *iter_reference_modules(), *iter_fixture_modules())
    for module in modules:
        if module.name == name:
            return module
    raise ValueError(f"{name} is not a module of spec/, reference/ or fixtures/")


def parse(module: SpecModule) -> ast.Module:
    """Return the syntax tree of a spec module."""
    return ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))


def get_public_names(module: SpecModule) -> list[str]:
    """Return the public names a module defines at top level: functions, classes, constants.

    Imported names are not the module's own and are left out; so is any name
    starting with an underscore.
    """
    names: list[str] = []
    for statement in parse(module).body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(statement.name)
        elif isinstance(statement, ast.Assign):
            names.extend(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.append(statement.target.id)
    return [name for name in names if not name.startswith("_")]


def get_assigned_names(module: SpecModule) -> list[str]:
    """Return the public names a module assigns at top level: constants, aliases, type variables."""
    names: list[str] = []
    for statement in parse(module).body:
        if isinstance(statement, ast.Assign):
            names.extend(t.id for t in statement.targets if isinstance(t, ast.Name))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.append(statement.target.id)
    return [name for name in names if not name.startswith("_")]


def get_called_name(call: ast.Call) -> str:
    """Return the simple name a call invokes (``require`` for ``errors.require(...)``)."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def iter_reason_names(node: ast.AST) -> Iterator[str]:
    """Yield the members ``RejectionReason.X`` named anywhere inside ``node``."""
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.Attribute)
            and isinstance(inner.value, ast.Name)
            and inner.value.id == "RejectionReason"
        ):
            yield inner.attr


class RaiseFinder(ast.NodeVisitor):
    """Collect, per reason, the functions whose ``require``/``reject`` calls raise it."""

    def __init__(self, module: str) -> None:
        self.module = module
        """Dotted name of the module being read."""
        self.scope: list[str] = []
        """Enclosing class and function names."""
        self.functions: list[str] = []
        """Qualified names of the enclosing functions, innermost last."""
        self.raised: dict[str, list[SpecFunction]] = {}
        """Reason name to the functions raising it, in source order."""
        self.documented: dict[str, list[SpecFunction]] = {}
        """Reason name to the functions whose docstring names it."""

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Enter a class."""
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Enter a function, noting the reasons its docstring names."""
        self.scope.append(node.name)
        qualname = ".".join(self.scope)
        self.functions.append(qualname)
        function = SpecFunction(self.module, qualname)
        for reason in DOCUMENTED_REASON.findall(ast.get_docstring(node) or ""):
            self.add(self.documented, reason, function)
        self.generic_visit(node)
        self.functions.pop()
        self.scope.pop()

    def visit_Call(self, node: ast.Call) -> None:
        """Note the reasons a ``require``/``reject`` call raises."""
        if get_called_name(node) in RAISING_CALLS and self.functions:
            function = SpecFunction(self.module, self.functions[-1])
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                for reason in iter_reason_names(argument):
                    self.add(self.raised, reason, function)
        self.generic_visit(node)

    @staticmethod
    def add(table: dict[str, list[SpecFunction]], reason: str, function: SpecFunction) -> None:
        """Add ``function`` to ``table[reason]`` once."""
        entries = table.setdefault(reason, [])
        if function not in entries:
            entries.append(function)


@dataclass(frozen=True)
class ReasonSites:
    """Where the spec raises, and where it documents, each rejection reason."""

    raised: dict[str, list[SpecFunction]]
    """Reason name to the functions whose own ``require``/``reject`` raises it."""
    documented: dict[str, list[SpecFunction]]
    """Reason name to the functions whose docstring lists it."""


def find_reason_sites() -> ReasonSites:
    """Scan every spec module for the functions that raise or document each reason."""
    raised: dict[str, list[SpecFunction]] = {}
    documented: dict[str, list[SpecFunction]] = {}
    for module in iter_spec_modules():
        finder = RaiseFinder(module.name)
        finder.visit(parse(module))
        for table, found in ((raised, finder.raised), (documented, finder.documented)):
            for reason, functions in found.items():
                table.setdefault(reason, []).extend(functions)
    return ReasonSites(raised, documented)
