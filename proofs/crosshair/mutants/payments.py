"""Broken twins of the payments contracts: fee computations that miscount, underflow or overflow."""

from __future__ import annotations

from typing import cast

from proofs.crosshair.contracts.payments import (
    PaymentLegs,
    are_payment_legs,
    get_payment_fees,
    is_covered,
    is_fee_table,
    is_value_conserved,
    is_within_range,
)
from spec.environments.payments.chain import (
    ChildChainState,
    compute_output_totals,
    get_input_outputs,
)
from spec.environments.payments.transactions import Transaction
from spec.errors import RejectionReason, require
from spec.primitives import Address, Uint256

CONTRACT_NAMES = (are_payment_legs, is_covered, is_fee_table, is_value_conserved, is_within_range)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def compute_payment_fees_skipping_last_output(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: the last output is left out of the totals (an off-by-one)."""
    inputs = compute_output_totals(get_input_outputs(state, transaction))
    outputs = compute_output_totals(transaction.outputs[:-1])
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


def compute_payment_fees_by_subtraction(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: no comparison of outputs with inputs; the subtraction's underflow is relied on."""
    inputs = compute_output_totals(get_input_outputs(state, transaction))
    outputs = compute_output_totals(transaction.outputs)
    tokens = set(inputs) | set(outputs)
    fees = {t: inputs.get(t, Uint256(0)) - outputs.get(t, Uint256(0)) for t in tokens}
    return {token: fee for token, fee in fees.items() if fee > 0}


def compute_payment_fees_unchecked_sums(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: amounts are summed as plain integers, so a sum past the maximum goes unnoticed."""
    inputs: dict[Address, int] = {}
    for output in get_input_outputs(state, transaction):
        inputs[output.token] = inputs.get(output.token, 0) + int(output.amount)
    outputs: dict[Address, int] = {}
    for output in transaction.outputs:
        outputs[output.token] = outputs.get(output.token, 0) + int(output.amount)
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: cast(Uint256, fee) for token, fee in fees.items() if fee > 0}


def payment_fee_conserves_value_skipping_last_output(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_fee_conserves_value``: the last output is not counted.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_covered(inputs, outputs)
    post: is_fee_table(__return__) and is_value_conserved(inputs, outputs, __return__)
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_skipping_last_output)


def payment_outputs_above_inputs_by_subtraction(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_outputs_above_inputs``: excess shows up as an underflow.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_within_range(outputs)
    pre: not is_covered(inputs, outputs)
    post: __return__ == RejectionReason.TX_OUTPUTS_EXCEED_INPUTS
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_by_subtraction)


def payment_sums_past_maximum_unchecked(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_sums_past_maximum``: sums are not checked.

    pre: are_payment_legs(inputs, outputs)
    pre: not (is_within_range(inputs) and is_within_range(outputs))
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_unchecked_sums)
