"""Traces and vectors: a trace is what to run, a vector is a trace with the spec's answers.

A :class:`Trace` names an area, an initial state and the operations of its
steps. :func:`make_vector` runs it on the spec and returns the JSON vector
(``conformance/schema.json``): per step the expected outcome, rejection reason,
state digest and full post state. Its provenance holds the spec version, the
generator, where the trace came from, and the SHA-256 of its canonical content
(:func:`compute_content_hash`), so a vector edited by hand is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance import FORMAT
from conformance.areas import READABLE_ARGUMENTS, Area, StepInput, run_step
from conformance.canonical import hash_canonical
from conformance.readable import JsonValue, to_view
from spec import SPEC_VERSION
from spec.encoding import encode

GENERATOR = f"plasma-spec {SPEC_VERSION} conformance kit"
"""Name and version of the program that writes vectors."""


@dataclass(frozen=True)
class Trace:
    """An initial state and the operations to apply to it, in order."""

    name: str
    """Short name, unique within its directory (a file name without ``.json``)."""
    description: str
    """What the trace shows, for people."""
    source: str
    """Where it came from: ``module:function`` of a case, or the scenario it was recorded from."""
    area: Area
    """The state machine it exercises."""
    preset: str
    """Preset name of the initial state."""
    initial_state: Any
    """The state before the first step."""
    steps: tuple[StepInput, ...]
    """The operations, in order."""


def make_step_input(area: Area, operation: Any) -> StepInput:
    """Return the step giving a well-formed ``operation`` of ``area`` as canonical bytes."""
    return StepInput(
        encoding=encode(operation, area.operation_hint),
        name=type(operation).__name__,
        view=to_view(operation),
    )


def make_state_record(area: Area, state: Any, *, with_view: bool = True) -> dict[str, JsonValue]:
    """Return a state as a vector shows it: canonical bytes, digest and readable view."""
    return {
        "encoding": "0x" + encode(state, area.state_type).hex(),
        "digest": "0x" + bytes(area.digest(state)).hex(),
        "view": to_view(state, area.state_type) if with_view else None,
    }


def list_capabilities(trace: Trace) -> list[str]:
    """Return the capabilities an implementation needs to run ``trace``."""
    readable_only = any(step.encoding is None for step in trace.steps)
    return [trace.area.name, *([READABLE_ARGUMENTS] if readable_only else [])]


def make_vector(trace: Trace, *, with_views: bool = True) -> dict[str, JsonValue]:
    """Run ``trace`` on the spec and return it as a vector with every expectation filled in.

    Without views (``with_views=False``) the states' readable views are left
    null: a quicker vector, enough to replay (the differential search uses it),
    but not valid against the schema and not for shipping.
    """
    state = trace.initial_state
    initial = make_state_record(trace.area, state, with_view=with_views)
    digest = initial["digest"]
    steps = []
    for step in trace.steps:
        result = run_step(trace.area, state, step)
        if result.state is not state:
            # A rejected step leaves the very same (immutable) state: its digest is known
            state = result.state
            digest = "0x" + bytes(trace.area.digest(state)).hex()
        steps.append(
            {
                "operation": {
                    "name": step.name,
                    "encoding": None if step.encoding is None else "0x" + step.encoding.hex(),
                    "view": step.view,
                },
                "expected": {
                    "outcome": "accepted" if result.reason is None else "rejected",
                    "reason": None if result.reason is None else result.reason.value,
                    "digest": digest,
                    "post_state": to_view(state, trace.area.state_type) if with_views else None,
                },
            }
        )
    vector: dict[str, JsonValue] = {
        "format": FORMAT,
        "name": trace.name,
        "description": trace.description,
        "area": trace.area.name,
        "capabilities": list_capabilities(trace),
        "preset": trace.preset,
        "initial_state": initial,
        "steps": steps,
        "provenance": {
            "spec_version": SPEC_VERSION,
            "generator": GENERATOR,
            "source": trace.source,
        },
    }
    vector["provenance"]["content_hash"] = compute_content_hash(vector)
    return vector


def compute_content_hash(vector: dict[str, JsonValue]) -> str:
    """Return ``sha256:`` and the hex SHA-256 of the vector's canonical JSON.

    The canonical JSON is the vector without ``provenance.content_hash``, in the
    JSON Canonicalization Scheme of RFC 8785 (:mod:`conformance.canonical`).
    """
    provenance = {k: v for k, v in vector["provenance"].items() if k != "content_hash"}
    return hash_canonical({**vector, "provenance": provenance})
