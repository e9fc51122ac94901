"""CrossHair contracts on the fees of payments (``spec/environments/payments/chain.py``).

Payments-specific: an accepted payment's inputs equal its outputs plus its
fee, per token; outputs above inputs are rejected for that; sums past the
largest Uint256 are rejected. Payments move value and never create it.
"""

from __future__ import annotations

from collections.abc import Callable

from proofs.crosshair.contracts.common import OWNER, TOKENS, UINT256_MAX, run_or_reason
from proofs.crosshair.contracts.merkle import MERKLE_DEPTH
from spec.environments.payments.chain import ChildChainState, compute_payment_fees
from spec.environments.payments.transactions import Output, Transaction
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256

PaymentLeg = tuple[bool, int]
"""(whether the token is ``TOKENS[1]``, amount) of one input or output of a payment."""

PaymentLegs = tuple[PaymentLeg, PaymentLeg]
"""The two inputs, or the two outputs, of a payment."""

INPUT_POSITIONS = (
    OutputPosition(Uint64(1), Uint16(0), Uint8(0)),
    OutputPosition(Uint64(2), Uint16(0), Uint8(0)),
)
"""Where the two unspent outputs a payment spends sit."""


def is_payment_leg(leg: PaymentLeg) -> bool:
    """Return whether ``leg`` has a positive Uint256 amount."""
    return 0 < leg[1] <= UINT256_MAX


def are_payment_legs(inputs: PaymentLegs, outputs: PaymentLegs) -> bool:
    """Return whether every input and output is a valid leg."""
    return all(is_payment_leg(leg) for leg in (*inputs, *outputs))


def make_output(leg: PaymentLeg) -> Output:
    """Return ``OWNER``'s output of the leg's token and amount."""
    is_second_token, amount = leg
    return Output(OWNER, TOKENS[1] if is_second_token else TOKENS[0], Uint256(amount))


def compute_token_sum(legs: PaymentLegs, token: int) -> int:
    """Return the unbounded sum of the amounts of ``legs`` in ``TOKENS[token]``."""
    return sum(amount for is_second_token, amount in legs if int(is_second_token) == token)


def is_within_range(legs: PaymentLegs) -> bool:
    """Return whether the amounts of ``legs`` sum to at most the largest Uint256 in each token."""
    return all(compute_token_sum(legs, token) <= UINT256_MAX for token in (0, 1))


def is_covered(inputs: PaymentLegs, outputs: PaymentLegs) -> bool:
    """Return whether, in each token, the outputs sum to at most the inputs."""
    return all(
        compute_token_sum(outputs, token) <= compute_token_sum(inputs, token) for token in (0, 1)
    )


def is_value_conserved(
    inputs: PaymentLegs,
    outputs: PaymentLegs,
    fees: dict[int, int],
) -> bool:
    """Return whether, for each token, the inputs sum to the outputs plus the fee (0 if absent)."""
    return all(
        compute_token_sum(inputs, token) == compute_token_sum(outputs, token) + fees.get(token, 0)
        for token in (0, 1)
    )


FeeRule = Callable[[ChildChainState, Transaction], dict[Address, Uint256]]
"""The signature of ``compute_payment_fees`` (and of its broken twins)."""


def get_payment_fees(
    inputs: PaymentLegs, outputs: PaymentLegs, rule: FeeRule = compute_payment_fees
) -> dict[int, int] | RejectionReason:
    """Return the fee per token index ``rule`` (the spec's) gives a payment of two inputs."""
    spent = [make_output(leg) for leg in inputs]
    created = tuple(make_output(leg) for leg in outputs)
    state = ChildChainState(
        environment_id=Uint64(0),
        operator=OWNER,
        transaction_tree_depth=Uint8(MERKLE_DEPTH),
        block_number=Uint64(2),
        utxos=dict(zip(INPUT_POSITIONS, spent, strict=True)),
        spent=frozenset(),
        deposited={},
        exited={},
        fees_paid={},
        fees_claimed={},
    )
    transaction = Transaction(inputs=INPUT_POSITIONS, outputs=created)
    fees = run_or_reason(lambda: rule(state, transaction))
    if isinstance(fees, RejectionReason):
        return fees
    return {TOKENS.index(token): int(fee) for token, fee in fees.items()}


def is_fee_table(fees: dict[int, int] | RejectionReason) -> bool:
    """Return whether ``fees`` is a table of fees (not a rejection) with no zero entry."""
    return isinstance(fees, dict) and 0 not in fees.values()


def payment_fee_conserves_value(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """An accepted payment's inputs equal its outputs plus its fee, per token; no zero fees.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_covered(inputs, outputs)
    post: is_fee_table(__return__) and is_value_conserved(inputs, outputs, __return__)
    """
    return get_payment_fees(inputs, outputs)


def payment_outputs_above_inputs(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """A payment whose outputs exceed its inputs in some token is rejected for that.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_within_range(outputs)
    pre: not is_covered(inputs, outputs)
    post: __return__ == RejectionReason.TX_OUTPUTS_EXCEED_INPUTS
    """
    return get_payment_fees(inputs, outputs)


def payment_sums_past_maximum(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """A payment whose inputs or outputs in some token sum past the maximum is rejected.

    pre: are_payment_legs(inputs, outputs)
    pre: not (is_within_range(inputs) and is_within_range(outputs))
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_payment_fees(inputs, outputs)
