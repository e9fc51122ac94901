"""Differential testing support: the spec and the reference simulator, stepped together.

:class:`DifferentialPair` applies each operation to the spec
(``state_transition``, the oracle) and to a :class:`SettlementSimulator`, and
fails unless both accept it, or both reject it with the same reason, and
their state digests are equal afterwards; a rejection must also leave the
simulator's journal as it was. It counts the reasons and the accepted
operation types it saw, so tests can show the run reached every rule.

:func:`make_initial_state` is where differential runs start: actors funded
(the whale near the largest ``Uint256``), three environments registered
through operations (two with different operators, one with huge rules), and
one crafted environment whose block log sits near the largest ``Uint64``,
which no sequence of operations could reach; it is loaded into the
simulator with :meth:`SettlementSimulator.create`.

The operation generator (``tests.differential_operations``) draws its choices
from a :class:`Chooser` and remembers what it built in a :class:`Knowledge`;
the signature helpers at the end break each rule of signature recovery.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from random import Random
from typing import TypeVar

import fixtures as actors
from fixtures import OPERATOR, OPERATOR_TWO, WATCHER, make_actor, make_rules
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.digest import compute_settlement_digest
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.records import compute_genesis_payments_records
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    get_transaction_outputs,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Uint8,
    Uint16,
    Uint64,
    Uint256,
)
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    Exit,
    ExitStatus,
    SettlementState,
)
from spec.settlement.transition import Operation, state_transition

WHALE = make_actor("whale")
"""An actor whose balances are near the largest Uint256: credits to it overflow."""

STRANGER = Address(b"\x5a" * 20)
"""An address with no funds and no known key."""

TOKEN_B = Address(b"\xbb" * 20)
"""A token nobody holds on the settlement layer."""

ACTORS = (*actors.ACTORS, WHALE)
"""Every actor with a key."""

KEYS = {actor.address: actor.key for actor in ACTORS}
"""Private key of every actor, by address."""

ADDRESSES = (*(actor.address for actor in ACTORS), STRANGER)
"""Every address an operation may name as its sender or owner."""

TOKENS = (NATIVE_TOKEN, actors.TOKEN_A, TOKEN_B)
"""Tokens of deposits and exit queues."""

LARGEST_U64 = Uint64.max_value()
LARGEST_U256 = Uint256.max_value()

WHALE_FUNDS = LARGEST_U256 - 10
"""What the whale holds of every token: any credit of more than 10 overflows it."""

HUGE_RULES = EnvironmentRules(Uint64(2**63), Uint256(1), Uint256(LARGEST_U256), Uint256(1))
"""Valid rules whose period doubles past the largest Uint64 and whose deposit limit is the
largest Uint256 (so two of the whale's deposits overflow the vault's ledger)."""

HUGE_ENVIRONMENT = Uint64(2)
"""Id of the initial state's environment registered with :data:`HUGE_RULES`."""

EDGE_LAST_CHILD = Uint64(LARGEST_U64 - 8)
"""Last child block of the crafted environment: two more child blocks fit, then none."""

EDGE_DEPOSIT = Uint64(LARGEST_U64 - 11)
"""A deposit block of the crafted environment, whose output the whale is exiting."""

EDGE_EXIT_AMOUNT = Uint256(10**6)
"""What the whale's exit in the crafted environment claims: paying it overflows its balance."""


def make_edge_environment() -> Environment:
    """Return an environment no operations could reach: blocks near the largest Uint64.

    Its vault holds a deposit of the whale, whose exit is mature: processing it
    (or the whale challenging it) credits the whale past the largest Uint256.
    """
    position = OutputPosition(EDGE_DEPOSIT, Uint16(0), Uint8(0))
    exit = Exit(
        position, Hash32(b"\x0e" * 32), WHALE.address, NATIVE_TOKEN, EDGE_EXIT_AMOUNT,
        Uint256(actors.EXIT_BOND), Uint64(0), Uint64(100), ExitStatus.OPEN, Uint256(0),
    )  # fmt: skip
    return Environment(
        operator=OPERATOR.address,
        kind=EnvironmentKind.PAYMENTS,
        rules=make_rules(),
        registered_at=Uint64(0),
        blocks={
            EDGE_DEPOSIT: BlockRecord(BlockKind.DEPOSIT, Hash32(b"\xde" * 32), Uint64(0)),
            EDGE_LAST_CHILD: BlockRecord(BlockKind.CHILD, Hash32(b"\xed" * 32), Uint64(0)),
        },
        exits={Uint64(0): exit},
        deposited={NATIVE_TOKEN: EDGE_EXIT_AMOUNT},
        withdrawn={},
        bonds_held=Uint256(actors.EXIT_BOND),
        kind_records=compute_genesis_payments_records(),
    )


def make_initial_state() -> SettlementState:
    """Return the state differential runs start from (see the module docstring)."""
    state = actors.make_funded_genesis(TINY, [actor.address for actor in ACTORS], TOKENS[:2])
    whale = {(WHALE.address, token): Uint256(WHALE_FUNDS) for token in TOKENS[:2]}
    state = replace(state, balances={**state.balances, **whale})
    for operator, rules in (
        (OPERATOR, make_rules()),
        (OPERATOR_TWO, make_rules()),
        (WATCHER, HUGE_RULES),
    ):
        operation = RegisterEnvironment(operator.address, EnvironmentKind.PAYMENTS, rules)
        state = state_transition(state, operation)
    state = state_transition(state, AdvanceTime(state.time + TINY.quarantine_period))
    return replace(state, environments=(*state.environments, make_edge_environment()))


def describe(operation: Operation) -> str:
    """Return an operation's type and its first fields, for failure messages."""
    return repr(operation)[:300]


@dataclass
class DifferentialPair:
    """The spec's state and a reference simulator holding the same state."""

    state: SettlementState
    """The spec's current state."""
    simulator: SettlementSimulator = field(init=False)
    """The reference simulator, loaded from ``state``."""
    reasons: Counter[RejectionReason] = field(default_factory=Counter)
    """Rejections seen, by reason."""
    accepted: Counter[str] = field(default_factory=Counter)
    """Accepted operations, by type name."""

    def __post_init__(self) -> None:
        self.simulator = SettlementSimulator.create(Store(), self.state)

    def step(self, operation: Operation) -> RejectionReason | None:
        """Apply ``operation`` to both; check they agree; return the rejection reason, if any."""
        spec_reason: RejectionReason | None = None
        try:
            post = state_transition(self.state, operation)
        except Rejected as rejection:
            spec_reason, post = rejection.reason, self.state
        journal = self.simulator.applied_count()
        reference_reason: RejectionReason | None = None
        try:
            self.simulator.apply(operation)
        except Rejected as rejection:
            reference_reason = rejection.reason
        assert reference_reason == spec_reason, (
            f"spec: {spec_reason}, reference: {reference_reason}, for {describe(operation)}"
        )
        expected_journal = journal + (1 if spec_reason is None else 0)
        assert self.simulator.applied_count() == expected_journal, "journal length differs"
        assert self.simulator.compute_digest() == compute_settlement_digest(post), (
            f"digests differ after {describe(operation)}"
        )
        self.state = post
        if spec_reason is None:
            self.accepted[type(operation).__name__] += 1
        else:
            self.reasons[spec_reason] += 1
        return spec_reason


# Where a run's choices come from

T = TypeVar("T")


class Chooser:
    """Where the generator's choices come from: a ``random.Random`` that Hypothesis seeds.

    Each example's choices (kinds, variants, actors, amounts, raw values) are
    independent and uniform, so over a run each variant comes up about as
    often as its weight says and every rule is reached; Hypothesis chooses
    and records the seed, so a failing example replays exactly.
    """

    def __init__(self, random: Random) -> None:
        self.random = random
        """The source of every choice."""

    def pick(self, count: int) -> int:
        """Return a variant number, 0 to ``count - 1``."""
        return self.random.randrange(count)

    def is_rare(self, one_in: int) -> bool:
        """Return whether a hostile variant is taken (one time in ``one_in``)."""
        return self.random.randrange(one_in) == 0

    def integers(self, smallest: int, largest: int) -> int:
        """Return an integer from ``smallest`` to ``largest``."""
        return self.random.randint(smallest, largest)

    def choice(self, options: Sequence[T]) -> T:
        """Return one of ``options``."""
        return options[self.random.randrange(len(options))]

    def raw_bytes(self, length: int) -> bytes:
        """Return ``length`` arbitrary bytes."""
        return self.random.randbytes(length)

    def raw_integer(self, bits: int) -> int:
        """Return an arbitrary unsigned integer of ``bits`` bits, often at an edge of its range."""
        edges = (0, 1, 2, (1 << bits) - 2, (1 << bits) - 1)
        return self.choice(edges) if self.is_rare(3) else self.random.getrandbits(bits)


# What the operation generator knows beyond the settlement state


Located = tuple[OutputPosition, tuple[BlockTransaction, ...], Output]
"""An output's position, the transactions of its block, and the output."""


@dataclass
class Knowledge:
    """Block contents behind committed roots, signed spends, and accepted exits and challenges."""

    contents: dict[tuple[int, int], tuple[BlockTransaction, ...]] = field(default_factory=dict)
    """Transactions of each committed block whose contents are known, by (env, number)."""
    pending: dict[tuple[int, bytes], tuple[BlockTransaction, ...]] = field(default_factory=dict)
    """Transactions of each built block, by (env, root), until it is committed."""
    spends: dict[int, list[SignedTransaction]] = field(default_factory=dict)
    """Every payment signed, per environment."""
    started: list[StartStandardExit] = field(default_factory=list)
    """Accepted exit starts (replaying one is rejected)."""
    challenges: list[ChallengeStandardExit] = field(default_factory=list)
    """Accepted challenges (replaying one is rejected)."""

    def record(self, before: SettlementState, operation: Operation) -> None:
        """Learn from an accepted operation applied to the state ``before``."""
        match operation:
            case Deposit():
                environment = before.environments[operation.environment_id]
                number = get_next_deposit_block_number(environment)
                output = Output(operation.owner, operation.token, operation.amount)
                self.contents[(int(operation.environment_id), int(number))] = (
                    DepositTransaction(output),
                )
            case SubmitBlock():
                key = (int(operation.environment_id), bytes(operation.root))
                if key in self.pending:
                    self.contents[(key[0], int(operation.block_number))] = self.pending[key]
            case StartStandardExit():
                self.started.append(operation)
            case ChallengeStandardExit():
                self.challenges.append(operation)
            case _:
                pass

    def list_outputs(self, environment_id: int) -> list[Located]:
        """Return every known output of an environment's committed blocks."""
        found: list[Located] = []
        for (env, number), transactions in self.contents.items():
            if env != environment_id:
                continue
            for index, transaction in enumerate(transactions):
                for output_index, output in enumerate(get_transaction_outputs(transaction)):
                    position = OutputPosition(Uint64(number), Uint16(index), Uint8(output_index))
                    found.append((position, transactions, output))
        return found

    def add_spend(self, environment_id: int, payment: SignedTransaction) -> None:
        """Remember a signed payment."""
        self.spends.setdefault(environment_id, []).append(payment)
