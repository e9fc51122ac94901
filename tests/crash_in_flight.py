"""The in-flight exit part of the crash workload: the More Viable Plasma game, as node requests.

:mod:`tests.crash_workload` draws these actions among its own on the two
payments environments, so that the node is killed while it writes every
in-flight record: starts of in-flight exits (of a withheld payment of an
unspent output, or of a payment already included), piggybacks by the owners
(a token's first one writes a queue entry), canonicity challenges with a
committed or an in-flight competitor, responses with the payment's
inclusion, spent-input challenges, deletions; processing is the workload's
own ``process`` action, which now goes through the merged queue. Every
operation goes through ``Model.settle``, which records the request and
applies it to the spec.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from fixtures import ACTORS, WATCHER
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import (
    DeleteInFlightExit,
    StartInFlightExit,
    TransactionInclusion,
)
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.piggybacks import ChallengeInFlightInputSpent, PiggybackInFlightExit
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    Output,
    SignedTransaction,
    Transaction,
    compute_transaction_leaf,
    sign_transaction,
)
from spec.merkle import compute_merkle_proof
from spec.positions import OutputPosition, TransactionPosition
from spec.presets import TINY
from spec.primitives import Address, Uint8, Uint16, Uint64

if TYPE_CHECKING:
    from tests.crash_workload import Model

PAYMENTS_ENVIRONMENTS = (0, 1)
"""The payments environments of the workload."""

KEYS = {actor.address: actor.key for actor in ACTORS}
"""Private key of every actor, by address."""

OTHER_RECEIVER = Address(b"\xee" * 20)
"""Who a spend a challenge shows pays, so that it differs from the in-flight payment."""

ExitEntry = tuple[int, Uint64, InFlightExit]
"""An in-flight exit: environment id, exit id, exit."""


def prove(model: Model, env: int, position: TransactionPosition) -> TransactionInclusion:
    """Return the inclusion witness of a committed transaction."""
    transactions = model.contents[(env, int(position.block_number))]
    leaves = [compute_transaction_leaf(transaction) for transaction in transactions]
    index = int(position.transaction_index)
    proof = compute_merkle_proof(leaves, index, int(TINY.transaction_tree_depth))
    return TransactionInclusion(position, proof)


def find_committed(model: Model, env: int, transaction: Transaction) -> TransactionInclusion | None:
    """Return where a payment body was committed, with the proof, if it was."""
    for (known, number), transactions in model.contents.items():
        for index, committed in enumerate(transactions):
            if (
                known == env
                and isinstance(committed, SignedTransaction)
                and committed.transaction == transaction
            ):
                return prove(model, env, TransactionPosition(Uint64(number), Uint16(index)))
    return None


def sign_spend(
    env: int, spent: OutputPosition, output: Output, receiver: Address = WATCHER.address
) -> SignedTransaction:
    """Return a one-input payment of a whole output to ``receiver``, signed by its owner."""
    transaction = Transaction((spent,), (Output(receiver, output.token, output.amount),))
    return sign_transaction(Uint64(env), transaction, [KEYS[output.owner]])


def start_in_flight(model: Model, chooser: random.Random) -> None:
    """Someone starts the in-flight exit of a withheld payment (or of one already included)."""
    env = chooser.choice(PAYMENTS_ENVIRONMENTS)
    committed = [payment for (e, _), (payment, _) in model.spends.items() if e == env]
    utxos = sorted(model.chains[env].utxos)
    if committed and (chooser.random() < 0.4 or not utxos):
        payment = chooser.choice(committed)
    elif utxos:
        position = chooser.choice(utxos)
        payment = sign_spend(env, position, model.chains[env].utxos[position])
    else:
        return
    witnesses = [
        prove(model, env, TransactionPosition(p.block_number, p.transaction_index))
        for p in payment.transaction.inputs
    ]
    transactions = tuple(
        model.contents[(env, int(w.position.block_number))][int(w.position.transaction_index)]
        for w in witnesses
    )
    bond = model.settlement.environments[env].rules.exit_bond
    sender = chooser.choice(ACTORS).address
    proofs = tuple(w.proof for w in witnesses)
    model.settle(StartInFlightExit(Uint64(env), sender, payment, transactions, proofs, bond))


def list_exits(model: Model) -> list[ExitEntry]:
    """Return the active in-flight exits of the payments environments."""
    return [
        (env, exit_id, exit)
        for env in PAYMENTS_ENVIRONMENTS
        for exit_id, exit in get_payments_records(
            model.settlement.environments[env]
        ).in_flight_exits.items()
        if exit.status == InFlightExitStatus.ACTIVE
    ]


def piggyback(model: Model, chooser: random.Random) -> None:
    """An owner piggybacks an input or an output of an undecided in-flight exit."""
    exits = [e for e in list_exits(model) if e[2].outcome == InFlightOutcome.UNDECIDED]
    if not exits:
        return
    env, exit_id, exit = chooser.choice(exits)
    side = chooser.choice((PiggybackSide.INPUT, PiggybackSide.OUTPUT))
    outputs = exit.inputs if side == PiggybackSide.INPUT else exit.transaction.outputs
    index = chooser.randrange(len(outputs))
    bond = model.settlement.environments[env].rules.exit_bond
    operation = PiggybackInFlightExit(
        Uint64(env), outputs[index].owner, exit_id, side, Uint8(index), bond
    )
    model.settle(operation)


def challenge_canonicity(model: Model, chooser: random.Random) -> None:
    """The watcher shows a competitor of an in-flight payment: a committed spend, or a new one."""
    exits = list_exits(model)
    if not exits:
        return
    env, exit_id, exit = chooser.choice(exits)
    index = chooser.randrange(len(exit.inputs))
    position = exit.transaction.inputs[index]
    known = model.spends.get((env, position))
    if known is not None and known[0].transaction != exit.transaction:
        competitor, at = known
        inclusion = find_committed(model, env, competitor.transaction)
    else:
        competitor = sign_spend(env, position, exit.inputs[index], receiver=OTHER_RECEIVER)
        at, inclusion = 0, None
    operation = ChallengeInFlightNotCanonical(
        Uint64(env), WATCHER.address, exit_id, competitor, Uint8(at), inclusion
    )
    model.settle(operation)


def respond(model: Model, chooser: random.Random) -> None:
    """Someone shows a challenged in-flight payment included (it may be too young)."""
    exits = [e for e in list_exits(model) if not e[2].canonical]
    if not exits:
        return
    env, exit_id, exit = chooser.choice(exits)
    inclusion = find_committed(model, env, exit.transaction)
    if inclusion is None:
        return
    where = inclusion.position
    payment = model.contents[(env, int(where.block_number))][int(where.transaction_index)]
    assert isinstance(payment, SignedTransaction)
    sender = chooser.choice(ACTORS).address
    model.settle(RespondToNonCanonicalChallenge(Uint64(env), sender, exit_id, payment, inclusion))


def challenge_input_spent(model: Model, chooser: random.Random) -> None:
    """The watcher shows a piggybacked input spent by another payment its owner signed."""
    candidates = [
        (env, exit_id, exit, index)
        for env, exit_id, exit in list_exits(model)
        for index, piggyback in enumerate(exit.input_piggybacks)
        if piggyback.status == PiggybackStatus.OPEN
    ]
    if not candidates:
        return
    env, exit_id, exit, index = chooser.choice(candidates)
    position, output = exit.transaction.inputs[index], exit.inputs[index]
    spend = sign_spend(env, position, output)
    if spend.transaction == exit.transaction:
        spend = sign_spend(env, position, output, receiver=OTHER_RECEIVER)
    operation = ChallengeInFlightInputSpent(
        Uint64(env), WATCHER.address, exit_id, Uint8(index), spend, Uint8(0)
    )
    model.settle(operation)


def delete(model: Model, chooser: random.Random) -> None:
    """Someone deletes an in-flight exit nobody piggybacked (its first phase may not be over)."""
    exits = [
        e
        for e in list_exits(model)
        if all(
            p.status == PiggybackStatus.NONE for p in e[2].input_piggybacks + e[2].output_piggybacks
        )
    ]
    if not exits:
        return
    env, exit_id, _ = chooser.choice(exits)
    model.settle(DeleteInFlightExit(Uint64(env), chooser.choice(ACTORS).address, exit_id))


IN_FLIGHT_ACTIONS = (
    start_in_flight,
    piggyback,
    piggyback,
    challenge_canonicity,
    respond,
    challenge_input_spent,
    delete,
)
"""The in-flight actions drawn among the workload's own (repeats weigh the draw)."""
