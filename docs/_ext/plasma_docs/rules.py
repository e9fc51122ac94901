"""Each spec module's rules as written: every check with its condition, and every predicate.

Prose can leave a boundary unclear (is the quarantine over at its last second
or after it?); the source cannot. :func:`render_rules` reads one spec module
with :mod:`ast` and lists, in source order:

- every ``require(condition, REASON)`` and ``reject(REASON)`` call with the
  comment above it (the rule in words), the condition exactly as written,
  and the reason it raises;
- every reader (``is_*``, ``get_*``, ``compute_*``) whose body is one
  ``return``, with that expression: the boundaries the checks rely on.

:class:`plasma_docs.tables.SpecModuleDirective` appends both tables to each
spec module's reference.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from plasma_docs.rst import escape, list_table, literal
from plasma_docs.source import RAISING_CALLS, SpecModule, get_called_name, iter_reason_names


@dataclass(frozen=True)
class Check:
    """One ``require``/``reject`` call of a spec function."""

    function: str
    """The enclosing function's qualified name."""
    comment: str
    """The comment lines right above the call, joined."""
    condition: str
    """The condition as written (empty for ``reject``)."""
    reasons: tuple[str, ...]
    """The reason members it raises."""


def read_comment_above(lines: list[str], line_number: int) -> str:
    """Return the comment lines right above source line ``line_number`` (1-based), joined."""
    comment: list[str] = []
    index = line_number - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        comment.insert(0, lines[index].strip().lstrip("#").strip())
        index -= 1
    return " ".join(comment)


def find_checks(tree: ast.Module, lines: list[str]) -> list[Check]:
    """Return every check of the module, in source order, each with its innermost function."""
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and get_called_name(node) in RAISING_CALLS
    ]
    checks: list[Check] = []
    for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
        enclosing = [f for f in functions if f.lineno <= call.lineno <= (f.end_lineno or 0)]
        if not enclosing:
            continue
        function = max(enclosing, key=lambda f: f.lineno)
        is_require = get_called_name(call) == "require" and call.args
        condition = ast.unparse(call.args[0]) if is_require else ""
        reasons = tuple(dict.fromkeys(iter_reason_names(call)))
        checks.append(
            Check(function.name, read_comment_above(lines, call.lineno), condition, reasons)
        )
    return checks


DEFINED_PREFIXES = ("is_", "get_", "compute_")
"""Prefixes of the functions whose one-line definitions are listed (the taxonomy's readers)."""


def find_predicates(tree: ast.Module) -> list[tuple[str, str]]:
    """Return (name, returned expression) of every reader whose body is one ``return``."""
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith(DEFINED_PREFIXES)):
            continue
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            found.append((node.name, ast.unparse(body[0].value)))
    return found


def render_rules(module: SpecModule) -> list[str]:
    """Return the module's rules and predicates as reST (nothing if it has neither)."""
    text = module.path.read_text()
    tree, lines = ast.parse(text), text.splitlines()
    checks, predicates = find_checks(tree, lines), find_predicates(tree)
    out: list[str] = []
    if checks:
        rows = [
            [
                f"``{check.function}``",
                escape(check.comment) or "—",
                literal(check.condition) if check.condition else "(always)",
                "\n\n".join(f":attr:`~spec.errors.RejectionReason.{r}`" for r in check.reasons),
            ]
            for check in checks
        ]
        out += [".. rubric:: Checks of this module, as written", ""]
        out += list_table(["Function", "Rule", "Passes when", "Else"], rows, [18, 30, 32, 20])
    if predicates:
        rows = [[f"``{name}``", literal(expression)] for name, expression in predicates]
        out += [".. rubric:: One-line definitions of this module, as written", ""]
        out += list_table(["Function", "Returns"], rows, [30, 70])
    return out
