"""Deposits: funds move into the vault and a deposit block records the output."""

from __future__ import annotations

from spec.errors import RejectionReason
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.deposits import compute_deposit_root, get_next_deposit_block_number
from spec.settlement.operations import Deposit
from spec.settlement.state import BlockKind, get_balance, get_vault_balance
from tests.harness import DEPOSIT_LIMIT, FUNDS, apply_rejected, commit_block, deposit, make_world
from tests.support import ALICE, BOB, TOKEN_A, rejects


def test_deposit_moves_funds_into_the_vault_and_writes_a_deposit_block() -> None:
    """Given an active environment and Alice holding FUNDS of token A.

    When Alice deposits 700 of token A,
    Then block 1 is a deposit block committing to her output, the vault holds 700,
    and her settlement balance is 700 lower.
    """
    state = make_world()
    operation = Deposit(Uint64(0), ALICE, TOKEN_A, Uint256(700))
    state, made = deposit(state, 0, ALICE, 700, TOKEN_A)
    record = state.environments[0].blocks[Uint64(1)]
    assert made.position.block_number == 1
    assert (record.kind, record.root) == (BlockKind.DEPOSIT, compute_deposit_root(state, operation))
    assert get_vault_balance(state.environments[0], TOKEN_A) == 700
    assert get_balance(state, ALICE, TOKEN_A) == FUNDS - 700


def test_deposits_fill_the_numbers_between_child_blocks() -> None:
    """Given the tiny preset's block interval of 4.

    When three deposits, a child block, then one more deposit happen,
    Then the deposits take blocks 1, 2, 3, the child block 4, and the next deposit 5.
    """
    state = make_world()
    numbers = []
    for _ in range(3):
        state, made = deposit(state, 0, ALICE, 1)
        numbers.append(int(made.position.block_number))
    state, child = commit_block(state, 0, [])
    state, made = deposit(state, 0, BOB, 1)
    assert numbers == [1, 2, 3] and child == 4 and made.position.block_number == 5


def test_deposit_of_exactly_the_limit_is_accepted() -> None:
    """Given a deposit limit L.

    When Alice deposits exactly L,
    Then the deposit is accepted.
    """
    state, _ = deposit(make_world(), 0, ALICE, int(DEPOSIT_LIMIT))
    assert get_vault_balance(state.environments[0], NATIVE_TOKEN) == DEPOSIT_LIMIT


@rejects(RejectionReason.TOO_MANY_DEPOSITS)
def test_deposit_beyond_the_interval_is_rejected() -> None:
    """Given three deposits since the last child block (interval 4: numbers 1, 2, 3 used).

    When a fourth deposit is made before the next child block,
    Then it is rejected with TOO_MANY_DEPOSITS (number 4 belongs to the operator).
    """
    state = make_world()
    for _ in range(3):
        state, _ = deposit(state, 0, ALICE, 1)
    assert get_next_deposit_block_number(state.environments[0]) == 4
    apply_rejected(state, Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(1)))


@rejects(RejectionReason.DEPOSIT_AMOUNT_ZERO)
def test_zero_deposit_is_rejected() -> None:
    """Given an active environment.

    When Alice deposits 0,
    Then the deposit is rejected with DEPOSIT_AMOUNT_ZERO.
    """
    apply_rejected(make_world(), Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(0)))


@rejects(RejectionReason.DEPOSIT_ABOVE_LIMIT)
def test_deposit_above_limit_is_rejected() -> None:
    """Given a deposit limit L.

    When Alice deposits L + 1,
    Then the deposit is rejected with DEPOSIT_ABOVE_LIMIT.
    """
    operation = Deposit(Uint64(0), ALICE, NATIVE_TOKEN, DEPOSIT_LIMIT + 1)
    apply_rejected(make_world(), operation)


@rejects(RejectionReason.INSUFFICIENT_FUNDS)
def test_deposit_above_balance_is_rejected() -> None:
    """Given a token Alice holds none of.

    When Alice deposits 1 of it,
    Then the deposit is rejected with INSUFFICIENT_FUNDS.
    """
    unknown_token = type(TOKEN_A)(b"\xcc" * 20)
    apply_rejected(make_world(), Deposit(Uint64(0), ALICE, unknown_token, Uint256(1)))
