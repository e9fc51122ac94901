"""Wrong twins of the in-flight exit rules: the historical bugs of production MoreVP contracts.

Each function restates, as a wrong version of one spec function, a class of
bug found in the production More Viable Plasma contracts (OMG Network's
plasma-contracts, ``PaymentExitGame`` and its in-flight exit controllers,
and their audits). The mutants of ``adversary.mutants`` named ``in-flight-*``
(and ``fee-claim-output-id-without-position``) swap them in; the attack
scenarios of ``adversary.payments.scenarios.in_flight_bugs`` and the
stateful game catch them. Each docstring says which production bug it restates.

The spec functions kept here (``SPEC_*``) are the originals, taken before
any mutant patches its module.
"""

from __future__ import annotations

from dataclasses import replace

from spec.crypto import keccak256
from spec.encoding import encode
from spec.environments.payments import in_flight, queue
from spec.environments.payments.in_flight import DeleteInFlightExit, get_in_flight_exit
from spec.environments.payments.marks import (
    get_payments_records,
    is_finalized,
    with_finalized,
    with_in_flight_exit,
)
from spec.environments.payments.piggybacks import get_piggyback_output, with_piggyback
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightOutcome,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    PLACED_OUTPUT_ID_DOMAIN,
    BlockTransaction,
    FeeClaim,
    SignedTransaction,
    compute_output_id,
)
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Hash32, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import (
    EnvironmentKind,
    SettlementState,
    credit,
    debit,
    get_environment_of_kind,
    get_vault_balance,
    with_environment,
)
from spec.totals import add_to_totals

SPEC_PROCESS_IN_FLIGHT_ENTRY = queue.process_in_flight_entry
"""The spec's processing of one in-flight queue entry."""

SPEC_DECIDE = queue.decide_in_flight_exit
"""The spec's decision of an in-flight exit."""

SPEC_DELETE = in_flight.process_delete_in_flight_exit
"""The spec's deletion of an in-flight exit."""


def validate_payment_shape_allowing_duplicates(payment: SignedTransaction) -> None:
    """Wrong (at in-flight start): a payment may name the same input twice.

    Restates the duplicate-inputs bug of production in-flight exits: starting
    an in-flight exit did not require its inputs to be distinct, so one
    output named twice counted twice toward the inputs' value, and the exit's
    outputs could be worth twice what was really spent.
    """
    inputs, outputs = payment.transaction.inputs, payment.transaction.outputs
    require(len(inputs) >= 1, RejectionReason.TX_NO_INPUTS)
    require(len(inputs) <= MAX_INPUTS, RejectionReason.TX_TOO_MANY_INPUTS)
    require(len(outputs) >= 1, RejectionReason.TX_NO_OUTPUTS)
    require(len(outputs) <= MAX_OUTPUTS, RejectionReason.TX_TOO_MANY_OUTPUTS)
    require(len(payment.signatures) == len(inputs), RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
    require(all(o.amount > 0 for o in outputs), RejectionReason.OUTPUT_AMOUNT_ZERO)


def process_delete_keeping_bond(
    state: SettlementState, operation: DeleteInFlightExit
) -> SettlementState:
    """Wrong: deleting an in-flight exit nobody piggybacked never returns its bond.

    Restates the locked-bond bug of production in-flight exits: an exit is
    queued only by a piggyback, so an exit nobody piggybacked was never
    processed, and its starter's bond stayed in the contract forever.
    Here the deletion keeps every check of the spec, marks the exit deleted,
    and the bond stays held, owed to no one.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(environment, operation.exit_id)
    state = SPEC_DELETE(state, operation)
    environment = state.environments[operation.environment_id]
    environment = replace(environment, bonds_held=environment.bonds_held + exit.bond)
    state = with_environment(state, operation.environment_id, environment)
    return debit(state, exit.bond_owner, NATIVE_TOKEN, exit.bond)


def is_never_settled_elsewhere(environment: object, exit_id: Uint64, exit: object) -> bool:
    """Wrong: a canonical in-flight exit pays its outputs even if another exit settled an input.

    Restates the double-spend bug of production in-flight exits: processing
    a canonical exit did not check whether its inputs had been finalized by
    another exit, so two in-flight payments spending the same input (an
    operator's or a co-signer's double spend, neither challenged) could both
    be treated as canonical, and both pay their outputs.
    """
    return False


def process_in_flight_entry_for_all_tokens(
    state: SettlementState, operation: ProcessExits, exit_id: Uint64
) -> SettlementState:
    """Wrong: processing an in-flight exit for one token marks it processed for all its tokens.

    Restates the cross-token priority bug of production in-flight exits: an
    exit's queue entries in several token vaults shared one processed flag
    (or one priority id), so processing the exit in one token's queue
    removed it from the others, and the piggybacks of the other tokens were
    never paid, their bonds never returned.
    """
    state = SPEC_PROCESS_IN_FLIGHT_ENTRY(state, operation, exit_id)
    environment = state.environments[operation.environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    every_token = tuple(dict.fromkeys((*exit.processed_tokens, *exit.exitable_at)))
    processed = replace(exit, processed_tokens=every_token)
    environment = with_in_flight_exit(environment, exit_id, processed)
    return with_environment(state, operation.environment_id, environment)


def decide_ignoring_canonicity(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Wrong: processing ignores canonicity and decides as if every exit were canonical.

    Restates the canonicity-ignored bug of production in-flight exits: the
    outcome of the canonicity game was not consulted when paying, so the
    outputs of a payment shown non-canonical were paid too, beside the
    competitor that really spent the inputs.
    """
    environment = state.environments[environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    environment = with_in_flight_exit(environment, exit_id, replace(exit, canonical=True))
    return SPEC_DECIDE(
        with_environment(state, environment_id, environment), environment_id, exit_id
    )


def settle_piggyback_keeping_unpaid_bonds(
    state: SettlementState,
    operation: ProcessExits,
    exit_id: Uint64,
    side: PiggybackSide,
    index: int,
) -> SettlementState:
    """Wrong: a piggyback settled unpaid (the other side of canonicity) keeps its bond.

    Restates the piggyback-bond bug of production in-flight exits: bonds
    were returned only to piggybacks that were paid; an honest owner who
    piggybacked the side that lost the canonicity game (an output of a
    non-canonical payment, an input of a canonical one) lost the bond.
    """
    return settle(state, operation, exit_id, side, index, blocks_co_signers=False, refund=False)


def settle_piggyback_blocking_co_signers(
    state: SettlementState,
    operation: ProcessExits,
    exit_id: Uint64,
    side: PiggybackSide,
    index: int,
) -> SettlementState:
    """Wrong: when any input of the payment is finalized, no input of it is paid.

    Restates the finalized-input bug of production in-flight exits: an exit
    that paid inputs refused them all if one was already finalized (say by
    the co-signer's own exit), so one dishonest co-signer could block every
    honest co-signer's refund.
    """
    return settle(state, operation, exit_id, side, index, blocks_co_signers=True, refund=True)


def settle(
    state: SettlementState,
    operation: ProcessExits,
    exit_id: Uint64,
    side: PiggybackSide,
    index: int,
    *,
    blocks_co_signers: bool,
    refund: bool,
) -> SettlementState:
    """Settle one open piggyback as the spec does, with one of the two wrong rules above."""
    environment_id = operation.environment_id
    environment = state.environments[environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    output = get_piggyback_output(exit, side, index)
    output_id = queue.get_piggyback_output_id(exit, side, index)
    paid_side = (
        PiggybackSide.OUTPUT if exit.outcome == InFlightOutcome.OUTPUTS else PiggybackSide.INPUT
    )
    blocked = blocks_co_signers and any(is_finalized(environment, i) for i in exit.input_ids)
    pays = side == paid_side and not is_finalized(environment, output_id)
    pays = pays and not (side == PiggybackSide.INPUT and blocked)
    payout = min(output.amount, get_vault_balance(environment, output.token))
    if pays:
        environment = replace(
            environment, withdrawn=add_to_totals(environment.withdrawn, output.token, payout)
        )
        reference = ExitReference(ExitKind.IN_FLIGHT, exit_id)
        environment = with_finalized(environment, output_id, reference)
    outcome = (
        Piggyback(PiggybackStatus.PAID, payout)
        if pays
        else Piggyback(PiggybackStatus.UNPAID, Uint256(0))
    )
    environment = with_in_flight_exit(
        environment, exit_id, with_piggyback(exit, side, index, outcome)
    )
    if not pays and not refund:
        return with_environment(state, environment_id, environment)
    environment = replace(environment, bonds_held=environment.bonds_held - exit.bond)
    state = with_environment(state, environment_id, environment)
    if pays:
        state = credit(state, output.owner, output.token, payout)
    bounty = environment.rules.processing_bounty
    state = credit(state, output.owner, NATIVE_TOKEN, exit.bond - bounty)
    return credit(state, operation.sender, NATIVE_TOKEN, bounty)


def compute_fee_claim_id_without_position(
    transaction: BlockTransaction, position: OutputPosition
) -> Hash32:
    """Wrong: a fee claim's output is named by its body alone, like a payment's.

    Restates the output-type confusion of production exit games: the exit id
    was computed one way for deposits and another for every other output,
    trusting the output's claimed type, so transactions that can repeat word
    for word (there: deposits; here: fee claims, the same amount of the same
    token to the same operator in two blocks) got the same id. Two identical
    fee claims then share one finalized mark, and the second is never paid.
    """
    if isinstance(transaction, FeeClaim):
        return keccak256(PLACED_OUTPUT_ID_DOMAIN + encode(transaction, BlockTransaction))
    return compute_output_id(transaction, position)
