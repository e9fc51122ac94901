"""In-flight exits processed: which side is paid, the shared finalized marks, bonds and bounty."""

from __future__ import annotations

from fixtures import PROCESSING_BOUNTY, WATCHER
from spec.environments.payments.marks import get_finalizing_exit
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    DepositTransaction,
    Output,
    compute_output_id,
    compute_payment_output_id,
)
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from spec.settlement.state import ExitStatus, get_balance
from tests.harness import EXIT_BOND, make_exit, pay
from tests.in_flight_worlds import (
    ENV,
    PERIOD,
    make_withheld_payment_world,
)
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    MALLORY,
    TOKEN_A,
    rejects,
)

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT


def test_canonical_exit_pays_the_piggybacked_output_and_retires_the_inputs() -> None:
    """Given Alice and Bob paid Carol 150 in a withheld block, and Carol exits it in flight.

    When Carol piggybacks her output and the exit is processed at its exitable time,
    Then Carol is paid 150, both deposits are marked settled by the in-flight exit,
    Carol's bond comes back less the bounty, which the processor gets.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    exitable = world.exit().exitable_at[NATIVE_TOKEN]
    world.advance(int(exitable - world.state.time))
    carol_before = get_balance(world.state, CAROL, NATIVE_TOKEN)
    watcher_before = get_balance(world.state, WATCHER.address, NATIVE_TOKEN)
    world.apply(world.process())
    exit = world.exit()
    assert exit.outcome == InFlightOutcome.OUTPUTS
    assert [p.status for p in exit.output_piggybacks] == [PiggybackStatus.PAID]
    carol_gain = get_balance(world.state, CAROL, NATIVE_TOKEN) - carol_before
    # paid 150, her piggyback bond back less the bounty, and the exit's own bond (she started it)
    assert carol_gain == 150 + (EXIT_BOND - PROCESSING_BOUNTY) + EXIT_BOND
    assert get_balance(world.state, WATCHER.address, NATIVE_TOKEN) - watcher_before == (
        PROCESSING_BOUNTY
    )
    own = ExitReference(ExitKind.IN_FLIGHT, Uint64(0))
    environment = world.state.environments[ENV]
    for output_id in exit.input_ids:
        assert get_finalizing_exit(environment, output_id) == own
    assert environment.bonds_held == 0


def test_exitable_time_is_two_periods_after_the_youngest_input_or_one_after_now() -> None:
    """Given an in-flight exit of a payment whose youngest input is Bob's deposit.

    When the first piggyback comes right away, and (in another world) 5 periods later,
    Then the exitable time is that deposit's time + 2 MFP, and then now + MFP.
    """
    story = make_withheld_payment_world()
    world = story.world
    deposit_time = world.state.environments[ENV].blocks[story.bob_deposit.block_number].timestamp
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    assert world.exit().exitable_at[NATIVE_TOKEN] == deposit_time + 2 * PERIOD
    late = make_withheld_payment_world().world
    late.advance(5 * PERIOD)
    late.apply(late.start(story.payment, sender=CAROL))
    late.apply(late.piggyback(CAROL, OUTPUT, 0))
    assert late.exit().exitable_at[NATIVE_TOKEN] == late.state.time + PERIOD


def test_non_canonical_exit_pays_the_piggybacked_inputs() -> None:
    """Given the withheld payment, and Alice's double spend of her deposit in a later block.

    When the exit is challenged with that double spend, Bob piggybacks his input and
    Carol her output, and the exit is processed,
    Then Bob gets his 50 back, Carol is not paid, and both their bonds come back.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.commit([double])
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(BOB, INPUT, 1))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.challenge(MALLORY, double))
    assert not world.exit().canonical
    world.advance(3 * PERIOD)
    bob_before = get_balance(world.state, BOB, NATIVE_TOKEN)
    carol_before = get_balance(world.state, CAROL, NATIVE_TOKEN)
    world.apply(world.process())
    exit = world.exit()
    assert exit.outcome == InFlightOutcome.INPUTS
    assert [p.status for p in exit.input_piggybacks] == [PiggybackStatus.NONE, PiggybackStatus.PAID]
    assert [p.status for p in exit.output_piggybacks] == [PiggybackStatus.UNPAID]
    assert get_balance(world.state, BOB, NATIVE_TOKEN) - bob_before == 50 + EXIT_BOND - 10
    assert get_balance(world.state, CAROL, NATIVE_TOKEN) - carol_before == EXIT_BOND - 10


def test_response_with_an_older_inclusion_restores_canonicity() -> None:
    """Given the withheld payment challenged with Alice's later double spend.

    When Carol shows the payment included before the double spend,
    Then the exit is canonical again, Carol holds its bond, and Carol is paid at processing.
    """
    story = make_withheld_payment_world()
    world = story.world
    double = pay(ENV, [(story.alice_deposit, ALICE_KEY)], [(MALLORY, 100)])
    world.commit([double])
    world.apply(world.start(story.payment, sender=ALICE))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.challenge(MALLORY, double))
    world.apply(world.respond(CAROL, story.payment))
    assert world.exit().canonical
    assert world.exit().bond_owner == CAROL
    world.advance(3 * PERIOD)
    carol_before = get_balance(world.state, CAROL, NATIVE_TOKEN)
    world.apply(world.process())
    assert get_balance(world.state, CAROL, NATIVE_TOKEN) - carol_before == (
        150 + EXIT_BOND - 10 + EXIT_BOND
    )


def test_an_input_settled_by_a_standard_exit_sends_the_exit_to_its_inputs() -> None:
    """Given Alice's standard exit of her deposit, paid before the in-flight exit matures.

    When the in-flight exit (Bob's input and Carol's output piggybacked) is processed,
    Then it pays inputs: Bob gets his 50 (one co-signer's exit does not block the other),
    Carol nothing; Alice's deposit stays settled by her standard exit.
    """
    story = make_withheld_payment_world()
    world = story.world
    deposit = DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(100)))
    world.apply(make_exit(world.state, ENV, ALICE, story.alice_deposit, [deposit]))
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(BOB, INPUT, 1))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.piggyback(ALICE, INPUT, 0))
    world.advance(3 * PERIOD)
    bob_before = get_balance(world.state, BOB, NATIVE_TOKEN)
    world.apply(world.process())
    exit = world.exit()
    assert world.state.environments[ENV].exits[Uint64(0)].status == ExitStatus.PROCESSED
    assert exit.outcome == InFlightOutcome.INPUTS
    assert [p.status for p in exit.input_piggybacks] == [
        PiggybackStatus.UNPAID,
        PiggybackStatus.PAID,
    ]
    assert get_balance(world.state, BOB, NATIVE_TOKEN) - bob_before == 50 + EXIT_BOND - 10
    alice_id = compute_output_id(deposit, story.alice_deposit)
    assert get_finalizing_exit(world.state.environments[ENV], alice_id) == ExitReference(
        ExitKind.STANDARD, Uint64(0)
    )


def test_a_standard_exit_behind_a_canonical_in_flight_exit_is_skipped() -> None:
    """Given a canonical in-flight exit, and Alice's standard exit of her spent deposit behind it.

    When the standard exit reaches processing,
    Then it is skipped: nothing paid, status skipped, Alice's bond returned.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.advance(2 * PERIOD)  # so the standard exit matures after the in-flight one
    deposit = DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(100)))
    world.apply(make_exit(world.state, ENV, ALICE, story.alice_deposit, [deposit]))
    world.advance(3 * PERIOD)
    alice_before = get_balance(world.state, ALICE, NATIVE_TOKEN)
    world.apply(world.process())
    standard = world.state.environments[ENV].exits[Uint64(0)]
    assert world.exit().outcome == InFlightOutcome.OUTPUTS
    assert (standard.status, standard.paid) == (ExitStatus.SKIPPED, 0)
    assert get_balance(world.state, ALICE, NATIVE_TOKEN) - alice_before == EXIT_BOND


@rejects(RejectionReason.OUTPUT_ALREADY_FINALIZED)
def test_a_standard_exit_of_a_retired_input_is_refused() -> None:
    """Given the canonical in-flight exit was processed and retired Alice's deposit.

    When Alice starts a standard exit of that deposit,
    Then it is rejected with OUTPUT_ALREADY_FINALIZED.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.advance(3 * PERIOD)
    world.apply(world.process())
    deposit = DepositTransaction(Output(ALICE, NATIVE_TOKEN, Uint256(100)))
    world.reject(make_exit(world.state, ENV, ALICE, story.alice_deposit, [deposit]))


@rejects(RejectionReason.OUTPUT_ALREADY_FINALIZED)
def test_a_standard_exit_of_an_output_paid_in_flight_is_refused() -> None:
    """Given the in-flight exit paid Carol's output; the block was published afterwards.

    When Carol starts a standard exit of that same output,
    Then it is rejected with OUTPUT_ALREADY_FINALIZED (its id does not depend on position).
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.advance(3 * PERIOD)
    world.apply(world.process())
    paid = compute_payment_output_id(story.payment.transaction, 0)
    assert get_finalizing_exit(world.state.environments[ENV], paid) is not None
    position = world.find(story.payment)
    output = OutputPosition(position.block_number, position.transaction_index, Uint8(0))
    world.reject(
        make_exit(world.state, ENV, CAROL, output, world.blocks[int(position.block_number)])
    )


def test_each_token_is_processed_apart_on_the_side_decided_first() -> None:
    """Given a payment with a native output to Carol and a token-A output to Bob, in flight.

    When both are piggybacked and the native queue is processed, then the token-A queue,
    Then the exit is decided once (outputs), Carol is paid at the first and Bob at the second.
    """
    world = make_withheld_payment_world().world
    alice = world.deposit(ALICE, 100)
    bob_a = world.deposit(BOB, 30, TOKEN_A)
    payment = pay(
        ENV,
        [(alice, ALICE_KEY), (bob_a, BOB_KEY)],
        [Output(CAROL, NATIVE_TOKEN, Uint256(100)), Output(BOB, TOKEN_A, Uint256(30))],
    )
    world.commit([payment])
    world.apply(world.start(payment, sender=CAROL))
    world.apply(world.piggyback(CAROL, OUTPUT, 0))
    world.apply(world.piggyback(BOB, OUTPUT, 1))
    world.advance(3 * PERIOD)
    world.apply(world.process(NATIVE_TOKEN))
    assert [p.status for p in world.exit().output_piggybacks] == [
        PiggybackStatus.PAID,
        PiggybackStatus.OPEN,
    ]
    bob_before = get_balance(world.state, BOB, TOKEN_A)
    world.apply(world.process(TOKEN_A))
    assert [p.status for p in world.exit().output_piggybacks] == [
        PiggybackStatus.PAID,
        PiggybackStatus.PAID,
    ]
    assert get_balance(world.state, BOB, TOKEN_A) - bob_before == 30
    assert world.exit().processed_tokens == (NATIVE_TOKEN, TOKEN_A)


@rejects(RejectionReason.NO_EXIT_TO_PROCESS)
def test_an_exit_nobody_piggybacked_is_not_queued() -> None:
    """Given an in-flight exit nobody piggybacked, long past its period.

    When the native queue is processed,
    Then it is rejected with NO_EXIT_TO_PROCESS: the exit waits in no queue.
    """
    story = make_withheld_payment_world()
    world = story.world
    world.apply(world.start(story.payment, sender=CAROL))
    world.advance(5 * PERIOD)
    world.reject(world.process())
