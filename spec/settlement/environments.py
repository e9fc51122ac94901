"""Registering execution environments.

Anyone may register an environment and becomes its operator. Its rules are
fixed at registration and can never change; the environment can be used only
after the preset's quarantine period, so that users can read the rules (and
leave the ecosystem, or decline to join) before any funds move under them.

An environment may register a committee of validators
(``spec.finality.committee``) with its rules; its child blocks are then
accepted only with proof that the committee committed them
(``spec.settlement.certified``), whoever submits them.
"""

from __future__ import annotations

from dataclasses import replace

from spec.environments.registry import get_kind
from spec.errors import RejectionReason, require
from spec.finality.committee import Committee, validate_committee
from spec.primitives import Uint256
from spec.settlement.operations import RegisterEnvironment
from spec.settlement.state import (
    Environment,
    EnvironmentRules,
    FinalityRecord,
    SettlementState,
)


def validate_rules(state: SettlementState, rules: EnvironmentRules) -> None:
    """Check that registered rules respect the preset's floors.

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``, ``PROCESSING_BOUNTY_ABOVE_BOND``.
    """
    preset = state.preset
    # Verify the finalization period is at least the preset's minimum
    require(
        rules.minimal_finalization_period >= preset.minimum_finalization_period,
        RejectionReason.FINALIZATION_PERIOD_TOO_SHORT,
    )
    # Verify the exit bond is at least the preset's minimum (bonds deter griefing)
    require(rules.exit_bond >= preset.minimum_exit_bond, RejectionReason.EXIT_BOND_TOO_LOW)
    # Verify some deposit is possible
    require(rules.deposit_limit > 0, RejectionReason.DEPOSIT_LIMIT_ZERO)
    # Verify the processing bounty can be paid out of a piggyback bond
    require(
        rules.processing_bounty <= rules.exit_bond, RejectionReason.PROCESSING_BOUNTY_ABOVE_BOND
    )


def compute_finality_record(committee: Committee | None) -> FinalityRecord | None:
    """Return the record of a new committee environment, or None without a committee.

    Raises:
        Rejected: the reasons of ``validate_committee``.
    """
    if committee is None:
        return None
    validate_committee(committee)
    return FinalityRecord(committee=committee, certified={}, halted=False)


def process_register_environment(
    state: SettlementState, operation: RegisterEnvironment
) -> SettlementState:
    """Append a new environment; its id is its index in ``state.environments``.

    Raises:
        Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
            ``DEPOSIT_LIMIT_ZERO``, ``PROCESSING_BOUNTY_ABOVE_BOND``, and with a
            committee ``COMMITTEE_EMPTY``, ``COMMITTEE_TOO_LARGE``,
            ``COMMITTEE_NOT_ORDERED``, ``COMMITTEE_ZERO_STAKE``, ``INTEGER_OVERFLOW``.
    """
    validate_rules(state, operation.rules)
    environment = Environment(
        operator=operation.operator,
        kind=operation.kind,
        rules=operation.rules,
        registered_at=state.time,
        blocks={},
        exits={},
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=get_kind(operation.kind).compute_genesis_records(),
        finality=compute_finality_record(operation.committee),
    )
    return replace(state, environments=(*state.environments, environment))
