"""The Plasma Cash exit game's settlement records as Z3 terms, and its transitions.

One Cash environment, in integers and integer arrays with no bound on the
number of coins, exits or tokens:

- coins by id: minted, token (an integer code), amount, status
  (:class:`CoinCode`);
- exits by id ``0 .. exit_count - 1``: coin, status (:class:`ExitCode`),
  bond, start and exitable times, and the number and bond sum of their open
  invalid-history challenges;
- per token: the deposited and withdrawn ledgers; the bonds held;
- ghosts, updated on every store (never read by a transition):
  ``open_exit_of`` / ``final_exit_of`` (per coin, the exit that opened or
  paid it, set when a start or payout writes one), ``minted_sum`` /
  ``exited_sum`` (per token, the amounts of the coins minted / of the coins
  whose status is EXITED), ``open_bonds`` (the bonds of open exits and
  their open challenges). ``tests/test_proofs_cash.py`` recomputes each
  ghost from concrete spec states.

Abstraction: a witness (a leaf and its sparse proof) is not modelled; what
the exit game checks of witnesses only decides *whether* a start or a
challenge is accepted, and these proofs hold for any such decision. Every
other guard the spec checks on the records is here, in the spec's order:
the coin's status at a start, the exact bond, the exit being open, the
invalid-history window (``now < start + MFP/2``, integer halving), maturity
(``exitable <= now``). A challenge's bond is abstracted to a non-negative
amount no larger than the exit's challenge-bond sum (all of it when the
last open challenge is answered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import IntEnum

import z3


class CoinCode(IntEnum):
    """A coin's status (``CoinStatus``) as an integer."""

    DEPOSITED = 0
    """At rest."""
    EXITING = 1
    """One exit open."""
    EXITED = 2
    """Paid out."""


class ExitCode(IntEnum):
    """A coin exit's status (``CoinExitStatus``) as an integer."""

    OPEN = 0
    """Started, undecided."""
    CANCELLED = 1
    """Cancelled by a challenge."""
    FINALIZED = 2
    """Paid."""


@dataclass(frozen=True)
class CashTerms:
    """One Cash environment's records, ledgers and ghosts as terms."""

    now: z3.ArithRef
    """Settlement time."""
    exit_count: z3.ArithRef
    """Exits ever started: their ids are ``0 .. exit_count - 1``."""
    coin_minted: z3.ArrayRef
    """Coin id to whether a deposit minted it."""
    coin_token: z3.ArrayRef
    """Coin id to its token code."""
    coin_amount: z3.ArrayRef
    """Coin id to its amount."""
    coin_status: z3.ArrayRef
    """Coin id to its :class:`CoinCode`."""
    exit_coin: z3.ArrayRef
    """Exit id to its coin."""
    exit_status: z3.ArrayRef
    """Exit id to its :class:`ExitCode`."""
    exit_bond: z3.ArrayRef
    """Exit id to its bond."""
    exit_started: z3.ArrayRef
    """Exit id to its start time."""
    exit_exitable: z3.ArrayRef
    """Exit id to its exitable time."""
    exit_challenges: z3.ArrayRef
    """Exit id to the number of its open invalid-history challenges."""
    exit_challenge_bonds: z3.ArrayRef
    """Exit id to the sum of its open challenges' bonds."""
    deposited: z3.ArrayRef
    """Token code to the deposited ledger."""
    withdrawn: z3.ArrayRef
    """Token code to the withdrawn ledger."""
    bonds_held: z3.ArithRef
    """The environment's bonds held."""
    open_exit_of: z3.ArrayRef
    """Ghost: coin id to the exit a start opened for it."""
    final_exit_of: z3.ArrayRef
    """Ghost: coin id to the exit that paid it."""
    minted_sum: z3.ArrayRef
    """Ghost: token code to the amounts of the coins minted."""
    exited_sum: z3.ArrayRef
    """Ghost: token code to the amounts of the coins whose status is EXITED."""
    open_bonds: z3.ArithRef
    """Ghost: the bonds of open exits and of their open challenges."""


@dataclass(frozen=True)
class CashRules:
    """The environment's rules (fixed at registration)."""

    period: z3.ArithRef
    """MFP."""
    exit_bond: z3.ArithRef
    """Exit (and challenge) bond."""


def declare_terms(prefix: str) -> CashTerms:
    """Return a Cash state of fresh constants named ``prefix.field``."""
    int_array = z3.ArraySort(z3.IntSort(), z3.IntSort())
    values: dict[str, z3.ExprRef] = {}
    for item in fields(CashTerms):
        name = f"{prefix}.{item.name}"
        if item.name in ("now", "exit_count", "bonds_held", "open_bonds"):
            values[item.name] = z3.Int(name)
        elif item.name == "coin_minted":
            values[item.name] = z3.Array(name, z3.IntSort(), z3.BoolSort())
        else:
            values[item.name] = z3.Const(name, int_array)
    return CashTerms(**values)


def declare_rules(prefix: str = "rules") -> CashRules:
    """Return the rules as fresh constants."""
    return CashRules(z3.Int(f"{prefix}.period"), z3.Int(f"{prefix}.exit_bond"))


def get_rules_constraints(rules: CashRules) -> list[z3.BoolRef]:
    """Return what registration guarantees of the rules: a positive MFP, a non-negative bond."""
    return [rules.period >= 1, rules.exit_bond >= 0]


# Stores that keep the ghosts


def get_contribution(state: CashTerms, exit_id: z3.ArithRef) -> z3.ArithRef:
    """Return what an exit adds to the bonds held: its bond and its challenges', while open."""
    is_open = z3.Select(state.exit_status, exit_id) == ExitCode.OPEN
    held = z3.Select(state.exit_bond, exit_id) + z3.Select(state.exit_challenge_bonds, exit_id)
    return z3.If(is_open, held, 0)


def store_exit(
    state: CashTerms, exit_id: z3.ArithRef, *, fresh: bool = False, **values: z3.ArithRef
) -> CashTerms:
    """Return ``state`` with fields of one exit stored (``status=...`` stores ``exit_status``).

    The ghost ``open_bonds`` moves by the change of the exit's contribution
    (from nothing, for a ``fresh`` exit: ids past ``exit_count`` hold no exit).
    """
    changed = state
    for name, value in values.items():
        array = getattr(state, f"exit_{name}")
        changed = replace(changed, **{f"exit_{name}": z3.Store(array, exit_id, value)})
    before = z3.IntVal(0) if fresh else get_contribution(state, exit_id)
    delta = get_contribution(changed, exit_id) - before
    return replace(changed, open_bonds=state.open_bonds + delta)


def store_coin_status(state: CashTerms, coin: z3.ArithRef, status: int) -> CashTerms:
    """Return ``state`` with a coin's status stored; the ghost ``exited_sum`` follows it."""
    token, amount = z3.Select(state.coin_token, coin), z3.Select(state.coin_amount, coin)
    was = z3.If(z3.Select(state.coin_status, coin) == CoinCode.EXITED, amount, 0)
    now = amount if status == CoinCode.EXITED else z3.IntVal(0)
    exited = z3.Store(state.exited_sum, token, z3.Select(state.exited_sum, token) - was + now)
    return replace(state, coin_status=z3.Store(state.coin_status, coin, status), exited_sum=exited)


def add_at(array: z3.ArrayRef, key: z3.ArithRef, amount: z3.ArithRef) -> z3.ArrayRef:
    """Return ``array`` with ``amount`` added at ``key``."""
    return z3.Store(array, key, z3.Select(array, key) + amount)


# Transitions


@dataclass(frozen=True)
class CashParameters:
    """Every operation's fields, as fresh constants (each transition reads its own)."""

    coin: z3.ArithRef
    """Coin of a deposit or start."""
    token: z3.ArithRef
    """Token code of a deposit."""
    amount: z3.ArithRef
    """Amount of a deposit."""
    exit_id: z3.ArithRef
    """Exit a challenge, answer or finalization names."""
    bond: z3.ArithRef
    """Bond sent (start, history challenge) or answered challenge's bond (answer)."""
    time: z3.ArithRef
    """New time of an advance."""


def declare_parameters(prefix: str) -> CashParameters:
    """Return fresh parameters named ``prefix.field``."""
    return CashParameters(*(z3.Int(f"{prefix}.{item.name}") for item in fields(CashParameters)))


Transition = Callable[[CashTerms, CashRules, CashParameters], tuple[z3.BoolRef, CashTerms]]
"""A transition: (state, rules, parameters) -> (guard, post-state)."""


def is_open_exit(state: CashTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``exit_id`` names an open exit."""
    return z3.And(
        exit_id >= 0,
        exit_id < state.exit_count,
        z3.Select(state.exit_status, exit_id) == ExitCode.OPEN,
    )


def deposit(state: CashTerms, rules: CashRules, p: CashParameters) -> tuple[z3.BoolRef, CashTerms]:
    """``Deposit`` into the environment: a new coin, at rest, and the ledger grows."""
    guard = z3.And(p.amount > 0, p.coin >= 1, z3.Not(z3.Select(state.coin_minted, p.coin)))
    post = replace(
        state,
        coin_minted=z3.Store(state.coin_minted, p.coin, True),
        coin_token=z3.Store(state.coin_token, p.coin, p.token),
        coin_amount=z3.Store(state.coin_amount, p.coin, p.amount),
        coin_status=z3.Store(state.coin_status, p.coin, CoinCode.DEPOSITED),
        deposited=add_at(state.deposited, p.token, p.amount),
        minted_sum=add_at(state.minted_sum, p.token, p.amount),
    )
    return guard, post


def start_coin_exit(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``StartCoinExit``: a coin at rest opens exit ``exit_count`` (witnesses abstracted)."""
    status = z3.Select(state.coin_status, p.coin)
    guard = z3.And(
        z3.Select(state.coin_minted, p.coin),
        status != CoinCode.EXITED,
        status != CoinCode.EXITING,
        p.bond == rules.exit_bond,
    )
    return guard, open_exit(state, rules, p)


def open_exit(state: CashTerms, rules: CashRules, p: CashParameters) -> CashTerms:
    """Return the state after exit ``exit_count`` of ``p.coin`` opens with bond ``p.bond``."""
    exit_id = state.exit_count
    post = store_exit(
        state,
        exit_id,
        fresh=True,
        coin=p.coin,
        bond=p.bond,
        started=state.now,
        exitable=state.now + rules.period,
        challenges=z3.IntVal(0),
        challenge_bonds=z3.IntVal(0),
        status=z3.IntVal(ExitCode.OPEN),
    )
    post = store_coin_status(post, p.coin, CoinCode.EXITING)
    return replace(
        post,
        exit_count=exit_id + 1,
        open_exit_of=z3.Store(state.open_exit_of, p.coin, exit_id),
        bonds_held=state.bonds_held + p.bond,
    )


def cancel_exit(state: CashTerms, exit_id: z3.ArithRef) -> CashTerms:
    """Return the state after an open exit is cancelled: every bond it holds is released."""
    released = z3.Select(state.exit_bond, exit_id) + z3.Select(state.exit_challenge_bonds, exit_id)
    post = store_exit(
        state,
        exit_id,
        status=z3.IntVal(ExitCode.CANCELLED),
        challenges=z3.IntVal(0),
        challenge_bonds=z3.IntVal(0),
    )
    post = store_coin_status(post, z3.Select(state.exit_coin, exit_id), CoinCode.DEPOSITED)
    return replace(post, bonds_held=state.bonds_held - released)


def challenge_coin_spent(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``ChallengeCoinSpent`` (witness abstracted): the open exit is cancelled at once."""
    return is_open_exit(state, p.exit_id), cancel_exit(state, p.exit_id)


def challenge_coin_double_spend(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``ChallengeCoinDoubleSpend`` (witness abstracted): the open exit is cancelled at once."""
    return is_open_exit(state, p.exit_id), cancel_exit(state, p.exit_id)


def challenge_coin_history(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``ChallengeCoinHistory``: in the first half of the period, bonded, one more challenge."""
    started = z3.Select(state.exit_started, p.exit_id)
    guard = z3.And(
        is_open_exit(state, p.exit_id),
        state.now < started + rules.period / 2,
        p.bond == rules.exit_bond,
    )
    post = store_exit(
        state,
        p.exit_id,
        challenges=z3.Select(state.exit_challenges, p.exit_id) + 1,
        challenge_bonds=z3.Select(state.exit_challenge_bonds, p.exit_id) + p.bond,
    )
    return guard, replace(post, bonds_held=state.bonds_held + p.bond)


def respond_coin_history(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``RespondCoinHistory``: one open challenge (of bond ``p.bond``) closes, its bond paid."""
    count = z3.Select(state.exit_challenges, p.exit_id)
    bonds = z3.Select(state.exit_challenge_bonds, p.exit_id)
    guard = z3.And(
        is_open_exit(state, p.exit_id),
        count >= 1,
        p.bond >= 0,
        p.bond <= bonds,
        z3.Implies(count == 1, p.bond == bonds),
    )
    post = store_exit(state, p.exit_id, challenges=count - 1, challenge_bonds=bonds - p.bond)
    return guard, replace(post, bonds_held=state.bonds_held - p.bond)


def pay_exit(state: CashTerms, exit_id: z3.ArithRef) -> CashTerms:
    """Return the state after an open, unchallenged exit pays its coin's amount and bond."""
    coin = z3.Select(state.exit_coin, exit_id)
    token, amount = z3.Select(state.coin_token, coin), z3.Select(state.coin_amount, coin)
    post = store_exit(state, exit_id, status=z3.IntVal(ExitCode.FINALIZED))
    post = store_coin_status(post, coin, CoinCode.EXITED)
    return replace(
        post,
        withdrawn=add_at(state.withdrawn, token, amount),
        final_exit_of=z3.Store(state.final_exit_of, coin, exit_id),
        bonds_held=state.bonds_held - z3.Select(state.exit_bond, exit_id),
    )


def choose(condition: z3.BoolRef, then: CashTerms, otherwise: CashTerms) -> CashTerms:
    """Return the state ``then`` if ``condition`` holds, else ``otherwise`` (field by field)."""
    values = {
        item.name: z3.If(condition, getattr(then, item.name), getattr(otherwise, item.name))
        for item in fields(CashTerms)
    }
    return CashTerms(**values)


def finalize_coin_exit(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``FinalizeCoinExit``: a mature open exit is paid, or cancelled if a challenge is open."""
    guard = z3.And(
        is_open_exit(state, p.exit_id), z3.Select(state.exit_exitable, p.exit_id) <= state.now
    )
    challenged = z3.Select(state.exit_challenges, p.exit_id) > 0
    return guard, choose(challenged, cancel_exit(state, p.exit_id), pay_exit(state, p.exit_id))


def advance_time(
    state: CashTerms, rules: CashRules, p: CashParameters
) -> tuple[z3.BoolRef, CashTerms]:
    """``AdvanceTime``: the clock moves forward."""
    return p.time > state.now, replace(state, now=p.time)


TRANSITIONS: dict[str, Transition] = {
    "deposit": deposit,
    "start_coin_exit": start_coin_exit,
    "challenge_coin_spent": challenge_coin_spent,
    "challenge_coin_double_spend": challenge_coin_double_spend,
    "challenge_coin_history": challenge_coin_history,
    "respond_coin_history": respond_coin_history,
    "finalize_coin_exit": finalize_coin_exit,
    "advance_time": advance_time,
}
"""Every transition of a Cash environment's records, by the spec operation it stands for."""
