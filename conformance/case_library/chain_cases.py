"""Payments child chain cases: deposits, payments, fee claims, blocks and exits.

Most cases start from Alice's deposit of 100 of the native token at block 1
and apply one child block at the next multiple of the block interval.
"""

from __future__ import annotations

from conformance.case_library.worlds import (
    ALICE,
    BOB,
    OPERATOR,
    funded_chain,
    make_output,
    make_payment,
    make_position,
    next_child_block,
    start_chain,
    with_signature,
)
from conformance.cases import TraceBuilder, case
from fixtures import make_unrecoverable_signature
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
)
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Uint64, Uint256


def apply_next_block(builder: TraceBuilder, *transactions: BlockTransaction) -> None:
    """Add a step applying a child block of ``transactions`` at the next child block number."""
    builder.apply(ApplyBlock(next_child_block(builder), Block(tuple(transactions))))


@case(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def deposit_at_a_used_number(preset: Preset) -> TraceBuilder:
    """A second deposit at block 1 comes after block 1 was applied: refused."""
    builder, _ = funded_chain(preset)
    builder.apply(ApplyDeposit(Uint64(1), DepositTransaction(make_output(BOB, 5))))
    return builder


@case(RejectionReason.OUTPUT_AMOUNT_ZERO)
def deposit_of_zero(preset: Preset) -> TraceBuilder:
    """A deposit output of zero is refused."""
    builder = start_chain(preset)
    builder.apply(ApplyDeposit(Uint64(1), DepositTransaction(make_output(ALICE, 0))))
    return builder


@case(None)
def payment_with_fee_claim(preset: Preset) -> TraceBuilder:
    """Alice pays Bob 90 of her 100; the operator claims the fee of 10 in the same block."""
    builder, funds = funded_chain(preset)
    payment = make_payment([funds], [make_output(BOB, 90)], [ALICE])
    apply_next_block(builder, payment, FeeClaim(make_output(OPERATOR, 10)))
    return builder


def rejected_payment(preset: Preset, inputs: int, outputs: list[int], signers: int) -> TraceBuilder:
    """Return a chain builder after a block holding one payment of this shape."""
    builder, funds = funded_chain(preset)
    positions = [funds, *(make_position(1, 0, index) for index in range(1, inputs))][:inputs]
    payment = make_payment(positions, [make_output(BOB, amount) for amount in outputs], [ALICE])
    signatures = (payment.signatures * signers)[:signers]
    apply_next_block(builder, type(payment)(payment.transaction, signatures))
    return builder


@case(RejectionReason.TX_NO_INPUTS)
def payment_without_inputs(preset: Preset) -> TraceBuilder:
    """A payment must spend something."""
    return rejected_payment(preset, 0, [1], 0)


@case(RejectionReason.TX_TOO_MANY_INPUTS)
def payment_with_five_inputs(preset: Preset) -> TraceBuilder:
    """A payment spends at most four inputs."""
    return rejected_payment(preset, 5, [1], 5)


@case(RejectionReason.TX_NO_OUTPUTS)
def payment_without_outputs(preset: Preset) -> TraceBuilder:
    """A payment must create something."""
    return rejected_payment(preset, 1, [], 1)


@case(RejectionReason.TX_TOO_MANY_OUTPUTS)
def payment_with_five_outputs(preset: Preset) -> TraceBuilder:
    """A payment creates at most four outputs."""
    return rejected_payment(preset, 1, [1, 1, 1, 1, 1], 1)


@case(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def payment_with_two_signatures_for_one_input(preset: Preset) -> TraceBuilder:
    """A payment carries exactly one signature per input."""
    return rejected_payment(preset, 1, [1], 2)


@case(RejectionReason.OUTPUT_AMOUNT_ZERO)
def payment_with_zero_output(preset: Preset) -> TraceBuilder:
    """Every output of a payment carries a positive amount."""
    return rejected_payment(preset, 1, [50, 0], 1)


@case(RejectionReason.INTEGER_OVERFLOW)
def payment_outputs_summing_past_the_largest_amount(preset: Preset) -> TraceBuilder:
    """Outputs of 2**256 - 1 and 1 would wrap to 0 in 256-bit arithmetic: refused."""
    return rejected_payment(preset, 1, [Uint256.max_value(), 1], 1)


@case(RejectionReason.SIGNATURE_UNRECOVERABLE)
def payment_with_unrecoverable_signature(preset: Preset) -> TraceBuilder:
    """A payment signature from which no key recovers is refused."""
    builder, funds = funded_chain(preset)
    payment = make_payment([funds], [make_output(BOB, 100)], [ALICE])
    apply_next_block(builder, with_signature(payment, make_unrecoverable_signature()))
    return builder


@case(RejectionReason.DEPOSIT_IN_CHILD_BLOCK)
def deposit_inside_a_child_block(preset: Preset) -> TraceBuilder:
    """The operator cannot mint value by putting a deposit transaction in a child block."""
    builder, _ = funded_chain(preset)
    apply_next_block(builder, DepositTransaction(make_output(OPERATOR, 1000)))
    return builder


@case(RejectionReason.BLOCK_TOO_LARGE, omitted_presets=("full",))
def block_with_one_transaction_too_many(preset: Preset) -> TraceBuilder:
    """A block holds at most 2**depth transactions; one more is refused before any is read.

    Under the full preset the block would hold 65,537 transactions (about 10 MB
    of vector), so only the tiny suite carries it.
    """
    builder, _ = funded_chain(preset)
    claim = FeeClaim(make_output(OPERATOR, 1))
    apply_next_block(builder, *[claim] * ((1 << int(preset.transaction_tree_depth)) + 1))
    return builder


@case(None)
def exit_removes_the_output(preset: Preset) -> TraceBuilder:
    """An exit processed on the settlement layer removes Alice's deposit from the UTXO set."""
    builder, funds = funded_chain(preset)
    builder.apply(ApplyExit(funds))
    return builder


@case(RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
def exit_of_a_spent_output(preset: Preset) -> TraceBuilder:
    """After Alice spends her deposit, an exit of it cannot apply to the child chain."""
    builder, funds = funded_chain(preset)
    apply_next_block(builder, make_payment([funds], [make_output(BOB, 100)], [ALICE]))
    builder.apply(ApplyExit(funds))
    return builder
