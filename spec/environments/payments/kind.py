"""The payments kind as the settlement layer sees it: one row of the kind registry.

This module is the payments kind's implementation of
:class:`~spec.environments.interface.EnvironmentKindSpec`: what a deposit
commits (a deposit block holding one
:class:`~spec.environments.payments.transactions.DepositTransaction`), the
settlement operations of its exit game (``spec.environments.payments.exits``)
with their wire tags, and its child chain (``spec.environments.payments.chain``
and ``.steps``) with its genesis and digest domain.
"""

from __future__ import annotations

from spec.digest import compute_digest
from spec.dispatch import OperationSpec
from spec.environments.interface import ChildChainSpec, EnvironmentKindSpec
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
    process_challenge_in_flight_not_canonical,
    process_respond_to_non_canonical_challenge,
)
from spec.environments.payments.chain import ChildChainState, compute_genesis_child_chain
from spec.environments.payments.exits import (
    ChallengeStandardExit,
    StartStandardExit,
    process_challenge_standard_exit,
    process_start_standard_exit,
)
from spec.environments.payments.in_flight import (
    DeleteInFlightExit,
    StartInFlightExit,
    TransactionInclusion,
    process_delete_in_flight_exit,
    process_start_in_flight_exit,
)
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
    process_challenge_in_flight_input_spent,
    process_challenge_in_flight_output_spent,
    process_piggyback_in_flight_exit,
)
from spec.environments.payments.queue import process_payments_exit_queue
from spec.environments.payments.records import (
    InFlightExitStatus,
    InFlightOutcome,
    PaymentsRecords,
    PiggybackStatus,
    compute_genesis_payments_records,
)
from spec.environments.payments.steps import (
    CHAIN_OPERATIONS,
    ApplyDeposit,
    ApplyExit,
    ChainOperation,
)
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
)
from spec.environments.records import KindRecords
from spec.presets import Preset
from spec.primitives import Hash32, Uint64, Uint256
from spec.settlement.operations import Deposit
from spec.settlement.state import Environment, EnvironmentKind, ExitStatus, SettlementState

CHILD_CHAIN_DIGEST_DOMAIN = b"plasma-spec/payments-child-chain-state/v1"
"""Domain tag of payments child chain state digests."""


def compute_deposit_transaction(deposit: Deposit) -> DepositTransaction:
    """Return the transaction a deposit writes into its deposit block."""
    return DepositTransaction(Output(deposit.owner, deposit.token, deposit.amount))


def compute_deposit_root(preset: Preset, block_number: Uint64, deposit: Deposit) -> Hash32:
    """Return the root of the deposit block a deposit writes: one deposit transaction."""
    depth = int(preset.transaction_tree_depth)
    return compute_block_root([compute_deposit_transaction(deposit)], depth)


def compute_deposit_step(block_number: Uint64, deposit: Deposit) -> ApplyDeposit:
    """Return the child chain step of a deposit accepted at ``block_number``."""
    return ApplyDeposit(block_number, compute_deposit_transaction(deposit))


def record_deposit(
    preset: Preset, records: KindRecords, block_number: Uint64, deposit: Deposit
) -> KindRecords:
    """Return the payments records after a deposit: unchanged (the deposit block says it all)."""
    return records


def compute_held_bonds(records: KindRecords) -> Uint256:
    """Return the bonds the payments records hold: those of in-flight exits and piggybacks.

    An in-flight exit holds its own bond until it is deleted or decided, and
    one bond (the same amount) per open piggyback. Standard exits hold theirs
    in the shared exit records.
    """
    assert isinstance(records, PaymentsRecords)
    held = 0
    for exit in records.in_flight_exits.values():
        undecided = exit.outcome == InFlightOutcome.UNDECIDED
        if exit.status == InFlightExitStatus.ACTIVE and undecided:
            held += exit.bond
        piggybacks = exit.input_piggybacks + exit.output_piggybacks
        held += exit.bond * sum(1 for p in piggybacks if p.status == PiggybackStatus.OPEN)
    return Uint256(held)


def compute_exit_steps(before: Environment, after: Environment) -> tuple[ApplyExit, ...]:
    """Return the chain steps of the exits processed between two states: each output leaves."""
    processed_before = {i for i, e in before.exits.items() if e.status == ExitStatus.PROCESSED}
    # A skipped standard exit paid nothing; in-flight payouts have no chain step yet
    return tuple(
        ApplyExit(exit.position)
        for exit_id, exit in sorted(after.exits.items())
        if exit.status == ExitStatus.PROCESSED and exit_id not in processed_before
    )


def compute_genesis(
    environment_id: Uint64, environment: Environment, preset: Preset
) -> ChildChainState:
    """Return the child chain of a newly registered payments environment."""
    return compute_genesis_child_chain(
        environment_id, environment.operator, preset.transaction_tree_depth
    )


def compute_child_chain_digest(state: ChildChainState) -> Hash32:
    """Return the digest of a payments child chain state."""
    return compute_digest(CHILD_CHAIN_DIGEST_DOMAIN, state)


SETTLEMENT_OPERATIONS: tuple[OperationSpec[SettlementState], ...] = (
    OperationSpec(3, StartStandardExit, process_start_standard_exit, acts_on_environment=True),
    OperationSpec(
        4, ChallengeStandardExit, process_challenge_standard_exit, acts_on_environment=True
    ),
    OperationSpec(13, StartInFlightExit, process_start_in_flight_exit, acts_on_environment=True),
    OperationSpec(
        14, PiggybackInFlightExit, process_piggyback_in_flight_exit, acts_on_environment=True
    ),
    OperationSpec(
        15,
        ChallengeInFlightNotCanonical,
        process_challenge_in_flight_not_canonical,
        acts_on_environment=True,
    ),
    OperationSpec(
        16,
        RespondToNonCanonicalChallenge,
        process_respond_to_non_canonical_challenge,
        acts_on_environment=True,
    ),
    OperationSpec(
        17,
        ChallengeInFlightInputSpent,
        process_challenge_in_flight_input_spent,
        acts_on_environment=True,
    ),
    OperationSpec(
        18,
        ChallengeInFlightOutputSpent,
        process_challenge_in_flight_output_spent,
        acts_on_environment=True,
    ),
    OperationSpec(19, DeleteInFlightExit, process_delete_in_flight_exit, acts_on_environment=True),
)
"""The payments exit game's rows of the settlement operation table."""

PAYMENTS = EnvironmentKindSpec(
    kind=EnvironmentKind.PAYMENTS,
    compute_genesis_records=compute_genesis_payments_records,
    compute_deposit_root=compute_deposit_root,
    record_deposit=record_deposit,
    compute_held_bonds=compute_held_bonds,
    settlement_operations=SETTLEMENT_OPERATIONS,
    process_exit_queue=process_payments_exit_queue,
    chain=ChildChainSpec(
        area="payments-chain",
        state_type=ChildChainState,
        operation_hint=ChainOperation,
        operations=CHAIN_OPERATIONS,
        digest_domain=CHILD_CHAIN_DIGEST_DOMAIN,
        compute_genesis=compute_genesis,
        compute_deposit_step=compute_deposit_step,
        compute_exit_steps=compute_exit_steps,
    ),
    codec_types={
        "Output": Output,
        "Transaction": Transaction,
        "SignedTransaction": SignedTransaction,
        "BlockTransaction": BlockTransaction,
        "Block": Block,
        "ChainOperation": ChainOperation,
        "ChildChainState": ChildChainState,
        "TransactionInclusion": TransactionInclusion,
    },
)
"""The payments kind."""
