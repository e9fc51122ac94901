"""In-flight moves of a scenario: start, piggyback, challenge, respond, delete.

Each function takes a :class:`~adversary.payments.scenarios.play.Play` and has
an actor try one operation of More Viable Plasma's exit game
(``spec.environments.payments.in_flight``, ``.piggybacks``, ``.canonicity``).
Witnesses are built from the world's ground truth: the transactions of every
committed block. A block the operator withheld can be proven only by an
*insider* (the operator and its accomplices), or by anyone once the operator
has published it late (:func:`publish`); an honest actor who tries without it
records an impossible step, as the scenario timeline shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import adversary.payments.world as world_model
from adversary.payments.processing import get_in_flight_exits
from adversary.payments.scenarios.play import Play, describe_payment
from adversary.payments.scenarios.records import ActionKind, Outcome, Step
from adversary.payments.world import ImpossibleAction, World
from fixtures import Actor
from spec import merkle
from spec.environments.payments import transactions
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import (
    DeleteInFlightExit,
    StartInFlightExit,
    TransactionInclusion,
)
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.records import PiggybackSide
from spec.environments.payments.transactions import (
    BlockTransaction,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Hash32, Uint8, Uint16, Uint64
from spec.settlement.transition import Operation

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT
"""The two sides of an in-flight payment."""


# Witnesses


def find_transaction(world: World, env: int, transaction: BlockTransaction) -> TransactionPosition:
    """Return where a transaction was committed.

    Raises:
        ImpossibleAction: when no committed block holds it.
    """
    for number, block in sorted(world.chains[env].contents.items()):
        if transaction in block:
            return TransactionPosition(number, Uint16(block.index(transaction)))
    raise ImpossibleAction("the transaction is in no committed block")


def prove(
    world: World, env: int, position: TransactionPosition, insider: bool
) -> tuple[BlockTransaction, tuple[Hash32, ...]]:
    """Return the transaction at ``position`` and its Merkle proof.

    Raises:
        ImpossibleAction: when the block is unknown, or withheld from a non-insider.
    """
    chain = world.chains[env]
    block = chain.contents.get(position.block_number)
    if block is None or (position.block_number in chain.withheld and not insider):
        raise ImpossibleAction(f"block {int(position.block_number)} is withheld")
    depth = int(world.settlement.preset.transaction_tree_depth)
    leaves = [transactions.compute_transaction_leaf(tx) for tx in block]
    index = int(position.transaction_index)
    return block[index], merkle.compute_merkle_proof(leaves, index, depth)


def make_inclusion(
    world: World, env: int, transaction: BlockTransaction, insider: bool
) -> TransactionInclusion:
    """Return the inclusion witness of a committed transaction (see :func:`prove`)."""
    position = find_transaction(world, env, transaction)
    _, proof = prove(world, env, position, insider)
    return TransactionInclusion(position, proof)


def publish(play: Play, number: int, env: int = 0) -> None:
    """The operator publishes a block it had withheld (it stays the first bad block, if it was)."""
    chain = play.world.chains[env]
    chain = replace(chain, withheld=chain.withheld - {Uint64(number)})
    play.world = world_model.with_chain(play.world, env, chain)


def sign_jointly(
    play: Play,
    inputs: Sequence[tuple[Actor, OutputPosition]],
    outputs: Sequence[Output],
    env: int = 0,
) -> SignedTransaction:
    """Each input's owner signs a payment of several owners' inputs, and hands it out."""
    transaction = Transaction(tuple(p for _, p in inputs), tuple(outputs))
    keys = [signer.key for signer, _ in inputs]
    payment = transactions.sign_transaction(Uint64(env), transaction, keys)
    play.world = world_model.sign_spend(play.world, env, payment)
    names = " and ".join(dict.fromkeys(signer.name for signer, _ in inputs))
    words = f"{names} sign a payment in env {env}: {describe_payment(payment)}"
    play.record(Step(play.now, inputs[0][0].address, ActionKind.SIGN, words, Outcome.OFF_CHAIN))
    return payment


# Moves


def try_operation(
    play: Play, actor: Actor, kind: ActionKind, words: str, build: Callable[[World], Operation]
) -> bool:
    """Have ``actor`` build (it may be impossible) and submit an operation; record the step."""

    def perform(world: World) -> World:
        return world_model.apply_operation(world, build(world))

    return play.attempt(actor.address, kind, words, perform)


def next_exit_id(play: Play, env: int) -> int:
    """Return the id the next in-flight exit of ``env`` takes."""
    return len(get_in_flight_exits(play.environment(env)))


def start_in_flight_exit(
    play: Play, sender: Actor, payment: SignedTransaction, env: int = 0, *, insider: bool = False
) -> int:
    """``sender`` starts the in-flight exit of ``payment``; return the exit id it would take."""
    exit_id = next_exit_id(play, env)

    def build(world: World) -> StartInFlightExit:
        witnesses = [
            prove(world, env, TransactionPosition(p.block_number, p.transaction_index), insider)
            for p in payment.transaction.inputs
        ]
        bond = world.settlement.environments[env].rules.exit_bond
        return StartInFlightExit(
            Uint64(env),
            sender.address,
            payment,
            tuple(transaction for transaction, _ in witnesses),
            tuple(proof for _, proof in witnesses),
            bond,
        )

    words = f"starts in-flight exit #{exit_id} of {describe_payment(payment)}"
    try_operation(play, sender, ActionKind.START_IN_FLIGHT_EXIT, words, build)
    return exit_id


def piggyback(
    play: Play, owner: Actor, exit_id: int, side: PiggybackSide, index: int, *, env: int = 0
) -> None:
    """``owner`` piggybacks input or output ``index`` of an in-flight exit, with the bond."""
    bond = play.environment(env).rules.exit_bond
    operation = PiggybackInFlightExit(
        Uint64(env), owner.address, Uint64(exit_id), side, Uint8(index), bond
    )
    words = f"piggybacks {side.value} {index} of in-flight exit #{exit_id}"
    try_operation(play, owner, ActionKind.PIGGYBACK, words, lambda world: operation)


def challenge_canonicity(
    play: Play,
    challenger: Actor,
    exit_id: int,
    competitor: SignedTransaction,
    env: int = 0,
    *,
    included: bool = True,
    insider: bool = False,
) -> None:
    """``challenger`` shows a competitor of an in-flight payment (proven if ``included``)."""
    exit = get_in_flight_exits(play.environment(env))[Uint64(exit_id)]
    shared = [p for p in competitor.transaction.inputs if p in exit.transaction.inputs]
    index = competitor.transaction.inputs.index(shared[0]) if shared else 0

    def build(world: World) -> ChallengeInFlightNotCanonical:
        inclusion = make_inclusion(world, env, competitor, insider) if included else None
        return ChallengeInFlightNotCanonical(
            Uint64(env), challenger.address, Uint64(exit_id), competitor, Uint8(index), inclusion
        )

    where = "included" if included else "in flight"
    words = f"challenges in-flight exit #{exit_id} with a competitor ({where})"
    try_operation(play, challenger, ActionKind.CHALLENGE_CANONICITY, words, build)


def respond(
    play: Play,
    responder: Actor,
    exit_id: int,
    payment: SignedTransaction,
    env: int = 0,
    *,
    insider: bool = False,
) -> None:
    """``responder`` answers a canonicity challenge with the in-flight payment's inclusion."""

    def build(world: World) -> RespondToNonCanonicalChallenge:
        inclusion = make_inclusion(world, env, payment, insider)
        return RespondToNonCanonicalChallenge(
            Uint64(env), responder.address, Uint64(exit_id), payment, inclusion
        )

    words = f"responds to the canonicity challenge of in-flight exit #{exit_id}"
    try_operation(play, responder, ActionKind.RESPOND_CANONICITY, words, build)


def challenge_input_spent(
    play: Play,
    challenger: Actor,
    exit_id: int,
    input_index: int,
    spend: SignedTransaction,
    *,
    env: int = 0,
) -> None:
    """``challenger`` shows piggybacked input ``input_index`` spent by ``spend``."""
    exit = get_in_flight_exits(play.environment(env))[Uint64(exit_id)]
    position = exit.transaction.inputs[input_index]
    inputs = spend.transaction.inputs
    at = inputs.index(position) if position in inputs else 0
    operation = ChallengeInFlightInputSpent(
        Uint64(env), challenger.address, Uint64(exit_id), Uint8(input_index), spend, Uint8(at)
    )
    words = (
        f"shows input {input_index} of in-flight exit #{exit_id} spent by {describe_payment(spend)}"
    )
    try_operation(play, challenger, ActionKind.CHALLENGE_PIGGYBACK, words, lambda world: operation)


def challenge_output_spent(
    play: Play,
    challenger: Actor,
    exit_id: int,
    output_index: int,
    spend: SignedTransaction,
    *,
    env: int = 0,
    insider: bool = False,
) -> None:
    """``challenger`` shows output ``output_index`` of an included in-flight payment spent."""
    exit = get_in_flight_exits(play.environment(env))[Uint64(exit_id)]
    payment = next(
        tx for tx in play.world.chains[env].signed_spends if tx.transaction == exit.transaction
    )

    def build(world: World) -> ChallengeInFlightOutputSpent:
        inclusion = make_inclusion(world, env, payment, insider)
        at = [
            p for p in spend.transaction.inputs if p.block_number == inclusion.position.block_number
        ]
        index = spend.transaction.inputs.index(at[0]) if at else 0
        return ChallengeInFlightOutputSpent(
            Uint64(env),
            challenger.address,
            Uint64(exit_id),
            Uint8(output_index),
            payment,
            inclusion,
            spend,
            Uint8(index),
        )

    words = f"shows output {output_index} of in-flight exit #{exit_id} spent"
    try_operation(play, challenger, ActionKind.CHALLENGE_PIGGYBACK, words, build)


def delete_in_flight_exit(play: Play, sender: Actor, exit_id: int, env: int = 0) -> None:
    """``sender`` deletes an in-flight exit nobody piggybacked."""
    operation = DeleteInFlightExit(Uint64(env), sender.address, Uint64(exit_id))
    words = f"deletes in-flight exit #{exit_id}"
    try_operation(play, sender, ActionKind.DELETE_IN_FLIGHT_EXIT, words, lambda world: operation)
