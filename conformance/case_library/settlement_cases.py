"""Settlement cases: registration, deposits, time, and operations whose bytes or fields are bad.

Each case's last step is the one it is about; the steps before set the stage.
"""

from __future__ import annotations

from conformance.case_library.worlds import (
    ALICE,
    ENVIRONMENT,
    NOBODY,
    OPERATOR,
    TOKEN_A,
    deposit,
    start_settlement,
)
from conformance.cases import TraceBuilder, case
from conformance.readable import to_view
from spec.encoding import encode
from spec.errors import RejectionReason
from spec.presets import Preset
from spec.primitives import Hash32, Uint64, Uint256
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind, EnvironmentRules, SettlementState
from spec.settlement.transition import Operation

# Registration


def make_registration(
    preset: Preset, period: int, bond: int, limit: int, bounty: int = 0
) -> RegisterEnvironment:
    """Return Alice's registration of a payments environment with these rules."""
    rules = EnvironmentRules(Uint64(period), Uint256(bond), Uint256(limit), Uint256(bounty))
    return RegisterEnvironment(ALICE.address, EnvironmentKind.PAYMENTS, rules)


@case(None)
def register_environment_at_the_minimums(preset: Preset) -> TraceBuilder:
    """Alice registers an environment with the smallest period and bond the preset allows."""
    builder = start_settlement(preset)
    minimum_period, minimum_bond = preset.minimum_finalization_period, preset.minimum_exit_bond
    builder.apply(make_registration(preset, minimum_period, minimum_bond, 1))
    return builder


@case(RejectionReason.FINALIZATION_PERIOD_TOO_SHORT)
def register_environment_period_too_short(preset: Preset) -> TraceBuilder:
    """A finalization period one second below the preset's minimum is refused."""
    builder = start_settlement(preset)
    period = preset.minimum_finalization_period - 1
    builder.apply(make_registration(preset, period, preset.minimum_exit_bond, 1))
    return builder


@case(RejectionReason.EXIT_BOND_TOO_LOW)
def register_environment_bond_too_low(preset: Preset) -> TraceBuilder:
    """An exit bond one unit below the preset's minimum is refused."""
    builder = start_settlement(preset)
    bond = preset.minimum_exit_bond - 1
    builder.apply(make_registration(preset, preset.minimum_finalization_period, bond, 1))
    return builder


@case(RejectionReason.DEPOSIT_LIMIT_ZERO)
def register_environment_deposit_limit_zero(preset: Preset) -> TraceBuilder:
    """A deposit limit of zero would forbid every deposit, so it is refused."""
    builder = start_settlement(preset)
    period, bond = preset.minimum_finalization_period, preset.minimum_exit_bond
    builder.apply(make_registration(preset, period, bond, 0))
    return builder


@case(RejectionReason.PROCESSING_BOUNTY_ABOVE_BOND)
def register_environment_bounty_above_bond(preset: Preset) -> TraceBuilder:
    """A processing bounty is taken from a piggyback's bond, so it may not exceed the bond."""
    builder = start_settlement(preset)
    period, bond = preset.minimum_finalization_period, preset.minimum_exit_bond
    builder.apply(make_registration(preset, period, bond, 1, bounty=bond + 1))
    return builder


@case(RejectionReason.ENVIRONMENT_IN_QUARANTINE)
def deposit_during_quarantine(preset: Preset) -> TraceBuilder:
    """A deposit into an environment registered a moment ago waits for its quarantine."""
    builder = start_settlement(preset)
    period, bond = preset.minimum_finalization_period, preset.minimum_exit_bond
    builder.apply(make_registration(preset, period, bond, 10))
    builder.apply(Deposit(Uint64(1), ALICE.address, TOKEN_A, Uint256(1)))
    return builder


# Deposits


@case(None)
def deposit_accepted(preset: Preset) -> TraceBuilder:
    """Alice deposits 100 of token A: her balance falls, the vault and block log grow."""
    builder = start_settlement(preset)
    deposit(builder, ALICE, 100)
    return builder


@case(RejectionReason.UNKNOWN_ENVIRONMENT)
def deposit_to_unknown_environment(preset: Preset) -> TraceBuilder:
    """A deposit naming an environment id nobody registered is refused."""
    builder = start_settlement(preset)
    builder.apply(Deposit(Uint64(9), ALICE.address, TOKEN_A, Uint256(1)))
    return builder


@case(RejectionReason.INSUFFICIENT_FUNDS)
def deposit_without_funds(preset: Preset) -> TraceBuilder:
    """An account with no settlement balance cannot deposit."""
    builder = start_settlement(preset)
    builder.apply(Deposit(ENVIRONMENT, NOBODY, TOKEN_A, Uint256(1)))
    return builder


@case(RejectionReason.TOO_MANY_DEPOSITS)
def deposit_when_the_interval_is_full(preset: Preset) -> TraceBuilder:
    """Once every deposit number before the next child block is used, deposits wait.

    The earlier deposits are made before the trace starts, so under the full
    preset the vector does not carry hundreds of steps.
    """
    setup = start_settlement(preset)
    for _ in range(int(preset.block_interval) - 1):
        deposit(setup, ALICE, 1)
    builder = TraceBuilder(setup.area, preset, setup.state)
    builder.apply(Deposit(ENVIRONMENT, ALICE.address, TOKEN_A, Uint256(1)))
    return builder


# Blocks and time


@case(None)
def submit_block_after_deposits(preset: Preset) -> TraceBuilder:
    """After a deposit, the operator's next child block takes the next multiple of the interval."""
    builder = start_settlement(preset)
    deposit(builder, ALICE, 5)
    state: SettlementState = builder.state
    number = get_next_deposit_block_number(state.environments[ENVIRONMENT]) - 1
    child = (int(number) // int(preset.block_interval) + 1) * int(preset.block_interval)
    root = Hash32(b"\x07" * 32)  # any root: the settlement layer never reads the block
    builder.apply(SubmitBlock(ENVIRONMENT, OPERATOR.address, Uint64(child), root))
    return builder


@case(RejectionReason.TIME_NOT_INCREASING)
def advance_time_to_the_present(preset: Preset) -> TraceBuilder:
    """Time only moves forward: advancing to the current time is refused."""
    builder = start_settlement(preset)
    state: SettlementState = builder.state
    builder.apply(AdvanceTime(state.time))
    return builder


# Operation bytes that do not decode


def make_deposit_bytes() -> bytes:
    """Return the canonical bytes of a deposit of 1 of token A by Alice."""
    return encode(Deposit(ENVIRONMENT, ALICE.address, TOKEN_A, Uint256(1)), Operation)


@case(RejectionReason.ENCODING_TRUNCATED)
def operation_bytes_truncated(preset: Preset) -> TraceBuilder:
    """A deposit's bytes missing their last byte do not decode."""
    builder = start_settlement(preset)
    builder.apply_bytes(make_deposit_bytes()[:-1])
    return builder


@case(RejectionReason.ENCODING_TRAILING_BYTES)
def operation_bytes_with_trailing_byte(preset: Preset) -> TraceBuilder:
    """A deposit's bytes followed by one more byte do not decode."""
    builder = start_settlement(preset)
    builder.apply_bytes(make_deposit_bytes() + b"\x00")
    return builder


@case(RejectionReason.ENCODING_INVALID_TAG)
def operation_bytes_with_unknown_variant(preset: Preset) -> TraceBuilder:
    """Operation tag 22 names no operation (there are twenty-two, tagged 0 to 21)."""
    builder = start_settlement(preset)
    builder.apply_bytes(b"\x16" + make_deposit_bytes()[1:])
    return builder


@case(RejectionReason.ENCODING_INVALID_TAG)
def operation_bytes_with_unknown_environment_kind(preset: Preset) -> TraceBuilder:
    """A registration whose environment kind index names no kind does not decode."""
    builder = start_settlement(preset)
    registration = encode(make_registration(preset, 10**6, 10**17, 1), Operation)
    kind_offset = 1 + 20  # after the operation tag and the operator address
    builder.apply_bytes(registration[:kind_offset] + b"\x09" + registration[kind_offset + 1 :])
    return builder


# Readable arguments out of range (capability readable-arguments)


def make_deposit_view(owner: str, amount: str) -> dict[str, object]:
    """Return the readable view of a deposit with these owner and amount fields."""
    view = to_view(Deposit(ENVIRONMENT, ALICE.address, TOKEN_A, Uint256(1)))
    return {**view, "owner": owner, "amount": amount}


@case(RejectionReason.INTEGER_OVERFLOW)
def readable_deposit_amount_too_large(preset: Preset) -> TraceBuilder:
    """A deposit amount of 2**256 does not fit a Uint256."""
    builder = start_settlement(preset)
    builder.apply_readable("Deposit", make_deposit_view(ALICE.address.to_hex(), str(2**256)))
    return builder


@case(RejectionReason.INTEGER_UNDERFLOW)
def readable_time_below_zero(preset: Preset) -> TraceBuilder:
    """A time of -1 is no Uint64."""
    builder = start_settlement(preset)
    builder.apply_readable("AdvanceTime", {"time": "-1"})
    return builder


@case(RejectionReason.BYTES_WRONG_LENGTH)
def readable_deposit_owner_too_short(preset: Preset) -> TraceBuilder:
    """An owner address of 19 bytes is no address."""
    builder = start_settlement(preset)
    builder.apply_readable("Deposit", make_deposit_view("0x" + "01" * 19, "1"))
    return builder
