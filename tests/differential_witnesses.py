"""Witnesses for the differential run's in-flight operations: proofs, spends, broken payments.

The in-flight drawers (``tests.differential_in_flight``) build their
operations from what the run knows (:class:`~tests.differential.Knowledge`):
the transactions behind committed roots and every payment signed. These
helpers find a payment's inclusion and its inputs' proofs there, sign new
spends as an output's owner would, and break a payment's shape or signature
in one way; and they read the state's queues and coming times for the
processing and time drawers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import fixtures as actors
from fixtures import make_high_s_signature, make_malformed_signature, make_unrecoverable_signature
from spec.crypto import sign
from spec.environments.payments.in_flight import TransactionInclusion
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.records import InFlightExit, InFlightExitStatus
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    compute_signing_hash,
    compute_transaction_leaf,
    get_transaction_outputs,
    sign_transaction,
)
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint8, Uint16, Uint64, Uint256
from spec.settlement.state import EnvironmentKind, ExitStatus, SettlementState
from tests.differential import ADDRESSES, KEYS, LARGEST_U64, LARGEST_U256, Chooser, Knowledge

InFlightEntry = tuple[int, Uint64, InFlightExit]
"""An in-flight exit of the state: environment id, exit id, exit."""


def list_in_flight(
    state: SettlementState, environment_id: int | None = None
) -> list[InFlightEntry]:
    """Return every in-flight exit of the payments environments (or of one environment)."""
    return [
        (env, exit_id, exit)
        for env, environment in enumerate(state.environments)
        if environment.kind == EnvironmentKind.PAYMENTS and environment_id in (None, env)
        for exit_id, exit in get_payments_records(environment).in_flight_exits.items()
    ]


def find_output(knowledge: Knowledge, env: int, position: OutputPosition) -> Output | None:
    """Return the output at a position of a known committed block, if there is one."""
    transactions = knowledge.contents.get((env, int(position.block_number)))
    if transactions is None or position.transaction_index >= len(transactions):
        return None
    outputs = get_transaction_outputs(transactions[position.transaction_index])
    return outputs[position.output_index] if position.output_index < len(outputs) else None


def list_startable(
    state: SettlementState, knowledge: Knowledge
) -> list[tuple[int, SignedTransaction]]:
    """Return the known payments of payments environments whose every input is a known output."""
    return [
        (env, payment)
        for env, payments in knowledge.spends.items()
        if env < len(state.environments)
        and state.environments[env].kind == EnvironmentKind.PAYMENTS
        for payment in payments
        if payment.transaction.inputs
        and all(find_output(knowledge, env, p) is not None for p in payment.transaction.inputs)
    ]


def prove(
    knowledge: Knowledge, env: int, position: TransactionPosition, depth: int
) -> tuple[BlockTransaction, tuple[Hash32, ...]]:
    """Return the transaction at a position of a known block and its proof (a dummy if unknown)."""
    transactions = knowledge.contents.get((env, int(position.block_number)), ())
    index = int(position.transaction_index)
    if index >= len(transactions):
        return DepositTransaction(Output(Address.zero(), NATIVE_TOKEN, Uint256(1))), ()
    leaves = [compute_transaction_leaf(transaction) for transaction in transactions]
    return transactions[index], compute_merkle_proof(leaves, index, depth)


def prove_inputs(
    state: SettlementState, knowledge: Knowledge, env: int, payment: SignedTransaction
) -> tuple[tuple[BlockTransaction, ...], tuple[tuple[Hash32, ...], ...]]:
    """Return, for each input of a payment, its transaction and the proof of it in its block."""
    depth = int(state.preset.transaction_tree_depth)
    witnesses = [
        prove(knowledge, env, TransactionPosition(p.block_number, p.transaction_index), depth)
        for p in payment.transaction.inputs
    ]
    return tuple(w[0] for w in witnesses), tuple(w[1] for w in witnesses)


def find_signed(
    knowledge: Knowledge, env: int, transaction: Transaction
) -> SignedTransaction | None:
    """Return the known signed payment of a body, if any."""
    found = [p for p in knowledge.spends.get(env, []) if p.transaction == transaction]
    return found[0] if found else None


def find_inclusion(
    state: SettlementState, knowledge: Knowledge, env: int, payment: SignedTransaction
) -> TransactionInclusion | None:
    """Return where a payment is included in a known committed block, with the proof, if it is."""
    depth = int(state.preset.transaction_tree_depth)
    for (known_env, number), transactions in sorted(knowledge.contents.items()):
        if known_env == env and payment in transactions:
            position = TransactionPosition(Uint64(number), Uint16(transactions.index(payment)))
            return TransactionInclusion(position, prove(knowledge, env, position, depth)[1])
    return None


def make_fresh_payment(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> tuple[int, SignedTransaction] | None:
    """Sign a new payment of one or two distinct known outputs by their owners; remember it.

    Its outputs split the first input's amount (in its token) between one or two
    receivers: a valid payment nobody included. None when no output is known.
    """
    candidates = [
        env
        for env, environment in enumerate(state.environments)
        if environment.kind == EnvironmentKind.PAYMENTS and knowledge.list_outputs(env)
    ]
    if not candidates:
        return None
    env = chooser.choice(candidates)
    outputs = knowledge.list_outputs(env)
    spent = chooser.random.sample(outputs, min(len(outputs), chooser.pick(2) + 1))
    first = spent[0][2]
    shares = 2 if first.amount >= 2 and chooser.pick(2) else 1
    receivers = [chooser.choice(ADDRESSES) for _ in range(shares)]
    transaction = Transaction(
        tuple(position for position, _, _ in spent),
        tuple(Output(r, first.token, Uint256(first.amount // shares)) for r in receivers),
    )
    keys = [get_key(output.owner) for _, _, output in spent]
    payment = sign_transaction(Uint64(env), transaction, keys)
    knowledge.add_spend(env, payment)
    return env, payment


def get_key(owner: Address) -> bytes:
    """Return the private key an owner signs with (the watcher's for an address without one)."""
    return KEYS.get(owner, KEYS[actors.WATCHER.address])


def make_spend(
    chooser: Chooser,
    env: int,
    inputs: Sequence[OutputPosition],
    knowledge: Knowledge,
    *,
    owner: Address | None = None,
    greedy: bool = False,
) -> SignedTransaction:
    """Sign a new payment of ``inputs`` by their owners (or ``owner``) and remember it.

    It pays one output of the first input's token: 1 unit, or (``greedy``) the
    largest amount, more than any inputs hold.
    """
    found = [find_output(knowledge, env, position) for position in inputs]
    first = found[0] if found else None
    token = NATIVE_TOKEN if first is None else first.token
    amount = LARGEST_U256 if greedy else 1
    receiver = chooser.choice(ADDRESSES)
    transaction = Transaction(tuple(inputs), (Output(receiver, token, Uint256(amount)),))
    owners = [owner if owner is not None or out is None else out.owner for out in found]
    keys = [get_key(o) if o is not None else get_key(actors.WATCHER.address) for o in owners]
    payment = sign_transaction(Uint64(env), transaction, keys)
    knowledge.add_spend(env, payment)
    return payment


def spoil(chooser: Chooser, env: int, payment: SignedTransaction) -> SignedTransaction:
    """Return ``payment`` with its first signature malformed, high-s, unrecoverable or Mallory's."""
    if not payment.signatures:
        return payment
    signatures = list(payment.signatures)
    variant = chooser.pick(4)
    if variant == 0:
        signatures[0] = make_malformed_signature(signatures[0])
    elif variant == 1:
        signatures[0] = make_high_s_signature(signatures[0])
    elif variant == 2:
        signatures[0] = make_unrecoverable_signature()
    else:
        message = compute_signing_hash(Uint64(env), payment.transaction)
        signatures[0] = sign(KEYS[actors.MALLORY.address], message)
    return replace(payment, signatures=tuple(signatures))


def break_shape(chooser: Chooser, payment: SignedTransaction) -> SignedTransaction:
    """Return ``payment`` breaking one shape rule (a ``TX_*`` reason or ``OUTPUT_AMOUNT_ZERO``)."""
    body, signatures = payment.transaction, payment.signatures
    inputs, outputs = body.inputs, body.outputs
    other = OutputPosition(Uint64(3), Uint16(5), Uint8(7))
    variant = chooser.pick(7)
    if variant == 0:
        body, signatures = replace(body, inputs=()), ()
    elif variant == 1:
        many = tuple(replace(other, output_index=Uint8(i)) for i in range(5))
        body, signatures = replace(body, inputs=many), (signatures[0],) * 5
    elif variant == 2:
        body = replace(body, outputs=())
    elif variant == 3:
        body = replace(body, outputs=(outputs[0],) * 5)
    elif variant == 4:
        signatures = (*signatures, signatures[0])
    elif variant == 5:
        body, signatures = replace(body, inputs=(inputs[0], inputs[0])), (signatures[0],) * 2
    else:
        body = replace(body, outputs=(replace(outputs[0], amount=Uint256(0)),))
    return SignedTransaction(body, signatures)


def list_mature_queues(state: SettlementState) -> list[tuple[int, Address]]:
    """Return the (environment, token) queues whose head is mature: standard or in-flight."""
    queues = [
        (env, exit.token)
        for env, environment in enumerate(state.environments)
        for exit in environment.exits.values()
        if exit.status == ExitStatus.OPEN and exit.exitable_at <= state.time
    ]
    return queues + list_in_flight_queues(state)


def list_in_flight_queues(state: SettlementState) -> list[tuple[int, Address]]:
    """Return the (environment, token) queues whose mature entries include an in-flight exit."""
    queues: list[tuple[int, Address]] = []
    for env, _, exit in list_in_flight(state):
        if exit.status == InFlightExitStatus.ACTIVE:
            queues.extend(
                (env, token)
                for token, time in exit.exitable_at.items()
                if time <= state.time and token not in exit.processed_tokens
            )
    return queues


def list_coming_times(state: SettlementState) -> list[int]:
    """Return the times after now when something changes: an exit matures, a first phase ends."""
    now = int(state.time)
    times = [
        int(exit.exitable_at)
        for environment in state.environments
        for exit in environment.exits.values()
        if exit.status == ExitStatus.OPEN
    ]
    for env, _, exit in list_in_flight(state):
        half = int(state.environments[env].rules.minimal_finalization_period) // 2
        times.append(int(exit.started_at) + half)
        times.extend(int(time) for time in exit.exitable_at.values())
    return [time for time in times if now < time <= LARGEST_U64]
