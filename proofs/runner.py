"""Run every machine check of the proof suite and collect one CheckResult per check.

:data:`CHECKERS` is the extension point: a list of (label, checker) pairs,
where a checker is a callable with no arguments returning an iterable of
:class:`~proofs.results.CheckResult` (a generator reports each check as it
finishes; a function returning a list, like CrossHair's
``proofs.crosshair.checks.run_crosshair_checks``, reports them all at its
end). To add a checker family, append it to :data:`CHECKERS`.

The Z3 proofs run for both presets (the models are built for one preset's
numbers: the block interval, quarantine and floors); their negative controls
for the tiny preset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from proofs.crosshair.checks import run_crosshair_checks
from proofs.models.cash.bmc_controls import iterate_cash_bounded_checks
from proofs.models.cash.induction import (
    iterate_cash_inductive_checks,
    iterate_cash_mutant_checks,
)
from proofs.models.environment import ModelConfig
from proofs.models.finality.registry import (
    iterate_finality_bounded_checks,
    iterate_finality_inductive_checks,
    iterate_finality_mutant_checks,
)
from proofs.models.in_flight.bmc_controls import iterate_flight_bounded_checks
from proofs.models.in_flight.induction import iterate_flight_inductive_checks
from proofs.models.in_flight.mutants import iterate_flight_mutant_checks
from proofs.models.induction import iterate_inductive_checks
from proofs.models.isolation import iterate_isolation_checks, run_isolation_control
from proofs.models.mutants import iterate_mutant_checks
from proofs.models.payments.exit_game_controls import iterate_bounded_checks
from proofs.results import CheckResult
from spec.presets import FULL, TINY

Checker = Callable[[], Iterable[CheckResult]]
"""A family of checks: called once, yields or returns one result per check."""

MODEL_CONFIGS = (ModelConfig.from_preset(TINY), ModelConfig.from_preset(FULL))
"""The presets the settlement model is built for."""


def run_z3_inductive_proofs() -> Iterator[CheckResult]:
    """Yield the inductive and isolation proofs (INV-01 to INV-12), then Cash's and in-flight's.

    The Plasma Cash model's proofs (INV-24, INV-25, the Cash part of INV-09)
    and the in-flight model's (INV-02 across exit kinds, INV-09 with
    bounties, INV-20) do not depend on the preset (MFP, bond and bounty are
    symbols): they run once.
    """
    for config in MODEL_CONFIGS:
        yield from iterate_inductive_checks(config)
        yield from iterate_isolation_checks(config)
    yield from iterate_cash_inductive_checks()
    yield from iterate_flight_inductive_checks()
    yield from iterate_finality_inductive_checks()


def run_z3_negative_controls() -> Iterator[CheckResult]:
    """Yield the negative controls of the inductive and isolation proofs (each must be caught).

    They run on the tiny preset's model: the encodings are the same code for
    every preset, and finding counterexamples (sat) with quantifiers is much
    slower over the full preset's numbers.
    """
    config = MODEL_CONFIGS[0]
    yield from iterate_mutant_checks(config)
    yield run_isolation_control(config)
    yield from iterate_cash_mutant_checks()
    yield from iterate_flight_mutant_checks()
    yield from iterate_finality_mutant_checks()


def run_z3_bounded_checks() -> Iterator[CheckResult]:
    """Yield the bounded model checks of the exit games and their controls.

    The payments exit game's (INV-18, INV-19), the Plasma Cash exit game's
    (INV-26, INV-27), then the in-flight exit game's (INV-18 (b) and (c),
    INV-19, INV-20).
    """
    yield from iterate_bounded_checks()
    yield from iterate_cash_bounded_checks()
    yield from iterate_flight_bounded_checks()
    yield from iterate_finality_bounded_checks()


Z3_CHECKERS: list[tuple[str, Checker]] = [
    ("Z3 inductive proofs", run_z3_inductive_proofs),
    ("Z3 negative controls", run_z3_negative_controls),
    ("Z3 bounded model checks", run_z3_bounded_checks),
]
"""The Z3 checker families (about ten seconds on two cores)."""

CHECKERS: list[tuple[str, Checker]] = [
    *Z3_CHECKERS,
    ("CrossHair contracts", run_crosshair_checks),
]
"""Every checker family ``plasma-spec prove`` runs, in order (the extension point)."""


def select_checkers(prefixes: Sequence[str]) -> list[tuple[str, Checker]]:
    """Return the checker families whose label starts with one of ``prefixes`` (any case)."""
    wanted = tuple(prefix.lower() for prefix in prefixes)
    return [(label, checker) for label, checker in CHECKERS if label.lower().startswith(wanted)]


def run_all_checks(
    on_result: Callable[[CheckResult], None] | None = None,
    on_checker: Callable[[str], None] | None = None,
    checkers: Sequence[tuple[str, Checker]] | None = None,
) -> list[CheckResult]:
    """Run every checker of ``checkers`` (default :data:`CHECKERS`); return all results in order.

    ``on_checker`` is called with each family's label before it runs, and
    ``on_result`` with each result as it arrives (progress reporting).
    """
    results: list[CheckResult] = []
    for label, checker in CHECKERS if checkers is None else checkers:
        if on_checker is not None:
            on_checker(label)
        for result in checker():
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results
