"""Quorum intersection (INV-21): two quorums share honest stake when byzantine stake is <= f.

The design (``spec/finality/committee.py``): total stake ``T``, fault
tolerance ``f = (T - 1) // 3``, quorum stake ``Q = T - f``. Here ``f`` is
defined by integer constraints only (``3f <= T - 1 < 3f + 3``), so no
division is modelled; ``tests/test_proofs_finality.py`` ties them to the
spec's functions.

- ``abstract-stakes``: for any stake distribution and any number of
  validators. The committee is cut into four regions (only in ``A``, in
  both, only in ``B``, in neither), each with any non-negative stake and any
  byzantine part of it; if ``A`` and ``B`` hold a quorum each and the
  byzantine stake is at most ``f``, the honest stake in ``A ∩ B`` is
  positive. This is the axiom the agreement model assumes of its quorums.
- ``honest-quorum``: the honest stake alone is a quorum (``T - f >= Q``).
- ``members-N`` for N = 1..7: the same claim with N validators, each of
  symbolic positive stake, symbolic membership of ``A``, ``B`` and the
  byzantine set (a cross-check of the region argument).

Negative controls (must be sat, with the counterexample printed): a quorum
one short (``T - f - 1``), byzantine stake ``f + 1``, and the 4-member
committee with a quorum one short.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import z3

from proofs.models.finality.ids import QUORUM_INTERSECTION, get_check_name, get_control_name
from proofs.models.solving import (
    SolverAnswer,
    find_counterexample,
    get_control_outcome,
    get_proof_outcome,
    run_check,
)
from proofs.results import CheckResult, Method

QUORUM_TIMEOUT_MS = 10_000
"""Solver timeout of one quorum check, in milliseconds."""

MAX_MEMBERS = 7
"""The concrete checks cover committees of 1 to this many validators."""

REGIONS = ("only_a", "both", "only_b", "neither")
"""The four regions the two quorums cut the committee into."""


def fault_tolerance_constraints(total: z3.ArithRef, f: z3.ArithRef) -> list[z3.BoolRef]:
    """Return ``f = (total - 1) // 3`` as integer constraints (for ``total >= 1``)."""
    return [total >= 1, 3 * f <= total - 1, total - 1 < 3 * f + 3]


def quorum_of(total: z3.ArithRef, f: z3.ArithRef, *, slack: int = 0) -> z3.ArithRef:
    """Return the quorum stake ``T - f`` (``slack`` lowers it, for the controls)."""
    return total - f - slack


def region_assertions(*, quorum_slack: int, byzantine_slack: int) -> list[z3.BoolRef]:
    """Return the negated claim over the four regions (unsat: the claim holds)."""
    stake = {name: z3.Int(f"stake_{name}") for name in REGIONS}
    byzantine = {name: z3.Int(f"byzantine_{name}") for name in REGIONS}
    total, f = z3.Int("total"), z3.Int("f")
    quorum = quorum_of(total, f, slack=quorum_slack)
    return [
        *(z3.And(byzantine[n] >= 0, byzantine[n] <= stake[n]) for n in REGIONS),
        total == z3.Sum(*stake.values()),
        *fault_tolerance_constraints(total, f),
        stake["only_a"] + stake["both"] >= quorum,
        stake["both"] + stake["only_b"] >= quorum,
        z3.Sum(*byzantine.values()) <= f + byzantine_slack,
        stake["both"] - byzantine["both"] <= 0,
    ]


def honest_quorum_assertions() -> list[z3.BoolRef]:
    """Return the negated claim "the honest stake alone is a quorum" (unsat: it is)."""
    total, f, byzantine = z3.Int("total"), z3.Int("f"), z3.Int("byzantine")
    return [
        *fault_tolerance_constraints(total, f),
        byzantine >= 0,
        byzantine <= f,
        total - byzantine < quorum_of(total, f),
    ]


def member_assertions(members: int, *, quorum_slack: int = 0) -> list[z3.BoolRef]:
    """Return the negated claim for ``members`` validators of symbolic stake and membership."""
    stakes = [z3.Int(f"stake_{i}") for i in range(members)]
    in_a = [z3.Bool(f"in_a_{i}") for i in range(members)]
    in_b = [z3.Bool(f"in_b_{i}") for i in range(members)]
    byzantine = [z3.Bool(f"byzantine_{i}") for i in range(members)]
    total, f = z3.Int("total"), z3.Int("f")
    quorum = quorum_of(total, f, slack=quorum_slack)

    def stake_of(flags: Sequence[z3.BoolRef]) -> z3.ArithRef:
        return z3.Sum(*(z3.If(flag, s, 0) for flag, s in zip(flags, stakes, strict=True)))

    honest_both = [z3.And(a, b, z3.Not(x)) for a, b, x in zip(in_a, in_b, byzantine, strict=True)]
    return [
        *(s >= 1 for s in stakes),
        total == z3.Sum(*stakes),
        *fault_tolerance_constraints(total, f),
        stake_of(in_a) >= quorum,
        stake_of(in_b) >= quorum,
        stake_of(byzantine) <= f,
        stake_of(honest_both) <= 0,
    ]


def describe(answer: SolverAnswer) -> str:
    """Return a counterexample's values (stakes, memberships, T, f), one numbered line each."""
    if answer.model is None:
        return ""
    model = answer.model
    values = sorted((d.name(), str(model[d])) for d in model.decls() if d.arity() == 0)
    return "\n".join(f"{n}. {name} = {value}" for n, (name, value) in enumerate(values, 1))


def iterate_quorum_checks() -> Iterator[CheckResult]:
    """Yield the quorum intersection proofs: the abstract lemma, the honest quorum, N = 1..7."""
    ids = (QUORUM_INTERSECTION,)
    checks = [
        ("abstract-stakes", region_assertions(quorum_slack=0, byzantine_slack=0)),
        ("honest-quorum", honest_quorum_assertions()),
        *((f"members-{n}", member_assertions(n)) for n in range(1, MAX_MEMBERS + 1)),
    ]
    for name, assertions in checks:
        answer = run_check(assertions, timeout_ms=QUORUM_TIMEOUT_MS)
        yield CheckResult(
            get_check_name(QUORUM_INTERSECTION, name),
            ids,
            Method.INDUCTIVE,
            get_proof_outcome(answer.verdict),
            answer.seconds,
            detail=describe(answer),
        )


def iterate_quorum_controls() -> Iterator[CheckResult]:
    """Yield the controls: a quorum one short and byzantine stake f + 1 must break the lemma."""
    controls = [
        ("quorum-one-short", region_assertions(quorum_slack=1, byzantine_slack=0)),
        ("byzantine-f-plus-one", region_assertions(quorum_slack=0, byzantine_slack=1)),
        ("members-4-quorum-one-short", member_assertions(4, quorum_slack=1)),
    ]
    for name, assertions in controls:
        readable = [z3.Int("total") >= 4, z3.Int("total") <= 12]
        answer = find_counterexample(assertions, readable=readable, timeout_ms=QUORUM_TIMEOUT_MS)
        yield CheckResult(
            get_control_name(name),
            (QUORUM_INTERSECTION,),
            Method.NEGATIVE_CONTROL,
            get_control_outcome(answer.verdict),
            answer.seconds,
            detail=f"caught: no honest stake in both quorums\n{describe(answer)}"
            if answer.verdict == z3.sat
            else f"not caught ({answer.verdict})",
        )
