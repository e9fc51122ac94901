"""The Plasma Cash benchmark workloads and runs: coin blocks, and coin exits from start to payout.

Deterministic like the payments workloads (``reference.benchmarks.workloads``):

- :func:`make_coin_block_workload`: a Cash chain holding ``count`` coins (ids
  1 to ``count``) and, in blocks of :data:`COIN_BLOCK_TRANSFERS`, one signed
  transfer of each to the next owner. Validating it costs one signature
  recovery per transfer, so it is compared with the recovery bound;
- :func:`make_coin_exit_workload`: a settlement layer whose Cash environment
  holds ``count`` coins, each minted by its deposit block and moved once in a
  child block of its own (so each proof is the empty bitmap), and the
  operations that exit each coin with its last two leaves (one recovery
  each), wait one period and finalize every exit.

The runs time the reference (``CashLedger``, ``SettlementSimulator``) and,
within the budget, the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference.benchmarks.workloads import ENVIRONMENT_ID, Owner, make_owners
from reference.environments.cash import encoding as fast
from reference.environments.cash.ledger import CashLedger
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.cash.chain import CashChainState, LiveCoin, apply_coin_block
from spec.environments.cash.coins import CoinBlock, CoinMint, SignedTransfer, Transfer
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinStatus, SettledCoin
from spec.environments.cash.witnesses import IncludedLeaf
from spec.presets import FULL
from spec.primitives import NATIVE_TOKEN, Signature, Uint64, Uint256
from spec.settlement.operations import AdvanceTime
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    SettlementState,
)
from spec.settlement.transition import Operation, state_transition
from spec.sparse_merkle import CompactProof

COIN_BLOCK_TRANSFERS = 50_000
"""Most transfers in one block of the coin block workload."""

EMPTY_PROOF = CompactProof(Uint64(0), ())
"""The proof of the only leaf of a block: every sibling is an empty subtree."""


def sign_coin_transfer(
    owner: Owner, coin_id: int, previous: int, receiver: Owner
) -> SignedTransfer:
    """Return the transfer of ``coin_id`` to ``receiver``, signed by ``owner``."""
    transfer = Transfer(Uint64(coin_id), Uint64(previous), receiver.address)
    message = fast.compute_signing_hash(int(ENVIRONMENT_ID), transfer)
    return SignedTransfer(transfer, Signature(owner.key.sign_recoverable(message, hasher=None)))


@dataclass(frozen=True)
class CoinBlockWorkload:
    """A Cash chain of ``count`` coins, and one transfer of each, in blocks."""

    genesis: CashChainState
    """The chain before the blocks."""
    blocks: tuple[tuple[Uint64, CoinBlock], ...]
    """(block number, block), in order."""


def make_coin_block_workload(count: int) -> CoinBlockWorkload:
    """Return ``count`` coins (owner ``i % 64``) and their transfers to the next owner."""
    owners = make_owners()
    coins = {
        Uint64(coin_id): LiveCoin(
            owners[coin_id % len(owners)].address, NATIVE_TOKEN, Uint256(1), Uint64(coin_id)
        )
        for coin_id in range(1, count + 1)
    }
    genesis = CashChainState(
        environment_id=ENVIRONMENT_ID,
        coin_tree_depth=FULL.coin_tree_depth,
        block_number=Uint64(count),
        coins=coins,
        minted={NATIVE_TOKEN: Uint256(count)},
        retired={},
    )
    interval = int(FULL.block_interval)
    first = (count // interval + 1) * interval
    blocks: list[tuple[Uint64, CoinBlock]] = []
    for start in range(1, count + 1, COIN_BLOCK_TRANSFERS):
        stop = min(start + COIN_BLOCK_TRANSFERS, count + 1)
        transfers = tuple(
            sign_coin_transfer(owners[c % len(owners)], c, c, owners[(c + 1) % len(owners)])
            for c in range(start, stop)
        )
        number = first + interval * len(blocks)
        blocks.append((Uint64(number), CoinBlock(transfers)))
    return CoinBlockWorkload(genesis, tuple(blocks))


def run_reference_coin_blocks(
    workload: CoinBlockWorkload, workers: int | None, directory: str
) -> None:
    """Apply the workload's blocks with the reference ledger (the caller times it)."""
    ledger = CashLedger.create(Store(directory), workload.genesis, workers=workers)
    for number, block in workload.blocks:
        ledger.apply_block(number, block)
    assert ledger.block_number == workload.blocks[-1][0], "the reference rejected a valid block"
    ledger.close()


def run_spec_coin_blocks(workload: CoinBlockWorkload) -> None:
    """Apply the workload's blocks with the spec."""
    state = workload.genesis
    for number, block in workload.blocks:
        state = apply_coin_block(state, number, block)


@dataclass(frozen=True)
class CoinExitWorkload:
    """A settlement layer with ``count`` coins moved once, and the operations exiting them all."""

    state: SettlementState
    """Before the exits."""
    operations: tuple[Operation, ...]
    """Every start, one wait of a period, every finalization."""


def make_coin_exit_workload(count: int) -> CoinExitWorkload:
    """Return ``count`` coins, each minted and then moved once in its own child block."""
    preset, owners = FULL, make_owners()
    depth, interval = int(preset.coin_tree_depth), int(preset.block_interval)
    blocks: dict[Uint64, BlockRecord] = {}
    coins: dict[Uint64, SettledCoin] = {}
    starts: list[Operation] = []
    bond = preset.minimum_exit_bond
    coin_ids = [n for n in range(1, count + count // (interval - 1) + 2) if n % interval][:count]
    for index, coin_id in enumerate(coin_ids):
        owner, receiver = owners[coin_id % len(owners)], owners[(coin_id + 1) % len(owners)]
        mint = CoinMint(Uint64(coin_id), owner.address, NATIVE_TOKEN, Uint256(1))
        transfer = sign_coin_transfer(owner, coin_id, coin_id, receiver)
        child = Uint64(interval * (coin_ids[-1] // interval + 1 + index))
        for number, leaf, kind in (
            (coin_id, mint, BlockKind.DEPOSIT),
            (child, transfer, BlockKind.CHILD),
        ):
            root = fast.compute_sparse_root({coin_id: fast.compute_leaf_hash(leaf)}, depth)
            blocks[Uint64(number)] = BlockRecord(kind, root, Uint64(0))
        coins[Uint64(coin_id)] = SettledCoin(NATIVE_TOKEN, Uint256(1), CoinStatus.DEPOSITED)
        exiting = IncludedLeaf(child, transfer, EMPTY_PROOF)
        parent = IncludedLeaf(Uint64(coin_id), mint, EMPTY_PROOF)
        starts.append(
            StartCoinExit(ENVIRONMENT_ID, receiver.address, Uint64(coin_id), exiting, parent, bond)
        )
    period = preset.minimum_finalization_period
    environment = Environment(
        operator=owners[0].address,
        kind=EnvironmentKind.CASH,
        rules=EnvironmentRules(period, bond, Uint256(10**18), Uint256(0)),
        registered_at=Uint64(0),
        blocks=blocks,
        exits={},
        deposited={NATIVE_TOKEN: Uint256(count)},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=CashRecords(coins=coins, exits={}),
    )
    start_time = int(preset.quarantine_period)
    funds = Uint256(int(bond) * count)
    balances = {(owner.address, NATIVE_TOKEN): funds for owner in owners}
    state = SettlementState(preset, Uint64(start_time), balances, (environment,))
    finalizations = [FinalizeCoinExit(ENVIRONMENT_ID, Uint64(i)) for i in range(count)]
    wait = AdvanceTime(Uint64(start_time + int(period)))
    return CoinExitWorkload(state, (*starts, wait, *finalizations))


def run_reference_coin_exits(workload: CoinExitWorkload, directory: str) -> None:
    """Apply the exit workload with the reference simulator (the caller times it)."""
    simulator = SettlementSimulator.create(Store(directory), workload.state)
    for operation in workload.operations:
        simulator.apply(operation)
    last = simulator.get_coin_exit(ENVIRONMENT_ID, Uint64(len(workload.operations) // 2 - 1))
    assert last is not None and last.status.value == "finalized", "an exit was not paid"


def run_spec_coin_exits(workload: CoinExitWorkload) -> None:
    """Apply the exit workload with the spec."""
    state = workload.state
    for operation in workload.operations:
        state = state_transition(state, operation)
