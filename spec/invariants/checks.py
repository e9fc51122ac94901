"""The checks that cover a catalogued invariant, as data the checkers read back.

Each catalog entry lists its checks as :class:`Check` values: who checks
(:class:`Checker`) and, for the machine checks that come in named pieces,
which pieces (Z3 negative controls, CrossHair contracts). The proof
registries look themselves up here (:func:`~spec.invariants.catalog.get_invariants_checked_by`)
instead of keeping their own table of which check covers which invariant,
and ``tests/test_catalog_checks.py`` fails when a name points at no check.

:func:`describe_check` gives a check's line of text, as ``plasma-spec
invariants`` and the site show it. The spec does not import the adversary,
so the number of attack scenarios is not written here: whoever shows the
catalog passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Checker(StrEnum):
    """Who checks an invariant, and how."""

    UNIT_EVERY_STEP = "unit-every-step"
    """The unit tests evaluate the predicates after every accepted operation."""
    UNIT_CAN_FAIL = "unit-can-fail"
    """A unit test shows each predicate reporting a deliberately broken state or step."""
    UNIT_PAIRS = "unit-pairs"
    """Unit tests of the pair predicate, with an order-dependent transition it must report."""
    UNIT_ENCODING = "unit-encoding"
    """Unit tests of the canonical encoding and digests."""
    CHILD_CHAIN_EVERY_STEP = "child-chain-every-step"
    """The child-chain unit tests evaluate the predicates after every step."""
    SCENARIOS_EVERY_STEP = "scenarios-every-step"
    """The attack scenarios evaluate the predicates after every accepted step."""
    STATEFUL_EVERY_STEP = "stateful-every-step"
    """The stateful adversarial test evaluates the predicates after every accepted operation."""
    STATEFUL_PAIRS = "stateful-pairs"
    """The stateful adversarial test applies operations of two environments in both orders."""
    STATEFUL_REALITY = "stateful-reality"
    """The stateful adversarial test evaluates the predicates on each environment's reality."""
    STATEFUL_END_OF_TRACE = "stateful-end-of-trace"
    """The stateful adversarial test checks the trace property when every exit is settled."""
    Z3_INDUCTIVE = "z3-inductive"
    """Z3 proves the invariant inductive over the settlement model."""
    Z3_BOUNDED = "z3-bounded"
    """Z3 checks the property on every trace of the exit-game model up to a depth."""
    Z3_BOUNDED_CASH = "z3-bounded-cash"
    """Z3 checks the property on every trace of the Plasma Cash exit-game model up to a depth."""
    Z3_BOUNDED_IN_FLIGHT = "z3-bounded-in-flight"
    """Z3 checks the property on every trace of the in-flight exit-game model up to a depth."""
    Z3_CONTROLS = "z3-controls"
    """Named broken transitions the inductive (or isolation) proof must reject."""
    Z3_BOUNDED_CONTROLS = "z3-bounded-controls"
    """Named broken exit games the bounded check must reject."""
    CROSSHAIR = "crosshair"
    """Named CrossHair contracts on spec functions, each with a broken twin that must fail."""
    BOUNDED_FINALITY = "bounded-finality"
    """An exhaustive search of the committee model (n = 4, f = 1) up to a bound on views."""
    UNIT_REPLICA = "unit-replica"
    """Committee runs of the spec's replicas are checked with the trace predicate."""


@dataclass(frozen=True)
class Check:
    """One way an invariant is checked."""

    checker: Checker
    """Who checks it."""
    names: tuple[str, ...] = ()
    """The named pieces, for checkers that have them (controls, contracts)."""


NAMED_CHECKERS = frozenset({Checker.Z3_CONTROLS, Checker.Z3_BOUNDED_CONTROLS, Checker.CROSSHAIR})
"""The checkers whose checks name their pieces; the others name none."""

CONTROLS_TEXT = "Z3 negative controls (must fail): "
"""Start of the line of either kind of Z3 negative controls, before their names."""

CHECK_TEXTS: dict[Checker, str] = {
    Checker.UNIT_EVERY_STEP: (
        "Unit: evaluated on the post-state of every accepted operation in tests/ "
        "(tests/harness.py; Plasma Cash histories: tests/test_cash_invariants.py, "
        "tests/test_proofs_cash.py)"
    ),
    Checker.UNIT_CAN_FAIL: (
        "Unit: the predicate reports a deliberately broken state or step "
        "(tests/test_invariants.py, tests/test_cash_invariants.py)"
    ),
    Checker.UNIT_PAIRS: (
        "Unit: checked on pairs of operations, and shown to fail on an order-dependent "
        "transition (tests/test_invariants.py); Hypothesis pairs Plasma Cash operations with "
        "payments operations under one settlement layer (tests/test_cash_invariants.py)"
    ),
    Checker.UNIT_ENCODING: (
        "Unit: encoding round trips and strict decoding (tests/test_encoding.py, "
        "tests/test_digest.py)"
    ),
    Checker.CHILD_CHAIN_EVERY_STEP: (
        "Unit: evaluated on every child-chain post-state in tests/test_child_chain.py, "
        "including a Hypothesis run of random valid payments"
    ),
    Checker.SCENARIOS_EVERY_STEP: (
        "Scenarios: {scenarios} (adversary/payments/scenarios) evaluate every settlement "
        "invariant on each accepted step"
    ),
    Checker.STATEFUL_EVERY_STEP: (
        "Stateful adversarial test (adversary/payments/machine.py, CI profile): evaluated "
        "after every accepted operation of random traces with a byzantine operator, malicious "
        "users and watchers"
    ),
    Checker.STATEFUL_PAIRS: (
        "Stateful adversarial test (adversary/payments/machine.py, CI profile): each environment "
        "operation is paired with operations on the other environment and applied in both orders"
    ),
    Checker.STATEFUL_REALITY: (
        "Stateful adversarial test (adversary/payments/machine.py, CI profile): evaluated on each "
        "environment's reality after every step"
    ),
    Checker.STATEFUL_END_OF_TRACE: (
        "Stateful adversarial test (adversary/payments/machine.py, CI profile): checked at "
        "the end of every trace by adversary/payments/properties.py, after honest users exit "
        "and all exits are processed; caught every non-equivalent mutant of the mutation report"
    ),
    Checker.Z3_INDUCTIVE: (
        "Z3 inductive (proofs/models): Init, and every settlement transition, on the tiny and "
        "full presets (the Plasma Cash records model, proofs/models/cash, for any MFP and bond "
        "at once; the payments exit records with in-flight exits, proofs/models/in_flight, for "
        "any MFP, bond and processing bounty at once; the committee model, "
        "proofs/models/finality: every protocol step of any number of replicas, views and "
        "blocks, and quorum arithmetic for any stakes)"
    ),
    Checker.Z3_BOUNDED: (
        "Z3 BMC depth 8 (proofs/models/payments/bmc.py): exit game with a byzantine operator, "
        "from the empty state, at most 4 blocks; with a reachability check against vacuity"
    ),
    Checker.Z3_BOUNDED_CASH: (
        "Z3 BMC depth 6 (proofs/models/cash/bmc.py): one coin's exit game with a byzantine "
        "operator (any leaves at the coin's key, invalid or withheld blocks) and a malicious "
        "past owner, at most 5 blocks at the coin's key; with a reachability check against "
        "vacuity"
    ),
    Checker.Z3_BOUNDED_IN_FLIGHT: (
        "Z3 BMC depth 8 (proofs/models/in_flight/bmc.py): the exit game of one in-flight "
        "payment (withheld or never included) with a block-withholding operator who is also a "
        "co-signer and owns an invalid output, standard and in-flight exits in one queue, an "
        "honest owner who watches; at most 4 outputs; with a reachability check against "
        "vacuity"
    ),
    Checker.Z3_CONTROLS: CONTROLS_TEXT,
    Checker.Z3_BOUNDED_CONTROLS: CONTROLS_TEXT,
    Checker.CROSSHAIR: (
        "CrossHair (proofs/crosshair/contracts), each with a broken twin that must fail: "
    ),
    Checker.BOUNDED_FINALITY: (
        "Bounded, explicit state (proofs/models/finality/bmc.py): every reachable state of "
        "four replicas with one byzantine (honest replicas interchangeable), views up to 3, "
        "and views up to 2 with equivocating leaders (two blocks per view and parent); "
        "exhausts the bound, and reaches commits and view-change votes (no vacuity)"
    ),
    Checker.UNIT_REPLICA: (
        "Unit: honest committee runs of the spec's replicas (normal views, view changes, "
        "weighted stake) are checked with the trace predicate, which is shown to report a "
        "broken run (tests/test_finality_replica.py)"
    ),
}
"""The line of text of each checker (before the names, for the checkers that name pieces)."""


def describe_check(check: Check, scenario_count: int | None = None) -> str:
    """Return a check as one line of text, with the number of scenarios when it is given."""
    scenarios = "the attack scenarios"
    if scenario_count is not None:
        scenarios = f"the {scenario_count} attack scenarios"
    text = CHECK_TEXTS[check.checker].format(scenarios=scenarios)
    return text + ", ".join(check.names)


# Checks that name nothing, as the entries list them

UNIT_EVERY_STEP = Check(Checker.UNIT_EVERY_STEP)
"""The unit tests evaluate it after every accepted operation."""

UNIT_CAN_FAIL = Check(Checker.UNIT_CAN_FAIL)
"""A unit test breaks it on purpose."""

SCENARIOS_EVERY_STEP = Check(Checker.SCENARIOS_EVERY_STEP)
"""The attack scenarios evaluate it after every accepted step."""

Z3_INDUCTIVE = Check(Checker.Z3_INDUCTIVE)
"""Z3 proves it inductive."""

Z3_BOUNDED = Check(Checker.Z3_BOUNDED)
"""Z3 checks it on the exit game up to the bound."""

Z3_BOUNDED_CASH = Check(Checker.Z3_BOUNDED_CASH)
"""Z3 checks it on the Plasma Cash exit game up to the bound."""

Z3_BOUNDED_IN_FLIGHT = Check(Checker.Z3_BOUNDED_IN_FLIGHT)
"""Z3 checks it on the in-flight exit game up to the bound."""

CHILD_CHAIN_EVERY_STEP = Check(Checker.CHILD_CHAIN_EVERY_STEP)
"""The child-chain tests evaluate it after every step."""

STATEFUL_EVERY_STEP = Check(Checker.STATEFUL_EVERY_STEP)
"""The stateful adversarial test evaluates it after every accepted operation."""

STATEFUL_REALITY = Check(Checker.STATEFUL_REALITY)
"""The stateful adversarial test evaluates it on every environment's reality."""

STATEFUL_END_OF_TRACE = Check(Checker.STATEFUL_END_OF_TRACE)
"""The stateful adversarial test checks it at the end of every trace."""


# Contracts that support several invariants

ARITHMETIC_CONTRACTS = (
    "uint_addition_within_range",
    "uint_addition_past_maximum",
    "uint_subtraction_within_range",
    "uint_subtraction_below_zero",
    "uint_multiplication_within_range",
    "uint_multiplication_past_maximum",
)
"""Checked arithmetic: a wrapped sum or difference would create or destroy value."""

PAYMENT_CONTRACTS = (
    "payment_fee_conserves_value",
    "payment_outputs_above_inputs",
    "payment_sums_past_maximum",
)
"""Payments move value and never create it."""

PRIORITY_CONTRACTS = (
    "priority_follows_exitable_time",
    "priority_breaks_ties_by_position",
    "priority_breaks_ties_by_exit_id",
    "priority_is_a_total_order",
    "exit_queue_is_ordered_and_complete",
)
"""Exit queue order: older outputs first is what protects them from invalid blocks."""
