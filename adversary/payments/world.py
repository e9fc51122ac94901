"""A world: the settlement layer together with what really happened on each child chain.

The settlement layer sees only roots. To judge an adversary we also need the
ground truth the roots hide: what each block contained, whether it was valid,
whether it was published. A :class:`World` keeps, per environment, a
:class:`ChainRecord` with

- ``reality``: the payments child chain of the valid history, applied with the
  spec's own ``apply_deposit`` / ``apply_block`` / ``apply_exit``: valid child
  blocks up to the first bad one, every deposit, every processed exit;
- ``contents``: what every committed child block contained (the operator's
  view), and ``withheld``: the blocks never published to users;
- ``first_bad_block``: the first child block that was invalid or withheld.
  After it the chain is compromised: later child blocks are not applied to
  reality (honest users stop transacting and exit, as MVP requires), while
  deposits, being written by the settlement layer, still are;
- ``signed_spends``: every payment anyone signed, included or not: what a
  challenger may present.

Every action is a pure function from a world to a new world. Settlement
rejections propagate as :class:`~spec.errors.Rejected`; an action the model
cannot express (say, proving a transaction in a withheld block) raises
:class:`ImpossibleAction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fixtures import WATCHER
from spec.crypto import recover_signer
from spec.environments.payments.chain import (
    ChildChainState,
    apply_block,
    apply_deposit,
    apply_exit,
    compute_genesis_child_chain,
)
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.records import PiggybackStatus
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    compute_block_root,
    compute_signing_hash,
    compute_transaction_leaf,
)
from spec.errors import Rejected
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import (
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    ExitStatus,
    SettlementState,
)
from spec.settlement.transition import Operation, state_transition
from spec.totals import with_entry


class ImpossibleAction(Exception):  # noqa: N818 - names the situation, like Rejected
    """An action the model cannot take (not a protocol rejection)."""


@dataclass(frozen=True)
class ChainRecord:
    """Ground truth about one environment's child chain."""

    reality: ChildChainState
    """The child chain of the valid history (see the module docstring)."""
    contents: dict[Uint64, tuple[BlockTransaction, ...]]
    """Transactions of every committed child block and deposit block, by number."""
    withheld: frozenset[Uint64]
    """Child blocks whose contents were never published to users."""
    first_bad_block: Uint64 | None
    """The first child block that was invalid or withheld, if any."""
    signed_spends: tuple[SignedTransaction, ...]
    """Every payment signed so far, included in a block or not."""


@dataclass(frozen=True)
class World:
    """The settlement state and the ground truth of every environment."""

    settlement: SettlementState
    """What the root contract holds."""
    chains: tuple[ChainRecord, ...]
    """Ground truth per environment, indexed like ``settlement.environments``."""
    log: tuple[Operation, ...] = ()
    """Every settlement operation accepted so far, in order."""
    times: tuple[int, ...] = ()
    """The settlement time at which each operation of ``log`` was applied."""


def make_world(settlement: SettlementState) -> World:
    """Return a world over a settlement state with no environments yet."""
    assert not settlement.environments, "start from a settlement layer with no environments"
    return World(settlement, ())


def apply_operation(world: World, operation: Operation) -> World:
    """Apply a settlement operation; record it in the log.

    Raises:
        Rejected: as ``state_transition`` does; the world is then unchanged.
    """
    settlement = state_transition(world.settlement, operation)
    log, times = (*world.log, operation), (*world.times, int(settlement.time))
    return replace(world, settlement=settlement, log=log, times=times)


def with_chain(world: World, env: int, chain: ChainRecord) -> World:
    """Return ``world`` with one environment's ground truth replaced."""
    chains = list(world.chains)
    chains[env] = chain
    return replace(world, chains=tuple(chains))


# Environments and time


def register_environment(world: World, operator: Address, rules: EnvironmentRules) -> World:
    """Register a payments environment run by ``operator``, with an empty child chain."""
    world = apply_operation(world, RegisterEnvironment(operator, EnvironmentKind.PAYMENTS, rules))
    env = len(world.chains)
    depth = world.settlement.preset.transaction_tree_depth
    reality = compute_genesis_child_chain(Uint64(env), operator, depth)
    chain = ChainRecord(reality, {}, frozenset(), None, ())
    return replace(world, chains=(*world.chains, chain))


def advance_time(world: World, seconds: int) -> World:
    """Move the settlement clock forward."""
    return apply_operation(world, AdvanceTime(world.settlement.time + seconds))


# Deposits and blocks


def deposit(
    world: World, env: int, owner: Address, token: Address, amount: int
) -> tuple[World, OutputPosition]:
    """Deposit on the settlement layer; the output also enters reality. Return its position."""
    number = get_next_deposit_block_number(world.settlement.environments[env])
    world = apply_operation(world, Deposit(Uint64(env), owner, token, Uint256(amount)))
    transaction = DepositTransaction(Output(owner, token, Uint256(amount)))
    chain = world.chains[env]
    chain = replace(
        chain,
        reality=apply_deposit(chain.reality, number, transaction),
        contents=with_entry(chain.contents, number, (transaction,)),
    )
    return with_chain(world, env, chain), OutputPosition(number, Uint16(0), Uint8(0))


def sign_spend(world: World, env: int, payment: SignedTransaction) -> World:
    """Record a payment someone signed (so it can be included or used in a challenge)."""
    chain = world.chains[env]
    return with_chain(world, env, replace(chain, signed_spends=(*chain.signed_spends, payment)))


def commit_block(
    world: World,
    env: int,
    transactions: Sequence[BlockTransaction],
    *,
    sender: Address | None = None,
    withhold: bool = False,
) -> tuple[World, Uint64]:
    """Have ``sender`` (default: the operator) commit a child block of ``transactions``.

    Reality advances only if the block is valid, published, and no bad block came before.
    Returns the block number.

    Raises:
        Rejected: as ``SubmitBlock`` does (a wrong sender, say).
    """
    environment = world.settlement.environments[env]
    number = get_next_child_block_number(world.settlement, environment)
    depth = int(world.settlement.preset.transaction_tree_depth)
    root = compute_block_root(transactions, depth)
    submitter = environment.operator if sender is None else sender
    world = apply_operation(world, SubmitBlock(Uint64(env), submitter, number, root))
    chain = world.chains[env]
    chain = replace(
        chain,
        contents=with_entry(chain.contents, number, tuple(transactions)),
        withheld=chain.withheld | {number} if withhold else chain.withheld,
        signed_spends=(
            *chain.signed_spends,
            *(tx for tx in transactions if isinstance(tx, SignedTransaction)),
        ),
    )
    return with_chain(world, env, advance_reality(chain, number, withhold)), number


def advance_reality(chain: ChainRecord, number: Uint64, withheld: bool) -> ChainRecord:
    """Apply a newly committed child block to reality, or mark it the first bad block."""
    if chain.first_bad_block is not None:
        return chain
    block = Block(chain.contents[number])
    try:
        reality = apply_block(chain.reality, number, block)
    except Rejected:
        return replace(chain, first_bad_block=number)
    if withheld:
        return replace(chain, first_bad_block=number)
    return replace(chain, reality=reality)


def is_valid_block(world: World, env: int, number: Uint64) -> bool:
    """Return whether a committed block is part of the valid history (deposits always are)."""
    bad = world.chains[env].first_bad_block
    return bad is None or number < bad or number % world.settlement.preset.block_interval != 0


# Exits


def make_exit(
    world: World, env: int, sender: Address, position: OutputPosition, *, insider: bool = False
) -> StartStandardExit:
    """Return the StartStandardExit of an output, with its inclusion proof.

    An ``insider`` (the operator who built the block) can prove withheld blocks too.

    Raises:
        ImpossibleAction: when the block is unknown, or withheld from a non-insider.
    """
    chain = world.chains[env]
    number = int(position.block_number)
    transactions = chain.contents.get(position.block_number)
    if transactions is None or (position.block_number in chain.withheld and not insider):
        raise ImpossibleAction(f"no published block {number} in env {env}")
    index = int(position.transaction_index)
    if index >= len(transactions):
        raise ImpossibleAction(f"block {number} has no transaction {index}")
    leaves = [compute_transaction_leaf(tx) for tx in transactions]
    proof = compute_merkle_proof(leaves, index, int(world.settlement.preset.transaction_tree_depth))
    bond = world.settlement.environments[env].rules.exit_bond
    return StartStandardExit(Uint64(env), sender, position, transactions[index], proof, bond)


def start_exit(
    world: World, env: int, sender: Address, position: OutputPosition, *, insider: bool = False
) -> World:
    """Start the standard exit of an output.

    Raises:
        ImpossibleAction: see :func:`make_exit`.
        Rejected: as ``StartStandardExit`` does.
    """
    return apply_operation(world, make_exit(world, env, sender, position, insider=insider))


def find_spend(
    world: World, env: int, position: OutputPosition, owner: Address | None = None
) -> tuple[SignedTransaction, int]:
    """Return a signed payment spending ``position`` and the input index.

    With ``owner``, prefer a spend whose signature at that input recovers to
    ``owner`` (a forged spend is known too, but would lose the challenge).

    Raises:
        ImpossibleAction: when no signed spend of the output is known.
    """
    spends = [
        (payment, payment.transaction.inputs.index(position))
        for payment in world.chains[env].signed_spends
        if position in payment.transaction.inputs
    ]
    signed_by_owner = [s for s in spends if owner is not None and is_signed_by(env, *s, owner)]
    if signed_by_owner or spends:
        return (signed_by_owner or spends)[0]
    at = (int(position.block_number), int(position.transaction_index), int(position.output_index))
    raise ImpossibleAction(f"nobody signed a spend of output {at}")


def is_signed_by(env: int, payment: SignedTransaction, index: int, owner: Address) -> bool:
    """Return whether input ``index`` of ``payment`` carries a valid signature by ``owner``."""
    if index >= len(payment.signatures):
        return False
    message = compute_signing_hash(Uint64(env), payment.transaction)
    try:
        return recover_signer(message, payment.signatures[index]) == owner
    except Rejected:
        return False


def challenge_exit(world: World, env: int, challenger: Address, exit_id: int) -> World:
    """Challenge an exit with a known signed spend of its output.

    Raises:
        ImpossibleAction: when the exit does not exist or no signed spend is known.
        Rejected: as ``ChallengeStandardExit`` does (the spend may be signed by someone else).
    """
    exit = world.settlement.environments[env].exits.get(Uint64(exit_id))
    if exit is None:
        raise ImpossibleAction(f"env {env} has no exit {exit_id}")
    payment, index = find_spend(world, env, exit.position, exit.owner)
    operation = ChallengeStandardExit(
        Uint64(env), challenger, Uint64(exit_id), payment, Uint8(index)
    )
    return apply_operation(world, operation)


def process_exits(world: World, env: int, token: Address, max_exits: int = 2**16) -> World:
    """Process mature exits of one queue; outputs paid leave reality too.

    Raises:
        Rejected: as ``ProcessExits`` does.
    """
    old = world.settlement.environments[env]
    before = old.exits
    world = apply_operation(
        world, ProcessExits(Uint64(env), WATCHER.address, token, Uint32(max_exits))
    )
    after = world.settlement.environments[env].exits
    chain = world.chains[env]
    reality = chain.reality
    for exit_id, exit in after.items():
        newly_processed = before[exit_id].status != ExitStatus.PROCESSED
        if (
            exit.status == ExitStatus.PROCESSED
            and newly_processed
            and exit.position in reality.utxos
        ):
            reality = apply_exit(reality, exit.position)
    for position in get_newly_paid_inputs(old, world.settlement.environments[env]):
        if position in reality.utxos:
            reality = apply_exit(reality, position)
    return with_chain(world, env, replace(chain, reality=reality))


def get_newly_paid_inputs(before: Environment, after: Environment) -> list[OutputPosition]:
    """Return the inputs of in-flight payments that a step paid (they leave reality too)."""
    old = get_payments_records(before).in_flight_exits
    paid = []
    for exit_id, exit in get_payments_records(after).in_flight_exits.items():
        pairs = zip(old[exit_id].input_piggybacks, exit.input_piggybacks, strict=True)
        paid += [
            exit.transaction.inputs[index]
            for index, (was, now) in enumerate(pairs)
            if was.status != now.status == PiggybackStatus.PAID
        ]
    return paid
