"""The invariant predicates can fail: each reports a deliberately broken state or step.

A predicate that never reports anything proves nothing; each test here breaks
one thing by hand (with ``dataclasses.replace``) and expects exactly the
predicate of that invariant to notice. Also: commutation on pairs of
operations, and the catalog's shape: every entry points at predicates that
exist, and every predicate of ``spec.invariants`` is pointed at by the entry
whose id it names.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import replace

import pytest

import spec.invariants
from fixtures import WATCHER
from spec.environments.payments.exits import ChallengeStandardExit
from spec.invariants.catalog import CATALOG, get_invariant
from spec.invariants.checks import NAMED_CHECKERS
from spec.invariants.entry import Invariant, Scope
from spec.invariants.evaluate import (
    check_settlement_pair,
    check_settlement_state,
    check_settlement_transition,
)
from spec.invariants.ids import InvariantId
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, SubmitBlock
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    ExitStatus,
    SettlementState,
    with_environment,
)
from spec.settlement.transition import Operation, state_transition
from spec.totals import with_entry
from tests.harness import advance, apply, commit_block, deposit, make_exit, make_world, pay
from tests.support import ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, MALLORY, OPERATOR, TOKEN_A


def world_with_exits() -> SettlementState:
    """Return two environments; env 0 has a child block, two deposit exits and a payment."""
    state = make_world(environments=2)
    state, first = deposit(state, 0, ALICE, 100)
    state, second = deposit(state, 0, BOB, 40)
    payment = pay(0, [(first.position, ALICE_KEY)], [(CAROL, 100)])
    state, _ = commit_block(state, 0, [payment])
    state = apply(state, make_exit(state, 0, ALICE, first.position, [first.transaction]))
    return apply(state, make_exit(state, 0, BOB, second.position, [second.transaction]))


def change_environment(state: SettlementState, env: int, **changes: object) -> SettlementState:
    """Return ``state`` with fields of one environment replaced."""
    environment: Environment = replace(state.environments[env], **changes)  # type: ignore[arg-type]
    return with_environment(state, Uint64(env), environment)


def change_exit(state: SettlementState, exit_id: int, **changes: object) -> SettlementState:
    """Return ``state`` with fields of one exit of environment 0 replaced."""
    exits = state.environments[0].exits
    changed = replace(exits[Uint64(exit_id)], **changes)  # type: ignore[arg-type]
    return change_environment(state, 0, exits=with_entry(exits, Uint64(exit_id), changed))


def state_violations(state: SettlementState) -> set[InvariantId]:
    """Return the ids of the state invariants ``state`` breaks."""
    return {violation.identifier for violation in check_settlement_state(state)}


def step_violations(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> set[InvariantId]:
    """Return the ids of the invariants the step (pre, operation, post) breaks."""
    return {v.identifier for v in check_settlement_transition(pre, operation, post)}


def test_a_real_world_breaks_nothing() -> None:
    """Given a world built only by accepted operations.

    When every state invariant is evaluated,
    Then none is broken (the baseline the tests below depart from).
    """
    assert state_violations(world_with_exits()) == set()


# State predicates, each shown to fail


def test_solvency_detects_overdrawn_vault() -> None:
    """Given env 0 whose withdrawn ledger is raised above its deposits.

    When INV-01 is evaluated,
    Then it reports the violation.
    """
    state = world_with_exits()
    broken = change_environment(state, 0, withdrawn={NATIVE_TOKEN: Uint256(10**6)})
    assert InvariantId.SOLVENCY in state_violations(broken)


def test_single_payout_detects_output_paid_twice() -> None:
    """Given both exits of env 0 made processed exits of the same output.

    When INV-02 is evaluated,
    Then it reports the output paid twice.
    """
    state = world_with_exits()
    position = state.environments[0].exits[Uint64(0)].position
    broken = change_exit(state, 0, status=ExitStatus.PROCESSED)
    broken = change_exit(broken, 1, status=ExitStatus.PROCESSED, position=position)
    assert InvariantId.SINGLE_PAYOUT in state_violations(broken)


def test_single_payout_detects_payment_of_open_exit() -> None:
    """Given an open exit marked as paid.

    When INV-02 is evaluated,
    Then it reports a payment by an exit that was not processed.
    """
    broken = change_exit(world_with_exits(), 0, paid=Uint256(1))
    assert InvariantId.SINGLE_PAYOUT in state_violations(broken)


def test_exit_uniqueness_detects_two_exits_of_one_output() -> None:
    """Given exit 1 moved onto exit 0's output.

    When INV-03 is evaluated,
    Then it reports two exits of one output.
    """
    state = world_with_exits()
    position = state.environments[0].exits[Uint64(0)].position
    assert InvariantId.EXIT_UNIQUENESS in state_violations(change_exit(state, 1, position=position))


def test_block_numbering_detects_child_block_at_deposit_number() -> None:
    """Given a child block record written at number 2 (a deposit number).

    When INV-04 is evaluated,
    Then it reports the misplaced block.
    """
    state = world_with_exits()
    record = BlockRecord(BlockKind.CHILD, Hash32.zero(), state.time)
    blocks = with_entry(state.environments[0].blocks, Uint64(3), record)
    assert InvariantId.BLOCK_LOG_INTEGRITY in state_violations(
        change_environment(state, 0, blocks=blocks)
    )


def test_block_numbering_detects_block_from_the_future() -> None:
    """Given a block whose time is after the settlement clock.

    When INV-04 is evaluated,
    Then it reports it.
    """
    state = world_with_exits()
    record = BlockRecord(BlockKind.CHILD, Hash32.zero(), state.time + 1)
    blocks = with_entry(state.environments[0].blocks, Uint64(8), record)
    assert InvariantId.BLOCK_LOG_INTEGRITY in state_violations(
        change_environment(state, 0, blocks=blocks)
    )


def test_exitable_time_detects_early_exit() -> None:
    """Given an exit whose exitable time is one second earlier than the rule gives.

    When INV-07 is evaluated,
    Then it reports the wrong exitable time.
    """
    state = world_with_exits()
    early = state.environments[0].exits[Uint64(0)].exitable_at - 1
    assert InvariantId.MATURITY in state_violations(change_exit(state, 0, exitable_at=early))


def test_bond_conservation_detects_lost_bond() -> None:
    """Given an environment holding one bond less than its open exits posted.

    When INV-09 is evaluated,
    Then it reports the difference.
    """
    state = world_with_exits()
    held = state.environments[0].bonds_held - 1
    assert InvariantId.BOND_CONSERVATION in state_violations(
        change_environment(state, 0, bonds_held=held)
    )


# Transition predicates, each shown to fail


def test_append_only_detects_rewritten_root() -> None:
    """Given a step that rewrites the root of committed block 4.

    When the transition invariants are evaluated,
    Then INV-04 reports the changed record.
    """
    pre = world_with_exits()
    record = replace(pre.environments[0].blocks[Uint64(4)], root=Hash32(b"\x01" * 32))
    post = change_environment(
        pre, 0, blocks=with_entry(pre.environments[0].blocks, Uint64(4), record)
    )
    assert InvariantId.BLOCK_LOG_INTEGRITY in step_violations(pre, AdvanceTime(pre.time + 1), post)


def test_authority_detects_block_added_by_non_operator() -> None:
    """Given a SubmitBlock by Mallory whose post-state nevertheless holds the block.

    When the transition invariants are evaluated,
    Then INV-05 reports the unauthorised block.
    """
    pre = world_with_exits()
    operation = SubmitBlock(Uint64(0), MALLORY, Uint64(8), Hash32.zero())
    accepted = state_transition(pre, replace(operation, sender=OPERATOR))
    assert InvariantId.AUTHORITY in step_violations(pre, operation, accepted)


def test_deposit_fidelity_detects_wrong_amount() -> None:
    """Given a deposit of 5 whose post-state records a deposit of 6.

    When the transition invariants are evaluated,
    Then INV-06 reports the mismatch.
    """
    pre = world_with_exits()
    operation = Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5))
    post = state_transition(pre, replace(operation, amount=Uint256(6)))
    assert InvariantId.DEPOSIT_FIDELITY in step_violations(pre, operation, post)


def test_maturity_detects_payment_before_exitable_time() -> None:
    """Given a step that marks an immature exit processed.

    When the transition invariants are evaluated,
    Then INV-07 reports the early payment.
    """
    pre = world_with_exits()
    post = change_exit(pre, 0, status=ExitStatus.PROCESSED)
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1))
    assert InvariantId.MATURITY in step_violations(pre, operation, post)


def test_priority_order_detects_exit_paid_out_of_order() -> None:
    """Given two mature exits and a step that pays the second one instead of the first.

    When the transition invariants are evaluated,
    Then INV-08 reports the order.
    """
    pre = advance(world_with_exits(), 100)
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1))
    right = state_transition(pre, operation)
    wrong = state_transition(pre, replace(operation, max_exits=Uint32(2)))
    wrong = change_exit(wrong, 0, status=ExitStatus.OPEN, paid=Uint256(0))
    assert InvariantId.PRIORITY_ORDER not in step_violations(pre, operation, right)
    assert InvariantId.PRIORITY_ORDER in step_violations(pre, operation, wrong)


def test_priority_order_detects_stop_before_limit() -> None:
    """Given two mature exits and a limit of 2, and a step that pays only one.

    When the transition invariants are evaluated,
    Then INV-08 reports that processing stopped at a mature exit.
    """
    pre = advance(world_with_exits(), 100)
    short = state_transition(pre, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1)))
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(2))
    assert InvariantId.PRIORITY_ORDER in step_violations(pre, operation, short)


def test_priority_order_detects_processing_past_the_limit() -> None:
    """Given two mature exits and a step that pays both under a limit of 1.

    When the transition invariants are evaluated,
    Then INV-08 reports that the limit was exceeded.
    """
    pre = advance(world_with_exits(), 100)
    both = state_transition(pre, ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(2)))
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1))
    assert InvariantId.PRIORITY_ORDER in step_violations(pre, operation, both)


def test_priority_order_detects_short_vault_paying_the_wrong_exit() -> None:
    """Given two mature exits (100 and 40), a vault 30 short, and a step paying them out of order.

    The wrong step pays the lower-priority exit in full and the other what is left.
    When the transition invariants are evaluated,
    Then INV-08 reports payments that do not follow the priority order.
    """
    pre = advance(world_with_exits(), 100)
    short = change_environment(pre, 0, withdrawn={NATIVE_TOKEN: Uint256(30)})
    operation = ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(2))
    right = state_transition(short, operation)
    assert [right.environments[0].exits[Uint64(i)].paid for i in range(2)] == [100, 10]
    wrong = change_exit(right, 0, paid=Uint256(70))
    wrong = change_exit(wrong, 1, paid=Uint256(40))
    assert InvariantId.PRIORITY_ORDER not in step_violations(short, operation, right)
    assert InvariantId.PRIORITY_ORDER in step_violations(short, operation, wrong)


def test_bond_destinations_detect_bond_paid_to_the_exiter() -> None:
    """Given a successful challenge whose post-state gives the bond back to the exiter.

    When the transition invariants are evaluated,
    Then INV-09 reports the bond at the wrong account.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    spend = pay(0, [(made.position, ALICE_KEY)], [(BOB, 100)])
    pre = apply(state, make_exit(state, 0, ALICE, made.position, [made.transaction]))
    operation = ChallengeStandardExit(Uint64(0), BOB, Uint64(0), spend, Uint8(0))
    right = state_transition(pre, operation)
    bond = pre.environments[0].exits[Uint64(0)].bond
    balances = with_entry(
        right.balances, (BOB, NATIVE_TOKEN), right.balances[(BOB, NATIVE_TOKEN)] - bond
    )
    balances = with_entry(
        balances, (ALICE, NATIVE_TOKEN), right.balances[(ALICE, NATIVE_TOKEN)] + bond
    )
    wrong = replace(right, balances=balances)
    assert InvariantId.BOND_CONSERVATION not in step_violations(pre, operation, right)
    assert InvariantId.BOND_CONSERVATION in step_violations(pre, operation, wrong)


def test_bond_destinations_detect_a_bond_moved_by_an_operation_without_exits() -> None:
    """Given a step that advances time and moves one bond from Alice to Bob.

    When the transition invariants are evaluated,
    Then INV-09 reports both balances: no exit explains the movement.
    """
    pre = world_with_exits()
    bond = int(pre.environments[0].exits[Uint64(0)].bond)
    balances = with_entry(
        pre.balances, (ALICE, NATIVE_TOKEN), pre.balances[(ALICE, NATIVE_TOKEN)] - bond
    )
    balances = with_entry(balances, (BOB, NATIVE_TOKEN), pre.balances[(BOB, NATIVE_TOKEN)] + bond)
    operation = AdvanceTime(pre.time + 1)
    post = replace(state_transition(pre, operation), balances=balances)
    assert InvariantId.BOND_CONSERVATION in step_violations(pre, operation, post)


def test_bond_destinations_detect_a_start_holding_another_bond_than_it_sent() -> None:
    """Given a start that sends the exit bond, whose post-state records and takes one unit less.

    When the transition invariants are evaluated,
    Then INV-09 reports the exit holding a bond the call did not send.
    """
    state, made = deposit(make_world(), 0, ALICE, 100)
    operation = make_exit(state, 0, ALICE, made.position, [made.transaction])
    right = state_transition(state, operation)
    exit = right.environments[0].exits[Uint64(0)]
    smaller = Uint256(int(exit.bond) - 1)
    wrong = change_exit(right, 0, bond=smaller)
    wrong = change_environment(wrong, 0, bonds_held=smaller)
    refund = right.balances.get((ALICE, NATIVE_TOKEN), Uint256(0)) + 1
    wrong = replace(wrong, balances=with_entry(wrong.balances, (ALICE, NATIVE_TOKEN), refund))
    assert InvariantId.BOND_CONSERVATION not in step_violations(state, operation, right)
    assert InvariantId.BOND_CONSERVATION in step_violations(state, operation, wrong)


def test_bond_destinations_detect_a_challenge_cancelling_another_exit() -> None:
    """Given a challenge of exit 1 whose post-state cancels exit 0 instead, bond and all.

    When the transition invariants are evaluated,
    Then INV-09 reports that the named exit was not the one cancelled, and INV-10
    that exit 0 was cancelled by a challenge that does not name it.
    """
    pre = world_with_exits()
    bob_exit = pre.environments[0].exits[Uint64(1)]
    spend = pay(0, [(bob_exit.position, BOB_KEY)], [(CAROL, 40)])
    operation = ChallengeStandardExit(Uint64(0), MALLORY, Uint64(1), spend, Uint8(0))
    right = state_transition(pre, operation)
    wrong = change_exit(right, 1, status=ExitStatus.OPEN)
    wrong = change_exit(wrong, 0, status=ExitStatus.CHALLENGED)
    found = step_violations(pre, operation, wrong)
    assert not step_violations(pre, operation, right)
    assert {InvariantId.BOND_CONSERVATION, InvariantId.CHALLENGE_SOUNDNESS} <= found


def test_challenge_soundness_detects_cancel_without_spend() -> None:
    """Given a step that cancels Alice's exit under a challenge signed by Mallory.

    When the transition invariants are evaluated,
    Then INV-10 reports the unsound cancellation.
    """
    pre = world_with_exits()
    position = pre.environments[0].exits[Uint64(1)].position
    forged = pay(0, [(position, ALICE_KEY)], [(MALLORY, 40)])  # Alice never owned exit 1's output
    operation = ChallengeStandardExit(Uint64(0), MALLORY, Uint64(1), forged, Uint8(0))
    post = change_exit(pre, 1, status=ExitStatus.CHALLENGED)
    assert InvariantId.CHALLENGE_SOUNDNESS in step_violations(pre, operation, post)


def test_finality_detects_reopened_exit() -> None:
    """Given a processed exit that a later step reopens.

    When the transition invariants are evaluated,
    Then INV-11 reports it.
    """
    pre = state_transition(
        advance(world_with_exits(), 100),
        ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(1)),
    )
    post = change_exit(pre, 0, status=ExitStatus.OPEN)
    assert InvariantId.FINALITY_MONOTONICITY in step_violations(
        pre, AdvanceTime(pre.time + 1), post
    )


def test_isolation_detects_change_to_another_environment() -> None:
    """Given a deposit into env 0 whose post-state also changes env 1.

    When the transition invariants are evaluated,
    Then INV-12 reports it.
    """
    pre = world_with_exits()
    operation = Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5))
    post = state_transition(pre, operation)
    post = change_environment(post, 1, operator=MALLORY)
    assert InvariantId.ISOLATION in step_violations(pre, operation, post)


def test_asset_conservation_detects_minted_funds() -> None:
    """Given a step that credits Alice with tokens from nowhere.

    When the transition invariants are evaluated,
    Then INV-23 reports the change of the token's total.
    """
    pre = world_with_exits()
    post = replace(pre, balances=with_entry(pre.balances, (ALICE, TOKEN_A), Uint256(1)))
    assert InvariantId.ASSET_CONSERVATION in step_violations(pre, AdvanceTime(pre.time), post)


def test_determinism_detects_a_post_state_the_spec_would_not_produce() -> None:
    """Given a step whose post-state differs from what the spec computes.

    When the transition invariants are evaluated,
    Then INV-14 reports it.
    """
    pre = world_with_exits()
    post = replace(pre, time=pre.time + 2)
    assert InvariantId.DETERMINISM in step_violations(pre, AdvanceTime(pre.time + 1), post)


# Commutation (INV-13)


def test_operations_on_different_environments_commute() -> None:
    """Given two environments.

    When a deposit into env 0 and a block for env 1 are applied in both orders,
    Then both orders reach the same state.
    """
    state = world_with_exits()
    first = Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5))
    second = SubmitBlock(Uint64(1), OPERATOR, Uint64(4), Hash32.zero())
    assert check_settlement_pair(state, first, second) == []
    one = state_transition(state_transition(state, first), second)
    assert one == state_transition(state_transition(state, second), first)


def test_commutation_check_detects_order_dependence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a deliberately broken transition where the last operation's environment is recorded.

    When the commutation predicate compares two orders of operations on envs 0 and 1,
    Then it reports that the orders reach different states.
    """
    import spec.invariants.environments as predicates

    def last_writer_wins(state: SettlementState, operation: Operation) -> SettlementState:
        post = state_transition(state, operation)
        marker = Uint256(1 + int(getattr(operation, "environment_id", 0)))
        return replace(post, balances=with_entry(post.balances, (MALLORY, TOKEN_A), marker))

    state = world_with_exits()
    monkeypatch.setattr(predicates, "state_transition", last_writer_wins)
    first = Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5))
    second = SubmitBlock(Uint64(1), OPERATOR, Uint64(4), Hash32.zero())
    assert [v.identifier for v in check_settlement_pair(state, first, second)] == [
        InvariantId.COMMUTATION
    ]


# The catalog

PREDICATE_ID = re.compile(r"^(INV-\d\d)\b")
"""The id a predicate's docstring starts with."""


def find_predicate_functions() -> list[Callable[..., object]]:
    """Return every ``check_*`` function of ``spec.invariants`` but the evaluator's."""
    found: list[Callable[..., object]] = []
    for module_info in pkgutil.walk_packages(spec.invariants.__path__, "spec.invariants."):
        if module_info.name == "spec.invariants.evaluate":
            continue
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and function.__module__ == module.__name__:
                found.append(function)
    return found


def get_pointing_entries(function: Callable[..., object]) -> list[Invariant]:
    """Return the catalog entries whose predicates include ``function``."""
    return [i for i in CATALOG if function in i.predicates.get_functions()]


def test_catalog_ids_are_unique_and_every_id_has_its_entry() -> None:
    """Given the catalog and the InvariantId enumeration.

    When their ids are compared,
    Then every member has exactly one entry, in the enumeration's order.
    """
    assert [invariant.identifier for invariant in CATALOG] == list(InvariantId)
    assert all(get_invariant(identifier).identifier is identifier for identifier in InvariantId)


def test_every_predicate_is_pointed_at_by_the_entry_it_names() -> None:
    """Given every ``check_*`` function of ``spec.invariants``.

    When its docstring's leading id and the entries pointing at it are read,
    Then it names a catalogued id, and exactly that id's entry points at it
    (a predicate that claims an id the catalog lacks, or that no entry uses, fails).
    """
    functions = find_predicate_functions()
    assert len(functions) >= 20
    for function in functions:
        match = PREDICATE_ID.match(inspect.getdoc(function) or "")
        assert match, f"{function.__qualname__} names no invariant"
        assert match.group(1) in set(InvariantId), f"{function.__qualname__}: {match.group(1)}"
        pointing = [i.identifier for i in get_pointing_entries(function)]
        assert pointing == [InvariantId(match.group(1))], function.__qualname__


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_every_entry_points_at_predicates_that_exist(invariant: Invariant) -> None:
    """Given a catalogued invariant.

    When its predicates are resolved,
    Then it has at least one, each trace predicate names a function outside
    ``spec/``, and its scopes are those of its predicates.
    """
    predicates = invariant.predicates
    assert predicates.get_functions() or predicates.trace
    for dotted in predicates.trace:
        module_name, _, name = dotted.rpartition(".")
        assert not module_name.startswith("spec")
        assert callable(getattr(importlib.import_module(module_name), name)), dotted
    assert (Scope.TRACE in invariant.scopes) == bool(predicates.trace)
    assert invariant.scopes


@pytest.mark.parametrize("invariant", CATALOG, ids=lambda invariant: invariant.identifier)
def test_every_invariant_is_fully_stated(invariant: Invariant) -> None:
    """Given a catalogued invariant.

    When its fields are read,
    Then it has a title, a statement, a rationale and at least one check, and
    exactly the checks of the checkers that name their pieces name some.
    """
    assert invariant.title and invariant.statement and invariant.rationale
    assert invariant.checks
    for check in invariant.checks:
        assert bool(check.names) == (check.checker in NAMED_CHECKERS), check
