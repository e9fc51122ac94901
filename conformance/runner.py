"""Replaying vectors against an implementation and explaining any disagreement.

:func:`run_vector` follows the algorithm of ``conformance/CONSUMING.md``
through the adapter: reset to the initial state, then per step apply the
operation and compare outcome, reason and digest with the vector. At the
first disagreement it asks for the implementation's state and diffs it, field
by field, against the post state the vector ships.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.areas import AREAS
from conformance.client import (
    GARBAGE,
    ErrorAnswer,
    Implementation,
    ImplementationFailure,
    require_field,
)
from conformance.diff import diff_views
from conformance.readable import JsonValue, read_hex, to_view
from spec.encoding import decode_as
from spec.errors import Rejected

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class VectorResult:
    """The verdict on one vector."""

    path: str
    """Where the vector is (or its name)."""
    status: str
    """``passed``, ``failed`` or ``skipped``."""
    step: int | None = None
    """Index of the first step that disagreed (None for the reset or no failure)."""
    lines: tuple[str, ...] = field(default=())
    """Why it failed or was skipped: the mismatch and the field-level diff."""


def run_vector(
    implementation: Implementation,
    capabilities: set[str],
    path: str,
    vector: dict[str, JsonValue],
    *,
    explain_failure: bool = True,
) -> VectorResult:
    """Replay ``vector`` on ``implementation`` and compare every step with it.

    A failure's lines end with the field-level diff of the states, unless
    ``explain_failure`` is False (for vectors without views). An error answer
    (``"ok": false``, an unsupported operation say) fails the vector at its step,
    and the implementation is used again for the next vector.

    Raises:
        ImplementationFailure: when the implementation hangs, crashes or answers garbage,
            naming the vector and step.
    """
    missing = sorted(set(vector["capabilities"]) - capabilities)
    if missing:
        return VectorResult(path, SKIPPED, lines=(f"lacks capability {', '.join(missing)}",))
    initial = vector["initial_state"]
    reset = {
        "command": "reset",
        "area": vector["area"],
        "preset": vector["preset"],
        "state": initial["encoding"],
    }
    try:
        answer = ask(implementation, reset, path, "reset")
    except ErrorAnswer as error:
        return VectorResult(path, FAILED, None, (f"reset: {describe_error(error)}",))
    digest = require_field(answer, "digest", str)
    if digest != initial["digest"]:
        lines: tuple[str, ...] = (f"reset: digest {digest}, spec {initial['digest']}",)
        if explain_failure:
            lines += explain(implementation, vector, initial["view"], digests_differ=True)
        return VectorResult(path, FAILED, None, lines)
    for index, step in enumerate(vector["steps"]):
        where = f"step {index} ({step['operation']['name']})"
        try:
            answer = ask(
                implementation, {"command": "apply", "operation": step["operation"]}, path, where
            )
        except ErrorAnswer as error:
            return VectorResult(path, FAILED, index, (f"{where}: {describe_error(error)}",))
        mismatch = compare_step(answer, step["expected"])
        if mismatch:
            header = f"{where}: " + "; ".join(mismatch)
            post_state = step["expected"]["post_state"]
            differ = answer.get("digest") != step["expected"]["digest"]
            diff = explain(implementation, vector, post_state, differ) if explain_failure else ()
            return VectorResult(path, FAILED, index, (header, *diff))
    return VectorResult(path, PASSED)


def ask(
    implementation: Implementation, message: dict[str, JsonValue], path: str, where: str
) -> dict[str, JsonValue]:
    """Send one request of a vector; a failure that ends the session names the vector and step.

    Raises:
        ErrorAnswer: when the implementation answers ``"ok": false`` (it lives on).
        ImplementationFailure: when it hangs, crashes or answers garbage, naming ``path``
            and ``where``.
    """
    try:
        return implementation.request(message)
    except ErrorAnswer:
        raise
    except ImplementationFailure as failure:
        detail = f"{failure.detail} (at {path}, {where})"
        raise ImplementationFailure(failure.kind, detail) from None


def describe_error(error: ErrorAnswer) -> str:
    """Return the diagnosis line of an error answer."""
    return f"the implementation answered error {error.code!r}: {error.message}"


def compare_step(answer: dict[str, JsonValue], expected: dict[str, JsonValue]) -> list[str]:
    """Return how an apply answer differs from the step's expectation (empty when it agrees).

    Raises:
        ImplementationFailure: ``garbage`` when the answer lacks a field or has a bad outcome.
    """
    outcome = require_field(answer, "outcome", str)
    if outcome not in ("accepted", "rejected"):
        raise ImplementationFailure(GARBAGE, f"outcome {outcome!r}")
    reason = answer.get("reason")
    digest = require_field(answer, "digest", str)
    mismatch = []
    if outcome != expected["outcome"] or reason != expected["reason"]:
        mine = outcome if reason is None else f"rejected with {reason}"
        spec = (
            expected["outcome"]
            if expected["reason"] is None
            else f"rejected with {expected['reason']}"
        )
        mismatch.append(f"implementation {mine}, spec {spec}")
    if digest != expected["digest"]:
        mismatch.append(f"digest {digest[:18]}..., spec {expected['digest'][:18]}...")
    return mismatch


def explain(
    implementation: Implementation,
    vector: dict[str, JsonValue],
    spec_view: JsonValue,
    digests_differ: bool,
) -> tuple[str, ...]:
    """Return the field-level diff of the implementation's state against ``spec_view``.

    When the views agree, the line says what that means: with different
    digests, an encoding or digest bug; with equal digests, the states are the
    same and only the outcome or reason differed.

    Raises:
        ImplementationFailure: when the implementation cannot dump its state.
    """
    area = AREAS[vector["area"]]
    try:
        answer = implementation.request({"command": "dump"})
    except ErrorAnswer as error:
        return (f"  its state dump was refused: {describe_error(error)}",)
    encoding = require_field(answer, "state", str)
    try:
        state = decode_as(area.state_type, read_hex(encoding))
    except (Rejected, ValueError) as error:
        return (f"  its state dump does not decode: {error}",)
    lines = diff_views(to_view(state, area.state_type), spec_view)
    if not lines and digests_differ:
        return ("  state views agree, but the digests differ: an encoding or digest bug",)
    if not lines:
        return ("  states agree (same view and digest): only the outcome or reason differs",)
    return tuple(f"  {line}" for line in lines)


def say_hello(implementation: Implementation) -> tuple[str, set[str]]:
    """Greet the implementation; return its name and capabilities.

    Raises:
        ImplementationFailure: when it hangs, crashes or answers garbage.
    """
    answer = implementation.request({"command": "hello"})
    capabilities = require_field(answer, "capabilities", list)
    return str(answer.get("name", "unnamed")), {str(c) for c in capabilities}
