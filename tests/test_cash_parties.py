"""The reference node's Plasma Cash parties: coin board, operator, coin wallet, coin watcher.

Each test builds a small Cash deployment in memory: a settlement simulator
with one Cash environment run by the operator, a coin board, the Cash
operator, and coin wallets (each with a watcher) for Alice, Bob, Carol, Dave
and Mallory. What the parties produce is judged by the spec: the operator's
blocks must apply with ``spec.environments.cash.chain.apply_coin_block``
and have the spec's root, the wallets' proofs must be the spec's proofs and
pass its checks against the committed roots, their exits and answers must
be accepted by the spec's state transition, and refusals must carry the
spec's reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MALLORY,
    OPERATOR,
    TOKEN_B,
    Actor,
    make_funded_genesis,
    make_rules,
)
from reference.parties.coin_board import CoinBoard, make_coin_deposit
from reference.parties.coin_operator import CoinOperator
from reference.parties.coin_wallet import CoinStatus, CoinWallet
from reference.parties.coin_watcher import CoinAlertKind, CoinWatcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.cash.chain import apply_coin_block
from spec.environments.cash.challenges import ChallengeCoinHistory
from spec.environments.cash.coins import (
    CoinBlock,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
    compute_coin_leaf_hash,
    sign_transfer,
)
from spec.environments.cash.exits import StartCoinExit
from spec.environments.cash.kind import compute_cash_chain_digest
from spec.environments.cash.records import CoinExitStatus
from spec.environments.cash.witnesses import IncludedLeaf
from spec.errors import Rejected, RejectionReason
from spec.merkle import EMPTY_LEAF
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Hash32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind
from spec.settlement.transition import Operation, state_transition
from spec.sparse_merkle import compute_compact_proof, is_valid_compact_proof

ENV = Uint64(0)
"""The one (Cash) environment of the tests."""

DEPTH = int(TINY.coin_tree_depth)
"""Depth of every block's sparse tree."""

PERIOD = int(TINY.minimum_finalization_period)
"""MFP of the environment (the rules use the preset's minimum)."""

USERS = (ALICE, BOB, CAROL, DAVE, MALLORY)
"""Actors with a coin wallet and a coin watcher."""


@dataclass
class CashNet:
    """A Cash deployment in memory: settlement, board, operator, a wallet and watcher each."""

    settlement: SettlementSimulator
    board: CoinBoard
    operator: CoinOperator
    wallets: dict[str, CoinWallet]
    watchers: dict[str, CoinWatcher]

    @property
    def bond(self) -> Uint256:
        """The exit (and challenge) bond."""
        return self.settlement.get_rules(ENV).exit_bond

    def advance(self, seconds: int) -> None:
        """Move the settlement clock forward."""
        self.settlement.apply(AdvanceTime(self.settlement.time + seconds))

    def sync(self) -> None:
        """Let every wallet read what was published."""
        for wallet in self.wallets.values():
            wallet.sync(self.settlement, self.board, ENV)

    def tick(self, name: str) -> list[CoinAlertKind]:
        """Let one watcher act; return the kinds of its new alerts."""
        return [alert.kind for alert in self.watchers[name].tick()]

    def deposit(self, actor: Actor, amount: int) -> int:
        """Deposit a coin of token B for ``actor``; return its id."""
        operation = Deposit(ENV, actor.address, TOKEN_B, Uint256(amount))
        coin_id = int(make_coin_deposit(self.settlement, self.board, operation))
        self.operator.follow_deposits()
        self.sync()
        return coin_id

    def send(self, sender: Actor, coin_id: int, recipient: Actor) -> Uint64:
        """Transfer a coin in a block of its own; return the block's number."""
        self.operator.submit(self.wallets[sender.name].transfer(ENV, coin_id, recipient.address))
        number = self.operator.commit_block()
        self.sync()
        return number

    def forge(self, coin_id: int, previous: Uint64, signer: Actor, to: Actor) -> Uint64:
        """Have the operator commit a transfer signed by ``signer``, whoever owns the coin."""
        body = Transfer(Uint64(coin_id), previous, to.address)
        number = self.operator.commit_forged_block([sign_transfer(ENV, body, signer.key)])
        self.sync()
        return number

    def witness(self, block: Uint64, coin_id: int) -> IncludedLeaf:
        """Return a published leaf with the spec's proof."""
        leaves = self.board.get_leaves(ENV, block)
        assert leaves is not None
        hashes = {coin: compute_coin_leaf_hash(leaf) for coin, leaf in leaves.items()}
        return IncludedLeaf(block, leaves[coin_id], compute_compact_proof(hashes, coin_id, DEPTH))


def make_net(directory: Path | None = None) -> CashNet:
    """Return a deployment with a registered, active Cash environment and every party."""

    def store(name: str) -> Store:
        return Store() if directory is None else Store(directory / f"{name}.sqlite")

    genesis = make_funded_genesis(TINY, tokens=(NATIVE_TOKEN, TOKEN_B))
    settlement = SettlementSimulator.create(store("settlement"), genesis)
    settlement.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.CASH, make_rules()))
    settlement.apply(AdvanceTime(settlement.time + TINY.quarantine_period))
    board = CoinBoard(store("board"))
    operator = CoinOperator.create(store("operator"), settlement, board, ENV)
    wallets = {a.name: CoinWallet(store(f"wallet-{a.name}"), a.key, DEPTH) for a in USERS}
    watchers = {
        a.name: CoinWatcher(store(f"watcher-{a.name}"), wallets[a.name], settlement, board, ENV)
        for a in USERS
    }
    return CashNet(settlement, board, operator, wallets, watchers)


def check_with_spec(net: CashNet, operation: Operation) -> None:
    """Assert the spec accepts ``operation`` on the simulator's state (then apply it)."""
    state_transition(net.settlement.get_state(), operation)
    net.settlement.apply(operation)


# The operator


def test_operator_blocks_are_the_specs_and_refusals_carry_its_reasons() -> None:
    """Given two coins and a transfer of one pending.

    When transfers that the spec refuses are submitted, then the block is committed,
    Then each is refused with the spec's reason, and the committed root and the
    ledger's state are the spec's (block applied with ``apply_coin_block``).
    """
    net = make_net()
    first, second = net.deposit(ALICE, 100), net.deposit(BOB, 200)
    state = net.operator.ledger.get_state()
    transfer = net.wallets[ALICE.name].transfer(ENV, first, CAROL.address)
    net.operator.submit(transfer)
    refusals = {
        RejectionReason.TRANSFER_COIN_REPEATED: transfer,
        RejectionReason.TRANSFER_COIN_UNKNOWN: sign_transfer(
            ENV, Transfer(Uint64(99), Uint64(99), BOB.address), BOB.key
        ),
        RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK: sign_transfer(
            ENV, Transfer(Uint64(second), Uint64(1), ALICE.address), BOB.key
        ),
        RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER: sign_transfer(
            ENV, Transfer(Uint64(second), Uint64(second), MALLORY.address), MALLORY.key
        ),
    }
    for reason, signed in refusals.items():
        with pytest.raises(Rejected) as raised:
            net.operator.submit(signed)
        assert raised.value.reason == reason
    number = net.operator.commit_block()
    record = net.settlement.get_block(ENV, number)
    assert record is not None and record.root == compute_coin_block_root([transfer], DEPTH)
    expected = apply_coin_block(state, number, CoinBlock((transfer,)))
    assert net.operator.ledger.compute_digest() == compute_cash_chain_digest(expected)


# The coin wallet


def test_wallet_keeps_a_proof_per_block_that_the_spec_verifies_and_builds_a_valid_exit() -> None:
    """Given a coin minted for Alice, passed to Bob, then to Carol, among other blocks.

    When Carol's wallet syncs,
    Then it owns the coin; its history has one record per committed block since
    the mint, each proof the spec's own and valid against the committed root
    (inclusion where the coin moved, non-inclusion elsewhere); and the exit it
    builds is accepted by the spec's state transition.
    """
    net = make_net()
    coin = net.deposit(ALICE, 100)
    net.deposit(DAVE, 50)
    net.send(ALICE, coin, BOB)
    net.send(DAVE, coin + 1, ALICE)
    net.send(BOB, coin, CAROL)
    wallet = net.wallets[CAROL.name]
    assert wallet.get_status(ENV, coin) == CoinStatus.OWNED
    history = wallet.get_history(ENV, coin)
    assert [int(r.block_number) for r in history] == [1, 2, 4, 8, 12]
    assert [r.leaf is not None for r in history] == [True, False, True, False, True]
    for record in history:
        leaves = net.board.get_leaves(ENV, record.block_number)
        committed = net.settlement.get_block(ENV, record.block_number)
        assert leaves is not None and committed is not None
        hashes = {key: compute_coin_leaf_hash(leaf) for key, leaf in leaves.items()}
        assert record.proof == compute_compact_proof(hashes, coin, DEPTH)
        leaf = EMPTY_LEAF if record.leaf is None else compute_coin_leaf_hash(record.leaf)
        assert is_valid_compact_proof(leaf, coin, record.proof, DEPTH, committed.root)
    operation = wallet.make_exit(ENV, coin, net.bond)
    assert int(operation.exiting.block_number) == 12 and operation.parent is not None
    check_with_spec(net, operation)
    assert wallet.get_status(ENV, coin) == CoinStatus.EXITING


def test_wallet_refuses_a_coin_whose_history_holds_a_forged_or_second_spend() -> None:
    """Given Dave's coin forged to Mallory; Bob's coin passed to Alice, then Alice to Carol.

    When Bob also signs a second spend of his mint (to Mallory), committed
    between Alice's receipt and Carol's, and the receivers' wallets sync,
    Then Mallory's wallet refuses the forged coin; Carol's wallet refuses the coin
    whose history holds Bob's second spend, harmless as it looks (an
    unanswerable history challenge against Carol's exit); Dave still owns his
    coin and his watcher reports the forgery, once.
    """
    net = make_net()
    stolen, doubled = net.deposit(DAVE, 100), net.deposit(BOB, 100)
    forged = net.forge(stolen, Uint64(stolen), MALLORY, MALLORY)
    first = net.send(BOB, doubled, ALICE)
    net.forge(doubled, Uint64(doubled), BOB, MALLORY)
    assert net.wallets[ALICE.name].get_status(ENV, doubled) == CoinStatus.OWNED
    net.send(ALICE, doubled, CAROL)
    assert net.wallets[MALLORY.name].get_status(ENV, stolen) == CoinStatus.REFUSED
    assert net.wallets[MALLORY.name].get_status(ENV, doubled) == CoinStatus.REFUSED
    assert net.wallets[CAROL.name].get_status(ENV, doubled) == CoinStatus.REFUSED
    assert net.wallets[ALICE.name].get_status(ENV, doubled) == CoinStatus.SENT
    assert net.wallets[DAVE.name].get_status(ENV, stolen) == CoinStatus.OWNED
    assert [r.block_number for r in net.wallets[DAVE.name].list_intrusions(ENV, stolen)] == [forged]
    assert net.tick(DAVE.name) == [CoinAlertKind.FORGED_LEAF]
    assert net.tick(CAROL.name) == [CoinAlertKind.COIN_REFUSED]
    assert net.tick(DAVE.name) == [] and int(first) > 0


# The coin watcher


def test_watcher_challenges_a_thiefs_exit_in_the_window_and_wins_its_bond() -> None:
    """Given Carol's coin passed to Dave, then forged to Mallory and passed on to herself.

    When Mallory starts the exit and Dave's watcher ticks, then time passes,
    Then the watcher's history challenge is accepted (the spec accepts it too),
    the exit is cancelled at finalization with Dave winning Mallory's bond,
    and Dave then exits his coin and is paid.
    """
    net = make_net()
    coin = net.deposit(CAROL, 100)
    received = net.send(CAROL, coin, DAVE)
    forged = net.forge(coin, received, MALLORY, MALLORY)
    onward = net.forge(coin, forged, MALLORY, MALLORY)
    start = StartCoinExit(
        ENV,
        MALLORY.address,
        Uint64(coin),
        net.witness(onward, coin),
        net.witness(forged, coin),
        net.bond,
    )
    net.settlement.apply(start)
    before = net.settlement.get_balance(DAVE.address, NATIVE_TOKEN)
    state = net.settlement.get_state()
    assert CoinAlertKind.HISTORY_CHALLENGED in net.tick(DAVE.name)
    thief = net.settlement.get_coin_exit(ENV, Uint64(0))
    assert thief is not None and list(thief.challenges) == [received]
    # The spec accepts the same challenge
    wallet = net.wallets[DAVE.name]
    chain = wallet.get_verdict(ENV, coin).chain
    spec_challenge = ChallengeCoinHistory(
        ENV, DAVE.address, Uint64(0), chain[1].as_included(), chain[0].as_included(), net.bond
    )
    state_transition(state, spec_challenge)
    net.advance(PERIOD)
    assert CoinAlertKind.EXIT_FINALIZED in net.tick(DAVE.name)
    thief = net.settlement.get_coin_exit(ENV, Uint64(0))
    assert thief is not None and thief.status == CoinExitStatus.CANCELLED
    assert net.settlement.get_balance(DAVE.address, NATIVE_TOKEN) == before + net.bond
    net.settlement.apply(wallet.make_exit(ENV, coin, net.bond))
    net.advance(PERIOD)
    net.tick(DAVE.name)
    assert wallet.get_status(ENV, coin) == CoinStatus.EXITED
    assert net.settlement.get_balance(DAVE.address, TOKEN_B) == make_funded_balance() + 100
    net.operator.follow_exits()
    assert net.operator.ledger.get_coin(coin) is None


def make_funded_balance() -> int:
    """Return what every actor holds of each token at genesis."""
    genesis = make_funded_genesis(TINY, tokens=(NATIVE_TOKEN, TOKEN_B))
    return int(genesis.balances[(DAVE.address, TOKEN_B)])


def test_watcher_cancels_a_former_owners_exit_with_the_spend_after() -> None:
    """Given Alice's coin passed to Bob.

    When Alice exits from her mint and Bob's watcher ticks,
    Then the exit is cancelled at once with Alice's own later transfer.
    """
    net = make_net()
    coin = net.deposit(ALICE, 100)
    net.send(ALICE, coin, BOB)
    mint = net.witness(Uint64(coin), coin)
    net.settlement.apply(StartCoinExit(ENV, ALICE.address, Uint64(coin), mint, None, net.bond))
    assert net.tick(BOB.name) == [CoinAlertKind.EXIT_CANCELLED]
    exit = net.settlement.get_coin_exit(ENV, Uint64(0))
    assert exit is not None and exit.status == CoinExitStatus.CANCELLED


def test_watcher_answers_a_griefing_challenge_on_its_own_exit() -> None:
    """Given Carol's exit of a coin Alice passed to Bob and Bob to Carol.

    When Mallory challenges it with the coin's mint and Carol's watcher ticks,
    Then the answer (Alice's transfer) is accepted, Carol wins Mallory's bond,
    and at maturity the watcher finalizes the exit: Carol is paid.
    """
    net = make_net()
    coin = net.deposit(ALICE, 100)
    net.send(ALICE, coin, BOB)
    net.send(BOB, coin, CAROL)
    net.settlement.apply(net.wallets[CAROL.name].make_exit(ENV, coin, net.bond))
    grief = ChallengeCoinHistory(
        ENV, MALLORY.address, Uint64(0), net.witness(Uint64(coin), coin), None, net.bond
    )
    net.settlement.apply(grief)
    before = net.settlement.get_balance(CAROL.address, NATIVE_TOKEN)
    exit = net.settlement.get_coin_exit(ENV, Uint64(0))
    assert exit is not None
    answer = net.wallets[CAROL.name].make_answer(ENV, Uint64(0), exit, Uint64(coin))
    assert answer is not None
    state_transition(net.settlement.get_state(), answer)
    assert net.tick(CAROL.name) == [CoinAlertKind.CHALLENGE_ANSWERED]
    assert net.settlement.get_balance(CAROL.address, NATIVE_TOKEN) == before + net.bond
    net.advance(PERIOD)
    assert net.tick(CAROL.name) == [CoinAlertKind.EXIT_FINALIZED]
    exit = net.settlement.get_coin_exit(ENV, Uint64(0))
    assert exit is not None and exit.status == CoinExitStatus.FINALIZED


# Crash and reopen


def test_wallet_reopened_or_crashed_mid_sync_keeps_its_histories(tmp_path: Path) -> None:
    """Given a file-backed deployment where Bob receives a coin.

    When Bob's wallet crashes in the middle of reading a block's leaves, and is
    reopened from its file and synced again,
    Then nothing of the failed sync was kept, and the reopened wallet ends with
    the same statuses and histories as a wallet that never crashed.
    """
    net = make_net(tmp_path)
    coin = net.deposit(ALICE, 100)
    number = net.operator.commit_block()  # an empty block: a non-inclusion proof
    net.operator.submit(net.wallets[ALICE.name].transfer(ENV, coin, BOB.address))
    net.operator.commit_block()
    calls = {"count": 0}
    original = net.board.get_leaves

    def crash(environment_id: Uint64, block: Uint64) -> dict[int, object] | None:
        calls["count"] += 1
        if calls["count"] == 5:  # discovery read blocks 1, 4 and 8; history read block 1
            raise OSError("power cut")
        return original(environment_id, block)  # type: ignore[return-value]

    bob = net.wallets[BOB.name]
    net.board.get_leaves = crash  # type: ignore[assignment, method-assign]
    with pytest.raises(OSError):
        bob.sync(net.settlement, net.board, ENV)
    net.board.get_leaves = original  # type: ignore[method-assign]
    bob.store.close()
    reopened = CoinWallet(Store(tmp_path / "wallet-bob.sqlite"), BOB.key, DEPTH)
    assert reopened.get_status(ENV, coin) == CoinStatus.UNVERIFIED
    assert reopened.get_history(ENV, coin) == []
    reopened.sync(net.settlement, net.board, ENV)
    fresh = CoinWallet(Store(), BOB.key, DEPTH)
    fresh.sync(net.settlement, net.board, ENV)
    assert reopened.list_coin_statuses(ENV) == fresh.list_coin_statuses(ENV)
    assert reopened.list_coin_statuses(ENV) == [(coin, CoinStatus.OWNED)]
    assert reopened.get_history(ENV, coin) == fresh.get_history(ENV, coin)
    assert [r.block_number for r in reopened.get_history(ENV, coin)][:2] == [coin, number]
    reopened.store.close()
    again = CoinWallet(Store(tmp_path / "wallet-bob.sqlite"), BOB.key, DEPTH)
    assert again.get_history(ENV, coin) == fresh.get_history(ENV, coin)
    assert (
        again.make_exit(ENV, coin, net.bond).exiting.leaf == fresh.get_history(ENV, coin)[-1].leaf
    )
    assert isinstance(again.get_history(ENV, coin)[-1].leaf, SignedTransfer)


def test_watcher_reports_a_block_withheld_past_its_grace_once() -> None:
    """Given Dave holds a coin, and the operator commits a block whose leaves it never publishes.

    When Dave's watcher ticks within the grace period, then after it, then again,
    Then it reports nothing, then the withheld block once, then nothing more.
    """
    net = make_net()
    coin = net.deposit(DAVE, 40)
    net.tick(DAVE.name)
    number = net.settlement.get_next_child_block_number(ENV)
    net.settlement.apply(SubmitBlock(ENV, OPERATOR.address, number, Hash32(b"\x07" * 32)))
    assert net.tick(DAVE.name) == []
    net.advance(net.watchers[DAVE.name].grace_period)
    assert net.tick(DAVE.name) == [CoinAlertKind.BLOCK_WITHHELD]
    assert (
        f"block {int(number)} is withheld: coin {coin}"
        in net.watchers[DAVE.name].alerts[-1].message
    )
    assert net.tick(DAVE.name) == []
