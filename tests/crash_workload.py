"""A long, seeded workload of node requests and the spec's expected state after each.

The crash-safety test feeds these requests to ``python -m reference.node.server``
and kills it at random points. :func:`build_workload` plays a random but
plausible history against the spec (deposits, blocks of signed payments with
fee claims, exits with real inclusion proofs, challenges with real spends,
time, processing, and in-flight exits: ``tests.crash_in_flight``) on two
payments environments, and a Plasma Cash history on a third
(``tests.crash_cash``: mints, transfers, exits, challenges, answers,
finalizations), a committee environment's certified blocks, deposits and
conflict reports on a fourth (``tests.crash_finality``), with some invalid
requests mixed in, and records each
request as the JSON line the server reads. :func:`replay` then applies the
requests to the spec alone and returns what must be committed after each one.
"""

from __future__ import annotations

import contextlib
import functools
import random
from dataclasses import dataclass, field
from typing import Any

from fixtures import (
    ACTORS,
    FUNDS,
    OPERATOR,
    OPERATOR_TWO,
    TOKENS,
    WATCHER,
    make_funded_genesis,
    make_rules,
)
from spec.digest import compute_digest, compute_settlement_digest
from spec.dispatch import apply_operation
from spec.encoding import decode, decode_as, encode
from spec.environments.cash.coins import CoinLeaf
from spec.environments.cash.steps import ApplyCoinExit
from spec.environments.payments.chain import (
    apply_block,
    apply_deposit,
    apply_exit,
)
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
    compute_transaction_leaf,
    sign_transaction,
)
from spec.environments.registry import get_kind
from spec.errors import Rejected, RejectionReason, require
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import EnvironmentKind, ExitStatus, SettlementState
from spec.settlement.transition import OPERATIONS, Operation, state_transition
from tests.crash_cash import CASH_ACTIONS, CASH_ENVIRONMENT, CASH_OPERATOR, step_request
from tests.crash_finality import FINALITY_ACTIONS, register_committee_environment
from tests.crash_in_flight import IN_FLIGHT_ACTIONS

Request = dict[str, Any]
"""One request line of the node's control protocol."""

KEYS = {actor.address: actor.key for actor in ACTORS}
"""Private key of every actor, by address."""

OPERATORS = (OPERATOR, OPERATOR_TWO)
"""One payments environment per operator."""

UNUSED_OPERATION_TAG = max(row.tag for row in OPERATIONS.values()) + 1
"""A wire tag no settlement operation has."""


def compute_chain_genesis(settlement: SettlementState, environment_id: int) -> Any:
    """Return the child chain genesis of an environment, as its kind defines it."""
    environment = settlement.environments[environment_id]
    chain = get_kind(environment.kind).chain
    return chain.compute_genesis(Uint64(environment_id), environment, settlement.preset)


def make_genesis() -> SettlementState:
    """Return the settlement genesis every workload starts from: actors funded, no environment."""
    return make_funded_genesis(TINY, [actor.address for actor in ACTORS], TOKENS, FUNDS)


def apply_request(operation: Operation) -> Request:
    """Return the request that applies a settlement operation."""
    return {"command": "apply", "operation": encode(operation, Operation).hex()}


@dataclass
class Model:
    """The spec's view while a workload is generated."""

    settlement: SettlementState
    """Settlement state so far."""
    chains: dict[int, Any] = field(default_factory=dict)
    """Child chain per environment (a payments or a Cash chain state)."""
    cash_leaves: dict[int, dict[int, CoinLeaf]] = field(default_factory=dict)
    """Leaves of every block of the Cash environment, by number, then coin."""
    contents: dict[tuple[int, int], tuple[BlockTransaction, ...]] = field(default_factory=dict)
    """Transactions of every block, by (environment, number)."""
    spends: dict[tuple[int, OutputPosition], tuple[SignedTransaction, int]] = field(
        default_factory=dict
    )
    """A signed spend of each spent output, with the input index."""
    requests: list[Request] = field(default_factory=list)
    """Requests generated so far."""

    def settle(self, operation: Operation) -> bool:
        """Record a settlement operation; return whether the spec accepts it."""
        self.requests.append(apply_request(operation))
        try:
            self.settlement = state_transition(self.settlement, operation)
        except Rejected:
            return False
        return True


def deposit(model: Model, chooser: random.Random) -> None:
    """An actor deposits into an environment; the child chain applies the deposit block."""
    env = chooser.randrange(len(OPERATORS))
    owner = chooser.choice(ACTORS).address
    token = chooser.choice(TOKENS)
    amount = Uint256(chooser.randint(1, 5_000))
    number = get_next_deposit_block_number(model.settlement.environments[env])
    if not model.settle(Deposit(Uint64(env), owner, token, amount)):
        return
    transaction = DepositTransaction(Output(owner, token, amount))
    model.contents[(env, int(number))] = (transaction,)
    model.requests.append(
        {
            "command": "deposit",
            "environment": env,
            "number": int(number),
            "deposit": encode(transaction).hex(),
        }
    )
    model.chains[env] = apply_deposit(model.chains[env], number, transaction)


def make_payment(
    model: Model, env: int, position: OutputPosition, chooser: random.Random
) -> SignedTransaction:
    """Return a signed payment of one output to one or two actors, leaving a small fee."""
    output = model.chains[env].utxos[position]
    fee = min(int(output.amount) - 1, chooser.randint(0, 3))
    rest = int(output.amount) - fee
    first = chooser.randint(1, rest)
    amounts = [first, rest - first] if rest - first > 0 else [first]
    outputs = tuple(
        Output(chooser.choice(ACTORS).address, output.token, Uint256(a)) for a in amounts
    )
    transaction = Transaction((position,), outputs)
    key = KEYS[output.owner]
    if chooser.random() < 0.05:
        key = KEYS[WATCHER.address]  # a forged signature: the block will be invalid
    return sign_transaction(Uint64(env), transaction, [key])


def commit_block(model: Model, chooser: random.Random) -> None:
    """The operator commits a block of payments (and its fee claims) and publishes it."""
    env = chooser.randrange(len(OPERATORS))
    chain = model.chains[env]
    positions = sorted(chain.utxos)
    chosen = chooser.sample(positions, min(len(positions), chooser.randint(0, 4)))
    payments = [make_payment(model, env, position, chooser) for position in chosen]
    fees: dict[Address, int] = {}
    for payment in payments:
        spent = chain.utxos[payment.transaction.inputs[0]]
        paid = sum(int(o.amount) for o in payment.transaction.outputs)
        fees[spent.token] = fees.get(spent.token, 0) + int(spent.amount) - paid
    operator = OPERATORS[env].address
    claims = [FeeClaim(Output(operator, t, Uint256(a))) for t, a in sorted(fees.items()) if a > 0]
    transactions: tuple[BlockTransaction, ...] = (*payments, *claims)
    environment = model.settlement.environments[env]
    number = get_next_child_block_number(model.settlement, environment)
    root = compute_block_root(transactions, int(TINY.transaction_tree_depth))
    if not model.settle(SubmitBlock(Uint64(env), operator, number, root)):
        return
    model.contents[(env, int(number))] = transactions
    block = Block(transactions)
    model.requests.append(
        {
            "command": "block",
            "environment": env,
            "number": int(number),
            "block": encode(block).hex(),
        }
    )
    try:
        model.chains[env] = apply_block(chain, number, block)
    except Rejected:
        return
    for payment in payments:
        model.spends[(env, payment.transaction.inputs[0])] = (payment, 0)


def start_exit(model: Model, chooser: random.Random) -> None:
    """An owner exits an output: usually an unspent one, sometimes one already spent."""
    env = chooser.randrange(len(OPERATORS))
    spent = [position for (e, position) in model.spends if e == env]
    candidates = spent if spent and chooser.random() < 0.3 else sorted(model.chains[env].utxos)
    if not candidates:
        return
    position = chooser.choice(candidates)
    transactions = model.contents[(env, int(position.block_number))]
    index = int(position.transaction_index)
    leaves = [compute_transaction_leaf(tx) for tx in transactions]
    proof = compute_merkle_proof(leaves, index, int(TINY.transaction_tree_depth))
    transaction = transactions[index]
    owner = (
        transaction.transaction.outputs[position.output_index].owner
        if isinstance(transaction, SignedTransaction)
        else transaction.output.owner
    )
    bond = model.settlement.environments[env].rules.exit_bond
    model.settle(StartStandardExit(Uint64(env), owner, position, transaction, proof, bond))


def challenge(model: Model, chooser: random.Random) -> None:
    """The watcher challenges an open exit of a spent output with the spend."""
    env = chooser.randrange(len(OPERATORS))
    for exit_id, exit in model.settlement.environments[env].exits.items():
        spend = model.spends.get((env, exit.position))
        if exit.status == ExitStatus.OPEN and spend is not None:
            payment, index = spend
            model.settle(
                ChallengeStandardExit(Uint64(env), WATCHER.address, exit_id, payment, Uint8(index))
            )
            return


def process(model: Model, chooser: random.Random) -> None:
    """Someone processes an exit queue; the child chain removes what was paid."""
    env = chooser.randrange(len(OPERATORS))
    token = chooser.choice(TOKENS)
    before = model.settlement.environments[env].exits
    if not model.settle(
        ProcessExits(Uint64(env), WATCHER.address, token, Uint32(chooser.randint(1, 3)))
    ):
        return
    for exit_id, exit in model.settlement.environments[env].exits.items():
        if exit.status == ExitStatus.PROCESSED and before[exit_id].status == ExitStatus.OPEN:
            model.requests.append(
                {"command": "exit", "environment": env, "position": encode(exit.position).hex()}
            )
            with contextlib.suppress(Rejected):
                model.chains[env] = apply_exit(model.chains[env], exit.position)


def advance(model: Model, chooser: random.Random) -> None:
    """Time passes."""
    model.settle(AdvanceTime(model.settlement.time + chooser.randint(1, 60)))


def make_invalid_request(model: Model, chooser: random.Random) -> Request:
    """Return a request the node must reject (or refuse) without changing anything."""
    env = chooser.randrange(len(OPERATORS))
    time = model.settlement.time
    choices: list[Request] = [
        apply_request(AdvanceTime(time)),
        apply_request(Deposit(Uint64(env), ACTORS[0].address, NATIVE_TOKEN, Uint256(0))),
        apply_request(SubmitBlock(Uint64(env), WATCHER.address, Uint64(4), Hash32(b"\x01" * 32))),
        apply_request(ProcessExits(Uint64(env), WATCHER.address, NATIVE_TOKEN, Uint32(0))),
        {"command": "apply", "operation": f"{UNUSED_OPERATION_TAG:02x}"},
        step_request(ApplyCoinExit(Uint64(999))),
        {**step_request(ApplyCoinExit(Uint64(1))), "environment": 7},
        {"command": "block", "environment": env, "number": 0, "block": encode(Block(())).hex()},
        {
            "command": "exit",
            "environment": env,
            "position": encode(OutputPosition(Uint64(999), Uint16(0), Uint8(0))).hex(),
        },
    ]
    return chooser.choice(choices)


ACTIONS = (
    deposit,
    deposit,
    commit_block,
    commit_block,
    start_exit,
    challenge,
    process,
    advance,
    *CASH_ACTIONS,
    *IN_FLIGHT_ACTIONS,
    *FINALITY_ACTIONS,
)
"""Actions drawn at each step (repeats weigh the draw)."""


def build_workload(
    seed: int, steps: int, environments_at_genesis: bool = False
) -> tuple[SettlementState, list[Request]]:
    """Return a genesis and a seeded list of requests: a plausible history with bad requests.

    The four environments (two payments, one Cash, one with a committee) are registered by the
    first requests, or, with ``environments_at_genesis``, are in the genesis
    already (out of quarantine), so that the node loads them with the genesis.
    """
    chooser = random.Random(seed)
    model = Model(make_genesis())
    kinds = [(operator, EnvironmentKind.PAYMENTS) for operator in OPERATORS]
    for operator, kind in (*kinds, (CASH_OPERATOR, EnvironmentKind.CASH)):
        model.settle(RegisterEnvironment(operator.address, kind, make_rules(TINY)))
        env = len(model.settlement.environments) - 1
        model.chains[env] = compute_chain_genesis(model.settlement, env)
    assert len(model.chains) == CASH_ENVIRONMENT + 1
    register_committee_environment(model)
    model.settle(AdvanceTime(model.settlement.time + TINY.quarantine_period))
    genesis = make_genesis()
    if environments_at_genesis:
        genesis, model.requests = model.settlement, []
    for _ in range(steps):
        if chooser.random() < 0.1:
            model.requests.append(make_invalid_request(model, chooser))
        else:
            chooser.choice(ACTIONS)(model, chooser)
    return genesis, model.requests


@dataclass(frozen=True)
class Snapshot:
    """What the spec says is committed after a prefix of the requests."""

    applied: int
    """Settlement operations accepted so far."""
    settlement: SettlementState
    """Settlement state."""
    chains: tuple[Any, ...]
    """Child chain of every registered environment, by id (its kind's chain state)."""

    @functools.cached_property
    def settlement_digest(self) -> str:
        """The settlement digest as hex (computed once)."""
        return compute_settlement_digest(self.settlement).hex()

    @functools.cached_property
    def chain_digests(self) -> tuple[str, ...]:
        """Each environment's child chain digest as hex (computed once)."""
        return tuple(self.digest_chain(env, chain) for env, chain in enumerate(self.chains))

    def digest_chain(self, environment_id: int, chain: Any) -> str:
        """Return the digest of a chain state of an environment, as hex (its kind's domain)."""
        kind = get_kind(self.settlement.environments[environment_id].kind)
        return compute_digest(kind.chain.digest_domain, chain).hex()

    def get_genesis_chain_digest(self, environment_id: int) -> str:
        """Return the digest of an environment's chain genesis (a chain without a ledger has it)."""
        return self.digest_chain(
            environment_id, compute_chain_genesis(self.settlement, environment_id)
        )

    def get_settlement_digest(self) -> str:
        """Return the settlement digest as hex."""
        return self.settlement_digest

    def get_chain_digest(self, environment_id: int) -> str:
        """Return an environment's child chain digest as hex."""
        return self.chain_digests[environment_id]


def replay_one(snapshot: Snapshot, request: Request) -> tuple[Snapshot, dict[str, Any]]:
    """Apply one request to the spec; return the next snapshot and the expected answer."""
    try:
        return apply_to_spec(snapshot, request), {"accepted": True}
    except Rejected as rejection:
        return snapshot, {"accepted": False, "reason": rejection.reason.value}


def apply_to_spec(snapshot: Snapshot, request: Request) -> Snapshot:
    """Return the snapshot after an accepted request.

    Raises:
        Rejected: when the spec rejects the request (decoding included).
    """
    chains = list(snapshot.chains)
    command = request["command"]
    if command == "apply":
        operation = decode_as(Operation, bytes.fromhex(request["operation"]))
        settlement = state_transition(snapshot.settlement, operation)
        if isinstance(operation, RegisterEnvironment):
            chains.append(compute_chain_genesis(settlement, len(chains)))
        return Snapshot(snapshot.applied + 1, settlement, tuple(chains))
    if command == "step":
        env = request["environment"]
        # Verify the environment exists: its kind says how the step decodes
        require(env < len(chains), RejectionReason.UNKNOWN_ENVIRONMENT)
        kind = get_kind(snapshot.settlement.environments[env].kind).chain
        step = decode_as(kind.operation_hint, bytes.fromhex(request["step"]))
        chains[env] = apply_operation(kind.operations, chains[env], step)
        return Snapshot(snapshot.applied, snapshot.settlement, tuple(chains))
    env, chain = request["environment"], snapshot.chains[request["environment"]]
    if command == "deposit":
        deposit_transaction = decode(DepositTransaction, bytes.fromhex(request["deposit"]))
        chains[env] = apply_deposit(chain, Uint64(request["number"]), deposit_transaction)
    elif command == "block":
        block = decode(Block, bytes.fromhex(request["block"]))
        chains[env] = apply_block(chain, Uint64(request["number"]), block)
    else:
        position = decode(OutputPosition, bytes.fromhex(request["position"]))
        chains[env] = apply_exit(chain, position)
    return Snapshot(snapshot.applied, snapshot.settlement, tuple(chains))


def replay(
    genesis: SettlementState, requests: list[Request]
) -> tuple[list[Snapshot], list[dict[str, Any]]]:
    """Return the snapshot before each request and after the last, and the expected answers."""
    chains = tuple(compute_chain_genesis(genesis, env) for env in range(len(genesis.environments)))
    snapshots = [Snapshot(0, genesis, chains)]
    answers = []
    for request in requests:
        snapshot, answer = replay_one(snapshots[-1], request)
        snapshots.append(snapshot)
        answers.append(answer)
    return snapshots, answers
