"""Every type of the wire, described as data: the ``types`` of the wire-format document.

:func:`describe_types` starts from some type hints (the areas' states and
operations, the codec's type list) and describes every type they reach, so a
decoder can be written from the description alone:

- a **type expression** is a type's name (a string), or one object for a
  container: ``{"list": T}`` (``tuple[T, ...]``), ``{"tuple": [A, B]}`` (fixed
  shape), ``{"map": {"key": K, "value": V}}``, ``{"set": T}`` or
  ``{"optional": T}``;
- a **named type** is a primitive (``bool``, ``uint`` of some bytes,
  ``fixed_bytes`` of some length, ``bytes``, ``text``), a ``struct`` (its
  fields in order, each with a type expression), an ``enum`` (its members with
  their wire tags) or a ``union`` (its variants with their wire tags).

Names are the spec's class names; where two classes share one (``Block``),
both take the name of their package as a prefix (``payments.Block``,
``finality.Block``). A union takes the name the spec gives it (``Operation``).
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Iterable
from typing import Any

import spec
from conformance.readable import JsonValue
from spec.encoding import UNION_TAGS, get_enum_tags, get_field_types, get_union_tags, is_union
from spec.primitives import FixedBytes, Uint


@functools.cache
def find_union_names() -> dict[frozenset[Any], str]:
    """Return the name the spec gives each union with declared wire tags."""
    names: dict[frozenset[Any], str] = {}
    for module_info in pkgutil.walk_packages(spec.__path__, "spec."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if is_union(value) and frozenset(typing.get_args(value)) in UNION_TAGS:
                names.setdefault(frozenset(typing.get_args(value)), name)
    return names


def is_optional(hint: Any) -> bool:
    """Return whether ``hint`` is ``T | None``."""
    arms = typing.get_args(hint)
    return is_union(hint) and len(arms) == 2 and type(None) in arms


def list_children(hint: Any) -> list[Any]:
    """Return the type hints ``hint`` is made of (fields, items, variants)."""
    if is_union(hint):
        return [arm for arm in typing.get_args(hint) if arm is not type(None)]
    if typing.get_origin(hint) is not None:
        return [arg for arg in typing.get_args(hint) if arg is not Ellipsis]
    if dataclasses.is_dataclass(hint):
        return [field for _, field in get_field_types(typing.cast(type, hint))]
    return []


def collect_named(roots: Iterable[Any]) -> list[Any]:
    """Return every named type (class or tagged union) reachable from ``roots``, in order seen."""
    named: list[Any] = []
    seen: set[Any] = set()
    pending = list(roots)
    while pending:
        hint = pending.pop(0)
        key = frozenset(typing.get_args(hint)) if is_union(hint) else hint
        if key in seen:
            continue
        seen.add(key)
        if (is_union(hint) and not is_optional(hint)) or isinstance(hint, type):
            named.append(hint)
        pending.extend(list_children(hint))
    return named


class Namer:
    """Gives each named type its name in the document."""

    def __init__(self, named: list[Any]) -> None:
        classes = [hint for hint in named if isinstance(hint, type)]
        counts: dict[str, int] = {}
        for cls in classes:
            counts[cls.__name__] = counts.get(cls.__name__, 0) + 1
        self.shared = {name for name, count in counts.items() if count > 1}
        """Class names that more than one class carries."""

    def name(self, hint: Any) -> str:
        """Return the name of a named type."""
        if is_union(hint):
            return find_union_names()[frozenset(typing.get_args(hint))]
        if hint.__name__ in self.shared:
            package = hint.__module__.split(".")[-2]
            return f"{package}.{hint.__name__}"
        return str(hint.__name__)

    def express(self, hint: Any) -> JsonValue:
        """Return the type expression of ``hint``."""
        if is_optional(hint):
            return {"optional": self.express(list_children(hint)[0])}
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return {"list": self.express(args[0])}
        if origin is tuple:
            return {"tuple": [self.express(arg) for arg in args]}
        if origin is frozenset:
            return {"set": self.express(args[0])}
        if origin is not None and not is_union(hint):
            return {"map": {"key": self.express(args[0]), "value": self.express(args[1])}}
        return self.name(hint)


@functools.cache
def read_attribute_docs(module_name: str) -> dict[tuple[str, str], str]:
    """Return the docstring of each class attribute of a module: (class, attribute) to text."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    docs: dict[tuple[str, str], str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for before, after in zip(node.body, node.body[1:], strict=False):
            documented = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            field = isinstance(before, ast.AnnAssign) and isinstance(before.target, ast.Name)
            if documented and field:
                name = typing.cast(ast.Name, typing.cast(ast.AnnAssign, before).target).id
                text = str(typing.cast(ast.Constant, typing.cast(ast.Expr, after).value).value)
                docs[(node.name, name)] = inspect.cleandoc(text)
    return docs


ROLE = re.compile(r":[a-z]+:`(~?)([^`<]*?)(?:\s*<[^>]*>)?`")
"""A Sphinx cross-reference: ``:role:`~dotted.Name``` or ``:role:`text <target>```."""


def plain(text: str) -> str:
    """Return docstring text without Sphinx markup: references as their names, ``x`` as `x`."""

    def show(match: re.Match[str]) -> str:
        shortened, target = match.group(1), match.group(2)
        return f"`{target.rpartition('.')[2] if shortened else target}`"

    return ROLE.sub(show, text).replace("``", "`")


def first_paragraph(text: str) -> str:
    """Return the first paragraph of a docstring, on one line, without Sphinx markup."""
    return plain(" ".join(text.split("\n\n", maxsplit=1)[0].split()))


def summarize(obj: Any) -> str:
    """Return the first paragraph of an object's docstring, on one line."""
    return first_paragraph(inspect.getdoc(obj) or "")


def describe_named(hint: Any, namer: Namer) -> dict[str, JsonValue]:
    """Return the description of one named type."""
    if is_union(hint):
        tags = sorted(
            (tag, namer.name(arm)) for arm, tag in get_union_tags(typing.get_args(hint)).items()
        )
        variants: list[JsonValue] = [{"tag": tag, "type": name} for tag, name in tags]
        return {"kind": "union", "variants": variants}
    if hint is bool:
        return {"kind": "bool"}
    if hint is bytes:
        return {"kind": "bytes"}
    if hint is str:
        return {"kind": "text"}
    if issubclass(hint, Uint):
        return {"kind": "uint", "bytes": hint.BITS // 8}
    if issubclass(hint, FixedBytes):
        return {"kind": "fixed_bytes", "length": hint.LENGTH}
    if issubclass(hint, enum.Enum):
        members = sorted((tag, member) for member, tag in get_enum_tags(hint).items())
        listed: list[JsonValue] = [
            {"tag": tag, "name": m.name, "view": m.value} for tag, m in members
        ]
        return {"kind": "enum", "summary": summarize(hint), "members": listed}
    docs = read_attribute_docs(hint.__module__)
    fields: list[JsonValue] = [
        {
            "name": name,
            "type": namer.express(field),
            "summary": first_paragraph(docs.get((hint.__name__, name), "")),
        }
        for name, field in get_field_types(hint)
    ]
    return {"kind": "struct", "summary": summarize(hint), "fields": fields}


def describe_types(roots: Iterable[Any]) -> tuple[Namer, dict[str, JsonValue]]:
    """Return the namer and the description of every named type reachable from ``roots``."""
    named = collect_named(roots)
    namer = Namer(named)
    described = {namer.name(hint): describe_named(hint, namer) for hint in named}
    return namer, dict(sorted(described.items()))
