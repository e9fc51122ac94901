"""Standard exits: start, challenge, process; exitable times and priority."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures import WATCHER
from spec.crypto import SECP256K1_ORDER, compute_address_of_private_key
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.transactions import FeeClaim, Output
from spec.errors import Rejected, RejectionReason
from spec.primitives import NATIVE_TOKEN, Signature, Uint8, Uint32, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import ExitStatus, SettlementState, get_balance, get_vault_balance
from tests.harness import (
    EXIT_BOND,
    FUNDS,
    advance,
    apply,
    apply_rejected,
    commit_block,
    deposit,
    make_exit,
    make_world,
    pay,
    position_of,
)
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    CAROL,
    MALLORY,
    MALLORY_KEY,
    OPERATOR,
    TOKEN_A,
    make_private_key,
    rejects,
)

PERIOD = 100  # the tiny preset's minimal finalization period, used by the test environments


def process(env: int = 0, token: object = NATIVE_TOKEN, max_exits: int = 10) -> ProcessExits:
    """Return a ProcessExits call."""
    return ProcessExits(Uint64(env), WATCHER.address, token, Uint32(max_exits))  # type: ignore[arg-type]


def alice_deposit_exit(amount: int = 100) -> SettlementState:
    """Return a world where Alice deposited ``amount`` and started the exit of that deposit."""
    state, made = deposit(make_world(), 0, ALICE, amount)
    return apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))


# Start


def test_deposit_exit_matures_one_period_after_it_starts() -> None:
    """Given Alice deposited 100.

    When she starts its exit at time t,
    Then the exit is open with exitable time t + MFP, and her bond is held.
    """
    state = alice_deposit_exit()
    exit = state.environments[0].exits[Uint64(0)]
    assert exit.status == ExitStatus.OPEN
    assert exit.exitable_at == state.time + PERIOD
    assert (exit.owner, exit.amount, exit.bond) == (ALICE, 100, EXIT_BOND)
    assert state.environments[0].bonds_held == EXIT_BOND
    assert get_balance(state, ALICE, NATIVE_TOKEN) == FUNDS - 100 - EXIT_BOND


def test_young_output_waits_two_periods_from_its_block() -> None:
    """Given Alice paid Bob in a child block committed at time b.

    When Bob exits at once,
    Then his exit is exitable at b + 2 MFP (not start + MFP).
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state, number = commit_block(state, 0, [payment])
    block_time = state.time
    state = apply(state, make_exit(state, 0, BOB, position_of(number, 0), [payment]))
    assert state.environments[0].exits[Uint64(0)].exitable_at == block_time + 2 * PERIOD


def test_old_output_waits_one_period_from_the_exit() -> None:
    """Given Bob's output in a block committed 5 MFP ago.

    When Bob exits now, at time t,
    Then his exit is exitable at t + MFP.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state, number = commit_block(state, 0, [payment])
    state = advance(state, 5 * PERIOD)
    state = apply(state, make_exit(state, 0, BOB, position_of(number, 0), [payment]))
    assert state.environments[0].exits[Uint64(0)].exitable_at == state.time + PERIOD


def test_operator_can_exit_its_fee_claim() -> None:
    """Given a block where Alice paid a fee of 10 and the operator claimed it.

    When the operator exits the fee claim's output and it matures,
    Then the operator is paid 10.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 90)])
    claim = FeeClaim(Output(OPERATOR, NATIVE_TOKEN, Uint256(10)))
    state, number = commit_block(state, 0, [payment, claim])
    state = apply(state, make_exit(state, 0, OPERATOR, position_of(number, 1), [payment, claim]))
    state = apply(advance(state, 2 * PERIOD), process())
    assert state.environments[0].exits[Uint64(0)].paid == 10


@rejects(RejectionReason.UNKNOWN_BLOCK)
def test_exit_from_uncommitted_block_is_rejected() -> None:
    """Given a payment that was never committed (block 4 does not exist).

    When Bob exits its output at (4, 0, 0),
    Then the exit is rejected with UNKNOWN_BLOCK.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    apply_rejected(state, make_exit(state, 0, BOB, position_of(4, 0), [payment]))


@rejects(RejectionReason.INCLUSION_PROOF_INVALID)
def test_exit_with_transaction_not_in_block_is_rejected() -> None:
    """Given a committed block holding Alice's payment to Bob.

    When Mallory exits a payment to herself at the same position, with Bob's proof,
    Then the exit is rejected with INCLUSION_PROOF_INVALID.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state, number = commit_block(state, 0, [payment])
    forged = pay(0, [(made.position, MALLORY_KEY)], [(MALLORY, 100)])
    operation = make_exit(state, 0, MALLORY, position_of(number, 0), [payment])
    apply_rejected(state, replace(operation, transaction=forged))


@rejects(RejectionReason.INCLUSION_PROOF_INVALID)
def test_exit_at_wrong_transaction_index_is_rejected() -> None:
    """Given a block of two payments, the second to Bob.

    When Bob exits the second payment's output claiming it is at index 0,
    Then the exit is rejected with INCLUSION_PROOF_INVALID.
    """
    state, first = deposit(make_world(), 0, ALICE, 100)
    state, second = deposit(state, 0, CAROL, 100)
    payments = [
        pay(0, [(first.position, ALICE_KEY)], [(ALICE, 100)]),
        pay(0, [(second.position, make_private_key("carol"))], [(BOB, 100)]),
    ]
    state, number = commit_block(state, 0, payments)
    operation = make_exit(state, 0, BOB, position_of(number, 1), payments)
    apply_rejected(state, replace(operation, position=position_of(number, 0)))


@rejects(RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
def test_exit_of_missing_output_index_is_rejected() -> None:
    """Given a payment with one output.

    When Bob exits output index 1 of it,
    Then the exit is rejected with OUTPUT_INDEX_OUT_OF_RANGE.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state, number = commit_block(state, 0, [payment])
    apply_rejected(state, make_exit(state, 0, BOB, position_of(number, 0, 1), [payment]))


@rejects(RejectionReason.EXIT_NOT_BY_OWNER)
def test_exit_by_someone_else_is_rejected() -> None:
    """Given Alice's deposit.

    When Mallory starts its exit,
    Then the exit is rejected with EXIT_NOT_BY_OWNER.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    apply_rejected(state, make_exit(state, 0, MALLORY, made.position, [made.transaction]))


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_exit_with_short_bond_is_rejected() -> None:
    """Given Alice's deposit and an exit bond B.

    When Alice exits with bond B - 1,
    Then the exit is rejected with EXIT_BOND_WRONG_AMOUNT.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    operation = make_exit(
        state, 0, ALICE, made.position, [made.transaction], bond=int(EXIT_BOND) - 1
    )
    apply_rejected(state, operation)


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_exit_with_excess_bond_is_rejected() -> None:
    """Given Alice's deposit and an exit bond B.

    When Alice exits with bond B + 1,
    Then the exit is rejected with EXIT_BOND_WRONG_AMOUNT (the bond is exact).
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    operation = make_exit(
        state, 0, ALICE, made.position, [made.transaction], bond=int(EXIT_BOND) + 1
    )
    apply_rejected(state, operation)


@rejects(RejectionReason.EXIT_ALREADY_STARTED)
def test_second_exit_of_same_output_is_rejected() -> None:
    """Given Alice's open exit of her deposit.

    When she starts the same exit again,
    Then it is rejected with EXIT_ALREADY_STARTED.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    operation = make_exit(state, 0, ALICE, made.position, [made.transaction])
    apply_rejected(apply(state, operation), operation)


@rejects(RejectionReason.INSUFFICIENT_FUNDS)
def test_exit_without_funds_for_the_bond_is_rejected() -> None:
    """Given Dave, who owns a child-chain output but holds nothing on the settlement layer.

    When Dave starts its exit,
    Then it is rejected with INSUFFICIENT_FUNDS.
    """
    dave = compute_address_of_private_key(make_private_key("dave"))
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(dave, 100)])
    state, number = commit_block(state, 0, [payment])
    apply_rejected(state, make_exit(state, 0, dave, position_of(number, 0), [payment]))


# Challenge


def spend_and_exit_spent_deposit() -> tuple[SettlementState, ChallengeStandardExit]:
    """Return a world where Alice paid her deposit to Bob, then exited the deposit anyway.

    Also return the challenge Bob can make with Alice's signed payment.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state, _ = commit_block(state, 0, [payment])
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    return state, ChallengeStandardExit(Uint64(0), BOB, Uint64(0), payment, Uint8(0))


def test_challenge_with_owner_signed_spend_cancels_exit_and_pays_bond() -> None:
    """Given Alice exiting a deposit she already paid to Bob.

    When Bob challenges with Alice's signed payment,
    Then the exit is challenged for good and Bob receives the bond.
    """
    state, challenge = spend_and_exit_spent_deposit()
    state = apply(state, challenge)
    assert state.environments[0].exits[Uint64(0)].status == ExitStatus.CHALLENGED
    assert get_balance(state, BOB, NATIVE_TOKEN) == FUNDS + EXIT_BOND
    assert state.environments[0].bonds_held == 0


def test_challenge_after_maturity_before_processing_succeeds() -> None:
    """Given Alice's exit of a spent deposit, past its exitable time but not processed.

    When Bob challenges,
    Then the challenge succeeds and later processing finds nothing to pay.
    """
    state, challenge = spend_and_exit_spent_deposit()
    state = apply(advance(state, 3 * PERIOD), challenge)
    assert state.environments[0].exits[Uint64(0)].status == ExitStatus.CHALLENGED
    assert get_vault_balance(state.environments[0], NATIVE_TOKEN) == 100


def test_challenge_spend_need_not_be_in_any_block() -> None:
    """Given Alice exiting her unspent deposit after signing (but never publishing) a spend of it.

    When Bob challenges with that signed spend,
    Then the challenge succeeds: the owner's signature alone shows the output is spent.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    unpublished = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    state = apply(state, ChallengeStandardExit(Uint64(0), BOB, Uint64(0), unpublished, Uint8(0)))
    assert state.environments[0].exits[Uint64(0)].status == ExitStatus.CHALLENGED


@rejects(RejectionReason.EXIT_ALREADY_STARTED)
def test_challenged_output_cannot_exit_again() -> None:
    """Given Alice's exit of a spent deposit, challenged.

    When Alice starts the same exit again,
    Then it is rejected with EXIT_ALREADY_STARTED (cancelled for good).
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    operation = make_exit(state, 0, ALICE, made.position, [made.transaction])
    state = apply(state, operation)
    state = apply(state, ChallengeStandardExit(Uint64(0), BOB, Uint64(0), payment, Uint8(0)))
    apply_rejected(state, operation)


@rejects(RejectionReason.UNKNOWN_EXIT)
def test_challenge_of_unknown_exit_is_rejected() -> None:
    """Given an environment with one exit (id 0).

    When Bob challenges exit 1,
    Then the challenge is rejected with UNKNOWN_EXIT.
    """
    state, challenge = spend_and_exit_spent_deposit()
    apply_rejected(state, replace(challenge, exit_id=Uint64(1)))


@rejects(RejectionReason.EXIT_NOT_OPEN)
def test_second_challenge_is_rejected() -> None:
    """Given an exit already challenged.

    When it is challenged again,
    Then the challenge is rejected with EXIT_NOT_OPEN (the bond is paid once).
    """
    state, challenge = spend_and_exit_spent_deposit()
    apply_rejected(apply(state, challenge), challenge)


@rejects(RejectionReason.EXIT_NOT_OPEN)
def test_challenge_of_processed_exit_is_rejected() -> None:
    """Given Alice's exit of a spent deposit, processed before anyone challenged.

    When Bob challenges it,
    Then the challenge is rejected with EXIT_NOT_OPEN (a processed exit is final).
    """
    state, challenge = spend_and_exit_spent_deposit()
    state = apply(advance(state, PERIOD), process())
    apply_rejected(state, challenge)


@rejects(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def test_challenge_with_unrelated_spend_is_rejected() -> None:
    """Given Alice's honest exit of her unspent deposit, and another deposit of hers spent.

    When Mallory challenges the exit with the spend of the other deposit,
    Then the challenge is rejected with CHALLENGE_NOT_SPENDING_EXIT.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state, other = deposit(state, 0, ALICE, 5)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    unrelated = pay(0, [(other.position, ALICE_KEY)], [(MALLORY, 5)])
    operation = ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), unrelated, Uint8(0))
    apply_rejected(state, operation)


@rejects(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def test_challenge_with_input_index_out_of_range_is_rejected() -> None:
    """Given a valid spend of the exiting output at input 0.

    When the challenge names input index 4,
    Then it is rejected with CHALLENGE_NOT_SPENDING_EXIT.
    """
    state, challenge = spend_and_exit_spent_deposit()
    apply_rejected(state, replace(challenge, input_index=Uint8(4)))


@rejects(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def test_challenge_with_spend_signed_by_someone_else_is_rejected() -> None:
    """Given Alice's honest exit of her unspent deposit.

    When Mallory challenges with a payment of that deposit that Mallory signed,
    Then the challenge is rejected with CHALLENGE_NOT_SIGNED_BY_OWNER and Alice's exit stays open.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    forged = pay(0, [(made.position, MALLORY_KEY)], [(MALLORY, 100)])
    apply_rejected(state, ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), forged, Uint8(0)))


@rejects(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def test_challenge_with_unsigned_spend_is_rejected() -> None:
    """Given Alice's honest exit of her unspent deposit.

    When Mallory challenges with a spend of it carrying no signature,
    Then the challenge is rejected with TX_SIGNATURE_COUNT_MISMATCH: a spend
    must have the shape of a payment, one signature per input.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    spend = pay(0, [(made.position, ALICE_KEY)], [(MALLORY, 100)])
    unsigned = replace(spend, signatures=())
    apply_rejected(state, ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), unsigned, Uint8(0)))


@rejects(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def test_challenge_with_spend_signed_for_another_environment_is_rejected() -> None:
    """Given Alice's exit in environment 0 and her signed spend of the same position in env 1.

    When Mallory challenges with the env-1 signature,
    Then it is rejected with CHALLENGE_NOT_SIGNED_BY_OWNER (signatures are per environment).
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    elsewhere = pay(1, [(made.position, ALICE_KEY)], [(MALLORY, 100)])
    apply_rejected(state, ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), elsewhere, Uint8(0)))


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_challenge_with_malleated_signature_is_rejected() -> None:
    """Given Alice's real spend of her exiting deposit.

    When it is presented with the high-s twin of her signature,
    Then the challenge is rejected with SIGNATURE_HIGH_S.
    """
    state, challenge = spend_and_exit_spent_deposit()
    signature = challenge.spending_transaction.signatures[0]
    s = int.from_bytes(signature[32:64], "big")
    twin = Signature(
        signature[:32] + (SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([signature[64] ^ 1])
    )
    malleated = replace(challenge.spending_transaction, signatures=(twin,))
    apply_rejected(state, replace(challenge, spending_transaction=malleated))


# Process


def test_processing_pays_owner_and_returns_bond_at_exitable_time() -> None:
    """Given Alice's deposit exit with exitable time T.

    When exits are processed at T - 1 and then at T,
    Then nothing is paid at T - 1; at T Alice gets 100 and her bond back and the vault is empty.
    """
    state = alice_deposit_exit()
    exitable = state.environments[0].exits[Uint64(0)].exitable_at
    state = advance(state, int(exitable - state.time) - 1)
    with pytest.raises(Rejected) as early:
        apply_rejected(state, process())
    assert early.value.reason == RejectionReason.NO_EXIT_TO_PROCESS
    state = apply(advance(state, 1), process())
    assert state.environments[0].exits[Uint64(0)].status == ExitStatus.PROCESSED
    assert get_balance(state, ALICE, NATIVE_TOKEN) == FUNDS
    assert get_vault_balance(state.environments[0], NATIVE_TOKEN) == 0


def test_exits_are_paid_in_priority_order_and_stop_at_the_first_immature() -> None:
    """Given three exits: Bob's young child-block output, and two deposits exited later.

    When processing at a time where only the deposits are mature,
    Then both deposits are paid in position order, and Bob's exit stays open.
    """
    state, first = deposit(make_world(), 0, ALICE, 100)
    payment = pay(0, [(first.position, ALICE_KEY)], [(BOB, 100)])
    state, number = commit_block(state, 0, [payment])
    state = apply(state, make_exit(state, 0, BOB, position_of(number, 0), [payment]))
    state, second = deposit(state, 0, CAROL, 30)
    state, third = deposit(state, 0, ALICE, 20)
    state = apply(state, make_exit(state, 0, ALICE, third.position, [third.transaction]))
    state = apply(state, make_exit(state, 0, CAROL, second.position, [second.transaction]))
    state = apply(advance(state, PERIOD), process())
    exits = state.environments[0].exits
    statuses = [exits[Uint64(i)].status for i in range(3)]
    assert statuses == [ExitStatus.OPEN, ExitStatus.PROCESSED, ExitStatus.PROCESSED]


def test_processing_honours_the_limit() -> None:
    """Given two mature deposit exits.

    When processing with a limit of 1,
    Then only the one with the higher priority (older position) is paid.
    """
    state, first = deposit(make_world(), 0, ALICE, 10)
    state, second = deposit(state, 0, BOB, 10)
    state = apply(state, make_exit(state, 0, BOB, second.position, [second.transaction]))
    state = apply(state, make_exit(state, 0, ALICE, first.position, [first.transaction]))
    state = apply(advance(state, PERIOD), process(max_exits=1))
    exits = state.environments[0].exits
    assert [exits[Uint64(i)].status for i in range(2)] == [ExitStatus.OPEN, ExitStatus.PROCESSED]


def test_queues_are_per_token() -> None:
    """Given mature exits of a native deposit and of a token-A deposit.

    When the token-A queue is processed,
    Then only the token-A exit is paid.
    """
    state, native = deposit(make_world(), 0, ALICE, 10)
    state, other = deposit(state, 0, ALICE, 10, TOKEN_A)
    state = apply(state, make_exit(state, 0, ALICE, native.position, [native.transaction]))
    state = apply(state, make_exit(state, 0, ALICE, other.position, [other.transaction]))
    state = apply(advance(state, PERIOD), process(token=TOKEN_A))
    exits = state.environments[0].exits
    assert [exits[Uint64(i)].status for i in range(2)] == [ExitStatus.OPEN, ExitStatus.PROCESSED]
    assert get_balance(state, ALICE, TOKEN_A) == FUNDS


def test_vault_never_pays_more_than_it_holds() -> None:
    """Given a vault holding 100 and an unchallenged exit of 150 from an invalid block.

    When it is processed,
    Then it is paid 100 (what the vault holds), and the vault is empty, not negative.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    inflated = pay(0, [(made.position, MALLORY_KEY)], [(MALLORY, 150)])  # invalid: not Alice's
    state, number = commit_block(state, 0, [inflated])
    state = apply(state, make_exit(state, 0, MALLORY, position_of(number, 0), [inflated]))
    state = apply(advance(state, 2 * PERIOD), process())
    assert state.environments[0].exits[Uint64(0)].paid == 100
    assert get_vault_balance(state.environments[0], NATIVE_TOKEN) == 0


@rejects(RejectionReason.PROCESS_LIMIT_ZERO)
def test_processing_with_zero_limit_is_rejected() -> None:
    """Given a mature exit.

    When exits are processed with a limit of 0,
    Then the call is rejected with PROCESS_LIMIT_ZERO.
    """
    apply_rejected(advance(alice_deposit_exit(), PERIOD), process(max_exits=0))


@rejects(RejectionReason.NO_EXIT_TO_PROCESS)
def test_processing_an_immature_queue_is_rejected() -> None:
    """Given one exit that matures in MFP seconds.

    When exits are processed now,
    Then the call is rejected with NO_EXIT_TO_PROCESS.
    """
    apply_rejected(alice_deposit_exit(), process())


@rejects(RejectionReason.NO_EXIT_TO_PROCESS)
def test_processing_an_empty_queue_is_rejected() -> None:
    """Given an environment with no exits.

    When exits are processed,
    Then the call is rejected with NO_EXIT_TO_PROCESS.
    """
    apply_rejected(make_world(), process())


@rejects(RejectionReason.TX_NO_OUTPUTS)
def test_challenge_with_a_spend_creating_nothing_is_rejected() -> None:
    """Given Alice's honest exit of her deposit, and her signature on a payment with no outputs.

    When Mallory challenges with that payment,
    Then it is rejected with TX_NO_OUTPUTS: no block could hold it, so it spends nothing.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    empty = pay(0, [(made.position, ALICE_KEY)], [])
    apply_rejected(state, ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), empty, Uint8(0)))


def test_challenge_with_an_unbalanced_spend_is_accepted() -> None:
    """Given Alice's exit of her deposit of 100, and her signed payment of 500 from it.

    When Mallory challenges with that payment (well formed, but creating more than it spends),
    Then the exit is cancelled: the owner's signature on a well-formed spend gives the output
    away, whatever the other inputs would have had to hold.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    state = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    overspend = pay(0, [(made.position, ALICE_KEY)], [(MALLORY, 500)])
    state = apply(state, ChallengeStandardExit(Uint64(0), MALLORY, Uint64(0), overspend, Uint8(0)))
    assert state.environments[0].exits[Uint64(0)].status == ExitStatus.CHALLENGED
