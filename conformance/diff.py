"""Field-level differences between two readable state views (implementation vs spec).

Views are compared recursively: objects by field, arrays of ``[key, value]``
pairs (mappings) by key, other arrays by index. Each difference names the
path to the field, e.g. ``environments[0].exits[0].status``.
"""

from __future__ import annotations

import json

from conformance.readable import JsonValue


def is_mapping_view(value: JsonValue) -> bool:
    """Return whether a view is a mapping's list of ``[key, value]`` pairs."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(p, list) and len(p) == 2 for p in value)
    )


def describe_key(key: JsonValue) -> str:
    """Return a mapping key as it appears in a path."""
    return key if isinstance(key, str) else json.dumps(key, separators=(",", ":"))


def diff_views(implementation: JsonValue, spec: JsonValue, path: str = "") -> list[str]:
    """Return one line per field where ``implementation`` differs from ``spec``."""
    if isinstance(implementation, dict) and isinstance(spec, dict):
        lines = []
        for name in [*spec, *(k for k in implementation if k not in spec)]:
            child = f"{path}.{name}" if path else name
            lines += diff_views(implementation.get(name), spec.get(name), child)
        return lines
    if is_mapping_view(implementation) or is_mapping_view(spec):
        return diff_mappings(implementation or [], spec or [], path)
    if isinstance(implementation, list) and isinstance(spec, list):
        lines = []
        for index in range(max(len(implementation), len(spec))):
            mine = implementation[index] if index < len(implementation) else None
            theirs = spec[index] if index < len(spec) else None
            lines += diff_views(mine, theirs, f"{path}[{index}]")
        return lines
    if implementation == spec:
        return []
    return [f"{path}: implementation {show(implementation)}, spec {show(spec)}"]


def diff_mappings(implementation: JsonValue, spec: JsonValue, path: str) -> list[str]:
    """Return the differences of two mapping views, entry by entry."""
    mine = {describe_key(k): v for k, v in implementation}
    theirs = {describe_key(k): v for k, v in spec}
    lines = []
    for key in [*theirs, *(k for k in mine if k not in theirs)]:
        lines += diff_views(mine.get(key), theirs.get(key), f"{path}[{key}]")
    return lines


def show(value: JsonValue) -> str:
    """Return a short rendering of a view (absent entries read ``absent``)."""
    if value is None:
        return "absent"
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= 120 else text[:117] + "..."
