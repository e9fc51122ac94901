"""The conformance cases and vector suite: cases as tests, schema validity, coverage, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conformance.areas import SETTLEMENT, run_step
from conformance.cases import Case, list_cases
from conformance.schema import validate_vector
from conformance.suite import load_vectors, write_suite
from conformance.trace import compute_content_hash, make_vector
from spec.environments.payments.marks import get_payments_records
from spec.errors import RejectionReason
from spec.presets import FULL, PRESETS, TINY
from spec.primitives import Uint64
from spec.settlement.state import SettlementState
from tests.test_conformance_harness import get_tiny_suite

CASE_BY_NAME = {case.name: case for case in list_cases()}
CASES = [(preset, case) for preset in PRESETS.values() for case in list_cases(preset)]


@pytest.mark.parametrize(
    ("preset_name", "case"),
    [(preset.name, case) for preset, case in CASES],
    ids=[f"{preset.name}-{case.name}" for preset, case in CASES],
)
def test_every_case_ends_with_its_expected_outcome(preset_name: str, case: Case) -> None:
    """Given a registered case and a preset.

    When its trace is run on the spec,
    Then its last step is rejected with exactly the declared reason (or accepted when
    none is declared), and its vector is valid against the schema.
    """
    vector = make_vector(case.build(PRESETS[preset_name]))
    last = vector["steps"][-1]["expected"]
    expected = None if case.expected_reason is None else case.expected_reason.value
    assert last["reason"] == expected
    assert last["outcome"] == ("accepted" if expected is None else "rejected")
    validate_vector(vector)


def test_tiny_suite_reaches_every_reason_and_is_written_valid(tmp_path: Path) -> None:
    """Given the tiny suite.

    When it is built and written,
    Then its coverage misses no rejection reason, every written vector is schema-valid
    with the content hash of its content, and the coverage report is written too.
    """
    suite = get_tiny_suite()
    assert suite.coverage.missed_reasons() == []
    assert set(suite.coverage.reasons) == {reason.value for reason in RejectionReason}
    hit, total = suite.coverage.total_spec_lines()
    assert hit > total // 2
    write_suite(suite, tmp_path)
    vectors = load_vectors(tmp_path)
    assert len(vectors) == len(suite.vectors)
    for _, vector in vectors:
        validate_vector(vector)
        assert vector["provenance"]["content_hash"] == compute_content_hash(vector)
    reasons = len(RejectionReason)
    assert f"{reasons} of {reasons} reached" in (tmp_path / "coverage.txt").read_text()
    areas = {vector["area"] for _, vector in vectors}
    assert areas == {"settlement", "payments-chain", "cash-chain", "codec", "consensus"}


def test_full_suite_omits_only_the_oversized_block() -> None:
    """Given the full preset.

    When the cases are listed for it,
    Then only the block of 65,537 transactions and the two cases of a full coin tree
    (which the full preset's 64-level tree cannot reach) are left out.
    """
    omitted = {case.name for case in list_cases()} - {case.name for case in list_cases(FULL)}
    assert omitted == {
        "block-with-one-transaction-too-many",
        "cash-chain-mint-outside-the-tree",  # the full coin tree has every Uint64 key
        "cash-deposit-beyond-the-coin-tree",
    }


def test_an_edited_vector_no_longer_matches_its_content_hash() -> None:
    """Given a vector.

    When one expected reason is changed by hand,
    Then its content hash no longer matches, while the schema still accepts it.
    """
    vector = make_vector(CASE_BY_NAME["deposit-to-unknown-environment"].build(TINY))
    edited = json.loads(json.dumps(vector))
    edited["steps"][-1]["expected"]["reason"] = "not_operator"
    validate_vector(edited)
    assert compute_content_hash(edited) != vector["provenance"]["content_hash"]


def test_schema_rejects_an_accepted_step_with_a_reason() -> None:
    """Given a vector whose accepted step names a reason.

    When it is validated,
    Then the schema refuses it.
    """
    vector = make_vector(CASE_BY_NAME["deposit-accepted"].build(TINY))
    vector["steps"][-1]["expected"]["reason"] = "not_operator"
    with pytest.raises(jsonschema.ValidationError):
        validate_vector(vector)


IN_FLIGHT_OPERATIONS = (
    "StartInFlightExit",
    "PiggybackInFlightExit",
    "ChallengeInFlightNotCanonical",
    "RespondToNonCanonicalChallenge",
    "ChallengeInFlightInputSpent",
    "ChallengeInFlightOutputSpent",
    "DeleteInFlightExit",
)
"""The payments kind's in-flight exit operations (settlement tags 13 to 19)."""


def test_every_in_flight_operation_ends_an_accepted_and_a_rejected_case() -> None:
    """Given the cases of the tiny suite.

    When they are grouped by the operation of their last step,
    Then each in-flight operation ends at least one accepted and one rejected case.
    """
    outcomes: dict[str, set[bool]] = {}
    for case in list_cases(TINY):
        if "in_flight" in case.source:
            last = case.build(TINY).steps[-1].name
            outcomes.setdefault(last, set()).add(case.expected_reason is None)
    for name in IN_FLIGHT_OPERATIONS:
        assert outcomes.get(name) == {True, False}, name


def read_phase_offset(case: Case) -> int:
    """Return the time of a case's last step minus the end of exit 0's first phase."""
    trace = case.build(TINY)
    state: SettlementState = trace.initial_state
    for step in trace.steps[:-1]:
        state = run_step(SETTLEMENT, state, step).state
    environment = state.environments[Uint64(0)]
    exit = get_payments_records(environment).in_flight_exits[Uint64(0)]
    end = exit.started_at + environment.rules.minimal_finalization_period // 2
    return int(state.time) - int(end)


@pytest.mark.parametrize(
    ("inside", "outside"),
    [
        (
            "piggyback-an-output-in-the-last-second-of-the-first-phase",
            "piggyback-when-the-first-phase-is-over",
        ),
        (
            "challenge-canonicity-in-the-last-second-of-the-first-phase",
            "challenge-canonicity-when-the-first-phase-is-over",
        ),
        ("delete-in-the-last-second-of-the-first-phase", "delete-an-exit-nobody-piggybacked"),
    ],
)
def test_first_phase_end_is_covered_on_both_sides(inside: str, outside: str) -> None:
    """Given a pair of cases about the end of an in-flight exit's first phase.

    When the time of each one's last step is compared with ``started_at + MFP // 2``,
    Then one runs a second before it and the other exactly at it, with opposite outcomes.
    """
    assert read_phase_offset(CASE_BY_NAME[inside]) == -1
    assert read_phase_offset(CASE_BY_NAME[outside]) == 0
    inside_accepted = CASE_BY_NAME[inside].expected_reason is None
    assert inside_accepted != (CASE_BY_NAME[outside].expected_reason is None)
