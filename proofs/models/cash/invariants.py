"""The Cash catalog entries as clauses over :class:`~proofs.models.cash.model.CashTerms`.

A :class:`CashClause` is a formula over one state and one index of a
domain (an exit id below ``exit_count``, a minted coin id, a token code, or
none); the proofs quantify it, the drift test instantiates it at every
concrete index. A :class:`StepClause` relates a pre-state and a post-state
at one index. A :class:`CashInvariant` groups the clauses of one catalogued
invariant (its id is the catalog's) with those added to make it
inductive, and names the invariants its proof assumes.

- INV-25 Coin exit uniqueness: an open exit is the one its coin points at
  (ghost ``open_exit_of``), and its coin is EXITING; an EXITING coin points
  at an open exit of itself. Hence at most one open exit per coin, and
  EXITING iff exactly one.
- INV-24 Coin single payout: the same with ``final_exit_of`` for finalized
  exits and EXITED coins (at most one finalized exit per coin, EXITED iff
  exactly one); a finalized exit had matured; per token withdrawn equals
  the ghost sum of EXITED coins' amounts and deposited that of minted
  coins' amounts; amounts are positive; coins never change.
- INV-09 Bond conservation, Cash part: bonds held equal the ghost sum of
  open exits' bonds and challenge bonds; an exit that is not open holds no
  challenge; no challenge, no challenge bond.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import z3

from proofs.models.cash.model import CashRules, CashTerms, CoinCode, ExitCode
from spec.invariants.ids import InvariantId


class Domain(StrEnum):
    """What a clause's index ranges over."""

    EXIT = "exit"
    """Exit ids ``0 .. exit_count - 1``."""
    COIN = "coin"
    """Minted coin ids."""
    TOKEN = "token"
    """Token codes."""
    NONE = "none"
    """No index."""


ClauseBody = Callable[[CashTerms, CashRules, z3.ArithRef], z3.BoolRef]
"""``(state, rules, index) -> condition``."""

StepBody = Callable[[CashTerms, CashTerms, z3.ArithRef], z3.BoolRef]
"""``(pre-state, post-state, index) -> condition``."""


@dataclass(frozen=True)
class CashClause:
    """One quantified clause over a state."""

    name: str
    """Short name, shown in counterexamples."""
    domain: Domain
    """What the index ranges over."""
    body: ClauseBody
    """The condition at one index (the domain's range is added by :func:`in_domain`)."""


@dataclass(frozen=True)
class StepClause:
    """One quantified clause over a step."""

    name: str
    """Short name."""
    domain: Domain
    """What the index ranges over (in the pre-state)."""
    body: StepBody
    """The condition at one index."""


@dataclass(frozen=True)
class CashInvariant:
    """The clauses of one catalogued invariant in the Cash model."""

    identifier: InvariantId
    """The catalog entry it states."""
    clauses: tuple[CashClause, ...]
    """State clauses (the statement, then its strengthening)."""
    steps: tuple[StepClause, ...] = ()
    """Transition clauses."""
    assumes: tuple[InvariantId, ...] = ()
    """Invariants assumed in the pre-state (each proved on its own)."""


def in_domain(domain: Domain, state: CashTerms, index: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``index`` is in ``domain`` in ``state``."""
    if domain == Domain.EXIT:
        return z3.And(index >= 0, index < state.exit_count)
    if domain == Domain.COIN:
        return z3.Select(state.coin_minted, index) == True  # noqa: E712 (a Z3 term)
    return z3.BoolVal(True)


def holds_at(
    clause: CashClause, state: CashTerms, rules: CashRules, index: z3.ArithRef
) -> z3.BoolRef:
    """Return ``clause`` at ``index``, guarded by its domain."""
    return z3.Implies(in_domain(clause.domain, state, index), clause.body(state, rules, index))


def step_holds_at(
    clause: StepClause, pre: CashTerms, post: CashTerms, index: z3.ArithRef
) -> z3.BoolRef:
    """Return a step clause at ``index``, guarded by its domain in the pre-state."""
    return z3.Implies(in_domain(clause.domain, pre, index), clause.body(pre, post, index))


def sel(array: z3.ArrayRef, index: z3.ArithRef) -> z3.ArithRef:
    """Return ``array[index]``."""
    return z3.Select(array, index)


# INV-25 Coin exit uniqueness


def exits_name_minted_coins(s: CashTerms, r: CashRules, e: z3.ArithRef) -> z3.BoolRef:
    """An exit's coin was minted, and its status is a status."""
    return z3.And(
        sel(s.coin_minted, sel(s.exit_coin, e)) == True,  # noqa: E712
        sel(s.exit_status, e) >= ExitCode.OPEN,
        sel(s.exit_status, e) <= ExitCode.FINALIZED,
    )


def open_exit_is_its_coins(s: CashTerms, r: CashRules, e: z3.ArithRef) -> z3.BoolRef:
    """An open exit's coin is EXITING and points at it (so no other open exit shares the coin)."""
    coin = sel(s.exit_coin, e)
    return z3.Implies(
        sel(s.exit_status, e) == ExitCode.OPEN,
        z3.And(sel(s.coin_status, coin) == CoinCode.EXITING, sel(s.open_exit_of, coin) == e),
    )


def exiting_coin_has_open_exit(s: CashTerms, r: CashRules, c: z3.ArithRef) -> z3.BoolRef:
    """A coin's status is a status; an EXITING coin points at an open exit of itself."""
    pointed = sel(s.open_exit_of, c)
    return z3.And(
        sel(s.coin_status, c) >= CoinCode.DEPOSITED,
        sel(s.coin_status, c) <= CoinCode.EXITED,
        z3.Implies(
            sel(s.coin_status, c) == CoinCode.EXITING,
            z3.And(
                pointed >= 0,
                pointed < s.exit_count,
                sel(s.exit_status, pointed) == ExitCode.OPEN,
                sel(s.exit_coin, pointed) == c,
            ),
        ),
    )


def exit_count_is_natural(s: CashTerms, r: CashRules, _: z3.ArithRef) -> z3.BoolRef:
    """The exit count is non-negative."""
    return s.exit_count >= 0


COIN_EXIT_UNIQUENESS = CashInvariant(
    InvariantId.COIN_EXIT_UNIQUENESS,
    (
        CashClause("open exit is its coin's", Domain.EXIT, open_exit_is_its_coins),
        CashClause("exiting coin has its open exit", Domain.COIN, exiting_coin_has_open_exit),
        CashClause("exits name minted coins", Domain.EXIT, exits_name_minted_coins),
        CashClause("exit count", Domain.NONE, exit_count_is_natural),
    ),
)
"""INV-25 in the model."""


# INV-24 Coin single payout


def finalized_exit_is_its_coins(s: CashTerms, r: CashRules, e: z3.ArithRef) -> z3.BoolRef:
    """A finalized exit's coin is EXITED and points at it; it had matured."""
    coin = sel(s.exit_coin, e)
    return z3.Implies(
        sel(s.exit_status, e) == ExitCode.FINALIZED,
        z3.And(
            sel(s.coin_status, coin) == CoinCode.EXITED,
            sel(s.final_exit_of, coin) == e,
            sel(s.exit_exitable, e) <= s.now,
        ),
    )


def exited_coin_has_its_payout(s: CashTerms, r: CashRules, c: z3.ArithRef) -> z3.BoolRef:
    """An EXITED coin points at a finalized exit of itself; every coin's amount is positive."""
    pointed = sel(s.final_exit_of, c)
    return z3.And(
        sel(s.coin_amount, c) > 0,
        z3.Implies(
            sel(s.coin_status, c) == CoinCode.EXITED,
            z3.And(
                pointed >= 0,
                pointed < s.exit_count,
                sel(s.exit_status, pointed) == ExitCode.FINALIZED,
                sel(s.exit_coin, pointed) == c,
            ),
        ),
    )


def ledgers_match_coins(s: CashTerms, r: CashRules, t: z3.ArithRef) -> z3.BoolRef:
    """Withdrawn is the amounts of EXITED coins, deposited those of minted coins (ghost sums)."""
    return z3.And(
        sel(s.withdrawn, t) == sel(s.exited_sum, t), sel(s.deposited, t) == sel(s.minted_sum, t)
    )


def exit_times_follow_the_rule(s: CashTerms, r: CashRules, e: z3.ArithRef) -> z3.BoolRef:
    """An exit is exitable one MFP after it started, which is not in the future."""
    started = sel(s.exit_started, e)
    return z3.And(sel(s.exit_exitable, e) == started + r.period, started <= s.now)


def coins_never_change(pre: CashTerms, post: CashTerms, c: z3.ArithRef) -> z3.BoolRef:
    """A minted coin stays minted with its token and amount."""
    return z3.And(
        sel(post.coin_minted, c) == True,  # noqa: E712
        sel(post.coin_token, c) == sel(pre.coin_token, c),
        sel(post.coin_amount, c) == sel(pre.coin_amount, c),
    )


COIN_SINGLE_PAYOUT = CashInvariant(
    InvariantId.COIN_SINGLE_PAYOUT,
    (
        CashClause("finalized exit is its coin's", Domain.EXIT, finalized_exit_is_its_coins),
        CashClause("exited coin has its payout", Domain.COIN, exited_coin_has_its_payout),
        CashClause("ledgers match coins", Domain.TOKEN, ledgers_match_coins),
        CashClause("exit times", Domain.EXIT, exit_times_follow_the_rule),
    ),
    steps=(StepClause("coins never change", Domain.COIN, coins_never_change),),
    assumes=(InvariantId.COIN_EXIT_UNIQUENESS,),
)
"""INV-24 in the model."""


# INV-09 Bond conservation (the Cash part)


def bonds_held_are_open_bonds(s: CashTerms, r: CashRules, _: z3.ArithRef) -> z3.BoolRef:
    """Bonds held equal the ghost sum of open exits' bonds and challenge bonds."""
    return s.bonds_held == s.open_bonds


def challenge_bonds_are_sound(s: CashTerms, r: CashRules, e: z3.ArithRef) -> z3.BoolRef:
    """Bonds are non-negative; no challenge, no challenge bond; an ended exit holds none."""
    count, bonds = sel(s.exit_challenges, e), sel(s.exit_challenge_bonds, e)
    return z3.And(
        sel(s.exit_bond, e) >= 0,
        count >= 0,
        bonds >= 0,
        z3.Implies(count == 0, bonds == 0),
        z3.Implies(sel(s.exit_status, e) != ExitCode.OPEN, z3.And(count == 0, bonds == 0)),
    )


BOND_CONSERVATION = CashInvariant(
    InvariantId.BOND_CONSERVATION,
    (
        CashClause("bonds held are open bonds", Domain.NONE, bonds_held_are_open_bonds),
        CashClause("challenge bonds", Domain.EXIT, challenge_bonds_are_sound),
    ),
)
"""INV-09 (Cash part) in the model."""


CASH_INVARIANTS = (COIN_SINGLE_PAYOUT, COIN_EXIT_UNIQUENESS, BOND_CONSERVATION)
"""Every invariant of the Cash model, in catalog order."""


def get_cash_invariant(identifier: InvariantId) -> CashInvariant:
    """Return the Cash model invariant of a catalog id."""
    (invariant,) = (i for i in CASH_INVARIANTS if i.identifier == identifier)
    return invariant
