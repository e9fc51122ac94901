"""Finality mutants: every wrong voting, commit, view-change or certificate rule is caught.

Each mutant of ``adversary.finality.mutants`` is applied in this process;
every attack scenario runs under it, and so does the stateful test (its CI
settings, without shrinking) for each mutant not explained as equivalent. A
mutant is caught when some trace predicate reports a violation or some run
stops making progress after GST; a mutant explained as equivalent must indeed
go unnoticed by every scenario.
"""

from __future__ import annotations

import pytest

from adversary.finality.mutants import (
    FINALITY_MUTANTS,
    FinalityMutantOutcome,
    check_finality_mutant,
)
from adversary.mutants import MUTANTS

MUTANT_EXAMPLES = 25
"""Traces of the stateful test under each mutant (no shrinking; about 1 s per mutant)."""

CAUGHT_BY = {
    "finality-vote-twice-in-view": ("unsafe", "double-vote-and-replay"),
    "finality-vote-in-left-view": ("unsafe", "late-proposal"),
    "finality-view-not-after-justify": ("unsafe", "stale-qc"),
    "finality-parent-not-certified": ("unsafe", "fork-parent"),
    "finality-commit-non-consecutive": ("unsafe", "withheld-aggregate"),
    "finality-aggregate-lowest-qc": ("unsafe", "stale-qc"),
    "finality-aggregate-lowest-qc-formed": ("stalled", "stale-qc"),
    "finality-timeout-keeps-view": ("unsafe", "late-proposal"),
    "finality-qc-duplicate-signers": ("unsafe", "forged-qc"),
    "finality-qc-short-quorum": ("unsafe", "forged-qc"),
    "finality-qc-non-members": ("unsafe", "forged-qc"),
}
"""For each non-equivalent mutant: how the scenario written against it must fail."""


@pytest.fixture(scope="module")
def outcomes() -> dict[str, FinalityMutantOutcome]:
    """Return the outcome of every finality mutant (the stateful test too, unless equivalent)."""
    return {
        m.name: check_finality_mutant(m, 0 if m.equivalent_because else MUTANT_EXAMPLES)
        for m in FINALITY_MUTANTS
    }


def test_there_are_at_least_ten_finality_mutants_with_distinct_names() -> None:
    """Given the finality mutants, Then at least ten, named apart from the settlement ones."""
    names = [mutant.name for mutant in FINALITY_MUTANTS]
    assert len(names) >= 10 and len(set(names)) == len(names)
    assert not set(names) & {mutant.name for mutant in MUTANTS}


def test_every_finality_mutant_is_caught_or_explained(
    outcomes: dict[str, FinalityMutantOutcome],
) -> None:
    """Given the outcomes.

    When each is read,
    Then every mutant not explained as equivalent made a predicate or a progress check fail.
    """
    for name, outcome in outcomes.items():
        if not outcome.equivalent_because:
            assert outcome.caught, f"{name} survived every scenario"


def test_each_mutant_is_caught_by_the_scenario_written_against_it(
    outcomes: dict[str, FinalityMutantOutcome],
) -> None:
    """Given the outcomes.

    When each mutant's own scenario is looked up,
    Then that scenario failed the expected way (a violation, or no progress after GST).
    """
    assert set(CAUGHT_BY) == {m.name for m in FINALITY_MUTANTS if not m.equivalent_because}
    for name, (how, scenario) in CAUGHT_BY.items():
        outcome = outcomes[name]
        found = outcome.unsafe if how == "unsafe" else outcome.stalled
        assert scenario in found, f"{name}: unsafe {outcome.unsafe}, stalled {outcome.stalled}"


def test_every_non_equivalent_mutant_also_fails_the_stateful_test(
    outcomes: dict[str, FinalityMutantOutcome],
) -> None:
    """Given the outcomes.

    When the stateful test's result under each non-equivalent mutant is read,
    Then it failed (a predicate, or no commit within the bound after GST).
    """
    for name in CAUGHT_BY:
        assert outcomes[name].machine_failure, f"{name} survived the stateful test"


def test_equivalent_mutants_really_go_unnoticed_and_say_why(
    outcomes: dict[str, FinalityMutantOutcome],
) -> None:
    """Given the mutants explained as equivalent.

    When their outcomes are read,
    Then each has an explanation, no check caught it, and only a rejection reason changed.
    """
    equivalent = [o for o in outcomes.values() if o.equivalent_because]
    assert equivalent
    for outcome in equivalent:
        assert not outcome.caught, f"{outcome.name} is called equivalent but was caught"
        assert outcome.evidence_only, f"{outcome.name} changed nothing at all"
