"""Payments child chain: deposits, payments, fee claims and exits, and every rejection.

Every post-state a test produces goes through ``assert_invariants``, which
evaluates all four child-chain invariant checks on the step.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from spec.crypto import SECP256K1_ORDER
from spec.environments.payments.chain import (
    ChildChainState,
    apply_block,
    apply_deposit,
    apply_exit,
    compute_genesis_child_chain,
    compute_output_totals,
    get_unspent_value,
)
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    sign_transaction,
)
from spec.errors import RejectionReason
from spec.invariants.payments.chain import (
    check_no_double_spend,
    check_output_validity,
    check_spent_is_permanent,
    check_value_conservation,
)
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Address, Signature, Uint8, Uint16, Uint64, Uint256
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    CAROL_KEY,
    MALLORY_KEY,
    OPERATOR,
    OPERATOR_KEY,
    TOKEN_A,
    TOKEN_B,
    rejects,
)

ENVIRONMENT_ID = Uint64(3)
"""Environment the test chains run as; signatures are bound to it."""

BLOCK_SIZE_LIMIT = 2 ** int(TINY.transaction_tree_depth)
"""Most transactions a block holds in the test chains, 2**3 (= 8)."""

KEYS = {ALICE: ALICE_KEY, BOB: BOB_KEY, CAROL: CAROL_KEY, OPERATOR: OPERATOR_KEY}
"""Private key of each actor that owns outputs in the random runs."""

SECP256K1_FIELD_PRIME = 2**256 - 2**32 - 977
"""The prime ``p`` of secp256k1's base field; the curve is ``y^2 = x^3 + 7`` over it."""


# Helpers


def assert_invariants(pre: ChildChainState, post: ChildChainState) -> None:
    """Assert every child-chain invariant holds on the step from ``pre`` to ``post``."""
    violations = (
        check_output_validity(post)
        + check_value_conservation(post)
        + check_no_double_spend(post)
        + check_spent_is_permanent(pre, post)
    )
    assert violations == []


def make_genesis() -> ChildChainState:
    """Return an empty chain run by OPERATOR with the tiny preset's tree depth."""
    return compute_genesis_child_chain(ENVIRONMENT_ID, OPERATOR, TINY.transaction_tree_depth)


def next_number(state: ChildChainState) -> Uint64:
    """Return the number the next block or deposit takes."""
    return state.block_number + 1


def position(block_number: int, transaction_index: int, output_index: int = 0) -> OutputPosition:
    """Return an output position."""
    return OutputPosition(Uint64(block_number), Uint16(transaction_index), Uint8(output_index))


def output(owner: Address, amount: int, token: Address = NATIVE_TOKEN) -> Output:
    """Return an output of ``amount`` of ``token`` owned by ``owner``."""
    return Output(owner, token, Uint256(amount))


def pay(
    inputs: Sequence[tuple[OutputPosition, bytes]], outputs: Sequence[Output]
) -> SignedTransaction:
    """Return a payment of ``inputs`` (position, signing key) into ``outputs``."""
    transaction = Transaction(tuple(p for p, _ in inputs), tuple(outputs))
    return sign_transaction(ENVIRONMENT_ID, transaction, [key for _, key in inputs])


def deposit(
    state: ChildChainState, owner: Address, amount: int, token: Address = NATIVE_TOKEN
) -> tuple[ChildChainState, OutputPosition]:
    """Apply a deposit at the next number; check the invariants; return the output's position."""
    post = apply_deposit(
        state, next_number(state), DepositTransaction(output(owner, amount, token))
    )
    assert_invariants(state, post)
    return post, position(post.block_number, 0)


def block(state: ChildChainState, *transactions: BlockTransaction) -> ChildChainState:
    """Apply a block of ``transactions`` at the next number; check the invariants."""
    post = apply_block(state, next_number(state), Block(transactions))
    assert_invariants(state, post)
    return post


def exit_output(state: ChildChainState, exited: OutputPosition) -> ChildChainState:
    """Apply a processed exit; check the invariants."""
    post = apply_exit(state, exited)
    assert_invariants(state, post)
    return post


def make_funded() -> tuple[ChildChainState, OutputPosition]:
    """Return a chain where Alice deposited 100 of the native token (at block 1)."""
    return deposit(make_genesis(), ALICE, 100)


def make_paid() -> tuple[ChildChainState, SignedTransaction]:
    """Return a chain where block 2 holds Alice's payment of 90 to Bob, paying a fee of 10."""
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    return block(state, payment), payment


def apply_next_block(state: ChildChainState, *transactions: BlockTransaction) -> ChildChainState:
    """Apply a block expected to be rejected (no invariant check: it raises)."""
    return apply_block(state, next_number(state), Block(transactions))


def with_signature(
    payment: SignedTransaction, r: int, s: int, recovery_id: int
) -> SignedTransaction:
    """Return ``payment`` with its first signature replaced by ``r ‖ s ‖ recovery_id``."""
    forged = Signature(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id]))
    return SignedTransaction(payment.transaction, (forged, *payment.signatures[1:]))


def is_curve_x_coordinate(x: int) -> bool:
    """Return whether some point of secp256k1 has x coordinate ``x`` (x^3 + 7 is a square)."""
    p = SECP256K1_FIELD_PRIME
    return pow(x**3 + 7, (p - 1) // 2, p) in (0, 1)


# Valid steps


def test_genesis_is_empty() -> None:
    """Given nothing.

    When a child chain is created,
    Then it has no outputs, no totals, block number 0, and every invariant holds.
    """
    state = make_genesis()
    assert (state.block_number, dict(state.utxos), state.spent) == (0, {}, frozenset())
    assert_invariants(state, state)


def test_deposit_enters_the_utxo_set() -> None:
    """Given an empty chain.

    When Alice's deposit of 100 is applied as block 1,
    Then her output is unspent at (1, 0, 0) and the native token's deposited total is 100.
    """
    state, made = make_funded()
    assert state.utxos == {made: output(ALICE, 100)}
    assert made == position(1, 0)
    assert state.block_number == 1
    assert state.deposited == {NATIVE_TOKEN: 100}
    assert get_unspent_value(state, NATIVE_TOKEN) == 100


def test_payment_moves_value() -> None:
    """Given Alice's deposit of 100.

    When she pays 60 to Bob and 40 back to herself in block 2,
    Then her deposit is spent and the two new outputs are at (2, 0, 0) and (2, 0, 1).
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 60), output(ALICE, 40)])
    state = block(state, payment)
    assert state.utxos == {position(2, 0, 0): output(BOB, 60), position(2, 0, 1): output(ALICE, 40)}
    assert state.spent == {funds}
    assert state.fees_paid == {}


def test_multi_token_payment_pays_fees_per_token() -> None:
    """Given Alice's deposit of 100 native tokens and Bob's of 50 of token A.

    When both pay in one transaction: 95 native to Bob and 45 of token A to Alice,
    Then the fees are 5 native and 5 of token A, and the unspent value drops by them.
    """
    state, alice_funds = make_funded()
    state, bob_funds = deposit(state, BOB, 50, TOKEN_A)
    payment = pay(
        [(alice_funds, ALICE_KEY), (bob_funds, BOB_KEY)],
        [output(BOB, 95), output(ALICE, 45, TOKEN_A)],
    )
    state = block(state, payment)
    assert state.fees_paid == {NATIVE_TOKEN: 5, TOKEN_A: 5}
    assert get_unspent_value(state, NATIVE_TOKEN) == 95
    assert get_unspent_value(state, TOKEN_A) == 45


def test_later_transaction_spends_an_earlier_output_of_the_same_block() -> None:
    """Given Alice's deposit of 100.

    When one block holds Alice paying 100 to Bob, then Bob paying 100 to Carol,
    Then Bob's output was created and spent in the block, and Carol holds 100 at (2, 1, 0).
    """
    state, funds = make_funded()
    to_bob = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    to_carol = pay([(position(2, 0), BOB_KEY)], [output(CAROL, 100)])
    state = block(state, to_bob, to_carol)
    assert state.utxos == {position(2, 1): output(CAROL, 100)}
    assert state.spent == {funds, position(2, 0)}


def test_block_of_exactly_the_size_limit_is_accepted() -> None:
    """Given Alice's deposit of 100.

    When a block of 2**depth payments passes the value along a chain, each spending the last,
    Then the block is accepted and the last output is at index 2**depth - 1.
    """
    state, funds = make_funded()
    payments = [pay([(funds, ALICE_KEY)], [output(ALICE, 100)])]
    for index in range(1, BLOCK_SIZE_LIMIT):
        payments.append(pay([(position(2, index - 1), ALICE_KEY)], [output(ALICE, 100)]))
    state = block(state, *payments)
    assert state.utxos == {position(2, BLOCK_SIZE_LIMIT - 1): output(ALICE, 100)}


def test_empty_block_only_advances_the_block_number() -> None:
    """Given Alice's deposit at block 1.

    When an empty block is applied at block 2,
    Then only the block number changes.
    """
    state, _ = make_funded()
    post = block(state)
    assert post.block_number == 2
    assert post.utxos == state.utxos


def test_fee_claim_takes_exactly_the_fees() -> None:
    """Given Alice's deposit of 100.

    When a block holds her payment of 90 to Bob (fee 10) then the operator's claim of 10,
    Then the operator's output is at (2, 1, 0) and all the fees are claimed.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    state = block(state, payment, FeeClaim(output(OPERATOR, 10)))
    assert state.utxos[position(2, 1)] == output(OPERATOR, 10)
    assert state.fees_paid == state.fees_claimed == {NATIVE_TOKEN: 10}


def test_fee_claims_may_split_the_fees() -> None:
    """Given Alice's deposit of 100.

    When a block holds her payment with fee 10, then claims of 4 and 6,
    Then both claims are accepted.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    claims = (FeeClaim(output(OPERATOR, 4)), FeeClaim(output(OPERATOR, 6)))
    state = block(state, payment, *claims)
    assert state.fees_claimed == {NATIVE_TOKEN: 10}


def test_exit_removes_the_output() -> None:
    """Given Alice's unspent deposit of 100.

    When its exit is processed,
    Then the output leaves the UTXO set (without being marked spent) and exited grows by 100.
    """
    state, funds = make_funded()
    state = exit_output(state, funds)
    assert state.utxos == {}
    assert state.spent == frozenset()
    assert state.exited == {NATIVE_TOKEN: 100}


# Rejections: block and deposit numbering, block size


@rejects(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def test_block_at_the_last_number_is_rejected() -> None:
    """Given a deposit applied as block 1.

    When a block is applied at number 1 again,
    Then it is rejected with BLOCK_NUMBER_NOT_INCREASING.
    """
    state, _ = make_funded()
    apply_block(state, Uint64(1), Block(()))


@rejects(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def test_deposit_at_an_earlier_number_is_rejected() -> None:
    """Given an empty block applied as block 5.

    When a deposit is applied at number 4,
    Then it is rejected with BLOCK_NUMBER_NOT_INCREASING.
    """
    state = apply_block(make_genesis(), Uint64(5), Block(()))
    apply_deposit(state, Uint64(4), DepositTransaction(output(ALICE, 1)))


@rejects(RejectionReason.BLOCK_TOO_LARGE)
def test_block_over_the_size_limit_is_rejected() -> None:
    """Given an empty chain.

    When a block holds 2**depth + 1 transactions,
    Then it is rejected with BLOCK_TOO_LARGE before any transaction is looked at.
    """
    claims = [FeeClaim(output(OPERATOR, 1))] * (BLOCK_SIZE_LIMIT + 1)
    apply_next_block(make_genesis(), *claims)


# Rejections: positive amounts


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_deposit_of_zero_is_rejected() -> None:
    """Given an empty chain.

    When a deposit of 0 is applied,
    Then it is rejected with OUTPUT_AMOUNT_ZERO.
    """
    apply_deposit(make_genesis(), Uint64(1), DepositTransaction(output(ALICE, 0)))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_payment_output_of_zero_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays 100 to Bob plus an output of 0 to Carol,
    Then it is rejected with OUTPUT_AMOUNT_ZERO.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(BOB, 100), output(CAROL, 0)]))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_fee_claim_of_zero_is_rejected() -> None:
    """Given an empty chain.

    When a block holds a fee claim of 0,
    Then it is rejected with OUTPUT_AMOUNT_ZERO.
    """
    apply_next_block(make_genesis(), FeeClaim(output(OPERATOR, 0)))


# Rejections: payment shape


@rejects(RejectionReason.TX_NO_INPUTS)
def test_payment_without_inputs_is_rejected() -> None:
    """Given an empty chain.

    When a block holds a payment with no inputs creating 100 for Alice,
    Then it is rejected with TX_NO_INPUTS.
    """
    apply_next_block(make_genesis(), pay([], [output(ALICE, 100)]))


@rejects(RejectionReason.TX_TOO_MANY_INPUTS)
def test_payment_with_too_many_inputs_is_rejected() -> None:
    """Given MAX_INPUTS + 1 deposits of Alice.

    When she spends them all in one payment,
    Then it is rejected with TX_TOO_MANY_INPUTS.
    """
    state, deposits = make_genesis(), []
    for _ in range(MAX_INPUTS + 1):
        state, made = deposit(state, ALICE, 10)
        deposits.append((made, ALICE_KEY))
    apply_next_block(state, pay(deposits, [output(BOB, 10 * (MAX_INPUTS + 1))]))


@rejects(RejectionReason.TX_NO_OUTPUTS)
def test_payment_without_outputs_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she spends it into no outputs,
    Then it is rejected with TX_NO_OUTPUTS (a payment cannot be all fee).
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)], []))


@rejects(RejectionReason.TX_TOO_MANY_OUTPUTS)
def test_payment_with_too_many_outputs_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays 1 to Bob MAX_OUTPUTS + 1 times in one payment,
    Then it is rejected with TX_TOO_MANY_OUTPUTS.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(BOB, 1)] * (MAX_OUTPUTS + 1)))


@rejects(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def test_payment_with_a_missing_signature_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When her payment to Bob carries no signature,
    Then it is rejected with TX_SIGNATURE_COUNT_MISMATCH.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    apply_next_block(state, SignedTransaction(payment.transaction, ()))


@rejects(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def test_payment_with_an_extra_signature_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When her payment to Bob carries her signature twice,
    Then it is rejected with TX_SIGNATURE_COUNT_MISMATCH.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    doubled = SignedTransaction(payment.transaction, payment.signatures * 2)
    apply_next_block(state, doubled)


@rejects(RejectionReason.TX_DUPLICATE_INPUT)
def test_payment_naming_an_input_twice_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she names it twice as input (signed twice) to pay 200 to Bob,
    Then it is rejected with TX_DUPLICATE_INPUT.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)] * 2, [output(BOB, 200)]))


# Rejections: inputs and signatures


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_spending_a_never_created_output_is_rejected() -> None:
    """Given Alice's deposit of 100 at (1, 0, 0).

    When she spends the output (1, 0, 1), which was never created,
    Then it is rejected with TX_INPUT_NOT_UNSPENT.
    """
    state, _ = make_funded()
    apply_next_block(state, pay([(position(1, 0, 1), ALICE_KEY)], [output(BOB, 100)]))


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_spending_an_already_spent_output_is_rejected() -> None:
    """Given Alice's deposit of 100, spent in block 2.

    When she spends it again in block 3,
    Then it is rejected with TX_INPUT_NOT_UNSPENT.
    """
    state, funds = make_funded()
    state = block(state, pay([(funds, ALICE_KEY)], [output(BOB, 100)]))
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(CAROL, 100)]))


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_spending_an_output_twice_in_one_block_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When one block holds two payments of it, to Bob and to Carol,
    Then the second is rejected with TX_INPUT_NOT_UNSPENT.
    """
    state, funds = make_funded()
    to_bob = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    apply_next_block(state, to_bob, pay([(funds, ALICE_KEY)], [output(CAROL, 100)]))


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_spending_an_exited_output_is_rejected() -> None:
    """Given Alice's deposit of 100, exited.

    When she spends it,
    Then it is rejected with TX_INPUT_NOT_UNSPENT.
    """
    state, funds = make_funded()
    state = exit_output(state, funds)
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(BOB, 100)]))


@rejects(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def test_spending_another_owners_output_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When Mallory signs a payment of it to herself,
    Then it is rejected with TX_INPUT_NOT_SIGNED_BY_OWNER.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, MALLORY_KEY)], [output(BOB, 100)]))


@rejects(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def test_signature_for_another_environment_is_rejected() -> None:
    """Given Alice's deposit of 100 in environment 3.

    When her payment is signed for environment 4 (a replay from another chain),
    Then it is rejected with TX_INPUT_NOT_SIGNED_BY_OWNER.
    """
    state, funds = make_funded()
    transaction = Transaction((funds,), (output(BOB, 100),))
    replayed = sign_transaction(ENVIRONMENT_ID + 1, transaction, [ALICE_KEY])
    apply_next_block(state, replayed)


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_high_s_twin_of_a_valid_signature_is_rejected() -> None:
    """Given Alice's deposit of 100 and her valid payment of it.

    When its signature is replaced by its malleable twin (s -> n - s, recovery id flipped),
    Then it is rejected with SIGNATURE_HIGH_S, although the twin verifies mathematically.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    signature = payment.signatures[0]
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    apply_next_block(state, with_signature(payment, r, SECP256K1_ORDER - s, 1 - signature[64]))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_signature_with_zero_r_is_rejected() -> None:
    """Given Alice's deposit of 100 and her valid payment of it.

    When its signature's r is replaced by 0,
    Then it is rejected with SIGNATURE_MALFORMED.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    s = int.from_bytes(payment.signatures[0][32:64], "big")
    apply_next_block(state, with_signature(payment, 0, s, payment.signatures[0][64]))


@rejects(RejectionReason.SIGNATURE_UNRECOVERABLE)
def test_signature_whose_r_is_no_curve_point_is_rejected() -> None:
    """Given Alice's deposit of 100 and a payment of it.

    When its signature's r is the smallest x coordinate of no secp256k1 point (s = 1),
    Then no key recovers and it is rejected with SIGNATURE_UNRECOVERABLE.
    """
    r = next(x for x in itertools.count(1) if not is_curve_x_coordinate(x))
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 100)])
    apply_next_block(state, with_signature(payment, r, 1, 0))


# Rejections: value


@rejects(RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
def test_payment_creating_value_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays 101 to Bob,
    Then it is rejected with TX_OUTPUTS_EXCEED_INPUTS.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(BOB, 101)]))


@rejects(RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
def test_payment_changing_the_token_is_rejected() -> None:
    """Given Alice's deposit of 100 native tokens.

    When she pays 1 of token A to Bob (keeping 99 native as fee),
    Then it is rejected with TX_OUTPUTS_EXCEED_INPUTS: token A has no input.
    """
    state, funds = make_funded()
    apply_next_block(state, pay([(funds, ALICE_KEY)], [output(BOB, 1, TOKEN_A)]))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_outputs_summing_past_the_largest_amount_are_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays 2**256 - 1 and 1 to Bob (the sum wraps to 0 in 256-bit arithmetic),
    Then it is rejected with INTEGER_OVERFLOW.
    """
    state, funds = make_funded()
    outputs = [output(BOB, Uint256.max_value()), output(BOB, 1)]
    apply_next_block(state, pay([(funds, ALICE_KEY)], outputs))


# Rejections: fee claims and deposits in child blocks


@rejects(RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
def test_fee_claim_to_someone_else_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When a block holds her payment with fee 10, then a claim of 10 paying Bob,
    Then it is rejected with FEE_CLAIM_NOT_TO_OPERATOR.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    apply_next_block(state, payment, FeeClaim(output(BOB, 10)))


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_fee_claim_above_the_fees_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When a block holds her payment with fee 10, then a claim of 11,
    Then it is rejected with FEE_CLAIM_EXCEEDS_FEES.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    apply_next_block(state, payment, FeeClaim(output(OPERATOR, 11)))


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_second_fee_claim_above_what_is_left_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When a block holds her payment with fee 10, then claims of 6 and 5,
    Then the second is rejected with FEE_CLAIM_EXCEEDS_FEES (only 4 were left).
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    claims = (FeeClaim(output(OPERATOR, 6)), FeeClaim(output(OPERATOR, 5)))
    apply_next_block(state, payment, *claims)


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_fee_claim_before_the_payment_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When a block holds a claim of 10, then her payment with fee 10,
    Then the claim is rejected with FEE_CLAIM_EXCEEDS_FEES: only earlier payments count.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    apply_next_block(state, FeeClaim(output(OPERATOR, 10)), payment)


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_fee_claim_of_the_previous_block_fees_is_rejected() -> None:
    """Given block 2 holding Alice's payment with fee 10, unclaimed.

    When block 3 holds a claim of 10,
    Then it is rejected with FEE_CLAIM_EXCEEDS_FEES: unclaimed fees do not carry over.
    """
    state, _ = make_paid()
    apply_next_block(state, FeeClaim(output(OPERATOR, 10)))


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_fee_claim_in_another_token_is_rejected() -> None:
    """Given Alice's deposit of 100 native tokens.

    When a block holds her payment with a native fee of 10, then a claim of 1 of token B,
    Then it is rejected with FEE_CLAIM_EXCEEDS_FEES.
    """
    state, funds = make_funded()
    payment = pay([(funds, ALICE_KEY)], [output(BOB, 90)])
    apply_next_block(state, payment, FeeClaim(output(OPERATOR, 1, TOKEN_B)))


@rejects(RejectionReason.DEPOSIT_IN_CHILD_BLOCK)
def test_deposit_transaction_in_a_child_block_is_rejected() -> None:
    """Given an empty chain.

    When the operator puts a deposit transaction of 100 for itself in a child block,
    Then it is rejected with DEPOSIT_IN_CHILD_BLOCK.
    """
    apply_next_block(make_genesis(), DepositTransaction(output(OPERATOR, 100)))


# Rejections: exits


@rejects(RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
def test_exit_of_a_spent_output_is_rejected() -> None:
    """Given Alice's deposit of 100, spent in block 2.

    When an exit of it is applied,
    Then it is rejected with EXITED_OUTPUT_NOT_UNSPENT.
    """
    state, funds = make_funded()
    state = block(state, pay([(funds, ALICE_KEY)], [output(BOB, 100)]))
    apply_exit(state, funds)


@rejects(RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
def test_second_exit_of_an_output_is_rejected() -> None:
    """Given Alice's deposit of 100, exited.

    When an exit of it is applied again,
    Then it is rejected with EXITED_OUTPUT_NOT_UNSPENT.
    """
    state, funds = make_funded()
    state = exit_output(state, funds)
    apply_exit(state, funds)


# Random runs


def draw_outputs(data: st.DataObject, token: Address, amount: int) -> list[Output]:
    """Draw one or two outputs of ``token`` to random actors summing to ``amount``."""
    first = data.draw(st.integers(1, amount))
    amounts = [first] if first == amount else [first, amount - first]
    return [output(data.draw(st.sampled_from(sorted(KEYS))), a, token) for a in amounts]


def draw_payment(data: st.DataObject, state: ChildChainState) -> SignedTransaction | None:
    """Draw a valid payment of some of ``state``'s unspent outputs, or None if there are none."""
    if not state.utxos:
        return None
    spendable = st.sampled_from(sorted(state.utxos))
    inputs = data.draw(st.lists(spendable, min_size=1, max_size=MAX_INPUTS, unique=True))
    outputs: list[Output] = []
    for token, total in sorted(compute_output_totals(state.utxos[p] for p in inputs).items()):
        fee = data.draw(st.integers(0, min(int(total) - 1, 5)))
        outputs += draw_outputs(data, token, int(total) - fee)
    keys = [KEYS[state.utxos[p].owner] for p in inputs]
    return pay(list(zip(inputs, keys, strict=True)), outputs)


def draw_fee_claim(
    data: st.DataObject, pre: ChildChainState, current: ChildChainState
) -> FeeClaim | None:
    """Draw a claim of part of the fees paid by the payments from ``pre`` to ``current``.

    ``current`` holds only the block's payments so far, no claim, so all their fees are unclaimed.
    """
    paid = current.fees_paid
    unclaimed = {token: int(fee) - int(pre.fees_paid.get(token, 0)) for token, fee in paid.items()}
    tokens = sorted(token for token, fee in unclaimed.items() if fee > 0)
    if not tokens or not data.draw(st.booleans()):
        return None
    token = data.draw(st.sampled_from(tokens))
    return FeeClaim(output(OPERATOR, data.draw(st.integers(1, unclaimed[token])), token))


def draw_block(data: st.DataObject, state: ChildChainState) -> Block:
    """Draw a valid block: up to three payments (later may spend earlier), maybe a claim."""
    number, transactions = next_number(state), []
    current = apply_block(state, number, Block(()))
    for _ in range(data.draw(st.integers(0, 3))):
        payment = draw_payment(data, current)
        if payment is None:
            break
        transactions.append(payment)
        current = apply_block(state, number, Block(tuple(transactions)))
    claim = draw_fee_claim(data, state, current)
    return Block(tuple(transactions) + ((claim,) if claim else ()))


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_random_valid_payments_keep_every_invariant(data: st.DataObject) -> None:
    """Given deposits of two tokens by three actors.

    When a random sequence of valid blocks (payments, fee claims), deposits and exits is applied,
    Then every step is accepted and every child-chain invariant holds after each.
    """
    state, _ = deposit(make_genesis(), ALICE, 100)
    state, _ = deposit(state, BOB, 60, TOKEN_A)
    state, _ = deposit(state, CAROL, 30)
    for _ in range(data.draw(st.integers(1, 6))):
        step = data.draw(st.sampled_from(["block", "block", "block", "deposit", "exit"]))
        if step == "block":
            state = block(state, *draw_block(data, state).transactions)
        elif step == "deposit":
            owner = data.draw(st.sampled_from(sorted(KEYS)))
            state, _ = deposit(state, owner, data.draw(st.integers(1, 50)), TOKEN_A)
        elif state.utxos:
            state = exit_output(state, data.draw(st.sampled_from(sorted(state.utxos))))
