"""Every diagnosis line of a failed vector is true: what differs is what the line says.

An error answer (``"ok": false``) fails its vector at its step, named, and the
run goes on to its summary.

An in-process implementation wraps the reference adapter and changes one
thing of its answers: the rejection reason only (the states then agree, the
digests too), or the digest only (the states' views agree, the digests do
not). The vector runner must tell these apart.
"""

from __future__ import annotations

import argparse
import typing
from pathlib import Path
from typing import Any

import pytest

from cli.conform import run_conform
from conformance.client import Implementation
from conformance.readable import JsonValue
from conformance.reference_adapter import ReferenceAdapter
from conformance.runner import FAILED, PASSED, run_vector
from conformance.suite import Suite, write_suite
from tests.test_conformance_harness import FAULTY, get_tiny_suite

CAPABILITIES = {"settlement", "payments-chain", "cash-chain", "codec", "consensus"}


class Altered:
    """The reference adapter, in process, with one field of its apply answers changed."""

    def __init__(self, field: str | None, value: str) -> None:
        self.adapter = ReferenceAdapter()
        self.field = field
        self.value = value

    def request(self, message: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Answer like the reference, but change ``field`` (if any) of a rejected apply's answer."""
        answer = self.adapter.handle(message)
        if self.field and message["command"] == "apply" and answer.get("outcome") == "rejected":
            answer = {**answer, self.field: self.value}
        return answer


def as_implementation(altered: Altered) -> Implementation:
    """Return ``altered`` typed as the implementation the runner drives (it has ``request``)."""
    return typing.cast(Implementation, altered)


def find_rejecting_vector() -> tuple[str, dict[str, Any]]:
    """Return a settlement vector of the tiny suite whose last step is its only rejected one."""
    for path, vector in get_tiny_suite().vectors.items():
        outcomes = [step["expected"]["outcome"] for step in vector["steps"]]
        ends_rejected = outcomes[-1] == "rejected" and outcomes.count("rejected") == 1
        if vector["area"] == "settlement" and ends_rejected:
            return path, vector
    raise AssertionError("the tiny suite has no settlement vector ending in a rejection")


def test_a_reason_only_mismatch_says_the_states_agree() -> None:
    """Given an implementation that rejects for another reason, with the right state.

    When a vector ending in a rejection is replayed,
    Then it fails, the header names both reasons and no digest, and the
    diagnosis says the states agree and only the outcome or reason differs.
    """
    path, vector = find_rejecting_vector()
    result = run_vector(
        as_implementation(Altered("reason", "made_up_reason")), CAPABILITIES, path, vector
    )
    assert result.status == FAILED
    header, *diagnosis = result.lines
    assert "rejected with made_up_reason, spec rejected with" in header
    assert "digest" not in header
    assert diagnosis == [
        "  states agree (same view and digest): only the outcome or reason differs"
    ]


def test_a_digest_only_mismatch_says_the_views_agree_but_not_the_digests() -> None:
    """Given an implementation whose digest is wrong while its state is right.

    When the same vector is replayed,
    Then the header names the digests, and the diagnosis blames the encoding or digest.
    """
    path, vector = find_rejecting_vector()
    result = run_vector(
        as_implementation(Altered("digest", "0x" + "00" * 32)), CAPABILITIES, path, vector
    )
    assert result.status == FAILED
    header, *diagnosis = result.lines
    assert "digest 0x0000" in header
    assert diagnosis == ["  state views agree, but the digests differ: an encoding or digest bug"]


def test_the_unaltered_reference_passes_the_vector() -> None:
    """Given the reference adapter with nothing changed (the control), Then the vector passes."""
    path, vector = find_rejecting_vector()
    result = run_vector(as_implementation(Altered(None, "")), CAPABILITIES, path, vector)
    assert result.status == PASSED


def test_an_error_answer_fails_its_vector_at_its_step_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an adapter that answers every Deposit with an error, and vectors with and without one.

    When conform replays them,
    Then each vector with a deposit fails, named with the step and the error, the
    others pass, the summary is printed, and the exit code is 1 (a disagreement), not 3.
    """
    tiny = get_tiny_suite()
    chosen = {
        path: vector
        for path, vector in sorted(tiny.vectors.items())
        if vector["area"] == "settlement"
    }
    with_deposit = [
        path
        for path, vector in chosen.items()
        if any(step["operation"]["name"] == "Deposit" for step in vector["steps"])
    ]
    without = [path for path in chosen if path not in with_deposit]
    subset = {path: chosen[path] for path in with_deposit[:3] + without[:3]}
    write_suite(Suite(subset, tiny.coverage), tmp_path / "vectors")
    arguments = argparse.Namespace(
        impl=f"{FAULTY} refuses-deposits",
        vectors=tmp_path / "vectors",
        no_vectors=False,
        preset="tiny",
        traces=0,
        seed=3,
        minutes=1.0,
        timeout=30.0,
        failures=tmp_path / "failures",
        workers=1,
        scheduler=None,
    )
    assert run_conform(arguments) == 1
    output = capsys.readouterr().out
    for path in with_deposit[:3]:
        assert f"FAIL {path}" in output
    assert "(Deposit): the implementation answered error 'unsupported_operation'" in output
    assert f"Vectors: {len(without[:3])} passed, 3 failed, 0 skipped" in output
