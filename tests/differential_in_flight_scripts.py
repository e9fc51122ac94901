"""Scripted in-flight histories for the differential tests: the stories random runs seldom tell.

Each script builds a payments world with :class:`~tests.in_flight_worlds.InFlightWorld`
(deposits and committed blocks, published or withheld), then plays a story of
the More Viable Plasma exit game step by step through a
:class:`~tests.differential.DifferentialPair`, so the spec and the reference
are compared after every step. The stories are the ones a random run reaches
only by luck: a competitor included before the in-flight payment (the
response is too young), a spent output of an included payment, a standard
exit and an in-flight exit racing for one output through the merged queue
(the loser skipped or unpaid), a decided exit answered too late.
"""

from __future__ import annotations

from collections.abc import Callable

from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.records import PiggybackSide
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64
from spec.settlement.operations import AdvanceTime
from spec.settlement.transition import Operation
from tests.differential import DifferentialPair
from tests.harness import EXIT_BOND, make_proof, make_world, pay
from tests.in_flight_worlds import ENV, HALF, PERIOD, InFlightWorld, make_withheld_payment_world
from tests.support import ALICE, ALICE_KEY, BOB, CAROL, CAROL_KEY

INPUT, OUTPUT = PiggybackSide.INPUT, PiggybackSide.OUTPUT


class ScriptRun:
    """A world whose later steps go through a differential pair; the world follows the spec."""

    def __init__(self, world: InFlightWorld) -> None:
        """Start comparing from the world's current state (its blocks are all committed)."""
        self.world = world
        """The world: its witnesses build the operations."""
        self.pair = DifferentialPair(world.state)
        """The spec and the reference, stepped together."""

    def step(self, operation: Operation, expected: RejectionReason | None = None) -> None:
        """Apply an operation to both; check the spec's outcome is ``expected``."""
        reason = self.pair.step(operation)
        assert reason == expected, f"{operation!r}: {reason}, expected {expected}"
        self.world.state = self.pair.state

    def advance(self, seconds: int) -> None:
        """Move both clocks forward."""
        self.step(AdvanceTime(Uint64(int(self.world.state.time) + seconds)))


def play_decided_outputs() -> DifferentialPair:
    """Carol's output paid by a canonical exit; Alice's input then finalized and unpaid."""
    story = make_withheld_payment_world()
    world, payment = story.world, story.payment
    run = ScriptRun(world)
    run.step(world.start(payment))
    run.step(world.start(payment), RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED)
    run.step(world.piggyback(CAROL, OUTPUT, 0))
    run.step(world.piggyback(CAROL, OUTPUT, 0), RejectionReason.PIGGYBACK_ALREADY_MADE)
    run.step(world.piggyback(BOB, INPUT, 0), RejectionReason.PIGGYBACK_NOT_BY_OWNER)
    run.step(world.piggyback(ALICE, INPUT, 0))
    run.step(world.respond(BOB, payment), RejectionReason.RESPONSE_WITHOUT_CHALLENGE)
    run.step(world.delete(BOB), RejectionReason.PIGGYBACK_PERIOD_NOT_OVER)
    run.advance(HALF)
    run.step(world.piggyback(BOB, INPUT, 1), RejectionReason.PIGGYBACK_PERIOD_OVER)
    run.step(world.delete(BOB), RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED)
    run.advance(2 * PERIOD)
    run.step(world.process(max_exits=1))
    # Alice's deposit is finalized by the exit: her standard exit of it cannot start
    transactions = world.blocks[int(story.alice_deposit.block_number)]
    start = StartStandardExit(
        Uint64(ENV), ALICE, story.alice_deposit, transactions[0],
        make_proof(world.state, transactions, 0), EXIT_BOND,
    )  # fmt: skip
    run.step(start, RejectionReason.OUTPUT_ALREADY_FINALIZED)
    run.step(world.respond(BOB, payment), RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED)
    return run.pair


def make_double_spend_world() -> tuple[InFlightWorld, SignedTransaction, SignedTransaction]:
    """Return a world where Alice spent her deposit to Bob, then again to Carol, both included."""
    world = InFlightWorld(make_world())
    deposit = world.deposit(ALICE, 100)
    first = pay(ENV, [(deposit, ALICE_KEY)], [(BOB, 100)])
    world.commit([first])
    second = pay(ENV, [(deposit, ALICE_KEY)], [(CAROL, 60), (ALICE, 40)])
    world.commit([second])
    world.advance(10)
    return world, first, second


def play_competitor_older() -> DifferentialPair:
    """The second spend exits in flight; the first, included earlier, wins the canonicity game."""
    world, first, second = make_double_spend_world()
    run = ScriptRun(world)
    run.step(world.start(second))
    run.step(world.piggyback(ALICE, INPUT, 0))
    run.step(world.piggyback(CAROL, OUTPUT, 0))
    run.step(world.challenge(BOB, second), RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
    run.step(world.challenge(BOB, first, 1), RejectionReason.COMPETITOR_NOT_SPENDING_INPUT)
    run.step(world.challenge(BOB, first, included=False))
    run.step(world.respond(CAROL, second))
    run.step(world.challenge(BOB, first))
    run.step(world.challenge(BOB, first), RejectionReason.COMPETITOR_NOT_OLDER)
    run.step(world.respond(CAROL, first), RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH)
    run.step(world.respond(CAROL, second), RejectionReason.RESPONSE_NOT_OLDER)
    run.step(
        world.input_spent(BOB, 0, first, at=1), RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK
    )
    run.step(world.input_spent(BOB, 0, second), RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION)
    run.step(world.input_spent(BOB, 0, first))
    run.step(world.input_spent(BOB, 0, first), RejectionReason.PIGGYBACK_NOT_OPEN)
    # Carol spent her output of the included payment: her piggyback is shown spent
    where = world.find(second)
    spent = OutputPosition(where.block_number, where.transaction_index, Uint8(0))
    spend = pay(ENV, [(spent, CAROL_KEY)], [(BOB, 60)])
    run.step(world.output_spent(BOB, 0, second, spend, at=1),
             RejectionReason.CHALLENGE_NOT_SPENDING_PIGGYBACK)  # fmt: skip
    run.step(world.output_spent(BOB, 0, second, spend))
    run.advance(HALF + 2 * PERIOD)
    # Every piggyback was shown spent: processing only decides the exit (bond to the challenger)
    run.step(world.process())
    run.step(world.process(), RejectionReason.NO_EXIT_TO_PROCESS)
    return run.pair


def play_decided_inputs() -> DifferentialPair:
    """A non-canonical exit pays Alice's input back; Carol's output piggyback goes unpaid."""
    world, first, second = make_double_spend_world()
    run = ScriptRun(world)
    run.step(world.start(second))
    run.step(world.piggyback(ALICE, INPUT, 0))
    run.step(world.piggyback(CAROL, OUTPUT, 0))
    run.step(world.challenge(BOB, first))
    run.advance(HALF)
    run.step(world.challenge(BOB, first), RejectionReason.CANONICITY_PERIOD_OVER)
    run.advance(2 * PERIOD)
    run.step(world.process(NATIVE_TOKEN, 1))
    return run.pair


def play_race_for_an_output() -> DifferentialPair:
    """Carol exits her output twice, standard and in flight; the merged queue pays it once."""
    world, _, second = make_double_spend_world()
    run = ScriptRun(world)
    run.step(world.start(second))
    run.step(world.piggyback(CAROL, OUTPUT, 0))
    run.step(world.piggyback(ALICE, OUTPUT, 1))
    where = world.find(second)
    position = OutputPosition(where.block_number, where.transaction_index, Uint8(0))
    transactions = world.blocks[int(where.block_number)]
    proof = make_proof(world.state, transactions, int(where.transaction_index))
    start = StartStandardExit(
        Uint64(ENV), CAROL, position, transactions[int(where.transaction_index)], proof, EXIT_BOND
    )
    run.step(start)
    run.advance(3 * PERIOD)
    run.step(world.process(NATIVE_TOKEN, 1))
    run.step(world.process(NATIVE_TOKEN, 5))
    run.step(world.process(), RejectionReason.NO_EXIT_TO_PROCESS)
    run.step(world.delete(BOB, exit_id=1), RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
    return run.pair


def play_deleted_and_restarted() -> DifferentialPair:
    """An exit nobody piggybacked is deleted, refused afterwards, and the payment exits again."""
    story = make_withheld_payment_world()
    world, payment = story.world, story.payment
    run = ScriptRun(world)
    run.step(world.start(payment))
    run.advance(HALF)
    run.step(world.delete(BOB))
    run.step(world.piggyback(CAROL, OUTPUT, 0), RejectionReason.IN_FLIGHT_EXIT_DELETED)
    run.step(world.start(payment, sender=BOB))
    run.step(world.piggyback(BOB, INPUT, 1, exit_id=1))
    run.step(world.piggyback(ALICE, INPUT, 0, exit_id=1))
    run.advance(3 * PERIOD)
    run.step(world.process())
    return run.pair


SCRIPTS: tuple[Callable[[], DifferentialPair], ...] = (
    play_decided_outputs,
    play_competitor_older,
    play_decided_inputs,
    play_race_for_an_output,
    play_deleted_and_restarted,
)
"""Every scripted in-flight history; each returns its pair after the last step."""
