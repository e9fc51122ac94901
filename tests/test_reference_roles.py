"""The reference node's roles: wallet, operator (mempool, blocks) and watcher.

Each test builds a small deployment in memory: a settlement simulator with one
payments environment run by the operator, a block board, the operator, a
watcher and wallets for Alice, Bob and Mallory. What the roles produce is
judged by the spec: blocks must apply with ``spec.environments.payments.chain.apply_block``
and have the spec's root, refusals must carry the spec's reasons, and
challenges must be accepted by the settlement layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fixtures import (
    ALICE,
    BOB,
    MALLORY,
    OPERATOR,
    TOKEN_A,
    WATCHER,
    Actor,
    make_funded_genesis,
    make_rules,
)
from reference.parties.alerts import AlertKind
from reference.parties.board import BlockBoard, make_deposit
from reference.parties.operator import Operator
from reference.parties.wallet import OutputStatus, OwnedOutput, Wallet, WalletError
from reference.parties.watcher import Watcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.payments.chain import apply_block
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.kind import compute_child_chain_digest
from spec.environments.payments.transactions import (
    Block,
    Output,
    Transaction,
    compute_block_root,
    compute_transaction_leaf,
)
from spec.errors import Rejected, RejectionReason
from spec.merkle import is_valid_merkle_proof
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, RegisterEnvironment
from spec.settlement.state import EnvironmentKind, ExitStatus
from tests.support import rejects

ENV = Uint64(0)
"""The one environment of the tests."""

DEPTH = int(TINY.transaction_tree_depth)
"""Depth of every block's Merkle tree."""

PERIOD = int(TINY.minimum_finalization_period)
"""MFP of the environment (the rules use the preset's minimum)."""


@dataclass
class Rig:
    """A one-environment deployment: every role over one settlement simulator."""

    settlement: SettlementSimulator
    board: BlockBoard
    operator: Operator
    watcher: Watcher
    wallets: dict[str, Wallet]

    def deposit(self, actor: Actor, amount: int) -> Uint64:
        """Deposit token A for ``actor``; the operator and the wallets follow."""
        operation = Deposit(ENV, actor.address, TOKEN_A, Uint256(amount))
        number = make_deposit(self.settlement, self.board, operation)
        self.operator.follow_deposits()
        self.sync()
        return number

    def sync(self) -> None:
        """Let every wallet read the new blocks."""
        for wallet in self.wallets.values():
            wallet.sync(self.board, ENV)

    def advance(self, seconds: int) -> None:
        """Move the settlement clock forward."""
        self.settlement.apply(AdvanceTime(self.settlement.time + seconds))

    @property
    def bond(self) -> Uint256:
        """The environment's exit bond."""
        return self.settlement.get_rules(ENV).exit_bond

    def pay(self, sender: Actor, recipient: Actor, amount: int) -> Uint64:
        """Have ``sender`` pay ``recipient`` in a block of its own; return the block number."""
        self.operator.submit(self.wallets[sender.name].pay(ENV, recipient.address, TOKEN_A, amount))
        return self.operator.commit_block()

    def forge(self) -> Uint64:
        """Have the operator commit a block paying Mallory 500 from nowhere; return its number."""
        nowhere = OutputPosition(Uint64(99), Uint16(0), Uint8(0))
        output = Output(MALLORY.address, TOKEN_A, Uint256(500))
        payment = self.wallets["mallory"].sign(ENV, Transaction((nowhere,), (output,)))
        return self.operator.commit_forged_block([payment])


def make_rig() -> Rig:
    """Return a deployment in memory."""
    parties = [actor.address for actor in (ALICE, BOB, MALLORY, OPERATOR, WATCHER)]
    settlement = SettlementSimulator.create(
        Store(), make_funded_genesis(TINY, parties, funds=10_000)
    )
    settlement.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules()))
    settlement.apply(AdvanceTime(Uint64(1_000 + int(TINY.quarantine_period))))
    board = BlockBoard(Store())
    operator = Operator.create(Store(), settlement, board, ENV)
    watcher = Watcher.create(
        Store(),
        settlement=settlement,
        board=board,
        environment_id=ENV,
        address=WATCHER.address,
    )
    wallets = {a.name: Wallet(Store(), a.key, DEPTH) for a in (ALICE, BOB, MALLORY)}
    return Rig(settlement, board, operator, watcher, wallets)


# Wallet


def test_wallet_payment_with_change_and_fee_applies_in_the_spec() -> None:
    """Given Alice holds deposits of 100 and 50.

    When her wallet pays Bob 120 with a fee of 3 and the operator builds the block,
    Then the payment spends both deposits, returns 27 to Alice, the block (payment
    and a fee claim of 3) applies in the spec with the spec's root, and the
    operator's ledger ends with the spec's digest.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    rig.deposit(ALICE, 50)
    payment = rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 120, fee=3)
    rig.operator.submit(payment)
    before = rig.operator.ledger.get_state()
    number, block, root = rig.operator.build_block()
    after = apply_block(before, number, block)
    rig.operator.commit_block()
    assert len(payment.transaction.inputs) == 2
    assert payment.transaction.outputs[1] == Output(ALICE.address, TOKEN_A, Uint256(27))
    assert block.transactions[1].output.amount == 3  # type: ignore[union-attr]
    assert root == compute_block_root(block.transactions, DEPTH)
    assert rig.operator.ledger.compute_digest() == compute_child_chain_digest(after)


def test_wallet_learns_outputs_with_proofs_and_forgets_spent_ones() -> None:
    """Given Alice paid Bob 30 out of a deposit of 100 in a published block.

    When the wallets read the board,
    Then Bob holds 30 with a proof that verifies against the committed root,
    and Alice holds only her change of 70 (the spent deposit is forgotten).
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    number = rig.pay(ALICE, BOB, 30)
    rig.sync()
    (owned,) = rig.wallets["bob"].list_outputs(ENV)
    record = rig.settlement.get_block(ENV, number)
    assert record is not None and owned.output.amount == 30
    leaf = compute_transaction_leaf(owned.origin)
    assert is_valid_merkle_proof(leaf, 0, owned.proof, DEPTH, record.root)
    assert [o.output.amount for o in rig.wallets["alice"].list_outputs(ENV)] == [70]
    assert rig.wallets["alice"].get_balance(ENV, TOKEN_A) == 70


def test_wallet_coin_selection_prefers_one_covering_output() -> None:
    """Given Alice holds 30, 80 and 200.

    When she pays 70,
    Then the single output of 80 is spent (not the largest, not two small ones).
    """
    rig = make_rig()
    positions = [rig.deposit(ALICE, amount) for amount in (30, 80, 200)]
    payment = rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 70)
    assert payment.transaction.inputs == (OutputPosition(positions[1], Uint16(0), Uint8(0)),)


def test_wallet_refuses_a_payment_it_cannot_cover() -> None:
    """Given Alice holds 100, then a pending payment uses it.

    When she asks to pay 101, or anything more before the operator answers,
    Then the wallet refuses (WalletError); once the payment is cancelled she can pay again.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    wallet = rig.wallets["alice"]
    with pytest.raises(WalletError):
        wallet.pay(ENV, BOB.address, TOKEN_A, 101)
    payment = wallet.pay(ENV, BOB.address, TOKEN_A, 40)
    with pytest.raises(WalletError):
        wallet.pay(ENV, BOB.address, TOKEN_A, 40)
    wallet.cancel_payment(ENV, payment)
    assert wallet.list_outputs(ENV, OutputStatus.UNSPENT)[0].output.amount == 100


# Operator


def test_operator_block_of_several_payments_is_the_spec_block() -> None:
    """Given Alice and Bob hold deposits.

    When Alice pays Bob, Bob pays Mallory out of what Alice just sent (same block)
    and Mallory pays a fee, and the operator commits,
    Then the block applies in the spec, its root is the spec's and is the root
    committed on the settlement layer, and the block is on the board.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    rig.deposit(BOB, 10)
    rig.operator.submit(rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 60))
    chained = Transaction(
        (OutputPosition(Uint64(4), Uint16(0), Uint8(0)),),
        (Output(MALLORY.address, TOKEN_A, Uint256(55)),),
    )
    rig.operator.submit(rig.wallets["bob"].sign(ENV, chained))
    before = rig.operator.ledger.get_state()
    number = rig.operator.commit_block()
    published = rig.board.get_block(ENV, number)
    record = rig.settlement.get_block(ENV, number)
    assert published is not None and record is not None
    apply_block(before, number, Block(published))
    assert record.root == compute_block_root(published, DEPTH)
    assert len(published) == 3  # two payments and the fee claim of 5


@rejects(RejectionReason.TX_INPUT_NOT_UNSPENT)
def test_mempool_refuses_a_second_spend_of_a_pending_input() -> None:
    """Given a pending payment of Alice spending her deposit.

    When a second payment spending the same deposit arrives,
    Then the mempool refuses it with TX_INPUT_NOT_UNSPENT, as the spec would in the block.
    """
    rig = make_rig()
    deposit = OutputPosition(rig.deposit(ALICE, 100), Uint16(0), Uint8(0))
    first = rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 100)
    rig.operator.submit(first)
    second = Transaction((deposit,), (Output(MALLORY.address, TOKEN_A, Uint256(100)),))
    signed = rig.wallets["alice"].sign(ENV, second)
    with pytest.raises(Rejected) as in_spec:
        apply_block(rig.operator.ledger.get_state(), Uint64(4), Block((first, signed)))
    assert in_spec.value.reason == RejectionReason.TX_INPUT_NOT_UNSPENT
    rig.operator.submit(signed)


@rejects(RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)
def test_mempool_refuses_a_payment_signed_by_someone_else() -> None:
    """Given Alice's deposit.

    When Mallory signs a payment of it to herself,
    Then the mempool refuses it with TX_INPUT_NOT_SIGNED_BY_OWNER.
    """
    rig = make_rig()
    deposit = OutputPosition(rig.deposit(ALICE, 100), Uint16(0), Uint8(0))
    theft = Transaction((deposit,), (Output(MALLORY.address, TOKEN_A, Uint256(100)),))
    rig.operator.submit(rig.wallets["mallory"].sign(ENV, theft))


# Watcher


def test_watcher_flags_an_invalid_block_with_the_exit_deadline() -> None:
    """Given a valid history, then the operator commits a payment to Mallory from nowhere.

    When the watcher checks,
    Then it raises one INVALID_BLOCK alert for that block, whose deadline is the
    block's commitment time + MFP, and remembers the block as the first bad one.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    assert rig.watcher.tick() == []
    rig.advance(7)
    number = rig.forge()
    (alert,) = rig.watcher.tick()
    assert alert.kind == AlertKind.INVALID_BLOCK and alert.block_number == number
    assert alert.deadline == int(rig.settlement.time) + PERIOD
    assert rig.watcher.first_bad_block == number
    assert rig.watcher.tick() == []


def test_watcher_flags_a_withheld_block_after_the_grace_period() -> None:
    """Given the operator commits a block's root but does not publish the block.

    When the watcher checks within the grace period, then after it,
    Then it waits at first, then raises WITHHELD_BLOCK with deadline commit time + MFP.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    rig.operator.submit(rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 10))
    committed_at = int(rig.settlement.time)
    number = rig.operator.commit_block(publish=False)
    assert rig.watcher.tick() == []
    rig.advance(rig.watcher.grace_period)
    (alert,) = rig.watcher.tick()
    assert alert.kind == AlertKind.WITHHELD_BLOCK and alert.block_number == number
    assert alert.deadline == committed_at + PERIOD


def get_native(rig: Rig, actor: Actor) -> int:
    """Return an actor's native settlement balance."""
    return int(rig.settlement.get_balance(actor.address, NATIVE_TOKEN))


def make_kept_exit(kept: OwnedOutput, owner: Actor, bond: int) -> StartStandardExit:
    """Return the exit of an output from the witnesses its owner kept."""
    return StartStandardExit(
        ENV, owner.address, kept.position, kept.origin, kept.proof, Uint256(bond)
    )


def test_watcher_challenges_an_exit_of_a_spent_output() -> None:
    """Given Alice paid her deposit to Bob in a published block.

    When Alice starts an exit of the spent deposit (with the witnesses she kept),
    Then the watcher challenges it, the settlement layer cancels the exit, and the
    watcher gains the bond Alice loses.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    (kept,) = rig.wallets["alice"].list_outputs(ENV)
    bond = int(rig.bond)
    rig.pay(ALICE, BOB, 100)
    rig.watcher.tick()
    watcher_before, alice_before = get_native(rig, WATCHER), get_native(rig, ALICE)
    rig.settlement.apply(make_kept_exit(kept, ALICE, bond))
    (alert,) = rig.watcher.tick()
    found = rig.settlement.get_exit_of_position(ENV, kept.position)
    assert alert.kind == AlertKind.EXIT_CHALLENGED
    assert found is not None and found[1].status == ExitStatus.CHALLENGED
    assert get_native(rig, WATCHER) - watcher_before == bond
    assert get_native(rig, ALICE) - alice_before == -bond


def test_watcher_challenges_an_exit_whose_output_is_spent_later() -> None:
    """Given Alice started the exit of her deposit and the watcher saw it unchallengeable.

    When a later published block holds Alice's spend of that deposit,
    Then the watcher challenges the exit as soon as it reads the block.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    (kept,) = rig.wallets["alice"].list_outputs(ENV)
    payment = rig.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 100)
    rig.settlement.apply(make_kept_exit(kept, ALICE, int(rig.bond)))
    assert rig.watcher.tick() == []
    rig.operator.submit(payment)
    rig.operator.commit_block()
    (alert,) = rig.watcher.tick()
    assert alert.kind == AlertKind.EXIT_CHALLENGED
    found = rig.settlement.get_exit_of_position(ENV, kept.position)
    assert found is not None and found[1].status == ExitStatus.CHALLENGED


def test_processed_exit_leaves_every_ledger_and_wallet() -> None:
    """Given Bob received 40 from Alice and exits it.

    When the exit matures and is processed, and the roles follow,
    Then Bob is paid 40, the output leaves the operator's and the watcher's
    ledgers (which still agree) and Bob's wallet, and a payment spending it is refused.
    """
    rig = make_rig()
    rig.deposit(ALICE, 100)
    rig.pay(ALICE, BOB, 40)
    rig.sync()
    bob = rig.wallets["bob"]
    (owned,) = bob.list_outputs(ENV)
    spend = bob.sign(ENV, Transaction((owned.position,), (owned.output,)))
    rig.settlement.apply(bob.make_exit(ENV, owned.position, rig.bond))
    rig.watcher.tick()
    rig.advance(2 * PERIOD)
    rig.settlement.apply(ProcessExits(ENV, WATCHER.address, TOKEN_A, Uint32(5)))
    assert rig.operator.follow_exits() == 1
    rig.watcher.tick()
    assert [o.position for o in bob.follow_exits(rig.settlement, ENV)] == [owned.position]
    assert rig.settlement.get_balance(BOB.address, TOKEN_A) == 10_040
    assert rig.operator.ledger.get_output(owned.position) is None
    assert rig.watcher.ledger.compute_digest() == rig.operator.ledger.compute_digest()
    assert bob.list_outputs(ENV) == []
    with pytest.raises(Rejected) as refused:
        rig.operator.submit(spend)
    assert refused.value.reason == RejectionReason.TX_INPUT_NOT_UNSPENT
