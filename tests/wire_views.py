"""Readable views computed from the wire-format document alone, as an implementer would.

:func:`make_view` turns a value decoded by :class:`tests.wire_interpreter.WireCodec`
into its JSON view by the document's ``readable_views`` rules; it imports
nothing of ``conformance.readable``.
"""

from __future__ import annotations

from typing import Any


def make_view(document: dict[str, Any], expression: Any, value: Any) -> Any:
    """Return the readable view of a decoded value of a type expression."""
    if isinstance(expression, str):
        return make_named_view(document, document["types"][expression], value)
    (container, inner), *_ = expression.items()
    if container == "optional":
        return None if value is None else make_view(document, inner, value[1])
    if container == "tuple":
        return [make_view(document, item, part) for item, part in zip(inner, value, strict=True)]
    if container in ("list", "set"):
        return [make_view(document, inner, item) for item in value]
    return [
        [make_view(document, inner["key"], key), make_view(document, inner["value"], item)]
        for key, item in value
    ]


def variant_name(name: str) -> str:
    """Return a type's name as a union view gives it (no package prefix)."""
    return name.rpartition(".")[2]


def make_named_view(document: dict[str, Any], description: dict[str, Any], value: Any) -> Any:
    """Return the readable view of a named type's decoded value."""
    kind = description["kind"]
    if kind == "struct":
        return {
            field["name"]: make_view(document, field["type"], value[field["name"]])
            for field in description["fields"]
        }
    if kind == "union":
        tag, inner = value
        arm = next(arm for arm in description["variants"] if arm["tag"] == tag)
        return {
            "variant": variant_name(arm["type"]),
            "value": make_view(document, arm["type"], inner),
        }
    if kind == "enum":
        return next(m["view"] for m in description["members"] if m["tag"] == value[0])
    if kind == "uint":
        return value if description["bytes"] <= document["view_number_bytes"] else str(value)
    if kind in ("fixed_bytes", "bytes"):
        return "0x" + bytes(value).hex()
    return value
