"""Running one solver check: a timeout on every check, and ``unknown`` treated as failure.

Every check the proofs make goes through :func:`run_check`. A check asks
whether some assignment satisfies the assertions (a counterexample); unsat
proves the claim, sat gives a model to print, and unknown (a timeout or an
incomplete quantifier instantiation) is reported as such: the callers turn
it into ``Outcome.UNKNOWN``, which counts as a failure.

Counterexamples are easier to read in small states, so a check may carry
*readable* constraints (few exits, small times): a proof tries them only
after a sat answer, to print a smaller model; a negative control, which
expects sat, searches the small states first (a counterexample there is a
counterexample) and the unrestricted space only if that finds none.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import z3

from proofs.results import Outcome

CHECK_TIMEOUT_MS = 30_000
"""Solver timeout of one proof check, in milliseconds."""

READABLE_TIMEOUT_MS = 5_000
"""Solver timeout of a search restricted to small states, in milliseconds."""

SMALL_COUNTEREXAMPLE_TIMEOUT_MS = 20_000
"""Solver timeout of a negative control's first search, over small states, in milliseconds.

Generous on purpose: the search takes about 1.5 s on an idle machine, and if
it times out the control falls back to the search over all states, which is
much harder; on a loaded machine the short timeout once turned a caught
control into ``unknown``.
"""


@dataclass(frozen=True)
class SolverAnswer:
    """What one check returned."""

    verdict: z3.CheckSatResult
    """``z3.sat``, ``z3.unsat`` or ``z3.unknown``."""
    model: z3.ModelRef | None
    """A satisfying assignment when the verdict is sat."""
    seconds: float
    """Wall-clock time of the check (all solver calls it made)."""
    reason_unknown: str = ""
    """Why the solver gave up, when the verdict is unknown."""


def solve(assertions: Sequence[z3.BoolRef], timeout_ms: int) -> SolverAnswer:
    """Return one solver call's verdict, model and time.

    The check runs in a fresh Z3 context, on a translated copy of the
    assertions: in the shared context a check's speed depended on every term
    built before it (one negative control took 0.05 s alone and timed out after
    the other proofs). The model is translated back to the main context.
    """
    context = z3.Context()
    solver = z3.Solver(ctx=context)
    solver.set("timeout", timeout_ms)
    solver.add(*(assertion.translate(context) for assertion in assertions))
    started = time.perf_counter()
    verdict = solver.check()
    seconds = time.perf_counter() - started
    model = solver.model().translate(z3.main_ctx()) if verdict == z3.sat else None
    reason = solver.reason_unknown() if verdict == z3.unknown else ""
    return SolverAnswer(verdict, model, seconds, reason)


def run_check(
    assertions: Sequence[z3.BoolRef],
    *,
    readable: Sequence[z3.BoolRef] = (),
    timeout_ms: int = CHECK_TIMEOUT_MS,
) -> SolverAnswer:
    """Return whether ``assertions`` are satisfiable (a proof check: unsat expected).

    After a sat answer, ``readable`` is tried for a smaller model to print;
    it never changes the verdict.
    """
    answer = solve(assertions, timeout_ms)
    if answer.verdict != z3.sat or not readable:
        return answer
    smaller = solve([*assertions, *readable], READABLE_TIMEOUT_MS)
    model = smaller.model if smaller.model is not None else answer.model
    return SolverAnswer(answer.verdict, model, answer.seconds + smaller.seconds)


def find_counterexample(
    assertions: Sequence[z3.BoolRef],
    *,
    readable: Sequence[z3.BoolRef] = (),
    timeout_ms: int = CHECK_TIMEOUT_MS,
) -> SolverAnswer:
    """Return whether ``assertions`` are satisfiable (a negative control: sat expected).

    Searches the states allowed by ``readable`` first, then all states.
    """
    small = solve([*assertions, *readable], SMALL_COUNTEREXAMPLE_TIMEOUT_MS) if readable else None
    if small is not None and small.verdict == z3.sat:
        return small
    answer = solve(assertions, timeout_ms)
    spent = answer.seconds + (small.seconds if small is not None else 0.0)
    return SolverAnswer(answer.verdict, answer.model, spent, answer.reason_unknown)


def evaluate(model: z3.ModelRef, term: z3.ExprRef) -> int | bool | str:
    """Return a term's value in the model, completing free symbols (a Python int or bool)."""
    value = model.eval(term, model_completion=True)
    if z3.is_int_value(value):
        return int(value.as_long())
    if z3.is_true(value):
        return True
    if z3.is_false(value):
        return False
    return str(value)


def evaluate_int(model: z3.ModelRef, term: z3.ExprRef) -> int:
    """Return an integer term's value in the model."""
    value = evaluate(model, term)
    assert isinstance(value, int) and not isinstance(value, bool), f"{term} is not an integer"
    return value


def get_proof_outcome(verdict: z3.CheckSatResult) -> Outcome:
    """Return a proof check's outcome: unsat proves it, sat refutes it, unknown fails it."""
    if verdict == z3.unsat:
        return Outcome.PROVED
    if verdict == z3.sat:
        return Outcome.FAILED
    return Outcome.UNKNOWN


def get_control_outcome(verdict: z3.CheckSatResult) -> Outcome:
    """Return a negative control's outcome: sat is caught; unsat (not caught) and unknown fail."""
    if verdict == z3.sat:
        return Outcome.CAUGHT
    if verdict == z3.unsat:
        return Outcome.FAILED
    return Outcome.UNKNOWN
