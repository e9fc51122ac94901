"""The canonicity game of in-flight exits in the simulator: challenge with a competitor, respond.

The counterpart of ``spec.environments.payments.canonicity``, as steps of the
simulator's step table (:data:`CANONICITY_STEPS`), with the spec's rules,
order and reasons. Neither step moves funds: each rewrites the exit's row
(canonical or not, the oldest competitor's rank, who holds the exit's bond),
and the bond is paid to its holder when the exit is first processed
(``reference.environments.payments.queue``).

The competitor's shape and inclusion are checked with the shared witness
checks (``reference.environments.payments.witnesses``). Two pure witness
checks are the spec's own, called and not restated (as the standard
challenge's ``validate_spend``; see the ``reference`` package docstring):
which input of the in-flight payment the competitor spends
(``get_contested_input``) and who signed the competitor there
(``get_signer_of_input``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reference.environments.interface import SettlementStep
from reference.environments.payments.in_flight import get_in_flight_exit, is_in_first_phase
from reference.environments.payments.witnesses import validate_inclusion, validate_shape
from reference.settlement.tables import SettlementTables
from spec.environments.payments import canonicity as spec_canonicity
from spec.environments.payments import exits as spec_exits
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import UNINCLUDED_POSITION
from spec.environments.payments.records import InFlightExit, InFlightOutcome
from spec.errors import RejectionReason, require
from spec.positions import TransactionPosition
from spec.presets import Preset
from spec.settlement.state import EnvironmentKind

get_contested_input = spec_canonicity.get_contested_input
"""Which input of the in-flight payment a competitor spends: the spec's pure witness check.

It reads only the exit and the operation. Raises ``COMPETITOR_NOT_SPENDING_INPUT``.
"""

get_signer_of_input = spec_exits.get_signer_of_input
"""Who signed one input of a payment: the spec's pure witness check (the signature reasons)."""


def is_older_than_competitor(exit: InFlightExit, position: TransactionPosition) -> bool:
    """Return whether ``position`` is older than the oldest competitor known (true if none)."""
    return exit.oldest_competitor is None or position < exit.oldest_competitor


def challenge_in_flight_not_canonical(
    tables: SettlementTables, preset: Preset, operation: ChallengeInFlightNotCanonical
) -> None:
    """Make an in-flight exit non-canonical and give its bond to the challenger.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``CANONICITY_PERIOD_OVER``, the payment shape reasons,
            ``CHALLENGE_IS_IN_FLIGHT_TRANSACTION``, ``COMPETITOR_NOT_SPENDING_INPUT``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``COMPETITOR_NOT_OLDER``,
            the signature reasons, ``CHALLENGE_NOT_SIGNED_BY_OWNER``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    # Verify canonicity challenges are still accepted: the exit's first phase
    require(
        is_in_first_phase(tables.read_time(), environment, exit),
        RejectionReason.CANONICITY_PERIOD_OVER,
    )
    competitor = operation.competitor
    validate_shape(competitor)
    # Verify the competitor is another payment than the in-flight one
    require(
        competitor.transaction != exit.transaction,
        RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION,
    )
    contested = get_contested_input(exit, operation)
    position = UNINCLUDED_POSITION
    if operation.inclusion is not None:
        validate_inclusion(tables, preset, environment, competitor, operation.inclusion)
        position = operation.inclusion.position
    # Verify the competitor is older than every competitor shown before
    require(is_older_than_competitor(exit, position), RejectionReason.COMPETITOR_NOT_OLDER)
    signer = get_signer_of_input(
        operation.environment_id, competitor, int(operation.competitor_input_index)
    )
    # Verify the contested input's owner signed the competitor
    require(signer == exit.inputs[contested].owner, RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
    challenged = replace(
        exit, canonical=False, bond_owner=operation.sender, oldest_competitor=position
    )
    tables.write_in_flight_exit(environment.environment_id, operation.exit_id, challenged)


def respond_to_non_canonical_challenge(
    tables: SettlementTables, preset: Preset, operation: RespondToNonCanonicalChallenge
) -> None:
    """Make a challenged in-flight exit canonical again and give its bond to the responder.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``IN_FLIGHT_EXIT_ALREADY_DECIDED``, ``RESPONSE_WITHOUT_CHALLENGE``,
            ``IN_FLIGHT_TRANSACTION_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, ``RESPONSE_NOT_OLDER``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    # Verify the exit's canonicity is not decided yet: it was never processed
    require(
        exit.outcome == InFlightOutcome.UNDECIDED, RejectionReason.IN_FLIGHT_EXIT_ALREADY_DECIDED
    )
    # Verify there is a challenge to answer: the exit stands non-canonical
    require(not exit.canonical, RejectionReason.RESPONSE_WITHOUT_CHALLENGE)
    # Verify the transaction shown is the in-flight payment
    require(
        operation.transaction.transaction == exit.transaction,
        RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH,
    )
    validate_inclusion(tables, preset, environment, operation.transaction, operation.inclusion)
    position = operation.inclusion.position
    # Verify the payment was included before the oldest competitor
    require(is_older_than_competitor(exit, position), RejectionReason.RESPONSE_NOT_OLDER)
    answered = replace(
        exit, canonical=True, bond_owner=operation.sender, oldest_competitor=position
    )
    tables.write_in_flight_exit(environment.environment_id, operation.exit_id, answered)


CANONICITY_STEPS: Mapping[type, SettlementStep] = {
    ChallengeInFlightNotCanonical: challenge_in_flight_not_canonical,
    RespondToNonCanonicalChallenge: respond_to_non_canonical_challenge,
}
"""The steps of the canonicity game, by operation type."""
