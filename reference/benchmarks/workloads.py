"""The benchmark workloads: signed payments over a crowded child chain, and crowded exit queues.

Every workload is deterministic (keys from fixed seeds, a seeded shuffle),
so two runs measure the same work:

- :func:`make_block_workload`: a child chain holding one output per payment,
  and the signed payments (one input, two outputs) spending them, cut into
  blocks of :data:`BLOCK_TRANSACTIONS`;
- :func:`make_operator_settlement`: the settlement layer an operator commits
  those blocks to;
- :func:`make_exit_workload`: a settlement layer whose one environment has
  many mature exits of one token, with exitable times in a random order, and
  :func:`make_process_calls` to process them.

``reference.benchmarks.runs`` times them on the reference and on the spec.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from coincurve import PrivateKey

from fixtures import WATCHER
from reference.environments.payments import encoding as fast
from spec.crypto import compute_address_of_private_key, keccak256
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.records import compute_genesis_payments_records
from spec.environments.payments.transactions import Block, Output, SignedTransaction, Transaction
from spec.positions import OutputPosition
from spec.presets import FULL
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Signature,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
from spec.settlement.operations import ProcessExits
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

MAXIMUM_BLOCK_TRANSACTIONS = 1 << int(FULL.transaction_tree_depth)
"""Most transactions in one block of the full preset: 2**16 (= 65,536)."""


BLOCK_TRANSACTIONS = 50_000
"""Transactions per block in the workloads: 100,000 make two blocks of 50,000."""


OWNER_COUNT = 64
"""Distinct owners of the workload's outputs."""


ENVIRONMENT_ID = Uint64(0)
"""Environment every workload runs in."""


EXITS_PER_CALL = 1_000
"""Exits processed by one ``ProcessExits`` call in the exit workload."""


@dataclass(frozen=True)
class Owner:
    """A key that owns outputs of a workload."""

    key: PrivateKey
    """The signing key."""
    address: Address
    """Its address."""


def make_owners(count: int = OWNER_COUNT) -> list[Owner]:
    """Return ``count`` deterministic owners."""
    keys = [bytes(keccak256(f"bench-owner-{index}".encode())) for index in range(count)]
    return [Owner(PrivateKey(key), compute_address_of_private_key(key)) for key in keys]


@dataclass(frozen=True)
class BlockWorkload:
    """A child chain holding one output per payment, and the signed payments spending them."""

    genesis: ChildChainState
    """Child chain before the blocks: one unspent output per payment."""
    payments: tuple[SignedTransaction, ...]
    """One payment per output: one input, two outputs."""

    def get_chunks(self) -> list[tuple[SignedTransaction, ...]]:
        """Return the payments cut into blocks of at most BLOCK_TRANSACTIONS."""
        return [
            self.payments[start : start + BLOCK_TRANSACTIONS]
            for start in range(0, len(self.payments), BLOCK_TRANSACTIONS)
        ]

    def get_blocks(self) -> list[tuple[Uint64, Block]]:
        """Return the payments as numbered blocks (numbers 2, 3, ...)."""
        first = int(self.genesis.block_number) + 1
        return [
            (Uint64(first + index), Block(chunk)) for index, chunk in enumerate(self.get_chunks())
        ]


def make_position(index: int) -> OutputPosition:
    """Return the position of the workload's ``index``-th starting output (all in block 1)."""
    return OutputPosition(Uint64(1), Uint16(index // 4), Uint8(index % 4))


def make_payment(owners: Sequence[Owner], index: int) -> SignedTransaction:
    """Return the signed payment spending starting output ``index``: 600 on, 400 back."""
    owner, receiver = owners[index % len(owners)], owners[(index + 1) % len(owners)]
    transaction = Transaction(
        (make_position(index),),
        (
            Output(receiver.address, NATIVE_TOKEN, Uint256(600)),
            Output(owner.address, NATIVE_TOKEN, Uint256(400)),
        ),
    )
    message = fast.compute_signing_hash(ENVIRONMENT_ID, transaction)
    signature = Signature(owner.key.sign_recoverable(message, hasher=None))
    return SignedTransaction(transaction, (signature,))


def make_block_workload(count: int, operator: Address) -> BlockWorkload:
    """Return a workload of ``count`` payments over a child chain of ``count`` outputs."""
    owners = make_owners()
    utxos = {
        make_position(index): Output(
            owners[index % len(owners)].address, NATIVE_TOKEN, Uint256(1000)
        )
        for index in range(count)
    }
    genesis = ChildChainState(
        environment_id=ENVIRONMENT_ID,
        operator=operator,
        transaction_tree_depth=FULL.transaction_tree_depth,
        block_number=Uint64(1),
        utxos=utxos,
        spent=frozenset(),
        deposited={NATIVE_TOKEN: Uint256(1000 * count)},
        exited={},
        fees_paid={},
        fees_claimed={},
    )
    payments = tuple(make_payment(owners, index) for index in range(count))
    return BlockWorkload(genesis, payments)


def shuffled_times(count: int, start: int, seed: int = 0) -> list[int]:
    """Return ``count`` distinct times from ``start`` in a seeded random order."""
    times = list(range(start, start + count))
    random.Random(seed).shuffle(times)
    return times


def root_placeholder() -> Hash32:
    """Return a fixed block root for workloads whose blocks are never proved against."""
    return Hash32(keccak256(b"bench-block"))


def make_operator_settlement(operator: Address) -> SettlementState:
    """Return a settlement layer with one active environment run by ``operator``."""
    preset = FULL
    rules = EnvironmentRules(
        preset.minimum_finalization_period, preset.minimum_exit_bond, Uint256(10**18), Uint256(0)
    )
    environment = Environment(
        operator=operator,
        kind=EnvironmentKind.PAYMENTS,
        rules=rules,
        registered_at=Uint64(0),
        blocks={},
        exits={},
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=compute_genesis_payments_records(),
    )
    return SettlementState(preset, preset.quarantine_period, {}, (environment,))


def make_exit_workload(count: int, seed: int = 0) -> SettlementState:
    """Return a settlement layer whose one environment has ``count`` mature open exits.

    The exits are of one token, from one child block, with exitable times in a
    seeded random order, so processing must follow the priority index.
    """
    preset = FULL
    operator = make_owners(1)[0].address
    bond = preset.minimum_exit_bond
    period = preset.minimum_finalization_period
    block_number = preset.block_interval
    start = 10 * int(period)
    exits = {
        Uint64(exit_id): Exit(
            position=OutputPosition(block_number, Uint16(exit_id // 4), Uint8(exit_id % 4)),
            output_id=Hash32(exit_id.to_bytes(32, "big")),
            owner=operator,
            token=NATIVE_TOKEN,
            amount=Uint256(1),
            bond=bond,
            started_at=Uint64(start),
            exitable_at=Uint64(exitable_at),
            status=ExitStatus.OPEN,
            paid=Uint256(0),
        )
        for exit_id, exitable_at in enumerate(shuffled_times(count, start + int(period), seed))
    }
    environment = Environment(
        operator=operator,
        kind=EnvironmentKind.PAYMENTS,
        rules=EnvironmentRules(period, bond, Uint256(10**18), Uint256(0)),
        registered_at=Uint64(0),
        blocks={block_number: BlockRecord(BlockKind.CHILD, root_placeholder(), Uint64(start))},
        exits=exits,
        deposited={NATIVE_TOKEN: Uint256(count)},
        withdrawn={},
        bonds_held=Uint256(int(bond) * count),
        kind_records=compute_genesis_payments_records(),
    )
    return SettlementState(
        preset=preset,
        time=Uint64(start + int(period) + count),
        balances={},
        environments=(environment,),
    )


def make_process_calls(count: int) -> list[ProcessExits]:
    """Return the ``ProcessExits`` calls that process ``count`` exits, EXITS_PER_CALL at a time."""
    calls = (count + EXITS_PER_CALL - 1) // EXITS_PER_CALL
    return [
        ProcessExits(ENVIRONMENT_ID, WATCHER.address, NATIVE_TOKEN, Uint32(EXITS_PER_CALL))
    ] * calls
