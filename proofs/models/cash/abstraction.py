"""Concrete Cash states and operations mapped into the Cash model, for the drift tests.

:func:`abstract_state` reads one Cash environment of a spec
``SettlementState`` into plain integers (:class:`ConcreteCash`), computing
every ghost of the model from the real records: the open and the
finalizing exit of each coin, the amounts minted and exited per token, the
bonds of open exits and their challenges. :func:`to_terms` turns that into
:class:`~proofs.models.cash.model.CashTerms` of constants (arrays as store
chains), and :func:`abstract_operation` maps a spec operation on the
environment to the model transition it stands for and its parameters.
``tests/test_proofs_cash.py`` then checks, on spec runs, that the model's
guard and post-state agree with the spec, and that every clause holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import z3

from proofs.models.cash.invariants import CASH_INVARIANTS, Domain, holds_at
from proofs.models.cash.model import (
    CashParameters,
    CashRules,
    CashTerms,
    CoinCode,
    ExitCode,
)
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExitStatus, CoinStatus
from spec.primitives import Address
from spec.settlement.operations import AdvanceTime, Deposit
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation

COIN_CODES = {
    CoinStatus.DEPOSITED: CoinCode.DEPOSITED,
    CoinStatus.EXITING: CoinCode.EXITING,
    CoinStatus.EXITED: CoinCode.EXITED,
}
"""Coin statuses as model codes."""

EXIT_CODES = {
    CoinExitStatus.OPEN: ExitCode.OPEN,
    CoinExitStatus.CANCELLED: ExitCode.CANCELLED,
    CoinExitStatus.FINALIZED: ExitCode.FINALIZED,
}
"""Coin exit statuses as model codes."""


def encode_token(token: Address) -> int:
    """Return a token's code: its address as an integer."""
    return int.from_bytes(token, "big")


@dataclass(frozen=True)
class ConcreteCash:
    """One Cash environment in plain integers, ghosts computed from the real records."""

    now: int
    """Settlement time."""
    coins: dict[int, tuple[int, int, int]]
    """Coin id to (token code, amount, status code)."""
    exits: dict[int, tuple[int, int, int, int, int, int, int]]
    """Exit id to (coin, status, bond, started, exitable, challenges, challenge bonds)."""
    deposited: dict[int, int]
    """Token code to the deposited ledger."""
    withdrawn: dict[int, int]
    """Token code to the withdrawn ledger."""
    bonds_held: int
    """Bonds held."""
    open_exit_of: dict[int, int]
    """Coin id to its open exit (coins with one)."""
    final_exit_of: dict[int, int]
    """Coin id to its finalized exit (coins with one)."""
    minted_sum: dict[int, int]
    """Token code to the amounts of the coins minted."""
    exited_sum: dict[int, int]
    """Token code to the amounts of the EXITED coins."""
    open_bonds: int
    """Bonds of open exits and their open challenges."""

    @property
    def tokens(self) -> set[int]:
        """Every token code the state mentions."""
        return {*self.deposited, *self.withdrawn, *self.minted_sum, *self.exited_sum}


def abstract_state(state: SettlementState, env_id: int) -> ConcreteCash:
    """Return a Cash environment of ``state`` in plain integers, with its real ghosts."""
    environment = state.environments[env_id]
    records = environment.kind_records
    assert isinstance(records, CashRecords), "not a Cash environment"
    coins = {
        int(c): (encode_token(coin.token), int(coin.amount), int(COIN_CODES[coin.status]))
        for c, coin in records.coins.items()
    }
    exits = {
        int(e): (
            int(exit.coin_id),
            int(EXIT_CODES[exit.status]),
            int(exit.bond),
            int(exit.started_at),
            int(exit.exitable_at),
            len(exit.challenges),
            sum(int(challenge.bond) for challenge in exit.challenges.values()),
        )
        for e, exit in records.exits.items()
    }
    minted: Counter[int] = Counter()
    exited: Counter[int] = Counter()
    for token, amount, status in coins.values():
        minted[token] += amount
        if status == CoinCode.EXITED:
            exited[token] += amount
    return ConcreteCash(
        now=int(state.time),
        coins=coins,
        exits=exits,
        deposited={encode_token(t): int(a) for t, a in environment.deposited.items()},
        withdrawn={encode_token(t): int(a) for t, a in environment.withdrawn.items()},
        bonds_held=int(environment.bonds_held),
        open_exit_of={v[0]: e for e, v in exits.items() if v[1] == ExitCode.OPEN},
        final_exit_of={v[0]: e for e, v in exits.items() if v[1] == ExitCode.FINALIZED},
        minted_sum=dict(minted),
        exited_sum=dict(exited),
        open_bonds=sum(v[2] + v[6] for v in exits.values() if v[1] == ExitCode.OPEN),
    )


def make_array(values: dict[int, int], default: int = 0) -> z3.ArrayRef:
    """Return an integer array holding ``values`` and ``default`` elsewhere."""
    array = z3.K(z3.IntSort(), z3.IntVal(default))
    for key, value in sorted(values.items()):
        array = z3.Store(array, key, value)
    return array


def to_terms(concrete: ConcreteCash) -> CashTerms:
    """Return the model state of ``concrete`` (unknown entries: 0, or -1 for exit pointers)."""
    minted = z3.K(z3.IntSort(), z3.BoolVal(False))
    for coin in sorted(concrete.coins):
        minted = z3.Store(minted, coin, True)

    def coin_field(position: int) -> z3.ArrayRef:
        return make_array({c: v[position] for c, v in concrete.coins.items()})

    def exit_field(position: int) -> z3.ArrayRef:
        return make_array({e: v[position] for e, v in concrete.exits.items()})

    return CashTerms(
        now=z3.IntVal(concrete.now),
        exit_count=z3.IntVal(len(concrete.exits)),
        coin_minted=minted,
        coin_token=coin_field(0),
        coin_amount=coin_field(1),
        coin_status=coin_field(2),
        exit_coin=exit_field(0),
        exit_status=exit_field(1),
        exit_bond=exit_field(2),
        exit_started=exit_field(3),
        exit_exitable=exit_field(4),
        exit_challenges=exit_field(5),
        exit_challenge_bonds=exit_field(6),
        deposited=make_array(concrete.deposited),
        withdrawn=make_array(concrete.withdrawn),
        bonds_held=z3.IntVal(concrete.bonds_held),
        open_exit_of=make_array(concrete.open_exit_of, -1),
        final_exit_of=make_array(concrete.final_exit_of, -1),
        minted_sum=make_array(concrete.minted_sum),
        exited_sum=make_array(concrete.exited_sum),
        open_bonds=z3.IntVal(concrete.open_bonds),
    )


def abstract_rules(state: SettlementState, env_id: int) -> CashRules:
    """Return the model rules of a Cash environment."""
    rules = state.environments[env_id].rules
    return CashRules(
        z3.IntVal(int(rules.minimal_finalization_period)), z3.IntVal(int(rules.exit_bond))
    )


def make_parameters(**values: int) -> CashParameters:
    """Return model parameters with the given values (0 for the others)."""
    names = ("coin", "token", "amount", "exit_id", "bond", "time")
    return CashParameters(*(z3.IntVal(values.get(name, 0)) for name in names))


def abstract_operation(
    state: SettlementState, env_id: int, operation: Operation
) -> tuple[str, CashParameters] | None:
    """Return the model transition and parameters of an operation on Cash environment ``env_id``.

    None for operations the model does not represent (a ``SubmitBlock``
    leaves the records unchanged, and other environments' operations are
    INV-12's).
    """
    if isinstance(operation, AdvanceTime):
        return "advance_time", make_parameters(time=int(operation.time))
    if getattr(operation, "environment_id", None) != env_id:
        return None
    if isinstance(operation, Deposit):
        coin = max((int(n) for n in state.environments[env_id].blocks), default=0) + 1
        token, amount = encode_token(operation.token), int(operation.amount)
        return "deposit", make_parameters(coin=coin, token=token, amount=amount)
    if isinstance(operation, StartCoinExit):
        return "start_coin_exit", make_parameters(
            coin=int(operation.coin_id), bond=int(operation.bond)
        )
    if isinstance(operation, ChallengeCoinSpent):
        return "challenge_coin_spent", make_parameters(exit_id=int(operation.exit_id))
    if isinstance(operation, ChallengeCoinDoubleSpend):
        return "challenge_coin_double_spend", make_parameters(exit_id=int(operation.exit_id))
    if isinstance(operation, ChallengeCoinHistory):
        return "challenge_coin_history", make_parameters(
            exit_id=int(operation.exit_id), bond=int(operation.bond)
        )
    if isinstance(operation, RespondCoinHistory):
        records = state.environments[env_id].kind_records
        assert isinstance(records, CashRecords)
        exit = records.exits.get(operation.exit_id)
        challenge = exit.challenges.get(operation.challenge_block) if exit is not None else None
        bond = int(challenge.bond) if challenge is not None else 0
        return "respond_coin_history", make_parameters(exit_id=int(operation.exit_id), bond=bond)
    if isinstance(operation, FinalizeCoinExit):
        return "finalize_coin_exit", make_parameters(exit_id=int(operation.exit_id))
    return None


def get_domain(concrete: ConcreteCash, domain: Domain) -> list[int]:
    """Return the concrete indices of a clause domain."""
    if domain == Domain.EXIT:
        return sorted(concrete.exits)
    if domain == Domain.COIN:
        return sorted(concrete.coins)
    if domain == Domain.TOKEN:
        return sorted(concrete.tokens)
    return [0]


def is_true(term: z3.BoolRef) -> bool:
    """Return whether a closed term simplifies to true."""
    return bool(z3.is_true(z3.simplify(term)))


def find_false_clauses(concrete: ConcreteCash, rules: CashRules) -> list[str]:
    """Return ``invariant/clause@index`` for every clause that fails on a concrete state."""
    terms = to_terms(concrete)
    instances = [
        (
            f"{invariant.identifier}/{clause.name}@{index}",
            holds_at(clause, terms, rules, z3.IntVal(index)),
        )
        for invariant in CASH_INVARIANTS
        for clause in invariant.clauses
        for index in get_domain(concrete, clause.domain)
    ]
    if is_true(z3.And(*(term for _, term in instances))):
        return []
    return [name for name, term in instances if not is_true(term)]


def find_differences(
    model_post: CashTerms, spec_post: ConcreteCash, pre: ConcreteCash
) -> list[str]:
    """Return the fields where the model's post-state differs from the spec's, at every index.

    Arrays are compared at every index either state mentions; the exit
    pointers only where the spec's post-state defines them (a coin with an
    open, or a finalized, exit).
    """
    expected = to_terms(spec_post)
    coins = sorted({*pre.coins, *spec_post.coins})
    tokens = sorted({*pre.tokens, *spec_post.tokens})
    indices = {
        "coin_minted": coins,
        "coin_token": sorted(spec_post.coins),
        "coin_amount": sorted(spec_post.coins),
        "coin_status": sorted(spec_post.coins),
        "exit_coin": sorted(spec_post.exits),
        "exit_status": sorted(spec_post.exits),
        "exit_bond": sorted(spec_post.exits),
        "exit_started": sorted(spec_post.exits),
        "exit_exitable": sorted(spec_post.exits),
        "exit_challenges": sorted(spec_post.exits),
        "exit_challenge_bonds": sorted(spec_post.exits),
        "deposited": tokens,
        "withdrawn": tokens,
        "open_exit_of": sorted(spec_post.open_exit_of),
        "final_exit_of": sorted(spec_post.final_exit_of),
        "minted_sum": tokens,
        "exited_sum": tokens,
    }
    differences = []
    for name in ("now", "exit_count", "bonds_held", "open_bonds"):
        if not is_true(getattr(model_post, name) == getattr(expected, name)):
            differences.append(name)
    for name, keys in indices.items():
        for key in keys:
            model_value = z3.Select(getattr(model_post, name), key)
            spec_value = z3.Select(getattr(expected, name), key)
            if not is_true(model_value == spec_value):
                differences.append(f"{name}[{key}]")
    return differences
