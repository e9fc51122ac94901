"""The reference ledger's valid steps, queries, atomicity, persistence, loaded states and scale.

A rejection, or a crash between two writes, changes nothing in the database
or in memory; a reopened ledger is the same ledger; a ledger may start from
any spec state, even one no valid history reaches (totals at the largest
amount).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures import ACTORS
from reference.environments.payments import ledger as reference_chain
from reference.environments.payments.ledger import ChildChainLedger
from reference.store import Store
from spec.environments.payments.chain import ChildChainState, apply_block, apply_deposit, apply_exit
from spec.environments.payments.kind import compute_child_chain_digest
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    compute_block_root,
    compute_transaction_leaf,
)
from spec.errors import Rejected, RejectionReason
from spec.merkle import is_valid_merkle_proof
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    CAROL_KEY,
    MALLORY_KEY,
    OPERATOR,
    rejects,
)
from tests.test_reference_chain import (
    DEPTH,
    FUNDS,
    LARGEST,
    apply_next,
    make_funded,
    make_ledger,
    make_state,
    output,
    pay,
    position,
)


class SimulatedCrashError(Exception):
    """Raised at a chosen failpoint, as if the process died there."""


DEPOSITS = [
    DepositTransaction(output(owner, amount))
    for owner, amount in [(ALICE, 100), (BOB, 50), (CAROL, 7)]
]
"""Deposits at blocks 1, 2 and 3 of ``make_history``."""


def make_history() -> tuple[ChildChainState, list[tuple[int, Block]]]:
    """Return a spec state after deposits, two blocks and an exit; and the blocks (by number)."""
    state = make_state()
    for number, deposit in enumerate(DEPOSITS, start=1):
        state = apply_deposit(state, Uint64(number), deposit)
    paid = pay([(FUNDS, ALICE_KEY)], [output(BOB, 60), output(ALICE, 30)])
    first = Block((paid, FeeClaim(output(OPERATOR, 4))))
    second = Block((pay([(position(2), BOB_KEY), (position(4), BOB_KEY)], [output(CAROL, 105)]),))
    state = apply_block(state, Uint64(4), first)
    state = apply_block(state, Uint64(6), second)
    return apply_exit(state, position(3)), [(4, first), (6, second)]


def snapshot(ledger: ChildChainLedger) -> tuple[object, ...]:
    """Return everything a ledger holds, in the database and in memory."""
    totals = {name: dict(entries) for name, entries in ledger.totals.items()}
    memory = (ledger.compute_digest(), ledger.get_state(), dict(ledger.utxos), totals)
    return (*memory, ChildChainLedger.open(ledger.store).get_state())


# Valid steps and queries


def test_deposit_payment_fee_claim_and_exit() -> None:
    """Given Alice's deposit of 100.

    When she pays 60 to Bob and 30 to herself, then 25 to Carol with a claim, and Bob exits,
    Then outputs, spent positions, owner queries and totals are those the spec's rules give.
    """
    ledger = make_funded()
    apply_next(ledger, pay([(FUNDS, ALICE_KEY)], [output(BOB, 60), output(ALICE, 30)]))
    change = pay([(position(2, 0, 1), ALICE_KEY)], [output(CAROL, 25)])
    ledger.apply_block(Uint64(5), Block((change, FeeClaim(output(OPERATOR, 5)))))
    ledger.apply_exit(position(2, 0, 0))
    assert ledger.block_number == 5
    assert ledger.get_output(FUNDS) is None and ledger.is_spent(FUNDS)
    assert ledger.get_output(position(2)) is None and not ledger.is_spent(position(2))
    assert ledger.get_outputs_of(CAROL) == [(position(5), output(CAROL, 25))]
    assert ledger.get_outputs_of(OPERATOR) == [(position(5, 1), output(OPERATOR, 5))]
    assert ledger.get_outputs_of(BOB) == []
    state = ledger.get_state()
    assert (state.deposited, state.exited) == ({NATIVE_TOKEN: 100}, {NATIVE_TOKEN: 60})
    assert (state.fees_paid, state.fees_claimed) == ({NATIVE_TOKEN: 15}, {NATIVE_TOKEN: 5})


def test_block_may_spend_what_it_created() -> None:
    """Given Alice's deposit of 100.

    When one block pays it to Bob, and Bob pays that on to Carol in the same block,
    Then only Carol's output is unspent and both earlier outputs are spent.
    """
    ledger = make_funded()
    to_bob = pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)])
    apply_next(ledger, to_bob, pay([(position(2), BOB_KEY)], [output(CAROL, 100)]))
    assert ledger.get_state().utxos == {position(2, 1): output(CAROL, 100)}
    assert ledger.is_spent(FUNDS) and ledger.is_spent(position(2))


def test_applied_blocks_are_recorded_with_roots_and_proofs() -> None:
    """Given Alice's deposit and a block of a payment and a fee claim.

    When the blocks are fetched by number,
    Then they equal what was applied, their roots equal the spec's, and their proofs verify.
    """
    ledger = make_funded()
    transactions: tuple[BlockTransaction, ...] = (
        pay([(FUNDS, ALICE_KEY)], [output(BOB, 90)]),
        FeeClaim(output(OPERATOR, 10)),
    )
    apply_next(ledger, *transactions)
    assert ledger.get_block(1) == Block((DepositTransaction(output(ALICE, 100)),))
    assert ledger.get_block(2) == Block(transactions)
    assert ledger.get_block(3) is None and ledger.get_block_root(3) is None
    root = ledger.get_block_root(2)
    assert root == compute_block_root(transactions, DEPTH)
    for index, transaction in enumerate(transactions):
        proof = ledger.get_inclusion_proof(2, index)
        assert proof is not None
        leaf = compute_transaction_leaf(transaction)
        assert is_valid_merkle_proof(leaf, index, proof, DEPTH, root)
    assert ledger.get_inclusion_proof(2, 2) is None


@rejects(RejectionReason.EXITED_OUTPUT_NOT_UNSPENT)
def test_exit_of_a_spent_output_is_rejected() -> None:
    """Given Alice's deposit, paid to Bob.

    When an exit of the deposit is applied,
    Then it is rejected with EXITED_OUTPUT_NOT_UNSPENT.
    """
    ledger = make_funded()
    apply_next(ledger, pay([(FUNDS, ALICE_KEY)], [output(BOB, 100)]))
    ledger.apply_exit(FUNDS)


# Atomicity


def test_rejected_block_changes_nothing() -> None:
    """Given a ledger after a history of deposits, blocks and an exit.

    When a block whose valid payments spend and create outputs ends with a forged one,
    Then it is rejected, and the digest, state, cache, totals and stored state are unchanged;
    and a following valid block still applies as in the spec.
    """
    state, _ = make_history()
    ledger = make_ledger(state)
    before = snapshot(ledger)
    valid = pay([(position(6), CAROL_KEY)], [output(ALICE, 100)])
    forged = pay([(position(4, 0, 1), MALLORY_KEY)], [output(BOB, 30)])
    with pytest.raises(Rejected) as rejected:
        ledger.apply_block(Uint64(7), Block((valid, forged)))
    assert rejected.value.reason == RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER
    assert snapshot(ledger) == before
    ledger.apply_block(Uint64(7), Block((valid,)))
    assert ledger.get_state() == apply_block(state, Uint64(7), Block((valid,)))


class Crasher:
    """Stands in for ``failpoint``: crashes at the first failpoint past those to survive."""

    def __init__(self) -> None:
        self.survive = 0
        self.reached = 0

    def __call__(self) -> None:
        self.reached += 1
        if self.reached > self.survive:
            raise SimulatedCrashError


def prepare_operation(
    ledger: ChildChainLedger, state: ChildChainState, operation: str
) -> tuple[Callable[[], None], ChildChainState]:
    """Return a deposit, block or exit to run on ``ledger`` (at number 9), and the spec's result."""
    if operation == "exit":
        return lambda: ledger.apply_exit(position(4, 0, 1)), apply_exit(state, position(4, 0, 1))
    if operation == "deposit":
        deposit = DepositTransaction(output(BOB, 3))
        expected = apply_deposit(state, Uint64(9), deposit)
        return lambda: ledger.apply_deposit(Uint64(9), deposit), expected
    payment = pay([(position(6), CAROL_KEY)], [output(ALICE, 100)])
    block = Block((payment, FeeClaim(output(OPERATOR, 5))))
    return lambda: ledger.apply_block(Uint64(9), block), apply_block(state, Uint64(9), block)


@pytest.mark.parametrize(("operation", "failpoints"), [("deposit", 3), ("block", 5), ("exit", 1)])
def test_crash_between_writes_leaves_nothing(
    operation: str, failpoints: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a ledger after a history, and a deposit, block or exit (several writes each).

    When it crashes at its first failpoint, then (rerun) at its second, and so on, to the last,
    Then after each crash the database and memory are as before; once it runs through,
    the state equals the spec's.
    """
    state, _ = make_history()
    ledger = make_ledger(state)
    before = snapshot(ledger)
    run, expected = prepare_operation(ledger, state, operation)
    crasher = Crasher()
    monkeypatch.setattr(reference_chain, "failpoint", crasher)
    while True:
        crasher.reached = 0
        try:
            run()
            break
        except SimulatedCrashError:
            assert snapshot(ledger) == before
            crasher.survive += 1
    assert crasher.survive == failpoints
    assert ledger.get_state() == expected


# Persistence


def test_reopened_ledger_is_the_same_ledger(tmp_path: Path) -> None:
    """Given a file-backed ledger after deposits, blocks and an exit, closed.

    When it is reopened from its file,
    Then digest, identity, queries and recorded blocks are as before, and it goes on as the spec.
    """
    state = make_state()
    ledger = ChildChainLedger.create(Store(tmp_path / "chain.sqlite"), state, workers=2)
    expected, blocks = make_history()
    for number, deposit in enumerate(DEPOSITS, start=1):
        ledger.apply_deposit(Uint64(number), deposit)
    for number, block in blocks:
        ledger.apply_block(Uint64(number), block)
    ledger.apply_exit(position(3))
    owners = {actor.address: ledger.get_outputs_of(actor.address) for actor in ACTORS}
    ledger.close()
    reopened = ChildChainLedger.open(Store(tmp_path / "chain.sqlite"), workers=1)
    assert reopened.compute_digest() == compute_child_chain_digest(expected)
    assert reopened.get_state() == expected
    assert (reopened.operator, reopened.block_number) == (OPERATOR, 6)
    assert {actor.address: reopened.get_outputs_of(actor.address) for actor in ACTORS} == owners
    assert reopened.is_spent(FUNDS) and not reopened.is_spent(position(3))
    for number, block in blocks:
        assert reopened.get_block(number) == block
        assert reopened.get_block_root(number) == compute_block_root(block.transactions, DEPTH)
    following = Block((pay([(position(6), CAROL_KEY)], [output(ALICE, 105)]),))
    reopened.apply_block(Uint64(8), following)
    assert reopened.get_state() == apply_block(expected, Uint64(8), following)


def test_ledger_loads_any_spec_state() -> None:
    """Given a spec state with outputs, spent positions, fees and exits (and a zero total entry).

    When a ledger is created from it,
    Then it exports the same state and digest, and applies the next block as the spec does.
    """
    state, _ = make_history()
    state = replace(state, fees_claimed={**state.fees_claimed, BOB: Uint256(0)})
    ledger = make_ledger(state)
    assert ledger.get_state() == state
    assert ledger.compute_digest() == compute_child_chain_digest(state)
    following = Block(
        (pay([(position(6), CAROL_KEY)], [output(BOB, 100)]), FeeClaim(output(OPERATOR, 5)))
    )
    ledger.apply_block(Uint64(7), following)
    after = apply_block(state, Uint64(7), following)
    assert ledger.compute_digest() == compute_child_chain_digest(after)


# Loaded states no valid history reaches


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_inputs_summing_past_the_largest_amount_are_rejected() -> None:
    """Given a loaded state where Alice owns two outputs of 2**256 - 1.

    When she spends both in one payment,
    Then the inputs' sum overflows: INTEGER_OVERFLOW.
    """
    utxos = {position(1, 0, i): output(ALICE, LARGEST) for i in range(2)}
    ledger = make_ledger(replace(make_state(), block_number=Uint64(1), utxos=utxos))
    apply_next(ledger, pay([(p, ALICE_KEY) for p in utxos], [output(BOB, 1)]))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_fees_paid_past_the_largest_total_are_rejected() -> None:
    """Given a loaded state whose fees paid total is 2**256 - 1, and Alice's output of 100.

    When she pays 90 (a fee of 10),
    Then the chain's fees paid overflow: INTEGER_OVERFLOW.
    """
    state = replace(
        make_state(),
        block_number=Uint64(1),
        utxos={FUNDS: output(ALICE, 100)},
        fees_paid={NATIVE_TOKEN: LARGEST},
    )
    apply_next(make_ledger(state), pay([(FUNDS, ALICE_KEY)], [output(BOB, 90)]))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_fees_claimed_past_the_largest_total_are_rejected() -> None:
    """Given a loaded state whose fees claimed total is 2**256 - 1, and Alice's output of 100.

    When she pays 90 and the operator claims the fee of 10,
    Then the chain's fees claimed overflow: INTEGER_OVERFLOW.
    """
    state = replace(
        make_state(),
        block_number=Uint64(1),
        utxos={FUNDS: output(ALICE, 100)},
        fees_claimed={NATIVE_TOKEN: LARGEST},
    )
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 90)])
    apply_next(make_ledger(state), payment, FeeClaim(output(OPERATOR, 10)))


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_exits_past_the_largest_total_are_rejected() -> None:
    """Given a loaded state whose exited total is 2**256 - 1, and Alice's output of 100.

    When her output exits,
    Then the chain's exited total overflows: INTEGER_OVERFLOW.
    """
    state = replace(make_state(), utxos={FUNDS: output(ALICE, 100)}, exited={NATIVE_TOKEN: LARGEST})
    make_ledger(state).apply_exit(FUNDS)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_transaction_index_past_a_uint16_is_rejected() -> None:
    """Given a depth-17 chain and Alice's output of 65,536.

    When a block holds her payment leaving it all as fee, 65,535 valid claims of 1, and one more,
    Then the 65,537th transaction's index is no Uint16: INTEGER_OVERFLOW, as in the spec's loop.
    """
    state = replace(
        make_state(),
        transaction_tree_depth=Uint8(17),
        block_number=Uint64(1),
        utxos={FUNDS: output(ALICE, 2**16)},
    )
    payment = pay([(FUNDS, ALICE_KEY)], [output(BOB, 1)])
    claims = [FeeClaim(output(OPERATOR, 1))] * (2**16 - 1)
    apply_next(make_ledger(state), payment, *claims, FeeClaim(output(OPERATOR, 1)))
