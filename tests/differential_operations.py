"""The differential run's operation generator: plausible operations, and hostile ones.

Each ``draw_*`` function reads the spec's current state and what the run
knows beyond it (:class:`~tests.differential.Knowledge`: block contents,
signed spends, accepted exits and challenges) and mostly draws operations a
real participant could send: deposits by funded actors, child blocks of real
signed payments at the next number, exits of real outputs with valid
inclusion proofs, challenges with the owner's real spend, time moved to the
next exit's maturity, queues processed. Every drawer also draws, now and
then, a variant that breaks exactly one rule: a wrong sender, a flawed proof,
a replayed exit or challenge, a broken signature, a value near its type's
maximum. :func:`draw_garbage` adds raw operations of any values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import fixtures as actors
from fixtures import (
    OPERATOR,
    WATCHER,
    make_high_s_signature,
    make_malformed_signature,
    make_rules,
    make_unrecoverable_signature,
)
from spec.crypto import sign
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
    compute_signing_hash,
    compute_transaction_leaf,
    get_transaction_outputs,
    sign_transaction,
)
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
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
    Exit,
    ExitStatus,
    SettlementState,
    get_balance,
    get_last_block_number,
    get_last_child_block_number,
)
from spec.settlement.transition import Operation
from tests.differential import (
    ADDRESSES,
    HUGE_ENVIRONMENT,
    HUGE_RULES,
    KEYS,
    LARGEST_U64,
    LARGEST_U256,
    TOKENS,
    WHALE,
    Chooser,
    Knowledge,
    Located,
)
from tests.differential_in_flight import draw_in_flight
from tests.differential_raw import draw_garbage, draw_raw_payment
from tests.differential_witnesses import (
    list_coming_times,
    list_in_flight_queues,
    list_mature_queues,
)


def draw_environment_id(chooser: Chooser, state: SettlementState) -> Uint64:
    """Draw a registered environment's id, or now and then an unknown one."""
    count = len(state.environments)
    if chooser.is_rare(12):
        return Uint64(chooser.choice((count, LARGEST_U64)))
    return Uint64(chooser.pick(count))


def draw_address(chooser: Chooser) -> Address:
    """Draw an actor's address, or the stranger's."""
    return chooser.choice(ADDRESSES)


def draw_register(chooser: Chooser, state: SettlementState) -> Operation:
    """Draw a registration: valid rules mostly, else rules below a floor, or huge ones."""
    preset, normal = state.preset, make_rules()
    rules = (
        normal,
        replace(normal, minimal_finalization_period=preset.minimum_finalization_period - 1),
        replace(normal, exit_bond=preset.minimum_exit_bond - 1),
        replace(normal, deposit_limit=Uint256(0)),
        replace(normal, processing_bounty=normal.exit_bond + 1),
        replace(normal, minimal_finalization_period=Uint64(LARGEST_U64)),
        HUGE_RULES,
    )
    chosen = rules[0] if chooser.pick(2) == 0 else chooser.choice(rules)
    return RegisterEnvironment(draw_address(chooser), EnvironmentKind.PAYMENTS, chosen)


def count_free_deposit_numbers(state: SettlementState, environment: Environment) -> int:
    """Return how many deposit block numbers are free before the environment's next child block."""
    next_child = int(get_last_child_block_number(environment)) + int(state.preset.block_interval)
    return max(0, next_child - int(get_last_block_number(environment)) - 1)


def draw_deposit(chooser: Chooser, state: SettlementState) -> Operation:
    """Draw a deposit: small amounts where a number is free mostly, else a hostile one."""
    env = draw_environment_id(chooser, state)
    free = [count_free_deposit_numbers(state, environment) for environment in state.environments]
    if chooser.is_rare(4):
        # Fill the fullest environment: the one after it is rejected with TOO_MANY_DEPOSITS
        env = Uint64(free.index(min(free)))
    elif any(free) and not chooser.is_rare(4):
        env = Uint64(chooser.choice([index for index, count in enumerate(free) if count]))
    owner = WHALE.address if chooser.is_rare(5) else draw_address(chooser)
    token = chooser.choice(TOKENS if chooser.is_rare(6) else TOKENS[:2])
    if chooser.is_rare(12):
        # All the owner holds, where no limit stops it: the balance entry must disappear
        return Deposit(HUGE_ENVIRONMENT, owner, token, get_balance(state, owner, token))
    limit = int(state.environments[env].rules.deposit_limit) if env < len(state.environments) else 0
    hostile = (0, min(limit + 1, LARGEST_U256), 2**255 + 1, LARGEST_U256)
    amount = chooser.choice(hostile) if chooser.is_rare(5) else chooser.integers(1, 1_000)
    if owner == WHALE.address and chooser.is_rare(2):
        amount = 2**255 + 1  # the second such deposit overflows the vault's ledger
    return Deposit(env, owner, token, Uint256(amount))


def draw_payment(
    chooser: Chooser, env: int, outputs: list[Located], knowledge: Knowledge
) -> SignedTransaction:
    """Draw a payment spending one or two known outputs, signed by their owners (mostly)."""
    spent = [chooser.choice(outputs) for _ in range(chooser.pick(2) + 1)]
    receivers = [draw_address(chooser) for _ in range(chooser.pick(2) + 1)]
    token, amount = spent[0][2].token, int(spent[0][2].amount)
    amounts = [LARGEST_U256 if chooser.is_rare(10) else max(1, amount // 2) for _ in receivers]
    transaction = Transaction(
        tuple(position for position, _, _ in spent),
        tuple(Output(r, token, Uint256(a)) for r, a in zip(receivers, amounts, strict=True)),
    )
    keys = [KEYS.get(output.owner, KEYS[WATCHER.address]) for _, _, output in spent]
    if chooser.is_rare(8):
        keys[0] = KEYS[actors.MALLORY.address]
    payment = sign_transaction(Uint64(env), transaction, keys)
    knowledge.add_spend(env, payment)
    return payment


def draw_block(chooser: Chooser, state: SettlementState, knowledge: Knowledge) -> Operation:
    """Draw a block of real payments (and a fee claim) at the next number, or a hostile one."""
    env = draw_environment_id(chooser, state)
    if env >= len(state.environments):
        return SubmitBlock(env, OPERATOR.address, Uint64(TINY.block_interval), Hash32.zero())
    environment = state.environments[env]
    last_child = int(get_last_child_block_number(environment))
    number = min(last_child + int(state.preset.block_interval), LARGEST_U64)
    if chooser.is_rare(6):
        committed = [int(n) for n in list(environment.blocks)[-1:]]
        hostile = [*committed, last_child + 1, LARGEST_U64 - 1, LARGEST_U64]
        number = min(chooser.choice(hostile), LARGEST_U64)
    sender = draw_address(chooser) if chooser.is_rare(6) else environment.operator
    outputs = knowledge.list_outputs(int(env))
    transactions: list[BlockTransaction] = [
        draw_payment(chooser, int(env), outputs, knowledge)
        for _ in range(chooser.pick(4) if outputs else 0)
    ]
    if chooser.is_rare(3):
        transactions.append(FeeClaim(Output(environment.operator, NATIVE_TOKEN, Uint256(2))))
    depth = int(state.preset.transaction_tree_depth)
    root = (
        Hash32(chooser.raw_bytes(32))
        if chooser.is_rare(8)
        else compute_block_root(transactions, depth)
    )
    knowledge.pending[(int(env), bytes(root))] = tuple(transactions)
    return SubmitBlock(env, sender, Uint64(number), root)


def draw_exit(chooser: Chooser, state: SettlementState, knowledge: Knowledge) -> Operation:
    """Draw the exit of a known output by its owner with a valid proof, or a flawed one."""
    variant = chooser.pick(16)
    if variant == 1 and knowledge.started:
        return chooser.choice(knowledge.started)
    candidates = [env for env in range(len(state.environments)) if knowledge.list_outputs(env)]
    if not candidates:
        return draw_garbage(chooser)
    env = chooser.choice(candidates)
    outputs = knowledge.list_outputs(env)
    exited = {exit.position for exit in state.environments[env].exits.values()}
    unexited = [item for item in outputs if item[0] not in exited]
    pool = unexited if unexited and not chooser.is_rare(4) else outputs
    position, transactions, output = chooser.choice(pool)
    index = int(position.transaction_index)
    leaves = [compute_transaction_leaf(tx) for tx in transactions]
    proof = compute_merkle_proof(leaves, index, int(state.preset.transaction_tree_depth))
    sender = draw_address(chooser) if variant == 2 else output.owner
    bond = state.environments[env].rules.exit_bond + (1 if variant == 3 else 0)
    if variant == 4:
        proof = (Hash32(b"\x01" * 32), *proof[1:])
    elif variant == 5:
        proof = proof[:-1]
    elif variant == 6:
        created = get_transaction_outputs(transactions[index])
        position = replace(position, output_index=Uint8(len(created)))
    elif variant == 7:
        position = replace(position, block_number=Uint64(LARGEST_U64 - chooser.pick(3)))
    return StartStandardExit(Uint64(env), sender, position, transactions[index], proof, bond)


def draw_spend_of(
    chooser: Chooser, env: int, exit: Exit, challenger: Address, knowledge: Knowledge
) -> tuple[SignedTransaction, int]:
    """Return a payment whose input ``index`` spends the exit's output, signed by its owner."""
    known = [
        (payment, payment.transaction.inputs.index(exit.position))
        for payment in knowledge.spends.get(env, [])
        if exit.position in payment.transaction.inputs
    ]
    if known and chooser.pick(2) == 0:
        return chooser.choice(known)
    other = OutputPosition(Uint64(1), Uint16(7), Uint8(3))
    inputs = (other, exit.position) if chooser.pick(2) else (exit.position,)
    transaction = Transaction(inputs, (Output(challenger, exit.token, exit.amount),))
    owner_key = KEYS.get(exit.owner, KEYS[WATCHER.address])
    payment = sign_transaction(Uint64(env), transaction, [owner_key] * len(inputs))
    knowledge.add_spend(env, payment)
    return payment, len(inputs) - 1


def spoil_signature(payment: SignedTransaction, index: int, variant: int) -> SignedTransaction:
    """Return ``payment`` with input ``index``'s signature broken as ``variant`` (0-4) says."""
    signatures = list(payment.signatures)
    if variant == 0:
        signatures[index] = make_malformed_signature(signatures[index])
    elif variant == 1:
        signatures[index] = make_high_s_signature(signatures[index])
    elif variant == 2:
        signatures[index] = make_unrecoverable_signature()
    elif variant == 3:
        message = compute_signing_hash(Uint64(0), payment.transaction)
        signatures[index] = sign(KEYS[actors.MALLORY.address], message)
    else:
        signatures = signatures[:index]
    return replace(payment, signatures=tuple(signatures))


def draw_challenge(chooser: Chooser, state: SettlementState, knowledge: Knowledge) -> Operation:
    """Draw a challenge of a known exit with its owner's spend, or a flawed or replayed one."""
    variant = chooser.pick(10)
    if variant == 2 and knowledge.challenges:
        return chooser.choice(knowledge.challenges)
    every_exit = [
        (env, exit_id, exit)
        for env, environment in enumerate(state.environments)
        for exit_id, exit in environment.exits.items()
    ]
    open_exits = [item for item in every_exit if item[2].status == ExitStatus.OPEN]
    if not open_exits and not chooser.is_rare(4):
        return draw_exit(chooser, state, knowledge)
    challenger = WHALE.address if chooser.is_rare(6) else draw_address(chooser)
    if variant == 3 or not every_exit:
        unknown = draw_environment_id(chooser, state)
        count = len(state.environments[unknown].exits) if unknown < len(state.environments) else 0
        exit_id = Uint64(chooser.choice((count, LARGEST_U64)))
        payment = draw_raw_payment(chooser)
        return ChallengeStandardExit(unknown, challenger, exit_id, payment, Uint8(0))
    pool = every_exit if chooser.is_rare(4) or not open_exits else open_exits
    env, exit_id, exit = chooser.choice(pool)
    payment, index = draw_spend_of(chooser, env, exit, challenger, knowledge)
    if 4 <= variant <= 8:
        payment = spoil_signature(payment, index, variant - 4)
    elif variant == 9:
        index = index + 1 if chooser.pick(2) else (index + 1) % len(payment.transaction.inputs)
    return ChallengeStandardExit(Uint64(env), challenger, exit_id, payment, Uint8(index))


def draw_process(chooser: Chooser, state: SettlementState) -> Operation:
    """Draw a request to process a queue that holds an exit (mostly), a few exits at a time."""
    hostile = (0, Uint32.max_value())
    limit = chooser.choice(hostile) if chooser.is_rare(6) else chooser.pick(3) + 1
    queues = list_mature_queues(state)
    in_flight = [queue for queue in queues if queue in list_in_flight_queues(state)]
    if in_flight and chooser.pick(2):
        queues = in_flight
    sender = chooser.choice((WATCHER.address, WHALE.address))
    if queues and not chooser.is_rare(4):
        env, token = chooser.choice(queues)
        return ProcessExits(Uint64(env), sender, token, Uint32(limit))
    if not queues and not chooser.is_rare(3):
        return draw_time(chooser, state)
    token = chooser.choice(TOKENS)
    return ProcessExits(draw_environment_id(chooser, state), sender, token, Uint32(limit))


def draw_time(chooser: Chooser, state: SettlementState) -> Operation:
    """Draw a clock step: to the next maturity or forward mostly, else back, or near the end."""
    now = int(state.time)
    exitable = list_coming_times(state)
    variant = chooser.pick(100)
    if variant < 50 and exitable:
        return AdvanceTime(Uint64(min(exitable)))
    if variant >= 94:
        return AdvanceTime(Uint64(now - chooser.pick(2) if now else 0))
    if variant == 93:
        # Near the end of time every later sum overflows: rare, so that runs go on
        return AdvanceTime(Uint64(LARGEST_U64 - chooser.pick(20)))
    return AdvanceTime(Uint64(min(now + chooser.integers(1, 60), LARGEST_U64)))


Drawer = Callable[[Chooser, SettlementState, Knowledge], Operation]
"""Draws one kind of operation from the state and the run's knowledge."""

DRAWERS: dict[str, Drawer] = {
    "register": lambda chooser, state, knowledge: draw_register(chooser, state),
    "deposit": lambda chooser, state, knowledge: draw_deposit(chooser, state),
    "block": draw_block,
    "exit": draw_exit,
    "challenge": draw_challenge,
    "process": lambda chooser, state, knowledge: draw_process(chooser, state),
    "time": lambda chooser, state, knowledge: draw_time(chooser, state),
    "garbage": lambda chooser, state, knowledge: draw_garbage(chooser),
    "in_flight": lambda chooser, state, knowledge: (
        draw_in_flight(chooser, state, knowledge) or draw_block(chooser, state, knowledge)
    ),
}
"""How to draw each kind of operation."""

KIND_WEIGHTS = {
    "deposit": 4,
    "register": 2,
    "block": 4,
    "exit": 6,
    "challenge": 5,
    "process": 4,
    "time": 4,
    "garbage": 1,
    "in_flight": 4,
}
"""How often each kind is drawn, relative to the others."""

IN_FLIGHT_WEIGHTS = {**KIND_WEIGHTS, "exit": 3, "challenge": 2, "time": 3, "in_flight": 16}
"""Weights of runs about in-flight exits: mostly in-flight operations, with blocks and time."""


def draw_operation(
    chooser: Chooser,
    state: SettlementState,
    knowledge: Knowledge,
    weights: dict[str, int] = KIND_WEIGHTS,
) -> Operation:
    """Draw the next operation of a differential run, each kind as often as ``weights`` says."""
    kinds = [kind for kind, weight in weights.items() for _ in range(weight)]
    kind = chooser.choice(kinds)
    return DRAWERS[kind](chooser, state, knowledge)
