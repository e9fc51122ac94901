"""Negative controls of the Cash bounded checks, and the runner of both.

Each :class:`CashBoundedControl` runs a property of ``proofs.models.cash.bmc``
against a broken exit game, or without one of its hypotheses, and must get
a counterexample trace:

- ``spent-challenge-any-signer``: a spent-after challenge needs no
  signature of the exiter (Mallory cancels ``H``'s exit with a transfer of
  ``H``'s leaf she signed herself);
- ``double-spend-challenge-after-exit``: a double-spend challenge may show
  a spend of the parent committed after the exiting transfer (a late
  double spend by a past owner cancels ``H``'s exit);
- ``history-challenge-any-time``: invalid-history challenges are not
  limited to the first half of the period (a challenge just before
  maturity leaves ``H`` no time to answer);
- ``exit-with-parent-before-mint``: a start may show a parent committed
  before the coin's mint (the spec before ``PARENT_BEFORE_MINT``): Mallory
  exits a history forged before the coin existed, which no challenge can
  reach (invalid-history challenges start at the mint);
- ``response-without-signature``: an answer needs no signature of the
  challenged leaf's owner (Mallory answers ``H``'s challenge of her forged
  history with a forged transfer of ``H``'s leaf);
- ``watch-every-half-period-inclusive``: ``H`` reacts within MFP/2 instead
  of MFP/2 - 1 (INV-27's watch bound is tight);
- ``late-double-spend-before-parent-is-unprotected``: ``H``'s history is
  valid but not strict (a committed double spend of one of its leaves sits
  before its parent): INV-26's 'strict' is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from proofs.models.cash.bmc import (
    CASH_BMC_BLOCKS,
    CASH_PROPERTIES,
    CashProperty,
    GameRules,
    run_cash_bounded_check,
)
from proofs.results import CheckResult, Method, Outcome


@dataclass(frozen=True)
class CashBoundedControl:
    """A broken game (or a dropped hypothesis) that a Cash bounded check must catch."""

    name: str
    """Short name, as the catalog lists it."""
    description: str
    """What is broken."""
    checked: CashProperty
    """The property whose check must now fail."""
    rules: GameRules
    """The (possibly broken) rules."""


SOUNDNESS, WITHDRAWAL = CASH_PROPERTIES

CONTROL_RULES = {
    "spent-challenge-any-signer": (
        "a spent-after challenge needs no signature of the exiter",
        GameRules(spent_needs_signer=False),
    ),
    "double-spend-challenge-after-exit": (
        "a double-spend challenge may show a spend committed after the exiting transfer",
        GameRules(double_spend_between=False),
    ),
    "history-challenge-any-time": (
        "invalid-history challenges are open until finalization, not only for MFP/2",
        GameRules(history_window=False),
    ),
    "exit-with-parent-before-mint": (
        "a start may show a parent committed before the coin's mint (no PARENT_BEFORE_MINT)",
        GameRules(parent_from_mint=False),
    ),
    "response-without-signature": (
        "an answer to an invalid-history challenge needs no signature of the leaf's owner",
        GameRules(response_needs_signer=False),
    ),
    "watch-every-half-period-inclusive": (
        "H reacts within MFP/2 (not MFP/2 - 1): the watch bound of INV-27 is tight",
        GameRules(reaction_margin=0),
    ),
    "late-double-spend-before-parent-is-unprotected": (
        "H's history may hold, before its parent, a committed double spend of one of its "
        "leaves (valid but not strict): INV-26's strictness is needed",
        GameRules(strict_history=False),
    ),
}
"""Each control's description and rules."""

CONTROLS_BY_PROPERTY = {
    SOUNDNESS: (
        "spent-challenge-any-signer",
        "double-spend-challenge-after-exit",
        "history-challenge-any-time",
        "late-double-spend-before-parent-is-unprotected",
    ),
    WITHDRAWAL: (
        "spent-challenge-any-signer",
        "history-challenge-any-time",
        "exit-with-parent-before-mint",
        "response-without-signature",
        "watch-every-half-period-inclusive",
    ),
}
"""Which controls each property's check must catch (the catalog lists the same names)."""

CASH_BOUNDED_CONTROLS = tuple(
    CashBoundedControl(name, CONTROL_RULES[name][0], prop, CONTROL_RULES[name][1])
    for prop, names in CONTROLS_BY_PROPERTY.items()
    for name in names
)
"""Every negative control of the Cash bounded checks."""


def run_cash_bounded_property(prop: CashProperty) -> CheckResult:
    """Return the bounded check of one Cash exit-game property."""
    outcome, depth, detail, seconds = run_cash_bounded_check(prop)
    header = f"depth {depth}, at most {CASH_BMC_BLOCKS} blocks at the coin's key; "
    return CheckResult(
        f"{prop.invariant}/{prop.name}",
        (prop.invariant,),
        Method.BMC,
        outcome,
        seconds,
        depth=depth,
        detail=header + detail,
    )


def run_cash_bounded_control(control: CashBoundedControl) -> CheckResult:
    """Return a Cash bounded negative control: the broken game must violate the property."""
    outcome, depth, detail, seconds = run_cash_bounded_check(control.checked, rules=control.rules)
    mapped = {Outcome.FAILED: Outcome.CAUGHT, Outcome.BOUNDED: Outcome.FAILED}
    result = mapped.get(outcome, Outcome.UNKNOWN)
    verdict = "caught" if result == Outcome.CAUGHT else "NOT caught"
    return CheckResult(
        f"control/{control.checked.invariant}/{control.name}",
        (control.checked.invariant,),
        Method.NEGATIVE_CONTROL,
        result,
        seconds,
        depth=depth,
        detail=f"{control.description}; {verdict}:\n{detail}",
    )


def iterate_cash_bounded_checks() -> Iterator[CheckResult]:
    """Yield the bounded checks of the Cash exit-game properties, then their controls."""
    for prop in CASH_PROPERTIES:
        yield run_cash_bounded_property(prop)
    for control in CASH_BOUNDED_CONTROLS:
        yield run_cash_bounded_control(control)
