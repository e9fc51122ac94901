"""The committee-finality checks as ``plasma-spec prove`` runs them (``proofs/runner.py``).

- :func:`iterate_finality_inductive_checks`: INV-21 (quorum intersection,
  Z3 over integers), then INV-22 and INV-28 (the inductive invariant of the
  abstract Fast HotStuff model, one check per conjunct and transition, and
  that it implies agreement);
- :func:`iterate_finality_mutant_checks`: their negative controls (each
  must be caught: sat with a printed counterexample);
- :func:`iterate_finality_bounded_checks`: agreement on the explicit small
  model with n = 4 and f = 1, exhaustive up to a bound on views
  (:data:`BOUNDED_CONFIGS`), and its controls: two byzantine replicas of
  four, and two broken honest rules, each printed as a trace of protocol
  messages.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from proofs.models.finality.bmc import describe_trace, search
from proofs.models.finality.explicit import Config
from proofs.models.finality.ids import AGREEMENT, ONE_VOTE, get_check_name, get_control_name
from proofs.models.finality.induction import iterate_agreement_checks, iterate_agreement_controls
from proofs.models.finality.quorums import iterate_quorum_checks, iterate_quorum_controls
from proofs.results import CheckResult, Method, Outcome
from spec.invariants.ids import InvariantId

BOUNDED_CONFIGS: dict[str, Config] = {
    "n4-f1-views3": Config(members=4, byzantine=1, max_view=3, tags=1),
    "n4-f1-views2-equivocating": Config(members=4, byzantine=1, max_view=2, tags=2),
}
"""The bounded checks of agreement: every reachable state with views up to ``max_view``.

The first lets one view change happen after a commit (an aggregate at view
2 justifying a block at view 3); the second lets byzantine leaders propose
two blocks per (view, parent).
"""

BOUNDED_CONTROLS: dict[str, tuple[Config, InvariantId]] = {
    "byzantine-two-of-four": (Config(members=4, byzantine=2, max_view=2, tags=2), AGREEMENT),
    "bmc-vote-twice-in-a-view": (
        Config(members=4, byzantine=1, max_view=2, tags=2, check_last_voted=False),
        ONE_VOTE,
    ),
    "bmc-aggregate-not-highest-qc": (
        Config(members=4, byzantine=1, max_view=4, tags=1, highest=False),
        AGREEMENT,
    ),
}
"""The bounded controls: a config that must reach two conflicting commits, and what it controls."""


def iterate_finality_inductive_checks() -> Iterator[CheckResult]:
    """Yield INV-21's proofs, then INV-22's and INV-28's inductive checks."""
    yield from iterate_quorum_checks()
    yield from iterate_agreement_checks()


def iterate_finality_mutant_checks() -> Iterator[CheckResult]:
    """Yield the negative controls of the quorum lemma and of the inductive invariant."""
    yield from iterate_quorum_controls()
    yield from iterate_agreement_controls()


def run_bounded_check(name: str, config: Config) -> CheckResult:
    """Search every reachable state of ``config``: bounded if no conflict, not vacuously."""
    started = time.perf_counter()
    found = search(config)
    seconds = time.perf_counter() - started
    scope = (
        f"{config.members} replicas, {config.byzantine} byzantine, views <= {config.max_view}, "
        f"{config.tags} block(s) per (view, parent): {found.states} states up to symmetry, "
        f"traces up to {found.depth} messages"
    )
    if found.conflict is not None:
        outcome, detail = Outcome.FAILED, describe_trace(config, found.conflict)
    elif not found.exhausted:
        outcome, detail = Outcome.UNKNOWN, f"state limit reached before exhausting {scope}"
    elif not (found.committed and found.aggregated):
        outcome, detail = Outcome.FAILED, f"vacuous: no commit or no view change in {scope}"
    else:
        outcome = Outcome.BOUNDED
        detail = (
            f"exhaustive: {scope}; a trace meeting the hypothesis: commits and votes "
            "justified by aggregates of timeouts are reached"
        )
    return CheckResult(
        get_check_name(AGREEMENT, f"bounded-{name}"),
        (AGREEMENT,),
        Method.BMC,
        outcome,
        seconds,
        depth=found.depth,
        detail=detail,
    )


def run_bounded_control(name: str, config: Config, identifier: InvariantId) -> CheckResult:
    """Search ``config``: caught when two conflicting commits are reached (trace printed)."""
    started = time.perf_counter()
    found = search(config)
    seconds = time.perf_counter() - started
    if found.conflict is None:
        outcome = Outcome.UNKNOWN if not found.exhausted else Outcome.FAILED
        detail = f"not caught: no conflicting commits in {found.states} states"
    else:
        outcome = Outcome.CAUGHT
        detail = f"caught: conflicting commits\n{describe_trace(config, found.conflict)}"
    return CheckResult(
        get_control_name(name),
        (identifier,),
        Method.NEGATIVE_CONTROL,
        outcome,
        seconds,
        depth=found.depth,
        detail=detail,
    )


def iterate_finality_bounded_checks() -> Iterator[CheckResult]:
    """Yield the bounded checks of agreement, then their controls."""
    for name, config in BOUNDED_CONFIGS.items():
        yield run_bounded_check(name, config)
    for name, (config, identifier) in BOUNDED_CONTROLS.items():
        yield run_bounded_control(name, config, identifier)
