"""In-flight exits: starting one, piggybacking on it, deleting it; one test per rule."""

from __future__ import annotations

from dataclasses import replace

from fixtures import make_rules
from spec.environments.payments.in_flight import StartInFlightExit
from spec.environments.payments.records import (
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import DepositTransaction, Output, SignedTransaction
from spec.errors import RejectionReason
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from spec.settlement.operations import RegisterEnvironment
from spec.settlement.state import EnvironmentKind, get_balance
from tests.harness import EXIT_BOND, pay
from tests.in_flight_worlds import ENV, HALF, make_withheld_payment_world
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    CAROL,
    MALLORY,
    MALLORY_KEY,
    OPERATOR,
    rejects,
)

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT


def with_one_input(start: StartInFlightExit, payment: SignedTransaction) -> StartInFlightExit:
    """Return ``start`` for ``payment`` (one input), keeping the first input's witness."""
    return replace(
        start,
        transaction=payment,
        input_transactions=start.input_transactions[:1],
        input_proofs=start.input_proofs[:1],
    )


# Start


def test_start_records_the_exit_and_takes_its_bond() -> None:
    """Given Alice and Bob paid Carol 150 in a withheld block.

    When Carol starts the in-flight exit of the payment,
    Then the exit is recorded canonical, undecided, unqueued, with both inputs' owners and
    the youngest input's position, and Carol's bond is held.
    """
    story = make_withheld_payment_world()
    world = story.world
    before = get_balance(world.state, CAROL, NATIVE_TOKEN)
    world.apply(world.start(story.payment, sender=CAROL))
    exit = world.exit()
    assert exit.canonical and exit.outcome == InFlightOutcome.UNDECIDED
    assert exit.status == InFlightExitStatus.ACTIVE
    assert [output.owner for output in exit.inputs] == [ALICE, BOB]
    assert exit.youngest_input == story.bob_deposit
    assert exit.exitable_at == {}
    assert exit.bond_owner == CAROL
    assert before - get_balance(world.state, CAROL, NATIVE_TOKEN) == EXIT_BOND
    assert world.state.environments[ENV].bonds_held == EXIT_BOND


@rejects(RejectionReason.TX_DUPLICATE_INPUT)
def test_start_with_a_duplicated_input_is_rejected() -> None:
    """Given Alice signed a payment naming her deposit twice, to take 200 from 100.

    When anyone starts its in-flight exit,
    Then it is rejected with TX_DUPLICATE_INPUT (duplicate inputs would multiply the exit).
    """
    story = make_withheld_payment_world()
    double = pay(
        ENV, [(story.alice_deposit, ALICE_KEY), (story.alice_deposit, ALICE_KEY)], [(MALLORY, 200)]
    )
    story.world.reject(story.world.start(double, sender=MALLORY))


@rejects(RejectionReason.IN_FLIGHT_WITNESS_COUNT_MISMATCH)
def test_start_missing_an_input_witness_is_rejected() -> None:
    """Given the withheld payment of two inputs.

    When its exit is started with one input transaction and one proof only,
    Then it is rejected with IN_FLIGHT_WITNESS_COUNT_MISMATCH.
    """
    story = make_withheld_payment_world()
    start = story.world.start(story.payment, sender=CAROL)
    short = replace(
        start,
        input_transactions=start.input_transactions[:1],
        input_proofs=start.input_proofs[:1],
    )
    story.world.reject(short)


@rejects(RejectionReason.INCLUSION_PROOF_INVALID)
def test_start_with_a_wrong_input_transaction_is_rejected() -> None:
    """Given the withheld payment.

    When its exit is started claiming Alice's deposit held 1000,
    Then it is rejected with INCLUSION_PROOF_INVALID: the claimed transaction is not in the block.
    """
    story = make_withheld_payment_world()
    start = story.world.start(story.payment, sender=CAROL)
    forged = DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(1000)))
    story.world.reject(replace(start, input_transactions=(forged, start.input_transactions[1])))


@rejects(RejectionReason.UNKNOWN_BLOCK)
def test_start_spending_an_uncommitted_block_is_rejected() -> None:
    """Given a payment spending an output of a block that was never committed.

    When its exit is started,
    Then it is rejected with UNKNOWN_BLOCK.
    """
    story = make_withheld_payment_world()
    start = story.world.start(story.payment, sender=CAROL)
    ghost = replace(story.alice_deposit, block_number=Uint64(999))
    payment = pay(ENV, [(ghost, ALICE_KEY)], [(CAROL, 100)])
    story.world.reject(with_one_input(start, payment))


@rejects(RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
def test_start_spending_a_missing_output_index_is_rejected() -> None:
    """Given a payment naming output 3 of Alice's deposit, which has one output.

    When its exit is started with the deposit as that input's transaction,
    Then it is rejected with OUTPUT_INDEX_OUT_OF_RANGE.
    """
    story = make_withheld_payment_world()
    start = story.world.start(story.payment, sender=CAROL)
    beyond = replace(story.alice_deposit, output_index=Uint8(3))
    payment = pay(ENV, [(beyond, ALICE_KEY)], [(CAROL, 100)])
    story.world.reject(with_one_input(start, payment))


@rejects(RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
def test_start_of_a_payment_creating_more_than_it_spends_is_rejected() -> None:
    """Given Alice signed a payment of 500 from her deposit of 100.

    When its exit is started,
    Then it is rejected with TX_OUTPUTS_EXCEED_INPUTS.
    """
    story = make_withheld_payment_world()
    greedy = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(CAROL, 500)])
    story.world.reject(story.world.start(greedy, sender=CAROL))


@rejects(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def test_start_of_a_payment_not_signed_by_an_input_owner_is_rejected() -> None:
    """Given Mallory signed a payment spending Alice's deposit to herself.

    When Mallory starts its in-flight exit,
    Then it is rejected with TX_INPUT_NOT_SIGNED_BY_OWNER.
    """
    story = make_withheld_payment_world()
    theft = pay(ENV, [(story.alice_deposit, MALLORY_KEY)], [(MALLORY, 100)])
    story.world.reject(story.world.start(theft, sender=MALLORY))


@rejects(RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED)
def test_second_start_of_the_same_payment_is_rejected() -> None:
    """Given the in-flight exit of the withheld payment is active.

    When Bob starts it again (with other signatures' bytes or not, the body is the same),
    Then it is rejected with IN_FLIGHT_EXIT_ALREADY_STARTED.
    """
    story = make_withheld_payment_world()
    story.world.apply(story.world.start(story.payment, sender=CAROL))
    story.world.reject(story.world.start(story.payment, sender=BOB))


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_start_with_a_short_bond_is_rejected() -> None:
    """Given the withheld payment.

    When Carol starts its exit with a bond one below the environment's,
    Then it is rejected with EXIT_BOND_WRONG_AMOUNT.
    """
    story = make_withheld_payment_world()
    story.world.reject(story.world.start(story.payment, sender=CAROL, bond=int(EXIT_BOND) - 1))


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_start_in_a_cash_environment_is_rejected() -> None:
    """Given a Plasma Cash environment beside the payments one.

    When an in-flight exit names the Cash environment,
    Then it is rejected with ENVIRONMENT_KIND_MISMATCH.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(RegisterEnvironment(OPERATOR, EnvironmentKind.CASH, make_rules()))
    world.advance(10_000)
    world.reject(replace(world.start(story.payment, sender=CAROL), environment_id=Uint64(1)))


# Piggyback


def test_piggyback_queues_the_exit_for_its_token_once() -> None:
    """Given the in-flight exit of the withheld payment.

    When Bob piggybacks his input and Carol her output (both native),
    Then both piggybacks are open, the exit is queued once for the native token, and two
    piggyback bonds are held besides the exit's.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(BOB, INPUT, 1))
    first = world.exit().exitable_at
    world.advance(5)
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    exit = world.exit()
    assert exit.input_piggybacks[1].status == PiggybackStatus.OPEN
    assert exit.output_piggybacks[0].status == PiggybackStatus.OPEN
    assert exit.exitable_at == first
    assert world.state.environments[ENV].bonds_held == 3 * EXIT_BOND


@rejects(RejectionReason.PIGGYBACK_PERIOD_OVER)
def test_piggyback_at_the_end_of_the_first_phase_is_rejected() -> None:
    """Given the in-flight exit started at time s.

    When Carol piggybacks at exactly s + MFP/2 (the first instant outside the first phase),
    Then it is rejected with PIGGYBACK_PERIOD_OVER.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(HALF)
    world.reject(world.piggyback(CAROL, OUTPUT, 0))


def test_piggyback_at_the_last_instant_of_the_first_phase_is_accepted() -> None:
    """Given the in-flight exit started at time s.

    When Carol piggybacks at s + MFP/2 - 1,
    Then the piggyback is accepted.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(HALF - 1)
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    assert world.exit().output_piggybacks[0].status == PiggybackStatus.OPEN


@rejects(RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
def test_piggyback_of_a_missing_output_is_rejected() -> None:
    """Given the in-flight exit of a payment with one output.

    When Carol piggybacks output 1,
    Then it is rejected with PIGGYBACK_INDEX_OUT_OF_RANGE.
    """
    story = make_withheld_payment_world()
    story.world.apply(story.world.start(story.payment, sender=CAROL))
    story.world.reject(story.world.piggyback(CAROL, OUTPUT, 1))


@rejects(RejectionReason.PIGGYBACK_NOT_BY_OWNER)
def test_piggyback_by_someone_else_is_rejected() -> None:
    """Given the in-flight exit of the withheld payment.

    When Mallory piggybacks Carol's output,
    Then it is rejected with PIGGYBACK_NOT_BY_OWNER.
    """
    story = make_withheld_payment_world()
    story.world.apply(story.world.start(story.payment, sender=CAROL))
    story.world.reject(story.world.piggyback(MALLORY, OUTPUT, 0))


@rejects(RejectionReason.PIGGYBACK_ALREADY_MADE)
def test_second_piggyback_of_one_output_is_rejected() -> None:
    """Given Carol piggybacked her output.

    When she piggybacks it again,
    Then it is rejected with PIGGYBACK_ALREADY_MADE.
    """
    story = make_withheld_payment_world()
    story.world.apply(story.world.start(story.payment, sender=CAROL))
    story.world.apply(story.world.piggyback(CAROL, OUTPUT, 0))
    story.world.reject(story.world.piggyback(CAROL, OUTPUT, 0))


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_piggyback_with_a_wrong_bond_is_rejected() -> None:
    """Given the in-flight exit of the withheld payment.

    When Carol piggybacks with a bond of 1,
    Then it is rejected with EXIT_BOND_WRONG_AMOUNT.
    """
    story = make_withheld_payment_world()
    story.world.apply(story.world.start(story.payment, sender=CAROL))
    story.world.reject(replace(story.world.piggyback(CAROL, OUTPUT, 0), bond=Uint256(1)))


@rejects(RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
def test_piggyback_on_an_unknown_exit_is_rejected() -> None:
    """Given no in-flight exit was started.

    When Carol piggybacks in-flight exit 0,
    Then it is rejected with UNKNOWN_IN_FLIGHT_EXIT.
    """
    story = make_withheld_payment_world()
    story.world.reject(story.world.piggyback(CAROL, OUTPUT, 0))


# Delete


def test_delete_returns_the_bond_and_lets_the_payment_exit_again() -> None:
    """Given an in-flight exit nobody piggybacked, past its first phase.

    When Mallory deletes it,
    Then it is deleted, its bond goes back to Carol (its bond owner), and a new in-flight
    exit of the same payment may start (id 1).
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(HALF)
    before = get_balance(world.state, CAROL, NATIVE_TOKEN)
    world.apply(world.delete(MALLORY))
    assert world.exit().status == InFlightExitStatus.DELETED
    assert get_balance(world.state, CAROL, NATIVE_TOKEN) - before == EXIT_BOND
    assert world.state.environments[ENV].bonds_held == 0
    world.apply(world.start(story.payment, sender=BOB))
    assert world.exit(1).status == InFlightExitStatus.ACTIVE


@rejects(RejectionReason.PIGGYBACK_PERIOD_NOT_OVER)
def test_delete_during_the_first_phase_is_rejected() -> None:
    """Given an in-flight exit started at s, nobody piggybacked.

    When it is deleted at s + MFP/2 - 1,
    Then it is rejected with PIGGYBACK_PERIOD_NOT_OVER: owners may still piggyback.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(HALF - 1)
    world.reject(world.delete(MALLORY))


@rejects(RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED)
def test_delete_of_a_piggybacked_exit_is_rejected() -> None:
    """Given Carol piggybacked the exit, and the first phase is over.

    When Mallory deletes it,
    Then it is rejected with IN_FLIGHT_EXIT_PIGGYBACKED.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.advance(HALF)
    world.reject(world.delete(MALLORY))


@rejects(RejectionReason.IN_FLIGHT_EXIT_DELETED)
def test_piggyback_on_a_deleted_exit_is_rejected() -> None:
    """Given a deleted in-flight exit.

    When Carol piggybacks it,
    Then it is rejected with IN_FLIGHT_EXIT_DELETED.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(HALF)
    world.apply(world.delete(MALLORY))
    world.reject(world.piggyback(CAROL, OUTPUT, 0))
