"""Exit cases: starting, challenging and processing standard exits of deposit outputs.

Alice deposits 100 of token A and starts the exit of that deposit; the
challenges then show her a payment spending it, signed (or not) by her.
"""

from __future__ import annotations

from conformance.case_library.worlds import (
    ALICE,
    BOB,
    ENVIRONMENT,
    TOKEN_A,
    deposit,
    make_deposit_exit,
    make_output,
    make_payment,
    make_position,
    start_settlement,
    wait_past_finalization,
)
from conformance.cases import TraceBuilder, case
from fixtures import (
    WATCHER,
    Actor,
    make_high_s_signature,
    make_malformed_signature,
    make_unrecoverable_signature,
)
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Uint8, Uint32, Uint64
from spec.settlement.operations import ProcessExits


def start_alice_exit(preset: Preset) -> tuple[TraceBuilder, int]:
    """Return a builder after Alice's deposit of 100 and her exit's start; and its block."""
    builder = start_settlement(preset)
    number = deposit(builder, ALICE, 100)
    builder.apply(make_deposit_exit(builder, ALICE, number, 100))
    return builder, number


def make_spend(number: int, signer: Actor = ALICE) -> SignedTransaction:
    """Return a payment spending the deposit of block ``number`` to Bob, signed by ``signer``."""
    return make_payment([make_position(number)], [make_output(BOB, 100, TOKEN_A)], [signer])


def challenge(payment: SignedTransaction, input_index: int = 0) -> ChallengeStandardExit:
    """Return Bob's challenge of exit 0 with ``payment``."""
    return ChallengeStandardExit(ENVIRONMENT, BOB.address, Uint64(0), payment, Uint8(input_index))


@case(RejectionReason.EXIT_ALREADY_STARTED)
def start_exit_twice(preset: Preset) -> TraceBuilder:
    """An output has at most one exit, ever: starting it again is refused."""
    builder, number = start_alice_exit(preset)
    builder.apply(make_deposit_exit(builder, ALICE, number, 100))
    return builder


@case(None)
def challenge_with_owner_signed_spend(preset: Preset) -> TraceBuilder:
    """Bob shows Alice's signed spend of her exiting output: the exit ends, he gets the bond."""
    builder, number = start_alice_exit(preset)
    builder.apply(challenge(make_spend(number)))
    return builder


@case(RejectionReason.EXIT_NOT_OPEN)
def challenge_twice(preset: Preset) -> TraceBuilder:
    """A challenged exit cannot be challenged again."""
    builder, number = start_alice_exit(preset)
    builder.apply(challenge(make_spend(number)))
    builder.apply(challenge(make_spend(number)))
    return builder


@case(RejectionReason.UNKNOWN_EXIT)
def challenge_unknown_exit(preset: Preset) -> TraceBuilder:
    """A challenge naming an exit id nobody started is refused."""
    builder, number = start_alice_exit(preset)
    payment = make_spend(number)
    builder.apply(ChallengeStandardExit(ENVIRONMENT, BOB.address, Uint64(5), payment, Uint8(0)))
    return builder


@case(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def challenge_naming_a_missing_input(preset: Preset) -> TraceBuilder:
    """The challenge's input index must name the exiting output; index 1 names nothing."""
    builder, number = start_alice_exit(preset)
    builder.apply(challenge(make_spend(number), input_index=1))
    return builder


@case(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def challenge_with_spend_signed_by_another(preset: Preset) -> TraceBuilder:
    """A spend of Alice's output signed by Bob proves nothing against her exit."""
    builder, number = start_alice_exit(preset)
    builder.apply(challenge(make_spend(number, signer=BOB)))
    return builder


@case(RejectionReason.SIGNATURE_MALFORMED)
def challenge_with_malformed_signature(preset: Preset) -> TraceBuilder:
    """A challenge whose signature has r = 0 is refused before any recovery."""
    builder, number = start_alice_exit(preset)
    payment = make_spend(number)
    bad = make_malformed_signature(payment.signatures[0])
    builder.apply(challenge(SignedTransaction(payment.transaction, (bad,))))
    return builder


@case(RejectionReason.SIGNATURE_HIGH_S)
def challenge_with_high_s_signature(preset: Preset) -> TraceBuilder:
    """The malleable twin of Alice's signature (s above n/2) is refused."""
    builder, number = start_alice_exit(preset)
    payment = make_spend(number)
    twin = make_high_s_signature(payment.signatures[0])
    builder.apply(challenge(SignedTransaction(payment.transaction, (twin,))))
    return builder


@case(RejectionReason.SIGNATURE_UNRECOVERABLE)
def challenge_with_unrecoverable_signature(preset: Preset) -> TraceBuilder:
    """A signature whose r is the x of no curve point recovers no key."""
    builder, number = start_alice_exit(preset)
    payment = make_spend(number)
    bad = make_unrecoverable_signature()
    builder.apply(challenge(SignedTransaction(payment.transaction, (bad,))))
    return builder


@case(RejectionReason.OUTPUT_AMOUNT_ZERO)
def challenge_with_a_shapeless_spend(preset: Preset) -> TraceBuilder:
    """A spend paying an output of zero could be in no block: refused with its shape reason."""
    builder, number = start_alice_exit(preset)
    zero = make_payment([make_position(number)], [make_output(BOB, 0, TOKEN_A)], [ALICE])
    builder.apply(challenge(zero))
    return builder


@case(None)
def challenge_with_an_unbalanced_spend(preset: Preset) -> TraceBuilder:
    """A well-formed spend need not balance: Alice signing 100 away as 1000 still spent it."""
    builder, number = start_alice_exit(preset)
    greedy = make_payment([make_position(number)], [make_output(BOB, 1000, TOKEN_A)], [ALICE])
    builder.apply(challenge(greedy))
    return builder


@case(None)
def process_exits_oldest_output_first(preset: Preset) -> TraceBuilder:
    """Two mature exits, one processed: the older output is paid though its exit started later.

    Bob's deposit is younger than Alice's but he starts his exit first; both
    mature at the same time, so priority falls to the position.
    """
    builder = start_settlement(preset)
    alice_block = deposit(builder, ALICE, 100)
    bob_block = deposit(builder, BOB, 70)
    builder.apply(make_deposit_exit(builder, BOB, bob_block, 70))
    builder.apply(make_deposit_exit(builder, ALICE, alice_block, 100))
    wait_past_finalization(builder)
    builder.apply(ProcessExits(ENVIRONMENT, WATCHER.address, TOKEN_A, Uint32(1)))
    return builder


@case(RejectionReason.PROCESS_LIMIT_ZERO)
def process_zero_exits(preset: Preset) -> TraceBuilder:
    """A request to process at most zero exits is refused."""
    builder, _ = start_alice_exit(preset)
    wait_past_finalization(builder)
    builder.apply(ProcessExits(ENVIRONMENT, WATCHER.address, TOKEN_A, Uint32(0)))
    return builder


@case(RejectionReason.NO_EXIT_TO_PROCESS)
def process_before_maturity(preset: Preset) -> TraceBuilder:
    """An exit that has not survived its challenge window cannot be processed yet."""
    builder, _ = start_alice_exit(preset)
    builder.apply(ProcessExits(ENVIRONMENT, WATCHER.address, TOKEN_A, Uint32(1)))
    return builder
