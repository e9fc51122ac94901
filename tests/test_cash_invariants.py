"""The Plasma Cash invariants (INV-24 to INV-27) hold on honest histories and can fail.

Every test here builds its histories with ``fixtures.cash.CashWorld`` through
:class:`CheckedWorld`, which evaluates the whole catalog after every accepted
operation. Then each predicate is shown to report a deliberately broken
state or step (the catalog's UNIT_CAN_FAIL evidence), isolation and
commutation are checked with a payments and a Cash environment under one
settlement layer (Hypothesis draws the Cash operations), and INV-27's trace
predicate (``adversary.cash.properties.check_honest_coin_withdrawal``)
judges whole histories.

Run: ``.venv/bin/pytest tests/test_cash_invariants.py -x -q -p no:cacheprovider``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec.environments.cash.challenges as cash_challenges
from adversary.cash.properties import check_honest_coin_withdrawal
from fixtures import ALICE, BOB, MALLORY, OPERATOR, Actor, make_rules
from fixtures.cash import CashWorld, make_cash_world
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import (
    CashRecords,
    CoinExit,
    CoinExitStatus,
    CoinStatus,
    HistoryChallenge,
)
from spec.environments.cash.witnesses import IncludedTransfer
from spec.errors import Rejected
from spec.invariants.cash.challenges import check_coin_cancellations, check_history_challenges
from spec.invariants.cash.coins import (
    check_coin_exit_status,
    check_coin_exit_steps,
    check_coin_payout_steps,
    check_coin_payouts,
)
from spec.invariants.evaluate import (
    check_settlement_pair,
    check_settlement_state,
    check_settlement_transition,
)
from spec.invariants.funds import check_solvency
from spec.invariants.ids import InvariantId
from spec.primitives import NATIVE_TOKEN, Hash32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind, SettlementState, with_environment
from spec.settlement.transition import Operation, state_transition
from spec.totals import with_entry

PERIOD = 100
"""MFP of the tiny preset's environments."""

Step = tuple[SettlementState, Operation, SettlementState]
"""An accepted step: pre-state, operation, post-state."""


@dataclass
class CheckedWorld(CashWorld):
    """A Cash world that checks every invariant after every accepted operation."""

    steps: list[Step] = field(default_factory=list)
    """Every accepted step, in order."""

    def apply(self, operation: Operation) -> None:
        """Apply an operation through the spec; fail on any invariant it breaks."""
        pre = self.state
        post = state_transition(pre, operation)
        violations = check_settlement_transition(pre, operation, post)
        assert not violations, f"{type(operation).__name__} broke {violations}"
        self.steps.append((pre, operation, post))
        self.state = post


def make_world() -> CheckedWorld:
    """Return a checked world with funded actors and no environment."""
    return CheckedWorld(make_cash_world().state)


@dataclass
class Story:
    """A Cash history with a coin passed Mallory -> Bob -> Alice and attacks on it."""

    world: CheckedWorld
    """The world after the history."""
    env: int
    """The Cash environment."""
    coin: int
    """The coin (minted to Mallory)."""
    blocks: dict[str, int]
    """Named blocks of the coin's leaves."""

    @property
    def bond(self) -> Uint256:
        """The environment's exit bond."""
        return self.world.state.environments[self.env].rules.exit_bond

    def start(self, sender: Actor, exiting: str, parent: str | None) -> StartCoinExit:
        """Return a start of the coin's exit with the named leaves."""
        exiting_leaf = self.world.witness(self.env, self.blocks[exiting], self.coin)
        parent_leaf = (
            None if parent is None else self.world.witness(self.env, self.blocks[parent], self.coin)
        )
        return StartCoinExit(
            Uint64(self.env),
            sender.address,
            Uint64(self.coin),
            exiting_leaf,
            parent_leaf,
            self.bond,
        )

    def spend(self, name: str) -> IncludedTransfer:
        """Return the committed transfer of the named block, with its proof."""
        return self.world.transfer_witness(self.env, self.blocks[name], self.coin)

    def last_exit_id(self) -> Uint64:
        """Return the id of the latest exit."""
        return Uint64(len(self.records().exits) - 1)

    def records(self) -> CashRecords:
        """Return the Cash records now."""
        records = self.world.state.environments[self.env].kind_records
        assert isinstance(records, CashRecords)
        return records


def make_story() -> Story:
    """Return a coin minted to Mallory, sold to Bob (block 'bob'), then to Alice ('alice').

    Nothing is exited yet; Alice's history (mint, 'bob', 'alice') is valid.
    """
    world = make_world()
    env = world.register()
    coin = world.deposit(env, MALLORY.address, 100)
    bob = world.commit(env, [world.transfer(env, coin, coin, MALLORY, BOB.address)])
    alice = world.commit(env, [world.transfer(env, coin, bob, BOB, ALICE.address)])
    return Story(world, env, coin, {"mint": coin, "bob": bob, "alice": alice})


def run_attacks(story: Story) -> Story:
    """Attack Alice's coin every way the exit game knows, answer every attack, pay Alice.

    A late double spend of the mint by Mallory exits and is cancelled by a
    double-spend challenge; Bob exits his spent leaf and is cancelled by a
    spent-after challenge; a forged transfer of Alice's leaf (and a withheld
    block) lets Mallory exit a forged history, which Alice's unanswered
    invalid-history challenge cancels at finalization; Alice exits, answers
    Mallory's two invalid-history challenges, and is paid.
    """
    world, env, coin, blocks = story.world, story.env, story.coin, story.blocks
    bond = story.bond
    late = world.commit(env, [world.transfer(env, coin, coin, MALLORY, MALLORY.address)])
    blocks["late"] = late
    world.apply(story.start(MALLORY, "late", "mint"))
    world.apply(
        ChallengeCoinDoubleSpend(
            Uint64(env), ALICE.address, story.last_exit_id(), story.spend("bob")
        )
    )
    world.apply(story.start(BOB, "bob", "mint"))
    world.apply(
        ChallengeCoinSpent(Uint64(env), ALICE.address, story.last_exit_id(), story.spend("alice"))
    )
    world.commit_root(env, Hash32(b"\x07" * 32))  # withheld
    forged = world.commit(
        env, [world.transfer(env, coin, blocks["alice"], MALLORY, MALLORY.address)]
    )
    blocks["forged"] = forged
    onward = world.commit(env, [world.transfer(env, coin, forged, MALLORY, MALLORY.address)])
    blocks["onward"] = onward
    world.apply(story.start(MALLORY, "onward", "forged"))
    forged_exit = story.last_exit_id()
    alice_leaf = world.witness(env, blocks["alice"], coin)
    bob_leaf = world.witness(env, blocks["bob"], coin)
    world.apply(
        ChallengeCoinHistory(Uint64(env), ALICE.address, forged_exit, alice_leaf, bob_leaf, bond)
    )
    world.advance(PERIOD)
    world.apply(FinalizeCoinExit(Uint64(env), forged_exit))
    world.apply(story.start(ALICE, "alice", "bob"))
    alice_exit = story.last_exit_id()
    mint_leaf = world.witness(env, coin, coin)
    world.apply(
        ChallengeCoinHistory(Uint64(env), MALLORY.address, alice_exit, mint_leaf, None, bond)
    )
    world.advance(PERIOD // 2 - 1)
    world.apply(
        RespondCoinHistory(Uint64(env), ALICE.address, alice_exit, Uint64(coin), story.spend("bob"))
    )
    world.advance(PERIOD // 2 + 1)
    world.apply(FinalizeCoinExit(Uint64(env), alice_exit))
    return story


# Honest histories break nothing


def test_an_honest_transfer_and_exit_break_nothing() -> None:
    """Given a coin passed on twice and exited by its last owner.

    When every step is checked against the catalog and the exit is finalized,
    Then no invariant is broken and the coin is paid once.
    """
    story = make_story()
    story.world.apply(story.start(ALICE, "alice", "bob"))
    story.world.advance(PERIOD)
    story.world.apply(FinalizeCoinExit(Uint64(story.env), Uint64(0)))
    assert story.records().coins[Uint64(story.coin)].status == CoinStatus.EXITED
    assert check_settlement_state(story.world.state) == []


def test_every_attack_is_answered_and_alice_is_paid() -> None:
    """Given Mallory, Bob and the operator attacking Alice's coin in every way.

    When each attack is challenged or answered,
    Then every step keeps the catalog, only Alice is paid, and INV-27 holds.
    """
    story = run_attacks(make_story())
    statuses = [exit.status for exit in story.records().exits.values()]
    assert statuses == [CoinExitStatus.CANCELLED] * 3 + [CoinExitStatus.FINALIZED]
    assert check_honest_coin_withdrawal(story.world, story.env, story.coin, ALICE.address) == []
    assert len(story.world.steps) > 15


# INV-24 can fail


def change_records(state: SettlementState, env: int, records: CashRecords) -> SettlementState:
    """Return ``state`` with one environment's Cash records replaced."""
    environment = replace(state.environments[env], kind_records=records)
    return with_environment(state, Uint64(env), environment)


def change_exit(
    state: SettlementState, env: int, exit_id: int, **changes: object
) -> SettlementState:
    """Return ``state`` with fields of one coin exit replaced."""
    records = state.environments[env].kind_records
    assert isinstance(records, CashRecords)
    exit: CoinExit = replace(records.exits[Uint64(exit_id)], **changes)  # type: ignore[arg-type]
    return change_records(
        state, env, replace(records, exits=with_entry(records.exits, Uint64(exit_id), exit))
    )


def change_coin(state: SettlementState, env: int, coin: int, **changes: object) -> SettlementState:
    """Return ``state`` with fields of one coin replaced."""
    records = state.environments[env].kind_records
    assert isinstance(records, CashRecords)
    settled = replace(records.coins[Uint64(coin)], **changes)  # type: ignore[arg-type]
    return change_records(
        state, env, replace(records, coins=with_entry(records.coins, Uint64(coin), settled))
    )


@pytest.fixture(scope="module")
def attacked() -> Story:
    """Return the history of every attack, answered (built once)."""
    return run_attacks(make_story())


def test_coin_payouts_detect_a_coin_paid_twice(attacked: Story) -> None:
    """Given a cancelled exit of Alice's coin marked finalized too.

    When INV-24 is evaluated,
    Then it reports the coin paid by two exits and the withdrawn ledger short of them.
    """
    broken = change_exit(attacked.world.state, attacked.env, 0, status=CoinExitStatus.FINALIZED)
    found = check_coin_payouts(broken)
    assert any("paid by 2 exits" in text for text in found)
    assert any("coins paid 200" in text for text in found)
    assert check_coin_payouts(attacked.world.state) == []


def test_coin_payouts_detect_an_early_payout_and_a_changed_amount(attacked: Story) -> None:
    """Given a finalized exit not yet mature, and a coin whose amount doubled.

    When INV-24 is evaluated,
    Then both are reported; INV-01 also sees the ledger above what the coins paid.
    """
    state = attacked.world.state
    early = change_exit(
        state, attacked.env, 3, started_at=state.time, exitable_at=state.time + PERIOD
    )
    assert any("before it matured" in text for text in check_coin_payouts(early))
    doubled = change_coin(state, attacked.env, attacked.coin, amount=Uint256(200))
    assert check_coin_payouts(doubled)
    assert check_solvency(doubled)
    assert check_solvency(state) == []


def test_coin_payout_steps_detect_payment_without_finalization(attacked: Story) -> None:
    """Given Alice's open exit, and a step that is not its finalization yet finalizes it.

    When INV-24's transition form is evaluated,
    Then it reports the payout without a right; the real finalization passes.
    """
    pre, operation, post = attacked.world.steps[-1]
    assert isinstance(operation, FinalizeCoinExit)
    assert check_coin_payout_steps(pre, operation, post) == []
    assert check_coin_payout_steps(pre, AdvanceTime(pre.time), post)
    early = replace(pre, time=Uint64(pre.time - 1))
    assert check_coin_payout_steps(early, operation, replace(post, time=early.time))


# INV-25 can fail


def test_coin_exit_status_detects_two_open_exits_and_wrong_status(attacked: Story) -> None:
    """Given a cancelled exit reopened beside none, and an exited coin marked at rest.

    When INV-25 is evaluated,
    Then both inconsistencies are reported.
    """
    state = attacked.world.state
    reopened = change_exit(state, attacked.env, 0, status=CoinExitStatus.OPEN)
    assert check_coin_exit_status(reopened)
    at_rest = change_coin(state, attacked.env, attacked.coin, status=CoinStatus.DEPOSITED)
    assert check_coin_exit_status(at_rest)
    challenged = change_exit(
        state,
        attacked.env,
        0,
        challenges={Uint64(1): HistoryChallenge(BOB.address, BOB.address, Uint256(1))},
    )
    assert check_coin_exit_status(challenged)
    before_mint = change_exit(state, attacked.env, 3, parent_block=Uint64(attacked.coin - 1))
    assert any("outside the coin's life" in text for text in check_coin_exit_status(before_mint))
    assert check_coin_exit_status(state) == []


def test_coin_exit_steps_detect_a_second_open_exit_and_a_changed_ended_exit() -> None:
    """Given a start accepted while the coin is exiting, and a step that revives a cancelled exit.

    When INV-25's transition form is evaluated,
    Then both are reported.
    """
    story = make_story()
    world = story.world
    world.apply(story.start(BOB, "bob", "mint"))
    pre = world.state
    operation = story.start(ALICE, "alice", "bob")
    with pytest.raises(Rejected):
        state_transition(pre, operation)
    at_rest = change_coin(pre, story.env, story.coin, status=CoinStatus.DEPOSITED)
    forced = change_coin(
        state_transition(at_rest, operation), story.env, story.coin, status=CoinStatus.EXITING
    )
    assert check_coin_exit_steps(pre, operation, forced)
    assert check_coin_exit_status(forced)
    world.apply(
        ChallengeCoinSpent(Uint64(story.env), ALICE.address, Uint64(0), story.spend("alice"))
    )
    pre = world.state
    revived = change_exit(pre, story.env, 0, status=CoinExitStatus.OPEN)
    assert check_coin_exit_steps(pre, AdvanceTime(pre.time), revived)


# INV-26 can fail


def test_cancellation_without_a_valid_spend_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a broken spent-after rule that checks no signature.

    When Mallory cancels Alice's exit with a transfer of Alice's leaf that Mallory signed,
    Then INV-26 reports the cancellation (and INV-27 the honest owner's loss).
    """
    story = make_story()
    world, env, coin = story.world, story.env, story.coin
    theft = world.commit(
        env, [world.transfer(env, coin, story.blocks["alice"], MALLORY, MALLORY.address)]
    )
    world.apply(story.start(ALICE, "alice", "bob"))
    operation = ChallengeCoinSpent(
        Uint64(env), MALLORY.address, Uint64(0), world.transfer_witness(env, theft, coin)
    )
    with pytest.raises(Rejected):
        state_transition(world.state, operation)
    monkeypatch.setattr(cash_challenges, "validate_spent_after", lambda *arguments: None)
    pre = world.state
    post = state_transition(pre, operation)
    assert check_coin_cancellations(pre, operation, post)
    found = {v.identifier for v in check_settlement_transition(pre, operation, post)}
    assert found == {InvariantId.COIN_CHALLENGE_SOUNDNESS}
    world.state = post
    assert check_honest_coin_withdrawal(world, env, coin, ALICE.address)


def test_double_spend_challenge_outside_the_exit_is_reported() -> None:
    """Given Alice's exit, and a step cancelling it with a spend of its parent after the exit.

    When INV-26 is evaluated,
    Then the cancellation is reported; the other steps of the attacks pass.
    """
    story = make_story()
    world, env, coin = story.world, story.env, story.coin
    late = world.commit(env, [world.transfer(env, coin, story.blocks["bob"], BOB, BOB.address)])
    world.apply(story.start(ALICE, "alice", "bob"))
    operation = ChallengeCoinDoubleSpend(
        Uint64(env), BOB.address, Uint64(0), world.transfer_witness(env, late, coin)
    )
    pre = world.state
    with pytest.raises(Rejected):
        state_transition(pre, operation)
    post = change_exit(pre, env, 0, status=CoinExitStatus.CANCELLED)
    assert check_coin_cancellations(pre, operation, post)


def test_history_challenges_detect_late_challenge_and_dropped_challenge(attacked: Story) -> None:
    """Given the accepted history challenge on Alice's exit and its answer.

    When the challenge is replayed after the window, and the answer replaced by time passing,
    Then INV-26 reports both; the real steps pass.
    """
    steps = attacked.world.steps
    (challenge_step,) = [s for s in steps if isinstance(s[1], ChallengeCoinHistory)][1:]
    (answer_step,) = [s for s in steps if isinstance(s[1], RespondCoinHistory)]
    pre, operation, post = challenge_step
    assert check_history_challenges(pre, operation, post) == []
    late = replace(pre, time=Uint64(pre.time + PERIOD))
    assert check_history_challenges(late, operation, replace(post, time=late.time))
    pre, operation, post = answer_step
    assert check_history_challenges(pre, operation, post) == []
    assert check_history_challenges(pre, AdvanceTime(pre.time), post)


def test_history_challenge_with_a_forged_leaf_is_reported(attacked: Story) -> None:
    """Given Alice's history challenge, replayed with Bob's leaf as its own parent.

    When INV-26 is evaluated,
    Then the challenge's leaf is not validly made and the step is reported.
    """
    (first, _) = [s for s in attacked.world.steps if isinstance(s[1], ChallengeCoinHistory)]
    pre, operation, post = first
    assert isinstance(operation, ChallengeCoinHistory)
    wrong_parent = replace(operation, earlier_parent=operation.earlier)
    assert check_history_challenges(pre, wrong_parent, post)


# INV-27 can fail


def test_honest_withdrawal_reports_payment_to_another_owner(attacked: Story) -> None:
    """Given the attacked history whose forged exit is made finalized instead of cancelled.

    When INV-27's trace predicate judges it,
    Then it reports the coin paid to another owner, and nothing for Bob (he signed a spend).
    """
    world = attacked.world
    broken = CashWorld(
        change_exit(world.state, attacked.env, 2, status=CoinExitStatus.FINALIZED), world.leaves
    )
    assert check_honest_coin_withdrawal(broken, attacked.env, attacked.coin, ALICE.address)
    assert check_honest_coin_withdrawal(broken, attacked.env, attacked.coin, BOB.address) == []


# INV-12 and INV-13 with a payments and a Cash environment


@dataclass(frozen=True)
class TwoKinds:
    """A settlement layer with a payments environment and a Cash environment, and operations."""

    states: tuple[SettlementState, ...]
    """Snapshots along the Cash attack history, each with both environments."""
    cash_operations: tuple[Operation, ...]
    """Operations on the Cash environment (accepted or not, depending on the state)."""
    payments_operations: tuple[Operation, ...]
    """Operations on the payments environment."""


def build_two_kinds() -> tuple[TwoKinds, list[Step]]:
    """Return snapshots of the attack history beside a payments environment, and operations."""
    world = make_world()
    payments = len(world.state.environments)
    world.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules()))
    story = make_story_in(world)
    world.apply(Deposit(Uint64(payments), ALICE.address, NATIVE_TOKEN, Uint256(30)))
    run_attacks(story)
    states = tuple(step[0] for step in world.steps[4::3])
    cash_operations = tuple(
        step[1]
        for step in world.steps
        if step[1] is not None and getattr(step[1], "environment_id", None) == story.env
    )
    payments_operations = (
        Deposit(Uint64(payments), BOB.address, NATIVE_TOKEN, Uint256(7)),
        SubmitBlock(Uint64(payments), OPERATOR.address, Uint64(4), Hash32(b"\x01" * 32)),
        SubmitBlock(Uint64(payments), OPERATOR.address, Uint64(8), Hash32(b"\x02" * 32)),
    )
    return TwoKinds(states, cash_operations, payments_operations), world.steps


def make_story_in(world: CheckedWorld) -> Story:
    """Return :func:`make_story`'s history, built in an existing world."""
    env = world.register()
    coin = world.deposit(env, MALLORY.address, 100)
    bob = world.commit(env, [world.transfer(env, coin, coin, MALLORY, BOB.address)])
    alice = world.commit(env, [world.transfer(env, coin, bob, BOB, ALICE.address)])
    return Story(world, env, coin, {"mint": coin, "bob": bob, "alice": alice})


TWO_KINDS, TWO_KINDS_STEPS = build_two_kinds()
"""Built once at import (signing and hashing are the slow part), with every accepted step."""


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    state=st.sampled_from(TWO_KINDS.states),
    cash=st.sampled_from(TWO_KINDS.cash_operations),
    payments=st.sampled_from(TWO_KINDS.payments_operations),
    cash_first=st.booleans(),
)
def test_cash_and_payments_operations_are_isolated_and_commute(
    state: SettlementState, cash: Operation, payments: Operation, cash_first: bool
) -> None:
    """Given a Cash and a payments environment under one settlement layer.

    When a Cash operation and a payments operation are applied (each, and in both orders),
    Then each accepted one keeps the catalog (INV-12 included), and the pair commutes (INV-13).
    """
    first, second = (cash, payments) if cash_first else (payments, cash)
    assert check_settlement_pair(state, first, second) == []
    for operation in (first, second):
        try:
            post = state_transition(state, operation)
        except Rejected:
            continue
        assert check_settlement_transition(state, operation, post) == []


def test_isolation_reports_a_cash_step_that_touches_the_payments_environment() -> None:
    """Given a Cash start whose post-state also changes the payments environment.

    When INV-12 is evaluated,
    Then it reports the change (and only the real step passes).
    """
    starts = [
        (pre, operation, post)
        for pre, operation, post in TWO_KINDS_STEPS
        if isinstance(operation, StartCoinExit)
    ]
    pre, operation, post = starts[0]
    assert check_settlement_transition(pre, operation, post) == []
    touched = replace(post.environments[0], bonds_held=post.environments[0].bonds_held + 1)
    broken = with_environment(post, Uint64(0), touched)
    found = {v.identifier for v in check_settlement_transition(pre, operation, broken)}
    assert InvariantId.ISOLATION in found


CHECKS: tuple[Callable[..., list[str]], ...] = (
    check_coin_payouts,
    check_coin_exit_status,
)
"""The state predicates of this module's invariants (evaluated on every snapshot below)."""


def test_snapshots_keep_the_cash_state_invariants() -> None:
    """Given every snapshot of the two-kind history, Then each Cash state predicate holds."""
    for state in TWO_KINDS.states:
        for check in CHECKS:
            assert check(state) == []
