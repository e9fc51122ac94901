"""Plasma Cash histories for the differential tests: a generator of Cash settlement operations.

:func:`make_cash_initial_state` registers a payments environment (id 0, for
kind mismatches) and three Cash environments (1 and 2 with the fixture
rules, 3 with a finalization period of the largest ``Uint64``, so an exit's
exitable time overflows), and adds a crafted Cash environment (4) whose last
child block is past the tiny preset's coin tree, so its deposits are refused
with ``COIN_TREE_FULL``.

:func:`draw_cash_operation` draws plausible operations from the current
state and what :class:`CashKnowledge` remembers of committed leaves:
deposits (coins), child blocks of transfers chosen the way a byzantine
operator would (mostly honest; sometimes signed by someone else, spending an
older leaf, naming the block itself or a later one, moving a coin not
minted yet, or carrying a broken signature), exits with the witnesses they
need, the three challenges and the answer with committed leaves, finalizations
and the passing of time; each is sometimes mutated to break one rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from fixtures import (
    OPERATOR,
    OPERATOR_TWO,
    WATCHER,
    make_high_s_signature,
    make_malformed_signature,
    make_rules,
    make_unrecoverable_signature,
)
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import (
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
    compute_coin_leaf_hash,
    get_leaf_owner,
    sign_transfer,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExit, CoinExitStatus, CoinStatus
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import Address, Hash32, Signature, Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    SettlementState,
)
from spec.settlement.transition import Operation, state_transition
from spec.sparse_merkle import CompactProof, compute_compact_proof
from tests.differential import (
    ADDRESSES,
    KEYS,
    LARGEST_U64,
    TOKENS,
    Chooser,
    make_initial_state,
)

PAYMENTS_ENVIRONMENT = 0
"""The payments environment of the initial state (Cash operations on it are refused)."""

CASH_ENVIRONMENTS = (1, 2, 3, 4)
"""The Cash environments of the initial state."""

OVERFLOW_RULES = EnvironmentRules(Uint64(LARGEST_U64), Uint256(1), Uint256(10**6), Uint256(0))
"""Rules whose finalization period makes every exit's exitable time overflow."""

FULL_TREE_CHILD = Uint64(1 << int(TINY.coin_tree_depth))
"""Last child block of the crafted Cash environment: the first number outside the coin tree."""

ADVANCES = (1, 25, 49, 50, 51, 100, 101, 250)
"""Seconds the clock moves by (around half and whole tiny finalization periods)."""


def make_cash_initial_state() -> SettlementState:
    """Return the state Cash differential runs start from (see the module docstring)."""
    state = make_initial_state()
    state = replace(state, environments=state.environments[:1])
    for operator, rules in ((OPERATOR, make_rules()), (OPERATOR_TWO, make_rules())):
        state = state_transition(
            state, RegisterEnvironment(operator.address, EnvironmentKind.CASH, rules)
        )
    state = state_transition(
        state, RegisterEnvironment(WATCHER.address, EnvironmentKind.CASH, OVERFLOW_RULES)
    )
    state = state_transition(state, AdvanceTime(state.time + TINY.quarantine_period))
    crafted = Environment(
        operator=OPERATOR.address,
        kind=EnvironmentKind.CASH,
        rules=make_rules(),
        registered_at=Uint64(0),
        blocks={FULL_TREE_CHILD: BlockRecord(BlockKind.CHILD, Hash32(b"\x0c" * 32), Uint64(0))},
        exits={},
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=CashRecords(coins={}, exits={}),
    )
    return replace(state, environments=(*state.environments, crafted))


@dataclass
class CashKnowledge:
    """The leaves behind committed Cash roots, and accepted operations worth replaying."""

    leaves: dict[tuple[int, int], dict[int, CoinLeaf]] = field(default_factory=dict)
    """Leaves of each committed block whose contents are known, by (env, number), then coin."""
    pending: dict[tuple[int, bytes], dict[int, CoinLeaf]] = field(default_factory=dict)
    """Leaves of each built block, by (env, root), until it is committed."""
    replays: list[Operation] = field(default_factory=list)
    """Accepted exit game operations (replaying one is rejected)."""

    def record(self, before: SettlementState, operation: Operation) -> None:
        """Learn from an operation the spec accepted on the state ``before``."""
        match operation:
            case Deposit() if before.environments[operation.environment_id].kind == "cash":
                environment = before.environments[operation.environment_id]
                number = max(environment.blocks, default=0) + 1
                mint = CoinMint(Uint64(number), operation.owner, operation.token, operation.amount)
                self.leaves[(int(operation.environment_id), number)] = {number: mint}
            case SubmitBlock():
                key = (int(operation.environment_id), bytes(operation.root))
                if key in self.pending:
                    number = int(operation.block_number)
                    self.leaves[(key[0], number)] = self.pending[key]
            case StartCoinExit() | ChallengeCoinHistory() | ChallengeCoinSpent():
                self.replays.append(operation)
            case _:
                pass

    def coin_leaves(self, env: int, coin: int) -> list[tuple[int, CoinLeaf]]:
        """Return the known committed leaves of a coin, by block number."""
        found = [
            (n, leaves[coin])
            for (e, n), leaves in self.leaves.items()
            if e == env and coin in leaves
        ]
        return sorted(found, key=lambda item: item[0])

    def witness(self, env: int, block: int, coin: int) -> IncludedLeaf:
        """Return the committed leaf of a coin in a block, with its proof."""
        leaves = self.leaves[(env, block)]
        keyed = {key: compute_coin_leaf_hash(leaf) for key, leaf in leaves.items()}
        proof = compute_compact_proof(keyed, coin, int(TINY.coin_tree_depth))
        return IncludedLeaf(Uint64(block), leaves[coin], proof)


def as_transfer(witness: IncludedLeaf) -> IncludedTransfer | None:
    """Return a witness of a transfer as an included transfer (None for a mint)."""
    if not isinstance(witness.leaf, SignedTransfer):
        return None
    return IncludedTransfer(witness.block_number, witness.leaf, witness.proof)


def get_records(state: SettlementState, env: int) -> CashRecords:
    """Return a Cash environment's records."""
    records = state.environments[env].kind_records
    assert isinstance(records, CashRecords)
    return records


# Building blocks of operations


def draw_env(chooser: Chooser, newest: int = 1) -> int:
    """Return a Cash environment id; rarely the payments one, the newest or an unknown one."""
    if chooser.is_rare(20):
        return chooser.choice((PAYMENTS_ENVIRONMENT, newest, LARGEST_U64))
    return draw_cash_env(chooser)


def draw_cash_env(chooser: Chooser) -> int:
    """Return a Cash environment of the initial state: mostly 1, so its histories grow long."""
    if chooser.is_rare(3):
        return chooser.choice(CASH_ENVIRONMENTS[1:]) if chooser.is_rare(2) else 2
    return 1


def draw_deposit(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return a deposit into a Cash environment (rarely the crafted one)."""
    env = draw_env(chooser, len(state.environments) - 1)
    amount = chooser.choice((1, 7, 100, 5000))
    return Deposit(
        Uint64(env), chooser.choice(ADDRESSES[:-1]), chooser.choice(TOKENS[:2]), Uint256(amount)
    )


def forge_transfer(
    chooser: Chooser, env: int, number: int, coin: int, known: list[tuple[int, CoinLeaf]]
) -> SignedTransfer:
    """Return a transfer of ``coin`` for block ``number``: honest, or as a byzantine operator."""
    previous, parent = known[-1] if known else (coin, None)
    if known and chooser.is_rare(4):
        previous, parent = chooser.choice(known)
    if chooser.is_rare(8):
        previous, parent = chooser.choice((number, number + 4, chooser.integers(0, number))), None
    owner = get_leaf_owner(parent) if parent is not None else chooser.choice(ADDRESSES[:-1])
    signer = owner if owner in KEYS and not chooser.is_rare(5) else chooser.choice(ADDRESSES[:-1])
    body = Transfer(Uint64(coin), Uint64(previous), chooser.choice(ADDRESSES))
    signed = sign_transfer(Uint64(env), body, KEYS[signer])
    if chooser.is_rare(12):
        broken = chooser.choice(
            (
                make_malformed_signature(signed.signature),
                make_high_s_signature(signed.signature),
                make_unrecoverable_signature(),
            )
        )
        signed = replace(signed, signature=broken)
    return signed


def draw_block(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return a child block of transfers (its leaves remembered under its root)."""
    env = draw_cash_env(chooser)
    environment = state.environments[env]
    children = [n for n, r in environment.blocks.items() if r.kind == BlockKind.CHILD]
    number = max(children, default=0) + int(TINY.block_interval)
    coins = sorted(int(coin) for coin in get_records(state, env).coins)
    if coins and not chooser.is_rare(2):
        coins = coins[:2]  # long histories for a few coins
    chosen = {chooser.choice(coins) for _ in range(chooser.integers(0, 3))} if coins else set()
    if chooser.is_rare(6):
        chosen.add(number + 1)  # the coin the next deposit will mint
    leaves: list[SignedTransfer] = [
        forge_transfer(chooser, env, number, coin, knowledge.coin_leaves(env, coin))
        for coin in sorted(c for c in chosen if c < 1 << int(TINY.coin_tree_depth))
    ]
    root = compute_coin_block_root(leaves, int(TINY.coin_tree_depth))
    if chooser.is_rare(15):
        root = Hash32(chooser.raw_bytes(32))
    pending: dict[int, CoinLeaf] = {int(leaf.transfer.coin_id): leaf for leaf in leaves}
    knowledge.pending[(env, bytes(root))] = pending
    operator = state.environments[env].operator
    if chooser.is_rare(25):
        number += 1
    return SubmitBlock(Uint64(env), operator, Uint64(number), root)


def break_proof(proof: CompactProof, chooser: Chooser) -> CompactProof:
    """Return a proof that is wrong in one of the ways a proof can be."""
    variant = chooser.pick(4)
    if variant == 0 and proof.siblings:
        return replace(proof, siblings=(Hash32(b"\x11" * 32), *proof.siblings[1:]))
    if variant == 1:
        return replace(proof, bitmap=Uint64(int(proof.bitmap) ^ 1))
    if variant == 2:
        return replace(proof, bitmap=Uint64(int(proof.bitmap) | 1 << 40))
    return CompactProof(Uint64(1), (Hash32.zero(),))


def mutate_start(chooser: Chooser, state: SettlementState, operation: StartCoinExit) -> Operation:
    """Return ``operation`` with one rule broken."""
    exiting = operation.exiting
    coins = sorted(get_records(state, int(operation.environment_id)).coins)
    variant = chooser.pick(10)
    if variant == 0:
        return replace(operation, coin_id=Uint64(chooser.choice(coins)))
    if variant == 1:
        return replace(
            operation, exiting=replace(exiting, block_number=Uint64(exiting.block_number + 4))
        )
    if variant == 2:
        return replace(
            operation, exiting=replace(exiting, proof=break_proof(exiting.proof, chooser))
        )
    if variant == 3:
        return replace(operation, sender=chooser.choice(ADDRESSES))
    if variant == 4:
        return replace(operation, parent=None if operation.parent is not None else exiting)
    if variant == 5:
        return replace(operation, parent=exiting)
    if variant == 6:
        return replace(operation, bond=chooser.choice((Uint256(operation.bond + 1), Uint256(0))))
    if variant == 7:
        return replace(operation, coin_id=Uint64(chooser.raw_integer(64)))
    if variant == 8 and operation.parent is not None:
        parent = replace(operation.parent, proof=break_proof(operation.parent.proof, chooser))
        return replace(operation, parent=parent)
    return replace(operation, environment_id=Uint64(draw_env(chooser)))


def draw_start(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return the start of a coin exit with the witnesses it needs (sometimes broken)."""
    env = draw_cash_env(chooser)
    records = get_records(state, env)
    coins = sorted(records.coins)
    if not chooser.is_rare(3):  # mostly coins at rest, the longest histories first
        coins = [c for c in coins if records.coins[Uint64(c)].status == CoinStatus.DEPOSITED]
    known = [(c, knowledge.coin_leaves(env, c)) for c in coins]
    known = [(c, leaves) for c, leaves in known if leaves]
    if not known:
        return draw_deposit(chooser, state, knowledge)
    coin, leaves = (
        chooser.choice(known) if chooser.is_rare(3) else max(known, key=lambda k: len(k[1]))
    )
    block, leaf = leaves[-1] if not chooser.is_rare(4) else chooser.choice(leaves)
    parent: IncludedLeaf | None = None
    if isinstance(leaf, SignedTransfer):
        previous = int(leaf.transfer.previous_block)
        if (env, previous) in knowledge.leaves and coin in knowledge.leaves[(env, previous)]:
            parent = knowledge.witness(env, previous, coin)
        elif len(leaves) > 1:
            parent = knowledge.witness(env, chooser.choice(leaves)[0], coin)
    sender = get_leaf_owner(leaf)
    bond = state.environments[env].rules.exit_bond
    exiting = knowledge.witness(env, block, coin)
    operation = StartCoinExit(Uint64(env), sender, Uint64(coin), exiting, parent, bond)
    if chooser.is_rare(3):
        return mutate_start(chooser, state, operation)
    return operation


def draw_exit(chooser: Chooser, state: SettlementState) -> tuple[int, int, CoinExit] | None:
    """Return an exit to act on: mostly an open one; None when there is none."""
    found = [
        (env, int(i), exit)
        for env in CASH_ENVIRONMENTS[:3]
        for i, exit in get_records(state, env).exits.items()
        if exit.status == CoinExitStatus.OPEN or chooser.is_rare(8)
    ]
    if found and not chooser.is_rare(2):
        return max(
            found, key=lambda item: (item[2].status == CoinExitStatus.OPEN, item[2].started_at)
        )
    return chooser.choice(found) if found else None


def pick_transfer(
    chooser: Chooser,
    knowledge: CashKnowledge,
    env: int,
    coin: int,
    wanted: Callable[[int, SignedTransfer], bool],
) -> IncludedTransfer | None:
    """Return a committed transfer of a coin, one ``wanted`` if any (rarely any one at all)."""
    transfers = [
        (n, leaf)
        for n, leaf in knowledge.coin_leaves(env, coin)
        if isinstance(leaf, SignedTransfer)
    ]
    good = [(n, leaf) for n, leaf in transfers if wanted(n, leaf)]
    pool = good if good and not chooser.is_rare(6) else transfers
    if not pool:
        return None
    number, _ = chooser.choice(pool)
    return as_transfer(knowledge.witness(env, number, coin))


def mutate_transfer(chooser: Chooser, witness: IncludedTransfer) -> IncludedTransfer:
    """Return a transfer witness broken in its block number or its proof."""
    if chooser.is_rare(2):
        return replace(witness, block_number=Uint64(witness.block_number + 2))
    return replace(witness, proof=break_proof(witness.proof, chooser))


def draw_challenge(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return a spent-coin, double-spend or invalid-history challenge, or an answer."""
    picked = draw_exit(chooser, state)
    if picked is None:
        return draw_start(chooser, state, knowledge)
    env, exit_id, exit = picked
    coin = int(exit.coin_id)
    sender = chooser.choice(ADDRESSES)
    exit_key = Uint64(exit_id if not chooser.is_rare(25) else chooser.raw_integer(64))
    variant = 3 if exit.challenges and not chooser.is_rare(3) else chooser.pick(4)
    if variant == 0:
        spend = pick_transfer(
            chooser, knowledge, env, coin,
            lambda n, t: n > exit.exit_block and t.transfer.previous_block == exit.exit_block,
        )  # fmt: skip
        if spend is None:
            return draw_block(chooser, state, knowledge)
        spend = mutate_transfer(chooser, spend) if chooser.is_rare(5) else spend
        return ChallengeCoinSpent(Uint64(env), sender, exit_key, spend)
    if variant == 1:
        spend = pick_transfer(
            chooser, knowledge, env, coin,
            lambda n, t: exit.parent_block < n < exit.exit_block
            and t.transfer.previous_block == exit.parent_block,
        )  # fmt: skip
        if spend is None:
            return draw_block(chooser, state, knowledge)
        spend = mutate_transfer(chooser, spend) if chooser.is_rare(5) else spend
        return ChallengeCoinDoubleSpend(Uint64(env), sender, exit_key, spend)
    if variant == 2:
        return draw_history(chooser, state, knowledge, (env, exit_id, exit))
    return draw_response(chooser, knowledge, (env, exit_id, exit), sender)


def draw_history(
    chooser: Chooser,
    state: SettlementState,
    knowledge: CashKnowledge,
    picked: tuple[int, int, CoinExit],
) -> Operation:
    """Return an invalid-history challenge with an earlier leaf of the exit's coin."""
    env, exit_id, exit = picked
    coin = int(exit.coin_id)
    leaves = knowledge.coin_leaves(env, coin)
    earlier_ones = [(n, leaf) for n, leaf in leaves if n < exit.parent_block]
    pool = earlier_ones if earlier_ones and not chooser.is_rare(5) else leaves
    if not pool:
        return draw_block(chooser, state, knowledge)
    number, leaf = chooser.choice(pool)
    earlier = knowledge.witness(env, number, coin)
    parent: IncludedLeaf | None = None
    if isinstance(leaf, SignedTransfer):
        previous = int(leaf.transfer.previous_block)
        if (env, previous) in knowledge.leaves and coin in knowledge.leaves[(env, previous)]:
            parent = knowledge.witness(env, previous, coin)
    bond = state.environments[env].rules.exit_bond
    if chooser.is_rare(8):
        bond = Uint256(bond + 1)
    if chooser.is_rare(8):
        earlier = replace(earlier, proof=break_proof(earlier.proof, chooser))
    if chooser.is_rare(8):
        parent = None if parent is not None else earlier
    sender = chooser.choice(ADDRESSES)
    return ChallengeCoinHistory(Uint64(env), sender, Uint64(exit_id), earlier, parent, bond)


def draw_response(
    chooser: Chooser, knowledge: CashKnowledge, picked: tuple[int, int, CoinExit], sender: Address
) -> Operation:
    """Return an answer to one of the exit's open history challenges."""
    env, exit_id, exit = picked
    coin = int(exit.coin_id)
    blocks = sorted(exit.challenges) or [exit.parent_block]
    challenge = int(chooser.choice(blocks)) if not chooser.is_rare(10) else int(exit.parent_block)
    response = pick_transfer(
        chooser, knowledge, env, coin,
        lambda n, t: challenge < n <= exit.parent_block and t.transfer.previous_block == challenge,
    )  # fmt: skip
    if response is None:
        return FinalizeCoinExit(Uint64(env), Uint64(exit_id))
    response = mutate_transfer(chooser, response) if chooser.is_rare(6) else response
    return RespondCoinHistory(Uint64(env), sender, Uint64(exit_id), Uint64(challenge), response)


def draw_finalize(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return the finalization of an exit, or the clock moving on."""
    picked = draw_exit(chooser, state)
    if picked is None or chooser.is_rare(3):
        return AdvanceTime(Uint64(state.time + chooser.choice(ADVANCES)))
    env, exit_id, _ = picked
    return FinalizeCoinExit(
        Uint64(draw_env(chooser) if chooser.is_rare(10) else env), Uint64(exit_id)
    )


def draw_other(chooser: Chooser, state: SettlementState, knowledge: CashKnowledge) -> Operation:
    """Return a replay, a registration, or a payments exit or challenge naming a Cash one."""
    variant = chooser.pick(3)
    if variant == 0 and knowledge.replays:
        return chooser.choice(knowledge.replays)
    if variant == 1:
        return RegisterEnvironment(OPERATOR.address, EnvironmentKind.CASH, make_rules())
    position = OutputPosition(Uint64(1), Uint16(0), Uint8(0))
    env = Uint64(chooser.choice(CASH_ENVIRONMENTS))
    bond = Uint256(50)
    if chooser.is_rare(2):
        output = Output(OPERATOR.address, TOKENS[0], Uint256(1))
        payment = SignedTransaction(Transaction((position,), (output,)), (Signature.zero(),))
        return ChallengeStandardExit(env, WATCHER.address, Uint64(0), payment, Uint8(0))
    return StartStandardExit(
        env,
        OPERATOR.address,
        position,
        DepositTransaction(Output(OPERATOR.address, TOKENS[0], Uint256(1))),
        (),
        bond,
    )


DRAWERS: tuple[tuple[int, Callable[[Chooser, SettlementState, CashKnowledge], Operation]], ...] = (
    (1, draw_deposit),
    (3, draw_block),
    (4, draw_start),
    (6, draw_challenge),
    (3, draw_finalize),
    (1, draw_other),
)
"""Each drawer with its weight."""


def draw_cash_operation(
    chooser: Chooser, state: SettlementState, knowledge: CashKnowledge
) -> Operation:
    """Return the next operation of a Cash run."""
    total = sum(weight for weight, _ in DRAWERS)
    ticket = chooser.pick(total)
    for weight, drawer in DRAWERS:
        if ticket < weight:
            return drawer(chooser, state, knowledge)
        ticket -= weight
    raise AssertionError("unreachable")
