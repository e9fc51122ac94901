"""The reference settlement simulator rejects exactly as the spec does, and changes nothing then.

One test per settlement rejection reason (the Plasma Cash exit game's are
compared with the spec's by ``tests.test_differential_settlement``; here are
its kind checks and its scripted histories, step by step). Each goes through
``tests.reference_world.apply_rejected``: the spec must reject the same
operation for the same reason, and the simulator's digest and journal must be
unchanged afterwards. Operations that break several rules show the check order.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures import (
    WATCHER,
    make_high_s_signature,
    make_malformed_signature,
    make_rules,
    make_unrecoverable_signature,
)
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.payments.exits import ChallengeStandardExit
from spec.errors import Rejected, RejectionReason
from spec.primitives import NATIVE_TOKEN, Uint8, Uint32, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import EnvironmentKind, EnvironmentRules
from spec.settlement.transition import state_transition
from tests.differential import HUGE_RULES, LARGEST_U64, WHALE, make_initial_state
from tests.differential_cash_scripts import list_scripted_histories
from tests.harness import DEPOSIT_LIMIT, pay, position_of
from tests.reference_world import (
    ANY_ROOT,
    STRANGER,
    advance,
    apply_checked,
    apply_rejected,
    commit_block,
    deposit,
    make_exit,
    make_exiting_alice,
    make_simulator,
    make_simulator_at_the_last_block,
    register,
    spoil,
)
from tests.support import ALICE, ALICE_KEY, BOB, MALLORY, MALLORY_KEY, OPERATOR, rejects

# Environments and registration


@rejects(RejectionReason.UNKNOWN_ENVIRONMENT)
def test_deposit_to_a_huge_unknown_environment_id() -> None:
    """Given one environment. When a deposit names id 2**64 - 1, Then UNKNOWN_ENVIRONMENT."""
    operation = Deposit(Uint64(LARGEST_U64), ALICE, NATIVE_TOKEN, Uint256(1))
    apply_rejected(make_simulator(), operation)


@rejects(RejectionReason.ENVIRONMENT_IN_QUARANTINE)
def test_deposit_of_zero_in_quarantine_names_the_quarantine_first() -> None:
    """Given an environment registered just now.

    When a deposit of zero is made to it,
    Then it is rejected with ENVIRONMENT_IN_QUARANTINE (checked before the amount).
    """
    simulator = make_simulator()
    apply_checked(simulator, register(make_rules()))
    apply_rejected(simulator, Deposit(Uint64(1), ALICE, NATIVE_TOKEN, Uint256(0)))


@rejects(RejectionReason.FINALIZATION_PERIOD_TOO_SHORT)
def test_registration_below_the_minimal_period() -> None:
    """Given the tiny preset. When rules set a 99 s period (and a zero limit), Then too short."""
    rules = EnvironmentRules(Uint64(99), Uint256(50), Uint256(0), Uint256(0))
    apply_rejected(make_simulator(), register(rules))


@rejects(RejectionReason.EXIT_BOND_TOO_LOW)
def test_registration_with_a_zero_bond() -> None:
    """Given the tiny preset (bond floor 1). When rules set bond 0, Then EXIT_BOND_TOO_LOW."""
    apply_rejected(make_simulator(), register(replace(make_rules(), exit_bond=Uint256(0))))


@rejects(RejectionReason.DEPOSIT_LIMIT_ZERO)
def test_registration_with_a_zero_deposit_limit() -> None:
    """Given the tiny preset. When rules set deposit limit 0, Then DEPOSIT_LIMIT_ZERO."""
    rules = replace(make_rules(), deposit_limit=Uint256(0))
    apply_rejected(make_simulator(), register(rules))


# Deposits


@rejects(RejectionReason.DEPOSIT_AMOUNT_ZERO)
def test_deposit_of_zero() -> None:
    """Given an active environment. When Alice deposits 0, Then DEPOSIT_AMOUNT_ZERO."""
    apply_rejected(make_simulator(), Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(0)))


@rejects(RejectionReason.DEPOSIT_ABOVE_LIMIT)
def test_deposit_above_the_limit() -> None:
    """Given a limit of 10**6. When Alice deposits one more, Then DEPOSIT_ABOVE_LIMIT."""
    amount = Uint256(DEPOSIT_LIMIT + 1)
    apply_rejected(make_simulator(), Deposit(Uint64(0), ALICE, NATIVE_TOKEN, amount))


@rejects(RejectionReason.INSUFFICIENT_FUNDS)
def test_deposit_by_an_unfunded_address() -> None:
    """Given a stranger with no funds. When it deposits 1, Then INSUFFICIENT_FUNDS."""
    apply_rejected(make_simulator(), Deposit(Uint64(0), STRANGER, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.INSUFFICIENT_FUNDS)
def test_exit_whose_owner_cannot_pay_the_bond() -> None:
    """Given Alice paid a stranger in a child block. When it exits, Then INSUFFICIENT_FUNDS."""
    simulator = make_simulator()
    position, _ = deposit(simulator, 0, ALICE, 100)
    block = [pay(0, [(position, ALICE_KEY)], [(STRANGER, 100)])]
    number = commit_block(simulator, 0, block)
    operation = make_exit(simulator, 0, STRANGER, position_of(number, 0), block)
    apply_rejected(simulator, operation)


@rejects(RejectionReason.TOO_MANY_DEPOSITS)
def test_fourth_deposit_before_a_child_block() -> None:
    """Given three deposits since the last child block (interval 4). When a fourth, Then full."""
    simulator = make_simulator()
    for _ in range(3):
        deposit(simulator, 0, ALICE, 1)
    apply_rejected(simulator, Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_deposit_overflowing_the_vault_ledger_before_the_funds_check() -> None:
    """Given the whale deposited 2**255 + 1 into an environment without a practical limit.

    When Bob (who holds far less) deposits 2**255 more,
    Then INTEGER_OVERFLOW: the ledger is summed before Bob's funds are checked.
    """
    simulator = SettlementSimulator.create(Store(), make_initial_state())
    apply_checked(simulator, Deposit(Uint64(2), WHALE.address, NATIVE_TOKEN, Uint256(2**255 + 1)))
    apply_rejected(simulator, Deposit(Uint64(2), BOB, NATIVE_TOKEN, Uint256(2**255)))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_deposit_after_the_last_possible_block_number() -> None:
    """Given child blocks up to 2**64 - 1. When a deposit is made, Then INTEGER_OVERFLOW."""
    simulator = make_simulator_at_the_last_block()
    apply_rejected(simulator, Deposit(Uint64(3), ALICE, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_quarantine_ending_past_the_end_of_time() -> None:
    """Given registration at 2**64 - 5. When used, Then its quarantine end overflows."""
    simulator = make_simulator()
    apply_checked(simulator, AdvanceTime(Uint64(LARGEST_U64 - 5)))
    apply_checked(simulator, register(make_rules()))
    apply_rejected(simulator, Deposit(Uint64(1), ALICE, NATIVE_TOKEN, Uint256(1)))


# Block commitments


@rejects(RejectionReason.NOT_OPERATOR)
def test_block_by_another_sender() -> None:
    """Given OPERATOR runs environment 0. When Mallory submits block 4, Then NOT_OPERATOR."""
    operation = SubmitBlock(Uint64(0), MALLORY, Uint64(4), ANY_ROOT)
    apply_rejected(make_simulator(), operation)


@rejects(RejectionReason.BLOCK_ALREADY_COMMITTED)
def test_block_at_a_deposit_block_number() -> None:
    """Given a deposit took block 1.

    When the operator submits a child block at 1 (also not the expected number),
    Then BLOCK_ALREADY_COMMITTED: a committed number is checked before the expected one.
    """
    simulator = make_simulator()
    deposit(simulator, 0, ALICE, 1)
    apply_rejected(simulator, SubmitBlock(Uint64(0), OPERATOR, Uint64(1), ANY_ROOT))


@rejects(RejectionReason.BLOCK_NUMBER_UNEXPECTED)
def test_block_skipping_a_number() -> None:
    """Given no child block yet (next is 4). When block 8 is submitted, Then unexpected."""
    operation = SubmitBlock(Uint64(0), OPERATOR, Uint64(8), ANY_ROOT)
    apply_rejected(make_simulator(), operation)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_block_after_the_last_possible_child_block() -> None:
    """Given child blocks up to 2**64 - 1. When another is submitted, Then INTEGER_OVERFLOW."""
    simulator = make_simulator_at_the_last_block()
    operation = SubmitBlock(Uint64(3), OPERATOR, Uint64(LARGEST_U64 - 1), ANY_ROOT)
    apply_rejected(simulator, operation)


# Exit starts


@rejects(RejectionReason.UNKNOWN_BLOCK)
def test_exit_from_an_uncommitted_block() -> None:
    """Given no block 3. When Alice exits an output of block 3, Then UNKNOWN_BLOCK."""
    simulator = make_simulator()
    _, transaction = deposit(simulator, 0, ALICE, 100)
    operation = make_exit(simulator, 0, ALICE, position_of(3, 0), [transaction])
    apply_rejected(simulator, operation)


@rejects(RejectionReason.INCLUSION_PROOF_INVALID)
def test_exit_with_a_proof_one_level_short() -> None:
    """Given Alice's deposit. When her exit's proof lacks its top sibling, Then invalid proof."""
    simulator = make_simulator()
    position, transaction = deposit(simulator, 0, ALICE, 100)
    operation = make_exit(simulator, 0, ALICE, position, [transaction])
    apply_rejected(simulator, replace(operation, inclusion_proof=operation.inclusion_proof[:-1]))


@rejects(RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
def test_exit_of_a_second_output_of_a_deposit() -> None:
    """Given Alice's deposit (one output). When output 1 is exited, Then out of range."""
    simulator = make_simulator()
    position, transaction = deposit(simulator, 0, ALICE, 100)
    operation = make_exit(
        simulator, 0, ALICE, replace(position, output_index=Uint8(1)), [transaction]
    )
    apply_rejected(simulator, operation)


@rejects(RejectionReason.EXIT_NOT_BY_OWNER)
def test_exit_by_another_with_a_wrong_bond() -> None:
    """Given Alice's deposit.

    When Mallory exits it with a wrong bond,
    Then EXIT_NOT_BY_OWNER: ownership is checked before the bond.
    """
    simulator = make_simulator()
    position, transaction = deposit(simulator, 0, ALICE, 100)
    operation = make_exit(simulator, 0, MALLORY, position, [transaction], bond=1)
    apply_rejected(simulator, operation)


@rejects(RejectionReason.EXIT_BOND_WRONG_AMOUNT)
def test_exit_with_a_larger_bond() -> None:
    """Given an exit bond of 50. When Alice posts 51, Then EXIT_BOND_WRONG_AMOUNT."""
    simulator = make_simulator()
    position, transaction = deposit(simulator, 0, ALICE, 100)
    apply_rejected(simulator, make_exit(simulator, 0, ALICE, position, [transaction], bond=51))


@rejects(RejectionReason.EXIT_ALREADY_STARTED)
def test_exit_again_after_a_challenge() -> None:
    """Given Alice's exit was challenged. When she exits the output again, Then already started."""
    alice = make_exiting_alice()
    apply_checked(alice.simulator, alice.challenge)
    apply_rejected(alice.simulator, alice.start)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_exit_whose_exitable_time_passes_the_end_of_time() -> None:
    """Given an environment whose period is 2**64 - 1.

    When Alice exits her deposit there, Then start + period overflows: INTEGER_OVERFLOW.
    """
    simulator = make_simulator()
    rules = replace(make_rules(), minimal_finalization_period=Uint64(LARGEST_U64))
    apply_checked(simulator, register(rules))
    advance(simulator, int(simulator.preset.quarantine_period))
    position, transaction = deposit(simulator, 1, ALICE, 100)
    apply_rejected(simulator, make_exit(simulator, 1, ALICE, position, [transaction]))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_child_output_exit_whose_doubled_period_overflows() -> None:
    """Given an environment whose period is 2**63 and Alice paid Bob in a child block there.

    When Bob exits, Then the doubled period overflows: INTEGER_OVERFLOW.
    """
    simulator = make_simulator()
    apply_checked(simulator, register(HUGE_RULES))
    advance(simulator, int(simulator.preset.quarantine_period))
    position, _ = deposit(simulator, 1, ALICE, 100)
    block = [pay(1, [(position, ALICE_KEY)], [(BOB, 100)])]
    number = commit_block(simulator, 1, block)
    operation = make_exit(simulator, 1, BOB, position_of(number, 0), block, bond=1)
    apply_rejected(simulator, operation)


# Challenges


@rejects(RejectionReason.UNKNOWN_EXIT)
def test_challenge_of_a_huge_exit_id() -> None:
    """Given one exit. When exit 2**64 - 1 is challenged, Then UNKNOWN_EXIT."""
    alice = make_exiting_alice()
    apply_rejected(alice.simulator, replace(alice.challenge, exit_id=Uint64(LARGEST_U64)))


@rejects(RejectionReason.EXIT_NOT_OPEN)
def test_replayed_challenge() -> None:
    """Given Bob challenged Alice's exit. When the challenge is replayed, Then EXIT_NOT_OPEN."""
    alice = make_exiting_alice()
    apply_checked(alice.simulator, alice.challenge)
    apply_rejected(alice.simulator, alice.challenge)


@rejects(RejectionReason.CHALLENGE_NOT_SPENDING_EXIT)
def test_challenge_naming_a_missing_input() -> None:
    """Given a spend with one input. When the challenge names input 1, Then not spending."""
    alice = make_exiting_alice()
    apply_rejected(alice.simulator, replace(alice.challenge, input_index=Uint8(1)))


@rejects(RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER)
def test_challenge_with_a_spend_signed_by_another() -> None:
    """Given Mallory signed a spend of Alice's output. When she challenges, Then not by owner."""
    alice = make_exiting_alice()
    forged = pay(0, [(position_of(1, 0), MALLORY_KEY)], [(MALLORY, 100)])
    apply_rejected(alice.simulator, replace(alice.challenge, spending_transaction=forged))


@rejects(RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
def test_challenge_with_no_signature() -> None:
    """Given a spend of Alice's output without signatures. When used, Then shapeless."""
    alice = make_exiting_alice()
    unsigned = replace(alice.challenge.spending_transaction, signatures=())
    apply_rejected(alice.simulator, replace(alice.challenge, spending_transaction=unsigned))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_challenge_with_a_zero_r() -> None:
    """Given Alice's spend with r set to 0. When used to challenge, Then SIGNATURE_MALFORMED."""
    alice = make_exiting_alice()
    apply_rejected(alice.simulator, spoil(alice.challenge, make_malformed_signature))


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_challenge_with_the_malleable_twin() -> None:
    """Given the high-s twin of Alice's signature. When used to challenge, Then HIGH_S."""
    alice = make_exiting_alice()
    apply_rejected(alice.simulator, spoil(alice.challenge, make_high_s_signature))


@rejects(RejectionReason.SIGNATURE_UNRECOVERABLE)
def test_challenge_with_an_unrecoverable_signature() -> None:
    """Given a signature whose r is on no curve point. When used, Then UNRECOVERABLE."""
    alice = make_exiting_alice()
    apply_rejected(
        alice.simulator, spoil(alice.challenge, lambda _: make_unrecoverable_signature())
    )


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_challenge_paying_the_bond_to_a_full_balance() -> None:
    """Given the whale's exit and spend. When it challenges, Then its balance overflows."""
    simulator = SettlementSimulator.create(Store(), make_initial_state())
    exit = simulator.get_exit(Uint64(3), Uint64(0))
    assert exit is not None
    spend = pay(3, [(exit.position, WHALE.key)], [(ALICE, 1)])
    challenge = ChallengeStandardExit(Uint64(3), WHALE.address, Uint64(0), spend, Uint8(0))
    apply_rejected(simulator, challenge)


# Processing and time


@rejects(RejectionReason.PROCESS_LIMIT_ZERO)
def test_processing_zero_exits() -> None:
    """Given a mature exit. When a call allows zero exits, Then PROCESS_LIMIT_ZERO."""
    simulator = make_exiting_alice().simulator
    advance(simulator, 100)
    apply_rejected(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(0)))


@rejects(RejectionReason.NO_EXIT_TO_PROCESS)
def test_processing_before_maturity() -> None:
    """Given Alice's exit matures in 100 s. When processed after 99 s, Then nothing to process."""
    simulator = make_exiting_alice().simulator
    advance(simulator, 99)
    apply_rejected(simulator, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(10)))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_processing_a_payout_past_the_largest_balance() -> None:
    """Given the whale's mature exit, When processed, Then its balance overflows."""
    simulator = SettlementSimulator.create(Store(), make_initial_state())
    apply_rejected(simulator, ProcessExits(Uint64(3), WATCHER.address, NATIVE_TOKEN, Uint32(1)))


@rejects(RejectionReason.TIME_NOT_INCREASING)
def test_time_standing_still() -> None:
    """Given the clock at t. When time is set to t, Then TIME_NOT_INCREASING."""
    simulator = make_simulator()
    apply_rejected(simulator, AdvanceTime(simulator.time))


# Plasma Cash: kinds, and the exit game's histories


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_standard_exit_naming_a_cash_environment_in_quarantine() -> None:
    """Given Alice's open exit in payments environment 0, and a Cash environment 1 just registered.

    When Alice's exit start names environment 1,
    Then ENVIRONMENT_KIND_MISMATCH (checked before the quarantine).
    """
    alice = make_exiting_alice()
    apply_checked(
        alice.simulator, RegisterEnvironment(OPERATOR, EnvironmentKind.CASH, make_rules())
    )
    apply_rejected(alice.simulator, replace(alice.start, environment_id=Uint64(1)))


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_standard_exit_challenge_naming_a_cash_environment() -> None:
    """Given Alice's open exit in payments environment 0, and a Cash environment 1.

    When Bob's valid challenge names environment 1,
    Then ENVIRONMENT_KIND_MISMATCH.
    """
    alice = make_exiting_alice()
    apply_checked(
        alice.simulator, RegisterEnvironment(OPERATOR, EnvironmentKind.CASH, make_rules())
    )
    apply_rejected(alice.simulator, replace(alice.challenge, environment_id=Uint64(1)))


@rejects(RejectionReason.ENVIRONMENT_KIND_MISMATCH)
def test_coin_exit_finalization_naming_a_payments_environment() -> None:
    """Given a payments environment 0. When a coin exit of it is finalized, Then KIND_MISMATCH."""
    apply_rejected(make_simulator(), FinalizeCoinExit(Uint64(0), Uint64(0)))


def test_scripted_cash_histories_are_the_spec_s_step_by_step() -> None:
    """Given the scripted Cash histories (every Cash operation, accepted and rejected).

    When each operation is applied to a simulator loaded with the history's start,
    Then an accepted one leaves the spec's whole state, a rejected one the spec's reason
    and nothing changed.
    """
    for start, operations in list_scripted_histories():
        simulator = SettlementSimulator.create(Store(), start)
        for operation in operations:
            try:
                state_transition(simulator.get_state(), operation)
            except Rejected:
                with pytest.raises(Rejected):
                    apply_rejected(simulator, operation)
            else:
                apply_checked(simulator, operation)
