"""The differential run's in-flight exit operations: plausible ones, and ones breaking one rule.

Each ``draw_*`` function reads the spec's state (its in-flight exits) and what
the run knows (:class:`~tests.differential.Knowledge`: block contents and
every payment signed, included in a committed block or not) and mostly draws
what a participant of the More Viable Plasma exit game would send: the start
of a known payment's exit with real proofs of its inputs, piggybacks by the
owners, canonicity challenges with real competitors (included or in flight),
responses with the payment's real inclusion, spent challenges, deletions.
Now and then a variant breaks exactly one rule, so that over a run every
in-flight rejection reason is reached (see :data:`IN_FLIGHT_REASONS`).
Witness helpers (inclusion proofs, signed payments) are in
``tests.differential_witnesses``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

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
from spec.environments.payments.records import InFlightExit, PiggybackSide, PiggybackStatus
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Hash32, Uint8, Uint16, Uint64
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation
from tests.differential import ADDRESSES, LARGEST_U64, STRANGER, Chooser, Knowledge
from tests.differential_witnesses import (
    InFlightEntry,
    break_shape,
    find_inclusion,
    find_signed,
    list_in_flight,
    list_startable,
    make_fresh_payment,
    make_spend,
    prove_inputs,
    spoil,
)

IN_FLIGHT_REASONS = frozenset(
    (
        RejectionReason.TX_NO_INPUTS,
        RejectionReason.TX_TOO_MANY_INPUTS,
        RejectionReason.TX_NO_OUTPUTS,
        RejectionReason.TX_TOO_MANY_OUTPUTS,
        RejectionReason.TX_SIGNATURE_COUNT_MISMATCH,
        RejectionReason.TX_DUPLICATE_INPUT,
        RejectionReason.OUTPUT_AMOUNT_ZERO,
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
        RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
        RejectionReason.OUTPUT_ALREADY_FINALIZED,
        RejectionReason.PROCESSING_BOUNTY_ABOVE_BOND,
        RejectionReason.IN_FLIGHT_WITNESS_COUNT_MISMATCH,
        RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED,
        RejectionReason.UNKNOWN_IN_FLIGHT_EXIT,
        RejectionReason.IN_FLIGHT_EXIT_DELETED,
        RejectionReason.PIGGYBACK_PERIOD_OVER,
        RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE,
        RejectionReason.PIGGYBACK_NOT_BY_OWNER,
        RejectionReason.PIGGYBACK_ALREADY_MADE,
        RejectionReason.PIGGYBACK_NOT_OPEN,
        RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION,
        RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK,
        RejectionReason.CANONICITY_PERIOD_OVER,
        RejectionReason.COMPETITOR_NOT_SPENDING_INPUT,
        RejectionReason.COMPETITOR_NOT_OLDER,
        RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED,
        RejectionReason.RESPONSE_WITHOUT_CHALLENGE,
        RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH,
        RejectionReason.RESPONSE_NOT_OLDER,
        RejectionReason.PIGGYBACK_PERIOD_NOT_OVER,
        RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED,
    )
)
"""Every reason the in-flight exit game (and the rules it brought) adds to the settlement layer."""

IN_FLIGHT_OPERATION_TYPES = frozenset(
    t.__name__
    for t in (
        StartInFlightExit,
        PiggybackInFlightExit,
        ChallengeInFlightNotCanonical,
        RespondToNonCanonicalChallenge,
        ChallengeInFlightInputSpent,
        ChallengeInFlightOutputSpent,
        DeleteInFlightExit,
    )
)
"""The name of every in-flight operation type."""


def draw_start(chooser: Chooser, state: SettlementState, knowledge: Knowledge) -> Operation | None:
    """Draw the start of a payment's in-flight exit with real proofs, or a flawed one.

    The payment is a known one (included or not), or a new one of known outputs
    (never included). None when no payment of known outputs can be had.
    """
    startable = list_startable(state, knowledge)
    fresh = make_fresh_payment(chooser, state, knowledge) if chooser.pick(2) else None
    if fresh is None and not startable:
        return None
    included = [
        (env, payment)
        for env, payment in startable
        if find_inclusion(state, knowledge, env, payment) is not None
    ]
    if fresh is None and included and chooser.pick(2):
        startable = included
    env, payment = fresh if fresh is not None else chooser.choice(startable)
    variant = chooser.pick(20)
    if variant in (0, 9):
        payment = break_shape(chooser, payment)
    elif variant == 1:
        payment = spoil(chooser, env, payment)
    elif variant == 2:
        payment = make_spend(chooser, env, payment.transaction.inputs, knowledge, greedy=True)
    elif variant == 3:
        inputs = list(payment.transaction.inputs)
        inputs[0] = replace(inputs[0], output_index=Uint8(4))
        payment = replace(payment, transaction=replace(payment.transaction, inputs=tuple(inputs)))
    transactions, proofs = prove_inputs(state, knowledge, env, payment)
    if variant == 4:
        transactions = transactions[:-1]
    elif variant == 5 and proofs and proofs[0]:
        proofs = ((Hash32(b"\x01" * 32), *proofs[0][1:]), *proofs[1:])
    elif variant == 6:
        inputs = list(payment.transaction.inputs)
        inputs[0] = replace(inputs[0], block_number=Uint64(LARGEST_U64))
        payment = replace(payment, transaction=replace(payment.transaction, inputs=tuple(inputs)))
    bond = state.environments[env].rules.exit_bond + (1 if variant == 7 else 0)
    sender = STRANGER if variant == 8 else chooser.choice(ADDRESSES[:-1])
    return StartInFlightExit(Uint64(env), sender, payment, transactions, proofs, bond)


def is_in_first_phase(state: SettlementState, entry: InFlightEntry) -> bool:
    """Return whether an exit still takes piggybacks and canonicity challenges."""
    env, _, exit = entry
    half = int(state.environments[env].rules.minimal_finalization_period) // 2
    return int(state.time) < int(exit.started_at) + half


def draw_exit_id(chooser: Chooser, state: SettlementState, entry: InFlightEntry) -> Uint64:
    """Return the entry's exit id, or now and then one that names no exit."""
    if chooser.is_rare(12):
        return Uint64(chooser.choice((len(list_in_flight(state, entry[0])), LARGEST_U64)))
    return entry[1]


def pick_exit(
    chooser: Chooser, state: SettlementState, wanted: Callable[[InFlightEntry], bool]
) -> InFlightEntry | None:
    """Return an in-flight exit ``wanted`` accepts (mostly), any exit, or None if there is none."""
    entries = list_in_flight(state)
    matching = [entry for entry in entries if wanted(entry)]
    if matching and not chooser.is_rare(5):
        return chooser.choice(matching)
    return chooser.choice(entries) if entries else None


def draw_piggyback(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw a piggyback by the owner with the bond, or a flawed or repeated one."""
    entry = pick_exit(chooser, state, lambda entry: is_in_first_phase(state, entry))
    if entry is None:
        return draw_start(chooser, state, knowledge)
    env, _, exit = entry
    side = chooser.choice((PiggybackSide.INPUT, PiggybackSide.OUTPUT))
    outputs = exit.inputs if side == PiggybackSide.INPUT else exit.transaction.outputs
    index = chooser.pick(len(outputs) + (1 if chooser.is_rare(6) else 0))
    sender = outputs[index].owner if index < len(outputs) else STRANGER
    if chooser.is_rare(8):
        sender = chooser.choice(ADDRESSES)
    bond = state.environments[env].rules.exit_bond + (1 if chooser.is_rare(10) else 0)
    exit_id = draw_exit_id(chooser, state, entry)
    return PiggybackInFlightExit(Uint64(env), sender, exit_id, side, Uint8(index), bond)


def draw_competitor(
    chooser: Chooser, env: int, exit: InFlightExit, knowledge: Knowledge
) -> tuple[SignedTransaction, int]:
    """Return a competitor spending one of the exit's inputs, and the index it spends it at."""
    inputs = exit.transaction.inputs
    known = [
        (payment, payment.transaction.inputs.index(position))
        for payment in knowledge.spends.get(env, [])
        if payment.transaction != exit.transaction
        for position in inputs
        if position in payment.transaction.inputs
    ]
    if known and chooser.pick(2) == 0:
        return chooser.choice(known)
    contested = chooser.pick(len(inputs))
    owner = exit.inputs[contested].owner
    return make_spend(chooser, env, (inputs[contested],), knowledge, owner=owner), 0


def draw_canonicity(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw a canonicity challenge with a real competitor (included or not), or a flawed one."""
    entry = pick_exit(
        chooser, state, lambda entry: entry[2].canonical and is_in_first_phase(state, entry)
    )
    if entry is None:
        return draw_start(chooser, state, knowledge)
    env, exit_id, exit = entry
    competitor, index = draw_competitor(chooser, env, exit, knowledge)
    variant = chooser.pick(10)
    if variant == 0:
        competitor = find_signed(knowledge, env, exit.transaction) or competitor
    elif variant == 1:
        index = len(competitor.transaction.inputs)
    elif variant == 2:
        competitor = spoil(chooser, env, competitor)
    inclusion = find_inclusion(state, knowledge, env, competitor)
    if variant == 3 or (inclusion is not None and chooser.is_rare(4)):
        inclusion = None
    elif variant == 4:
        inclusion = TransactionInclusion(
            TransactionPosition(Uint64(1), Uint16(0)), (Hash32.zero(),)
        )
    sender = chooser.choice(ADDRESSES)
    exit_id = draw_exit_id(chooser, state, entry)
    return ChallengeInFlightNotCanonical(
        Uint64(env), sender, exit_id, competitor, Uint8(index), inclusion
    )


def draw_response(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw a response showing the payment's real inclusion, or a flawed one."""
    entry = pick_exit(chooser, state, lambda entry: not entry[2].canonical)
    if entry is None:
        return draw_canonicity(chooser, state, knowledge)
    env, _, exit = entry
    signed = find_signed(knowledge, env, exit.transaction)
    assert signed is not None, "every exit started in a run is of a known payment"
    inclusion = find_inclusion(state, knowledge, env, signed)
    if inclusion is None or chooser.is_rare(8):
        inclusion = TransactionInclusion(
            TransactionPosition(Uint64(1), Uint16(0)), (Hash32.zero(),)
        )
    if chooser.is_rare(8):
        signed = make_spend(chooser, env, exit.transaction.inputs[:1], knowledge)
    exit_id = draw_exit_id(chooser, state, entry)
    sender = chooser.choice(ADDRESSES)
    return RespondToNonCanonicalChallenge(Uint64(env), sender, exit_id, signed, inclusion)


def has_open(exit: InFlightExit, side: PiggybackSide) -> bool:
    """Return whether one side of the exit has an open piggyback."""
    piggybacks = exit.input_piggybacks if side == PiggybackSide.INPUT else exit.output_piggybacks
    return any(piggyback.status == PiggybackStatus.OPEN for piggyback in piggybacks)


def pick_open_index(chooser: Chooser, exit: InFlightExit, side: PiggybackSide) -> int:
    """Return an open piggyback's index on one side (mostly), or any index, or one past the end."""
    piggybacks = exit.input_piggybacks if side == PiggybackSide.INPUT else exit.output_piggybacks
    open_ones = [i for i, p in enumerate(piggybacks) if p.status == PiggybackStatus.OPEN]
    if open_ones and not chooser.is_rare(5):
        return chooser.choice(open_ones)
    return chooser.pick(len(piggybacks) + 1)


def draw_input_spent(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw a challenge showing a piggybacked input spent elsewhere, or a flawed one."""
    entry = pick_exit(chooser, state, lambda entry: has_open(entry[2], PiggybackSide.INPUT))
    if entry is None:
        return draw_piggyback(chooser, state, knowledge)
    env, _, exit = entry
    index = pick_open_index(chooser, exit, PiggybackSide.INPUT)
    position = exit.transaction.inputs[min(index, len(exit.inputs) - 1)]
    owner = exit.inputs[min(index, len(exit.inputs) - 1)].owner
    spending = make_spend(chooser, env, (position,), knowledge, owner=owner)
    spending_index, variant = 0, chooser.pick(6)
    if variant == 0:
        spending = find_signed(knowledge, env, exit.transaction) or spending
    elif variant == 1:
        spending_index = 1
    elif variant == 2:
        spending = spoil(chooser, env, spending)
    exit_id = draw_exit_id(chooser, state, entry)
    return ChallengeInFlightInputSpent(
        Uint64(env),
        chooser.choice(ADDRESSES),
        exit_id,
        Uint8(index),
        spending,
        Uint8(spending_index),
    )


def draw_output_spent(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw a challenge: a piggybacked output of an included payment spent (or a flawed one)."""
    entry = pick_exit(chooser, state, lambda entry: has_open(entry[2], PiggybackSide.OUTPUT))
    if entry is None:
        return draw_piggyback(chooser, state, knowledge)
    env, _, exit = entry
    index = pick_open_index(chooser, exit, PiggybackSide.OUTPUT)
    signed = find_signed(knowledge, env, exit.transaction)
    assert signed is not None, "every exit started in a run is of a known payment"
    inclusion = find_inclusion(state, knowledge, env, signed)
    variant = chooser.pick(8)
    if inclusion is None or variant == 0:
        inclusion = TransactionInclusion(
            TransactionPosition(Uint64(1), Uint16(0)), (Hash32.zero(),)
        )
    where = inclusion.position
    spent = OutputPosition(where.block_number, where.transaction_index, Uint8(index))
    owner = exit.transaction.outputs[min(index, len(exit.transaction.outputs) - 1)].owner
    spending = make_spend(chooser, env, (spent,), knowledge, owner=owner)
    if variant == 1:
        signed = make_spend(chooser, env, exit.transaction.inputs[:1], knowledge)
    elif variant == 2:
        spending = spoil(chooser, env, spending)
    spending_index = 1 if variant == 3 else 0
    exit_id = draw_exit_id(chooser, state, entry)
    return ChallengeInFlightOutputSpent(
        Uint64(env),
        chooser.choice(ADDRESSES),
        exit_id,
        Uint8(index),
        signed,
        inclusion,
        spending,
        Uint8(spending_index),
    )


def draw_delete(chooser: Chooser, state: SettlementState, knowledge: Knowledge) -> Operation | None:
    """Draw the deletion of an in-flight exit (mostly one nobody piggybacked)."""
    entry = pick_exit(
        chooser,
        state,
        lambda entry: all(
            p.status == PiggybackStatus.NONE
            for p in entry[2].input_piggybacks + entry[2].output_piggybacks
        ),
    )
    if entry is None:
        return draw_start(chooser, state, knowledge)
    exit_id = draw_exit_id(chooser, state, entry)
    return DeleteInFlightExit(Uint64(entry[0]), chooser.choice(ADDRESSES), exit_id)


IN_FLIGHT_DRAWERS = (
    (draw_start, 4),
    (draw_piggyback, 8),
    (draw_canonicity, 3),
    (draw_response, 3),
    (draw_input_spent, 2),
    (draw_output_spent, 3),
    (draw_delete, 1),
)
"""Each in-flight drawer, with how often it is drawn relative to the others."""


def draw_in_flight(
    chooser: Chooser, state: SettlementState, knowledge: Knowledge
) -> Operation | None:
    """Draw one in-flight exit operation; None when the run knows no payment to exit yet."""
    drawers = [drawer for drawer, weight in IN_FLIGHT_DRAWERS for _ in range(weight)]
    return chooser.choice(drawers)(chooser, state, knowledge)
