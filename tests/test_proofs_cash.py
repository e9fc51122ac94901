"""The Plasma Cash Z3 models: proofs pass, controls are caught, and the models match the spec.

- The inductive proofs of ``proofs.models.cash.induction`` (INV-24, INV-25,
  the Cash part of INV-09) pass for every transition, and each negative
  control is caught with a numbered counterexample.
- The bounded check of ``proofs.models.cash.bmc`` (INV-26, INV-27) reaches
  its depth, non-vacuously, and each of its controls yields a readable trace.
- No drift: Hypothesis draws Cash histories (deposits, honest and forged
  transfers, exits, challenges, answers, finalizations, time) built with
  ``fixtures.cash.CashWorld`` and run by the spec; for every step the model
  transition must be enabled exactly when the spec accepts (for the
  rejections the model represents), its post-state must equal the spec's
  abstracted post-state, ghosts included (recomputed from the real
  records), and every model clause must hold on every state.

Run: ``.venv/bin/pytest tests/test_proofs_cash.py -x -q -p no:cacheprovider``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import ALICE, BOB, MALLORY, OPERATOR
from fixtures.cash import CashWorld, make_cash_world
from proofs.models.cash.abstraction import (
    abstract_operation,
    abstract_rules,
    abstract_state,
    find_differences,
    find_false_clauses,
    is_true,
    to_terms,
)
from proofs.models.cash.bmc import CASH_BMC_DEPTH
from proofs.models.cash.bmc_controls import CASH_BOUNDED_CONTROLS, iterate_cash_bounded_checks
from proofs.models.cash.induction import (
    CASH_MUTANTS,
    iterate_cash_inductive_checks,
    iterate_cash_mutant_checks,
)
from proofs.models.cash.model import TRANSITIONS
from proofs.results import CheckResult, Method, Outcome
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import CoinLeaf, CoinMint, SignedTransfer
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExit, CoinExitStatus, CoinStatus
from spec.environments.cash.witnesses import IncludedLeaf
from spec.errors import Rejected, RejectionReason
from spec.invariants.evaluate import check_settlement_transition
from spec.invariants.ids import InvariantId
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation, state_transition
from tests.proof_results import (
    BOUNDED_FAMILY,
    CONTROLS_FAMILY,
    INDUCTIVE_FAMILY,
    get_model_results,
    is_tagged,
)

ACTORS = (ALICE, BOB, MALLORY)
"""Who owns, signs and calls in the drawn histories."""

MODELLED_REJECTIONS = frozenset(
    {
        RejectionReason.COIN_ALREADY_EXITED,
        RejectionReason.COIN_EXIT_ALREADY_OPEN,
        RejectionReason.EXIT_BOND_WRONG_AMOUNT,
        RejectionReason.UNKNOWN_EXIT,
        RejectionReason.EXIT_NOT_OPEN,
        RejectionReason.EXIT_NOT_MATURE,
        RejectionReason.CHALLENGE_WINDOW_CLOSED,
        RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT,
        RejectionReason.TIME_NOT_INCREASING,
    }
)
"""Rejections decided by what the model keeps: the model's guard must be false for them."""


# The proofs and their controls


@pytest.fixture(scope="module")
def inductive() -> list[CheckResult]:
    """Return every Cash inductive check: from CI's report of this code, else run them."""
    return get_model_results(INDUCTIVE_FAMILY, is_tagged("cash"), iterate_cash_inductive_checks)


def test_every_cash_invariant_is_proved_for_every_transition(inductive: list[CheckResult]) -> None:
    """Given the Cash inductive checks, Then Init and every transition are proved for each."""
    assert all(result.outcome == Outcome.PROVED for result in inductive), [
        (r.name, r.detail) for r in inductive if r.outcome != Outcome.PROVED
    ]
    names = {result.name for result in inductive}
    for identifier in ("INV-24", "INV-25", "INV-09"):
        assert f"{identifier}/init [cash]" in names
        for transition in TRANSITIONS:
            assert f"{identifier}/{transition} [cash]" in names


def test_every_cash_control_is_caught_with_a_counterexample() -> None:
    """Given the broken Cash transitions, Then their proofs find numbered counterexamples."""
    controls = get_model_results(CONTROLS_FAMILY, is_tagged("cash"), iterate_cash_mutant_checks)
    assert len(controls) == len(CASH_MUTANTS)
    for control in controls:
        assert control.outcome == Outcome.CAUGHT, control.detail
        assert (
            "caught" in control.detail
            and "1. " in control.detail
            and "post breaks" in control.detail
        )


# The bounded check of the coin's exit game


@pytest.fixture(scope="module")
def bounded() -> list[CheckResult]:
    """Return the Cash bounded checks and controls: from CI's report of this code, else run them."""
    return get_model_results(BOUNDED_FAMILY, is_cash_bounded, iterate_cash_bounded_checks)


def is_cash_bounded(result: CheckResult) -> bool:
    """Return whether a bounded check or control is the Cash exit game's (INV-26, INV-27 only)."""
    cash = {InvariantId.COIN_CHALLENGE_SOUNDNESS, InvariantId.COIN_HONEST_WITHDRAWAL}
    return bool(result.invariants) and set(result.invariants) <= cash


def test_cash_bounded_checks_reach_their_depth(bounded: list[CheckResult]) -> None:
    """Given the Cash bounded checks, Then INV-26 and INV-27 hold to the depth, not vacuously."""
    checks = [r for r in bounded if r.method == Method.BMC]
    assert {r.invariants for r in checks} == {
        (InvariantId.COIN_CHALLENGE_SOUNDNESS,),
        (InvariantId.COIN_HONEST_WITHDRAWAL,),
    }
    for result in checks:
        assert result.outcome == Outcome.BOUNDED, result.detail
        assert result.depth == CASH_BMC_DEPTH
        assert "a trace meeting the hypothesis" in result.detail


def test_cash_bounded_controls_give_readable_traces(bounded: list[CheckResult]) -> None:
    """Given the broken Cash exit games, Then each is caught with a numbered trace of operations."""
    controls = [r for r in bounded if r.method == Method.NEGATIVE_CONTROL]
    assert len(controls) == len(CASH_BOUNDED_CONTROLS)
    for control in controls:
        assert control.outcome == Outcome.CAUGHT, control.detail
        assert "caught" in control.detail and "1. " in control.detail
        assert "mint of the coin to" in control.detail
    (late,) = [r for r in controls if r.name.endswith("/history-challenge-any-time")][:1]
    assert "ChallengeCoinHistory" in late.detail and "FinalizeCoinExit" in late.detail


def test_cash_bounded_check_time_is_small(bounded: list[CheckResult]) -> None:
    """Given the Cash bounded checks and controls, Then together they take under 30 s."""
    assert sum(result.seconds for result in bounded) < 30


# Drift: drawn spec histories against the model


@dataclass
class Drawn:
    """A world being drawn, and every step it took."""

    world: CashWorld
    """The world."""
    env: int
    """Its Cash environment."""
    steps: list[tuple[SettlementState, Operation, SettlementState | RejectionReason]]
    """Every operation tried: pre-state, operation, post-state or rejection."""

    def records(self) -> CashRecords:
        """Return the Cash records now."""
        records = self.world.state.environments[self.env].kind_records
        assert isinstance(records, CashRecords)
        return records

    def attempt(self, operation: Operation) -> bool:
        """Apply an operation through the spec; record acceptance or the rejection; say which."""
        pre = self.world.state
        try:
            post = state_transition(pre, operation)
        except Rejected as rejection:
            self.steps.append((pre, operation, rejection.reason))
            return False
        self.steps.append((pre, operation, post))
        self.world.state = post
        return True


def get_owner(leaf: object) -> Address:
    """Return who a leaf gives its coin to."""
    if isinstance(leaf, CoinMint):
        return leaf.owner
    assert isinstance(leaf, SignedTransfer)
    return leaf.transfer.new_owner


def prefer(draw: st.DrawFn, preferred: list[int], others: list[int]) -> int:
    """Draw from ``preferred`` most of the time (when it has any), else from ``others``."""
    if preferred and (not others or draw(st.integers(0, 4)) > 0):
        return draw(st.sampled_from(preferred))
    return draw(st.sampled_from(others or preferred))


@dataclass(frozen=True)
class Choice:
    """What a drawn step acts on: an exit (maybe none yet) and its coin's known leaves."""

    exit_id: int
    """The exit it names."""
    exit: CoinExit | None
    """That exit, if it exists."""
    coin: int
    """The coin it acts on."""
    leaves: dict[int, CoinLeaf]
    """The coin's known leaves, by block."""

    @property
    def blocks(self) -> list[int]:
        """The blocks holding the coin's leaves, in order."""
        return sorted(self.leaves)

    @property
    def transfers(self) -> list[int]:
        """The blocks holding the coin's transfers, in order."""
        return [b for b in self.blocks if isinstance(self.leaves[b], SignedTransfer)]

    def spending(self, block: int) -> list[int]:
        """Return the blocks of the coin's transfers that spend ``block``."""
        return [
            b
            for b, leaf in sorted(self.leaves.items())
            if isinstance(leaf, SignedTransfer) and int(leaf.transfer.previous_block) == block
        ]


def draw_choice(draw: st.DrawFn, drawn: Drawn, kind: str) -> Choice:
    """Draw the exit and coin a step of ``kind`` acts on (the latest open exit, mostly)."""
    records = drawn.records()
    coins = sorted(int(c) for c in records.coins)
    exits = sorted(int(e) for e in records.exits)
    open_exits = [e for e in exits if records.exits[Uint64(e)].status == CoinExitStatus.OPEN]
    exit_id = prefer(draw, open_exits[-1:], exits) if exits else 0
    exit = records.exits.get(Uint64(exit_id))
    at_rest = [c for c in coins if records.coins[Uint64(c)].status == CoinStatus.DEPOSITED]
    if kind == "start":
        coin = prefer(draw, at_rest, coins)
    elif exit is not None and kind != "commit":
        coin = int(exit.coin_id)
    else:
        coin = draw(st.sampled_from(coins))
    known = {
        n: leaves[coin]
        for (e, n), leaves in drawn.world.leaves.items()
        if e == drawn.env and coin in leaves
    }
    return Choice(exit_id, exit, coin, known)


def get_parent_witness(drawn: Drawn, choice: Choice, block: int) -> IncludedLeaf | None:
    """Return the witness of the leaf the coin's leaf at ``block`` spends, if known."""
    leaf = choice.leaves[block]
    if not isinstance(leaf, SignedTransfer):
        return None
    previous = int(leaf.transfer.previous_block)
    return (
        drawn.world.witness(drawn.env, previous, choice.coin) if previous in choice.leaves else None
    )


def draw_deposit(draw: st.DrawFn, drawn: Drawn) -> None:
    """Draw a deposit; remember the mint's leaf when it is accepted."""
    world, env = drawn.world, drawn.env
    owner, amount = draw(st.sampled_from(ACTORS)).address, draw(st.integers(1, 100))
    coin_id = max((int(n) for n in world.state.environments[env].blocks), default=0) + 1
    if drawn.attempt(Deposit(Uint64(env), owner, NATIVE_TOKEN, Uint256(amount))):
        mint = CoinMint(Uint64(coin_id), owner, NATIVE_TOKEN, Uint256(amount))
        world.leaves[(env, coin_id)] = {coin_id: mint}


def draw_commit(draw: st.DrawFn, drawn: Drawn, choice: Choice) -> None:
    """Draw a child block moving the coin: by its owner mostly, else forged by anyone."""
    world, env = drawn.world, drawn.env
    spent = prefer(draw, choice.blocks[-1:], choice.blocks)
    owners = [a for a in ACTORS if a.address == get_owner(choice.leaves[spent])]
    honest = bool(owners) and prefer(draw, [0], [1, 2]) == 0
    signer = owners[0] if honest else draw(st.sampled_from(ACTORS))
    receiver = draw(st.sampled_from(ACTORS))
    world.commit(env, [world.transfer(env, choice.coin, spent, signer, receiver.address)])


def draw_start(draw: st.DrawFn, drawn: Drawn, choice: Choice, bond: int) -> None:
    """Draw a start of the coin's exit by a leaf's owner (its latest leaf, mostly)."""
    exiting = prefer(draw, choice.blocks[-1:], choice.blocks)
    leaf = drawn.world.witness(drawn.env, exiting, choice.coin)
    parent = get_parent_witness(drawn, choice, exiting)
    sent = Uint256(bond + draw(st.sampled_from([0, 0, 0, 1])))
    owner = get_owner(leaf.leaf)
    drawn.attempt(StartCoinExit(Uint64(drawn.env), owner, Uint64(choice.coin), leaf, parent, sent))


def draw_challenge(draw: st.DrawFn, drawn: Drawn, kind: str, choice: Choice, bond: int) -> None:
    """Draw a challenge or an answer against the chosen exit (witnesses that fit, mostly)."""
    world, env, exit = drawn.world, Uint64(drawn.env), choice.exit
    if exit is None:
        return
    exit_id, coin, transfers = Uint64(choice.exit_id), choice.coin, choice.transfers
    sender = draw(st.sampled_from(ACTORS)).address
    if kind == "spent" and transfers:
        chosen = prefer(draw, choice.spending(int(exit.exit_block)), transfers)
        spend = world.transfer_witness(int(env), chosen, coin)
        drawn.attempt(ChallengeCoinSpent(env, sender, exit_id, spend))
    elif kind == "double" and transfers:
        between = [b for b in choice.spending(int(exit.parent_block)) if b < exit.exit_block]
        spend = world.transfer_witness(int(env), prefer(draw, between, transfers), coin)
        drawn.attempt(ChallengeCoinDoubleSpend(env, sender, exit_id, spend))
    elif kind == "history":
        earlier_block = prefer(
            draw, [b for b in choice.blocks if b < exit.parent_block], choice.blocks
        )
        earlier = world.witness(int(env), earlier_block, coin)
        parent = get_parent_witness(drawn, choice, earlier_block)
        sent = Uint256(bond + draw(st.sampled_from([0, 0, 0, 1])))
        drawn.attempt(ChallengeCoinHistory(env, sender, exit_id, earlier, parent, sent))
    elif kind == "respond" and transfers and exit.challenges:
        block = draw(st.sampled_from(sorted(exit.challenges)))
        chosen = prefer(draw, choice.spending(int(block)), transfers)
        response = world.transfer_witness(int(env), chosen, coin)
        drawn.attempt(RespondCoinHistory(env, sender, exit_id, block, response))


def draw_step(draw: st.DrawFn, drawn: Drawn) -> None:
    """Draw and attempt one step of a Cash history, steered towards accepted operations."""
    kinds = ["start", "history", "respond", "spent", "double", "finalize", "advance", "commit"]
    kinds += ["start", "history", "respond", "advance", "commit", "deposit"]
    kind = draw(st.sampled_from(kinds))
    bond = int(drawn.world.state.environments[drawn.env].rules.exit_bond)
    if kind == "deposit":
        draw_deposit(draw, drawn)
        return
    if kind == "advance":
        elapsed = draw(st.sampled_from([0, 1, 49, 50, 100, 120]))
        drawn.attempt(AdvanceTime(Uint64(drawn.world.state.time + elapsed)))
        return
    choice = draw_choice(draw, drawn, kind)
    if kind == "commit":
        draw_commit(draw, drawn, choice)
    elif kind == "start":
        draw_start(draw, drawn, choice, bond)
    elif kind == "finalize":
        drawn.attempt(FinalizeCoinExit(Uint64(drawn.env), Uint64(choice.exit_id)))
    else:
        draw_challenge(draw, drawn, kind, choice, bond)


def make_prefix(world: CashWorld, env: int) -> None:
    """Give a drawn history its start: two coins passed on twice, then one double spend."""
    first = world.deposit(env, ALICE.address, 40)
    second = world.deposit(env, MALLORY.address, 60)
    to_bob = world.commit(
        env,
        [
            world.transfer(env, first, first, ALICE, BOB.address),
            world.transfer(env, second, second, MALLORY, ALICE.address),
        ],
    )
    world.commit(
        env,
        [
            world.transfer(env, first, to_bob, BOB, MALLORY.address),
            world.transfer(env, second, to_bob, ALICE, BOB.address),
        ],
    )
    # Alice spends her leaf of the second coin again: a double spend to challenge
    world.commit(env, [world.transfer(env, second, to_bob, ALICE, MALLORY.address)])


@st.composite
def cash_histories(draw: st.DrawFn) -> Drawn:
    """Draw a Cash history: a fixed start, then 8 to 30 drawn steps, each tried through the spec."""
    world = make_cash_world()
    env = world.register(OPERATOR)
    make_prefix(world, env)
    drawn = Drawn(world, env, [])
    for _ in range(draw(st.integers(8, 30))):
        draw_step(draw, drawn)
    return drawn


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cash_histories())
def test_model_agrees_with_the_spec_on_drawn_histories(drawn: Drawn) -> None:
    """Given a drawn Cash history run by the spec.

    When each step is replayed in the model from the abstracted pre-state,
    Then accepted steps are enabled and reach the abstracted post-state (ghosts
    included), modelled rejections are disabled, every clause holds on every
    state, and the catalog holds on every accepted step.
    """
    env = drawn.env
    if not drawn.steps:
        return
    first = drawn.steps[0][0]
    assert find_false_clauses(abstract_state(first, env), abstract_rules(first, env)) == []
    for pre, operation, outcome in drawn.steps:
        mapped = abstract_operation(pre, env, operation)
        concrete_pre = abstract_state(pre, env)
        rules = abstract_rules(pre, env)
        if mapped is None:
            continue
        name, parameters = mapped
        guard, model_post = TRANSITIONS[name](to_terms(concrete_pre), rules, parameters)
        if isinstance(outcome, RejectionReason):
            if outcome in MODELLED_REJECTIONS:
                assert not is_true(guard), (operation, outcome)
            continue
        assert is_true(guard), operation
        concrete_post = abstract_state(outcome, env)
        assert find_differences(model_post, concrete_post, concrete_pre) == [], operation
        assert find_false_clauses(concrete_post, rules) == []
        assert check_settlement_transition(pre, operation, outcome) == [], operation


def test_drift_test_reports_a_wrong_ghost() -> None:
    """Given a concrete state whose bonds held are one above its open bonds.

    When the model clauses are evaluated on it,
    Then INV-09's clause reports it (the drift check can fail).
    """
    world = make_cash_world()
    env = world.register(OPERATOR)
    coin = world.deposit(env, ALICE.address, 10)
    bond = world.state.environments[env].rules.exit_bond
    world.apply(
        StartCoinExit(
            Uint64(env), ALICE.address, Uint64(coin), world.witness(env, coin, coin), None, bond
        )
    )
    concrete = abstract_state(world.state, env)
    rules = abstract_rules(world.state, env)
    assert find_false_clauses(concrete, rules) == []
    wrong = replace(concrete, bonds_held=concrete.bonds_held + 1)
    assert find_false_clauses(wrong, rules) == ["INV-09/bonds held are open bonds@0"]
    paid = replace(concrete, exits={0: (coin, 2, int(bond), 0, 0, 0, 0)})
    assert any(text.startswith("INV-24/") for text in find_false_clauses(paid, rules))


def test_drift_check_reports_a_transition_that_differs_from_the_spec() -> None:
    """Given a finalization run by the spec, and the broken model that pays twice the amount.

    When the model's post-state is compared with the spec's,
    Then the real transition matches and the broken one differs on the withdrawn ledger.
    """
    world = make_cash_world()
    env = world.register(OPERATOR)
    coin = world.deposit(env, ALICE.address, 10)
    bond = world.state.environments[env].rules.exit_bond
    leaf = world.witness(env, coin, coin)
    world.apply(StartCoinExit(Uint64(env), ALICE.address, Uint64(coin), leaf, None, bond))
    world.advance(100)
    pre = world.state
    operation = FinalizeCoinExit(Uint64(env), Uint64(0))
    post = state_transition(pre, operation)
    mapped = abstract_operation(pre, env, operation)
    assert mapped is not None
    name, parameters = mapped
    concrete_pre, concrete_post = abstract_state(pre, env), abstract_state(post, env)
    rules = abstract_rules(pre, env)
    _, right = TRANSITIONS[name](to_terms(concrete_pre), rules, parameters)
    assert find_differences(right, concrete_post, concrete_pre) == []
    (broken,) = [m for m in CASH_MUTANTS if m.name == "finalize-pays-twice-the-amount"]
    _, wrong = broken.broken(to_terms(concrete_pre), rules, parameters)
    assert [d for d in find_differences(wrong, concrete_post, concrete_pre) if "withdrawn" in d]
