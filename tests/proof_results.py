"""The results of ``plasma-spec prove``'s checker families, for the tests that judge them.

CI runs ``plasma-spec prove --json`` once, just before the tests, and writes
its report where the documentation reads it (``PLASMA_SPEC_PROVE_JSON``, else
``docs/_build/prove.json``). When that report was made from the code on disk
now (``proofs.report`` compares the SHA-256 of every Python file of
``spec/`` and ``proofs/`` and the versions of z3-solver and crosshair-tool),
a family's results are read from it instead of running the very same checks
on the very same code a second time; any other report is ignored, and the
family runs here instead, once per test session: every test module asking
for it shares that one run.

The tests then judge these results exactly as they would judge a fresh run:
every proof proved, every bounded check at its depth and not vacuous, every
negative control caught with its counterexample.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from proofs.report import load_family_results
from proofs.results import CheckResult
from proofs.runner import CHECKERS, Z3_CHECKERS

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""

REPORT_VARIABLE = "PLASMA_SPEC_PROVE_JSON"
"""Environment variable naming the report to reuse (default: :data:`DEFAULT_REPORT`)."""

DEFAULT_REPORT = ROOT / "docs/_build/prove.json"
"""Where CI writes the report of ``plasma-spec prove --json`` before the tests run."""

INDUCTIVE_FAMILY = "Z3 inductive proofs"
"""The label of the Z3 inductive proofs in ``proofs.runner.CHECKERS`` (and in prove's report)."""

CONTROLS_FAMILY = "Z3 negative controls"
"""The label of the Z3 negative controls of the inductive proofs."""

BOUNDED_FAMILY = "Z3 bounded model checks"
"""The label of the Z3 bounded model checks and their controls."""


def get_report_path() -> Path:
    """Return the path of the ``prove --json`` report the tests may reuse."""
    return Path(os.environ.get(REPORT_VARIABLE, DEFAULT_REPORT))


@functools.cache
def load_reported(label: str) -> tuple[CheckResult, ...] | None:
    """Return the family ``label``'s results from the report of the code on disk now, else None."""
    reused = load_family_results(get_report_path(), label)
    return None if reused is None else tuple(reused)


@functools.cache
def get_family_results(label: str) -> tuple[CheckResult, ...]:
    """Return the results of the checker family ``label`` (a label of ``proofs.runner.CHECKERS``).

    Read from the report of the code on disk now if there is one, else run
    the family (once per session: the answer is cached).
    """
    reused = load_reported(label)
    if reused is not None:
        return reused
    checker = dict(CHECKERS)[label]
    return tuple(checker())


def get_model_results(
    label: str, mine: Callable[[CheckResult], bool], run: Callable[[], Iterable[CheckResult]]
) -> list[CheckResult]:
    """Return one model's checks of the family ``label``: those of the report that ``mine`` keeps.

    Without a report of this code, ``run`` (the model's own checks) runs
    instead: a test module of one model does not wait for every model.
    """
    reused = load_reported(label)
    if reused is not None:
        return [result for result in reused if mine(result)]
    return list(run())


def is_tagged(model: str) -> Callable[[CheckResult], bool]:
    """Return whether a result is one of ``model``'s inductive checks or controls (``[model]``)."""
    return lambda result: result.name.endswith(f" [{model}]")


def get_z3_results() -> list[CheckResult]:
    """Return the results of every Z3 family, in ``proofs.runner.Z3_CHECKERS`` order."""
    return [result for label, _ in Z3_CHECKERS for result in get_family_results(label)]
