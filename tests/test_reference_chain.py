"""The reference child chain ledger rejects what the spec rejects, with the same reason.

Each test builds a small ledger in memory (usually: Alice deposited 100 at
block 1) and breaks one rule, or several at once to show which check comes
first. See also ``test_reference_chain_storage`` (valid steps, queries,
storage, loaded states) and ``test_reference_chain_differential``.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference.environments.payments.ledger import ChildChainLedger
from reference.store import Store
from spec.crypto import SECP256K1_ORDER
from spec.environments.payments.chain import ChildChainState, compute_genesis_child_chain
from spec.environments.payments.transactions import (
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
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Signature, Uint8, Uint16, Uint64, Uint256
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    MALLORY,
    MALLORY_KEY,
    OPERATOR,
    rejects,
)
from tests.test_reference_transactions import NO_POINT_R, make_signature

ENVIRONMENT_ID = Uint64(3)
"""Environment of the test ledgers; signatures are bound to it."""

DEPTH = 3
"""Tree depth of the test ledgers: blocks of at most 8 transactions."""

LARGEST = Uint256(Uint256.max_value())
"""The largest amount."""


def make_state(depth: int = DEPTH) -> ChildChainState:
    """Return an empty chain run by OPERATOR."""
    return compute_genesis_child_chain(ENVIRONMENT_ID, OPERATOR, Uint8(depth))


def make_ledger(state: ChildChainState | None = None) -> ChildChainLedger:
    """Return an in-memory ledger starting from ``state`` (an empty chain by default)."""
    return ChildChainLedger.create(Store(), state or make_state(), workers=1)


def position(
    block_number: int, transaction_index: int = 0, output_index: int = 0
) -> OutputPosition:
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


def make_funded() -> ChildChainLedger:
    """Return a ledger where Alice deposited 100 of the native token at block 1."""
    ledger = make_ledger()
    ledger.apply_deposit(Uint64(1), DepositTransaction(output(ALICE, 100)))
    return ledger


def apply_next(ledger: ChildChainLedger, *transactions: BlockTransaction) -> None:
    """Apply a block of ``transactions`` at the next number."""
    ledger.apply_block(Uint64(ledger.block_number + 1), Block(transactions))


def with_first_signature(payment: SignedTransaction, signature: Signature) -> SignedTransaction:
    """Return ``payment`` with its first signature replaced."""
    return SignedTransaction(payment.transaction, (signature, *payment.signatures[1:]))


FUNDS = position(1)
"""Alice's deposit of 100 in ``make_funded``."""


# Rejections: numbers, sizes, kinds


@rejects(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def test_block_at_an_old_number_is_rejected() -> None:
    """Given Alice's deposit at block 1.

    When an empty block numbered 1 is applied,
    Then it is rejected with BLOCK_NUMBER_NOT_INCREASING.
    """
    make_funded().apply_block(Uint64(1), Block(()))


@rejects(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def test_deposit_at_an_old_number_is_rejected() -> None:
    """Given Alice's deposit at block 1.

    When another deposit numbered 1 is applied, even one of zero,
    Then the number is checked first: BLOCK_NUMBER_NOT_INCREASING.
    """
    make_funded().apply_deposit(Uint64(1), DepositTransaction(output(BOB, 0)))


@rejects(RejectionReason.BLOCK_TOO_LARGE)
def test_block_of_nine_transactions_is_rejected() -> None:
    """Given a depth-3 ledger (8 transactions per block).

    When a block of 9 invalid fee claims is applied,
    Then the size is checked before any transaction: BLOCK_TOO_LARGE.
    """
    apply_next(make_funded(), *[FeeClaim(output(ALICE, 0))] * 9)


@rejects(RejectionReason.DEPOSIT_IN_CHILD_BLOCK)
def test_deposit_inside_a_block_is_rejected() -> None:
    """Given Alice's deposit.

    When a child block holds a deposit transaction,
    Then it is rejected with DEPOSIT_IN_CHILD_BLOCK.
    """
    apply_next(make_funded(), DepositTransaction(output(MALLORY, 5)))


# Rejections: payment shape


@rejects(RejectionReason.TX_NO_INPUTS)
def test_payment_without_inputs_is_rejected() -> None:
    """Given Alice's deposit.

    When a payment spends nothing,
    Then TX_NO_INPUTS.
    """
    apply_next(make_funded(), SignedTransaction(Transaction((), (output(BOB, 1),)), ()))


@rejects(RejectionReason.TX_TOO_MANY_INPUTS)
def test_payment_of_five_inputs_is_rejected() -> None:
    """Given Alice's deposit.

    When a payment names five inputs,
    Then TX_TOO_MANY_INPUTS.
    """
    inputs = [(position(1, 0, index), ALICE_KEY) for index in range(5)]
    apply_next(make_funded(), pay(inputs, [output(BOB, 1)]))


@rejects(RejectionReason.TX_NO_OUTPUTS)
def test_payment_without_outputs_is_rejected() -> None:
    """Given Alice's deposit.

    When she pays it all as fee, into no output,
    Then TX_NO_OUTPUTS.
    """
    apply_next(make_funded(), pay([(FUNDS, ALICE_KEY)], []))


@rejects(RejectionReason.TX_TOO_MANY_OUTPUTS)
def test_payment_of_five_outputs_is_rejected() -> None:
    """Given Alice's deposit.

    When she pays it into five outputs,
    Then TX_TOO_MANY_OUTPUTS.
    """
    apply_next(make_funded(), pay([(FUNDS, ALICE_KEY)], [output(BOB, 20)] * 5))


@rejects(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def test_payment_with_an_extra_signature_is_rejected() -> None:
    """Given Alice's deposit.

    When her payment carries two signatures for one input,
    Then rejected.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    apply_next(make_funded(), SignedTransaction(payment.transaction, payment.signatures * 2))


@rejects(RejectionReason.TX_DUPLICATE_INPUT)
def test_payment_spending_one_input_twice_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she spends it twice in one payment,
    Then rejected.
    """
    apply_next(make_funded(), pay([(FUNDS, ALICE_KEY)] * 2, [output(BOB, 200)]))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_payment_with_an_empty_output_is_rejected() -> None:
    """Given Alice's deposit.

    When her payment has an output of 0,
    Then OUTPUT_AMOUNT_ZERO.
    """
    apply_next(make_funded(), pay([(FUNDS, ALICE_KEY)], [output(BOB, 100), output(BOB, 0)]))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_deposit_of_zero_is_rejected() -> None:
    """Given an empty ledger.

    When a deposit of 0 arrives,
    Then OUTPUT_AMOUNT_ZERO.
    """
    make_ledger().apply_deposit(Uint64(1), DepositTransaction(output(ALICE, 0)))


@rejects(RejectionReason.TX_TOO_MANY_INPUTS)
def test_shape_is_checked_before_anything_else() -> None:
    """Given Alice's deposit.

    When a payment has five unknown inputs, broken signatures and outputs of 0 and 10**9,
    Then the first shape check wins: TX_TOO_MANY_INPUTS.
    """
    inputs = [position(9, 0, index) for index in range(5)]
    transaction = Transaction(tuple(inputs), (output(BOB, 0), output(BOB, 10**9)))
    signed = SignedTransaction(transaction, (make_signature(0, 0, 7),) * 5)
    apply_next(make_funded(), signed)


# Rejections: state and value


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_double_spend_across_blocks_is_rejected() -> None:
    """Given Alice's deposit, paid to Bob in block 2.

    When block 3 pays the deposit again, with more than it holds and a bad signature,
    Then the state is checked before value and signatures: TX_INPUT_NOT_UNSPENT.
    """
    ledger = make_funded()
    apply_next(ledger, pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)]))
    apply_next(ledger, pay([(FUNDS, MALLORY_KEY)], [output(MALLORY, 1000)]))


@rejects(RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
def test_payment_creating_value_is_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays 101 to Bob, signed by Mallory,
    Then value is checked before signatures: TX_OUTPUTS_EXCEED_INPUTS.
    """
    apply_next(make_funded(), pay([(FUNDS, MALLORY_KEY)], [output(BOB, 101)]))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_outputs_summing_past_the_largest_amount_are_rejected() -> None:
    """Given Alice's deposit of 100.

    When she pays two outputs of 2**256 - 1,
    Then their sum overflows before it is compared: INTEGER_OVERFLOW.
    """
    apply_next(make_funded(), pay([(FUNDS, ALICE_KEY)], [output(BOB, LARGEST)] * 2))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_deposits_past_the_largest_total_are_rejected() -> None:
    """Given Alice's deposit of 100.

    When 2**256 - 100 more is deposited,
    Then the total overflows.
    """
    make_funded().apply_deposit(Uint64(2), DepositTransaction(output(BOB, LARGEST - 99)))


# Rejections: signatures


@rejects(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def test_payment_signed_by_someone_else_is_rejected() -> None:
    """Given Alice's deposit.

    When Mallory signs its spend,
    Then TX_INPUT_NOT_SIGNED_BY_OWNER.
    """
    apply_next(make_funded(), pay([(FUNDS, MALLORY_KEY)], [output(MALLORY, 100)]))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_signature_with_recovery_id_two_is_rejected() -> None:
    """Given Alice's payment.

    When its signature's recovery id is 2,
    Then SIGNATURE_MALFORMED.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    apply_next(
        make_funded(),
        with_first_signature(payment, Signature(payment.signatures[0][:64] + b"\x02")),
    )


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_high_s_twin_signature_is_rejected() -> None:
    """Given Alice's payment.

    When its signature is its high-s twin,
    Then SIGNATURE_HIGH_S.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    signature = payment.signatures[0]
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    twin = make_signature(r, SECP256K1_ORDER - s, signature[64] ^ 1)
    apply_next(make_funded(), with_first_signature(payment, twin))


@rejects(RejectionReason.SIGNATURE_UNRECOVERABLE)
def test_signature_of_no_curve_point_is_rejected() -> None:
    """Given Alice's payment.

    When its signature's r is on no curve point,
    Then unrecoverable.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    apply_next(make_funded(), with_first_signature(payment, make_signature(NO_POINT_R, 1, 0)))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_signatures_are_checked_in_input_order() -> None:
    """Given Alice's and Bob's deposits.

    When a payment of both has Alice's signature malformed and Bob's by Mallory,
    Then the first input's problem is reported: SIGNATURE_MALFORMED.
    """
    ledger = make_funded()
    ledger.apply_deposit(Uint64(2), DepositTransaction(output(BOB, 50)))
    payment = pay([(FUNDS, ALICE_KEY), (position(2), MALLORY_KEY)], [output(CAROL, 150)])
    apply_next(ledger, with_first_signature(payment, make_signature(0, 1, 0)))


# Rejections: fee claims and block order


@rejects(RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
def test_fee_claim_to_a_user_is_rejected() -> None:
    """Given Alice's payment leaving a fee of 10.

    When Bob claims it,
    Then rejected.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 90)])
    apply_next(make_funded(), payment, FeeClaim(output(BOB, 10)))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_fee_claim_of_zero_is_rejected() -> None:
    """Given Alice's deposit.

    When the operator claims 0,
    Then OUTPUT_AMOUNT_ZERO.
    """
    apply_next(make_funded(), FeeClaim(output(OPERATOR, 0)))


@rejects(RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
def test_fee_claim_before_the_payment_is_rejected() -> None:
    """Given Alice's payment leaving a fee of 10.

    When the operator's claim of it comes before the payment in the block,
    Then nothing is unclaimed yet: FEE_CLAIM_EXCEEDS_FEES.
    """
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 90)])
    apply_next(make_funded(), FeeClaim(output(OPERATOR, 10)), payment)


@rejects(RejectionReason.TX_NO_OUTPUTS)
def test_first_invalid_transaction_gives_the_reason() -> None:
    """Given Alice's deposit.

    When a block holds a valid payment, then one with no outputs, then a deposit,
    Then the reason is the first invalid transaction's: TX_NO_OUTPUTS.
    """
    valid = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    empty = pay([(position(2), BOB_KEY)], [])
    apply_next(make_funded(), valid, empty, DepositTransaction(output(BOB, 1)))
