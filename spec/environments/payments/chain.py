"""Payments child chain: the state transition that executes blocks, deposits and exits.

The child chain's state is a :class:`ChildChainState`: the unspent outputs
(UTXOs), every output ever spent, and four per-token totals that account for
all value (deposited, exited, fees paid, fees claimed). Every function below
is pure: it returns a new state or raises :class:`~spec.errors.Rejected`.

Three steps move the state forward:

- :func:`apply_deposit`: a deposit block's one output enters the UTXO set;
- :func:`apply_block`: a child block's transactions are applied in order, each
  against the UTXO set as the ones before it left it;
- :func:`apply_exit`: an exit processed on the settlement layer removes its output.

Order of checks. Blocks and deposits first check their number, then (blocks)
their size. A block's transactions are then applied in order; the reason
reported for a rejected block is that of its first invalid transaction. A
payment is checked in four stages, cheapest first, and within each stage in
the order listed:

1. shape, from the payment alone: input count (``TX_NO_INPUTS``,
   ``TX_TOO_MANY_INPUTS``), output count (``TX_NO_OUTPUTS``,
   ``TX_TOO_MANY_OUTPUTS``), signature count (``TX_SIGNATURE_COUNT_MISMATCH``),
   distinct inputs (``TX_DUPLICATE_INPUT``), positive output amounts
   (``OUTPUT_AMOUNT_ZERO``);
2. state: every input is unspent (``TX_INPUT_NOT_UNSPENT``);
3. value: per token, the inputs are summed, then the outputs
   (``INTEGER_OVERFLOW``), then the outputs must not exceed the inputs
   (``TX_OUTPUTS_EXCEED_INPUTS``);
4. signatures, in input order: each must be well-formed and recoverable
   (``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``)
   and recover to the owner of its input (``TX_INPUT_NOT_SIGNED_BY_OWNER``).

Per-token totals follow ``spec.totals``: no zero entries are stored.

Reading order: state container, accessors, helpers, genesis, state transition
(deposits, blocks, payments, fee claims, exits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from spec.crypto import recover_signer
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
    compute_signing_hash,
)
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256
from spec.totals import (
    TokenTotals,
    add_to_totals,
    compute_token_totals,
    merge_totals,
    subtract_from_totals,
)

# State container


@dataclass(frozen=True)
class ChildChainState:
    """The state of one payments child chain."""

    environment_id: Uint64
    """Id of the environment; signatures are domain-separated by it (``compute_signing_hash``)."""
    operator: Address
    """The operator: the only owner a fee claim may pay."""
    transaction_tree_depth: Uint8
    """Depth of each block's Merkle tree: a block holds at most ``2**depth`` transactions."""
    block_number: Uint64
    """Number of the last block or deposit applied; 0 before any."""
    utxos: Mapping[OutputPosition, Output]
    """The unspent outputs, by position."""
    spent: frozenset[OutputPosition]
    """Every output ever spent by a payment (exited outputs are not in it)."""
    deposited: Mapping[Address, Uint256]
    """Per token, total entered by deposits."""
    exited: Mapping[Address, Uint256]
    """Per token, total removed by processed exits."""
    fees_paid: Mapping[Address, Uint256]
    """Per token, inputs minus outputs summed over all payments."""
    fees_claimed: Mapping[Address, Uint256]
    """Per token, total taken by fee claims."""


BlockProgress = tuple[ChildChainState, TokenTotals]
"""The state part-way through a block, with the fees its payments left unclaimed so far."""


# Accessors


def get_unspent_value(state: ChildChainState, token: Address) -> Uint256:
    """Return the sum of the amounts of the unspent outputs of ``token``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` only if the state breaks value
            conservation (the sum is bounded by the token's deposits).
    """
    return sum((o.amount for o in state.utxos.values() if o.token == token), Uint256(0))


def get_input_outputs(state: ChildChainState, transaction: Transaction) -> tuple[Output, ...]:
    """Return the outputs a payment spends; every input must be unspent."""
    return tuple(state.utxos[position] for position in transaction.inputs)


def get_block_size_limit(state: ChildChainState) -> int:
    """Return the most transactions a block may hold, ``2**depth``."""
    return 1 << int(state.transaction_tree_depth)


# Helpers


def compute_output_totals(outputs: Iterable[Output]) -> dict[Address, Uint256]:
    """Return the sum of the outputs' amounts per token.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when some token's sum exceeds the largest Uint256.
    """
    return compute_token_totals((output.token, output.amount) for output in outputs)


def compute_created_outputs(
    block_number: Uint64, transaction_index: Uint16, outputs: Iterable[Output]
) -> dict[OutputPosition, Output]:
    """Return the outputs of one transaction keyed by the positions they are created at."""
    return {
        OutputPosition(block_number, transaction_index, Uint8(index)): output
        for index, output in enumerate(outputs)
    }


# Genesis


def compute_genesis_child_chain(
    environment_id: Uint64, operator: Address, transaction_tree_depth: Uint8
) -> ChildChainState:
    """Return the state of a child chain before any block or deposit."""
    return ChildChainState(
        environment_id=environment_id,
        operator=operator,
        transaction_tree_depth=transaction_tree_depth,
        block_number=Uint64(0),
        utxos={},
        spent=frozenset(),
        deposited={},
        exited={},
        fees_paid={},
        fees_claimed={},
    )


# State transition: deposits


def apply_deposit(
    state: ChildChainState, block_number: Uint64, deposit: DepositTransaction
) -> ChildChainState:
    """Apply a deposit block: its output enters the UTXO set at ``(block_number, 0, 0)``.

    Raises:
        Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``OUTPUT_AMOUNT_ZERO``,
            ``INTEGER_OVERFLOW`` (the token's deposited total).
    """
    # Verify blocks and deposits are applied in strictly increasing number order
    require(block_number > state.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
    # Verify the deposit carries a positive amount
    require(deposit.output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
    created = compute_created_outputs(block_number, Uint16(0), [deposit.output])
    return replace(
        state,
        block_number=block_number,
        utxos={**state.utxos, **created},
        deposited=add_to_totals(state.deposited, deposit.output.token, deposit.output.amount),
    )


# State transition: blocks


def apply_block(state: ChildChainState, block_number: Uint64, block: Block) -> ChildChainState:
    """Apply a child block: its transactions in order, each on the state the ones before left.

    An empty block is allowed; it only advances the block number. The
    reason reported for a rejected block is that of its first invalid
    transaction (see the module docstring for the order of checks).

    Raises:
        Rejected: ``BLOCK_NUMBER_NOT_INCREASING``, ``BLOCK_TOO_LARGE``, and any
            reason of :func:`apply_block_transaction`.
    """
    # Verify blocks and deposits are applied in strictly increasing number order
    require(block_number > state.block_number, RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
    # Verify the block has no more transactions than its Merkle tree has leaves
    require(len(block.transactions) <= get_block_size_limit(state), RejectionReason.BLOCK_TOO_LARGE)
    progress: BlockProgress = (replace(state, block_number=block_number), {})
    for index, transaction in enumerate(block.transactions):
        progress = apply_block_transaction(progress, Uint16(index), transaction)
    return progress[0]


def apply_block_transaction(
    progress: BlockProgress, transaction_index: Uint16, transaction: BlockTransaction
) -> BlockProgress:
    """Apply one transaction of the block being applied (``progress[0].block_number``).

    Raises:
        Rejected: ``DEPOSIT_IN_CHILD_BLOCK``, any reason of :func:`apply_payment`
            or of :func:`apply_fee_claim`.
    """
    # Verify the transaction is not a deposit: deposits come only from the settlement layer
    require(not isinstance(transaction, DepositTransaction), RejectionReason.DEPOSIT_IN_CHILD_BLOCK)
    if isinstance(transaction, SignedTransaction):
        return apply_payment(progress, transaction_index, transaction)
    assert isinstance(transaction, FeeClaim), "deposits were rejected above"
    return apply_fee_claim(progress, transaction_index, transaction)


# State transition: payments


def validate_payment_shape(payment: SignedTransaction) -> None:
    """Check what a payment must satisfy on its own, without looking at the state.

    Raises:
        Rejected: ``TX_NO_INPUTS``, ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``,
            ``TX_TOO_MANY_OUTPUTS``, ``TX_SIGNATURE_COUNT_MISMATCH``,
            ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``.
    """
    inputs, outputs = payment.transaction.inputs, payment.transaction.outputs
    # Verify the payment spends at least one input
    require(len(inputs) >= 1, RejectionReason.TX_NO_INPUTS)
    # Verify the payment spends at most MAX_INPUTS inputs
    require(len(inputs) <= MAX_INPUTS, RejectionReason.TX_TOO_MANY_INPUTS)
    # Verify the payment creates at least one output
    require(len(outputs) >= 1, RejectionReason.TX_NO_OUTPUTS)
    # Verify the payment creates at most MAX_OUTPUTS outputs
    require(len(outputs) <= MAX_OUTPUTS, RejectionReason.TX_TOO_MANY_OUTPUTS)
    # Verify the payment carries exactly one signature per input
    require(len(payment.signatures) == len(inputs), RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
    # Verify no input is named twice
    require(len(set(inputs)) == len(inputs), RejectionReason.TX_DUPLICATE_INPUT)
    # Verify every output carries a positive amount
    require(all(o.amount > 0 for o in outputs), RejectionReason.OUTPUT_AMOUNT_ZERO)


def compute_payment_fees(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Return the fee a payment pays per token: its inputs minus its outputs.

    Every input must be unspent. Tokens whose fee is zero are left out.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a token's outputs sum past the
            largest Uint256; ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    inputs = compute_output_totals(get_input_outputs(state, transaction))
    outputs = compute_output_totals(transaction.outputs)
    # Verify no token's outputs sum to more than its inputs
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


def validate_payment_signatures(state: ChildChainState, payment: SignedTransaction) -> None:
    """Check that each input's signature, in input order, is by the owner of that input.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``,
            ``SIGNATURE_UNRECOVERABLE``, ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    message = compute_signing_hash(state.environment_id, payment.transaction)
    for position, signature in zip(payment.transaction.inputs, payment.signatures, strict=True):
        owner = state.utxos[position].owner
        # Verify the signature recovers to the owner of its input
        require(
            recover_signer(message, signature) == owner,
            RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
        )


def validate_payment(state: ChildChainState, payment: SignedTransaction) -> dict[Address, Uint256]:
    """Check a payment against the state and return the fee it pays per token.

    Raises:
        Rejected: the reasons of :func:`validate_payment_shape`,
            ``TX_INPUT_NOT_UNSPENT``, the reasons of :func:`compute_payment_fees`
            and of :func:`validate_payment_signatures`, in that order.
    """
    validate_payment_shape(payment)
    # Verify every input is in the UTXO set
    require(
        all(position in state.utxos for position in payment.transaction.inputs),
        RejectionReason.TX_INPUT_NOT_UNSPENT,
    )
    fees = compute_payment_fees(state, payment.transaction)
    validate_payment_signatures(state, payment)
    return fees


def apply_payment(
    progress: BlockProgress, transaction_index: Uint16, payment: SignedTransaction
) -> BlockProgress:
    """Apply a payment: its inputs leave the UTXO set for good, its outputs enter it.

    The outputs enter at ``(block number, transaction_index, output index)``;
    the fee adds to ``fees_paid`` and to the block's unclaimed fees.

    Raises:
        Rejected: the reasons of :func:`validate_payment`.
    """
    state, unclaimed = progress
    fees = validate_payment(state, payment)
    inputs = payment.transaction.inputs
    kept = {position: o for position, o in state.utxos.items() if position not in inputs}
    created = compute_created_outputs(
        state.block_number, transaction_index, payment.transaction.outputs
    )
    post = replace(
        state,
        utxos={**kept, **created},
        spent=state.spent | frozenset(inputs),
        fees_paid=merge_totals(state.fees_paid, fees),
    )
    return post, merge_totals(unclaimed, fees)


# State transition: fee claims


def validate_fee_claim(state: ChildChainState, claim: FeeClaim, unclaimed: TokenTotals) -> None:
    """Check a fee claim against the operator and the block's unclaimed fees so far.

    Raises:
        Rejected: ``FEE_CLAIM_NOT_TO_OPERATOR``, ``OUTPUT_AMOUNT_ZERO``,
            ``FEE_CLAIM_EXCEEDS_FEES``.
    """
    output = claim.output
    # Verify the claim pays the operator
    require(output.owner == state.operator, RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
    # Verify the claim carries a positive amount
    require(output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
    # Verify the claim takes no more than this block's earlier payments left unclaimed
    require(output.amount <= unclaimed.get(output.token, 0), RejectionReason.FEE_CLAIM_EXCEEDS_FEES)


def apply_fee_claim(
    progress: BlockProgress, transaction_index: Uint16, claim: FeeClaim
) -> BlockProgress:
    """Apply a fee claim: its output enters the UTXO set at ``(block number, index, 0)``.

    Raises:
        Rejected: the reasons of :func:`validate_fee_claim`.
    """
    state, unclaimed = progress
    validate_fee_claim(state, claim, unclaimed)
    output = claim.output
    created = compute_created_outputs(state.block_number, transaction_index, [output])
    post = replace(
        state,
        utxos={**state.utxos, **created},
        fees_claimed=add_to_totals(state.fees_claimed, output.token, output.amount),
    )
    return post, subtract_from_totals(unclaimed, output.token, output.amount)


# State transition: exits


def apply_exit(state: ChildChainState, position: OutputPosition) -> ChildChainState:
    """Apply an exit processed on the settlement layer: its output leaves the UTXO set.

    The output is not marked spent: it left by an exit, not by a payment.

    Raises:
        Rejected: ``EXITED_OUTPUT_NOT_UNSPENT``.
    """
    # Verify the exited output is unspent on the child chain
    require(position in state.utxos, RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
    output = state.utxos[position]
    return replace(
        state,
        utxos={key: value for key, value in state.utxos.items() if key != position},
        exited=add_to_totals(state.exited, output.token, output.amount),
    )
