"""Registering environments: rules, quarantine, several environments at once."""

from __future__ import annotations

from dataclasses import replace

from fixtures import make_rules
from spec.errors import RejectionReason
from spec.presets import FULL, TINY
from spec.primitives import NATIVE_TOKEN, Hash32, Uint64, Uint256
from spec.settlement.operations import Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind, is_environment_active
from tests.harness import advance, apply, apply_rejected, make_genesis, make_world
from tests.support import ALICE, BOB, OPERATOR, rejects


def test_register_environment_appends_it_with_the_next_id() -> None:
    """Given a settlement layer with one environment.

    When another operator registers a payments environment,
    Then it gets id 1, its rules and operator are stored, and its log, exits and vaults are empty.
    """
    state = make_world(environments=1)
    rules = make_rules()
    state = apply(state, RegisterEnvironment(BOB, EnvironmentKind.PAYMENTS, rules))
    environment = state.environments[1]
    assert (environment.operator, environment.rules, environment.registered_at) == (
        BOB,
        rules,
        state.time,
    )
    assert environment.blocks == {} and environment.exits == {} and environment.deposited == {}


def test_environment_becomes_usable_exactly_when_quarantine_ends() -> None:
    """Given an environment registered at time t.

    When the clock reaches t + quarantine - 1, then t + quarantine,
    Then it is inactive at the first time and active at the second.
    """
    state = apply(
        make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules())
    )
    quarantine = int(TINY.quarantine_period)
    almost = advance(state, quarantine - 1)
    assert not is_environment_active(almost, almost.environments[0])
    ready = advance(almost, 1)
    assert is_environment_active(ready, ready.environments[0])
    apply(ready, Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(1)))


def test_full_preset_accepts_production_rules() -> None:
    """Given the full preset.

    When an environment registers the preset's own minimum rules,
    Then it is accepted, with a one-week finalization period.
    """
    state = make_world(environments=1, preset=FULL)
    assert state.environments[0].rules.minimal_finalization_period == 604_800


@rejects(RejectionReason.ENVIRONMENT_IN_QUARANTINE)
def test_deposit_during_quarantine_is_rejected() -> None:
    """Given an environment registered one second ago.

    When Alice deposits into it,
    Then the deposit is rejected with ENVIRONMENT_IN_QUARANTINE.
    """
    state = apply(
        make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules())
    )
    state = advance(state, 1)
    apply_rejected(state, Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.ENVIRONMENT_IN_QUARANTINE)
def test_block_during_quarantine_is_rejected() -> None:
    """Given an environment still in quarantine.

    When its operator submits the first child block,
    Then the submission is rejected with ENVIRONMENT_IN_QUARANTINE.
    """
    state = apply(
        make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules())
    )
    apply_rejected(state, SubmitBlock(Uint64(0), OPERATOR, TINY.block_interval, Hash32.zero()))


@rejects(RejectionReason.UNKNOWN_ENVIRONMENT)
def test_deposit_into_unknown_environment_is_rejected() -> None:
    """Given a settlement layer with one environment (id 0).

    When Alice deposits into environment 1,
    Then the deposit is rejected with UNKNOWN_ENVIRONMENT.
    """
    apply_rejected(make_world(), Deposit(Uint64(1), ALICE, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.FINALIZATION_PERIOD_TOO_SHORT)
def test_finalization_period_below_preset_minimum_is_rejected() -> None:
    """Given the tiny preset's minimum finalization period P.

    When an environment registers with period P - 1,
    Then registration is rejected with FINALIZATION_PERIOD_TOO_SHORT.
    """
    rules = replace(make_rules(), minimal_finalization_period=TINY.minimum_finalization_period - 1)
    apply_rejected(make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))


@rejects(RejectionReason.EXIT_BOND_TOO_LOW)
def test_exit_bond_below_preset_minimum_is_rejected() -> None:
    """Given the tiny preset's minimum exit bond (1).

    When an environment registers with a bond of 0,
    Then registration is rejected with EXIT_BOND_TOO_LOW.
    """
    rules = replace(make_rules(), exit_bond=Uint256(0))
    apply_rejected(make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))


@rejects(RejectionReason.DEPOSIT_LIMIT_ZERO)
def test_zero_deposit_limit_is_rejected() -> None:
    """Given rules whose deposit limit is 0.

    When an environment registers them,
    Then registration is rejected with DEPOSIT_LIMIT_ZERO.
    """
    rules = replace(make_rules(), deposit_limit=Uint256(0))
    apply_rejected(make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))


@rejects(RejectionReason.PROCESSING_BOUNTY_ABOVE_BOND)
def test_processing_bounty_above_the_exit_bond_is_rejected() -> None:
    """Given rules whose processing bounty is one more than their exit bond.

    When they are registered,
    Then the registration is rejected with PROCESSING_BOUNTY_ABOVE_BOND: the bounty is paid
    out of a piggyback bond, which is the exit bond.
    """
    rules = make_rules()
    rules = replace(rules, processing_bounty=rules.exit_bond + 1)
    apply_rejected(make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))


def test_processing_bounty_equal_to_the_exit_bond_is_accepted() -> None:
    """Given rules whose processing bounty equals their exit bond (the boundary).

    When they are registered,
    Then the environment is registered with that bounty.
    """
    rules = make_rules()
    rules = replace(rules, processing_bounty=rules.exit_bond)
    state = apply(make_genesis(), RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, rules))
    assert state.environments[0].rules.processing_bounty == rules.exit_bond
