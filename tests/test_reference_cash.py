"""The reference Cash ledger against the spec's Cash child chain: same steps, verdicts, digests.

A generator plays random histories on a Plasma Cash child chain: mints (some
huge, near 2**256, some at or past the coin tree's edge), child blocks of
transfers signed by the coins' owners, exits, and broken variants of each,
one per Cash child-chain rejection reason. Every step goes to the spec
(``spec.environments.cash.steps``, the oracle) and to the reference ledger
(:class:`~reference.environments.cash.ledger.CashLedger`, through the
reference's table of chain steps); both must accept it, or both reject it
with the same reason, and their digests must be equal after every step.

The ledger's coin history is checked too: block roots and compact proofs
built from it are the spec's, and a ledger reopened from its file is the
same ledger. A node gives a Cash environment a Cash ledger. The fast
encoders agree with the spec on deposit roots (at any key of either preset's
tree) and signing hashes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import (
    ACTORS,
    OPERATOR,
    TOKEN_A,
    make_funded_genesis,
    make_high_s_signature,
    make_malformed_signature,
    make_rules,
    make_unrecoverable_signature,
)
from reference.environments.cash import kind as reference_kind
from reference.environments.cash.encoding import compute_signing_hash
from reference.environments.cash.kind import CHAIN_STEPS
from reference.environments.cash.ledger import CashLedger
from reference.node.directory import Node
from reference.store import Store
from spec.environments.cash import kind as spec_kind
from spec.environments.cash.chain import CashChainState, compute_genesis_cash_chain
from spec.environments.cash.coins import (
    CoinBlock,
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
    compute_coin_leaf_hash,
    sign_transfer,
)
from spec.environments.cash.coins import compute_signing_hash as spec_signing_hash
from spec.environments.cash.kind import compute_cash_chain_digest
from spec.environments.cash.steps import (
    ApplyCoinBlock,
    ApplyCoinExit,
    ApplyMint,
    CashChainOperation,
    apply_cash_chain_operation,
)
from spec.errors import Rejected, RejectionReason
from spec.presets import FULL, TINY, Preset
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment
from spec.settlement.state import EnvironmentKind
from spec.sparse_merkle import is_valid_compact_proof
from tests.differential import Chooser

ENVIRONMENT_ID = Uint64(3)
"""The environment every generated transfer is signed for."""

KEYS = {actor.address: actor.key for actor in ACTORS}
"""Private key of every actor, by address."""

OWNERS = tuple(actor.address for actor in ACTORS)
"""Who may own a coin."""

LARGEST = Uint256.max_value()
"""The largest amount."""

CASH_CHAIN_REASONS = frozenset(
    (
        RejectionReason.BLOCK_NUMBER_NOT_INCREASING,
        RejectionReason.COIN_TREE_FULL,
        RejectionReason.OUTPUT_AMOUNT_ZERO,
        RejectionReason.INTEGER_OVERFLOW,
        RejectionReason.TRANSFER_COIN_REPEATED,
        RejectionReason.TRANSFER_COIN_UNKNOWN,
        RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK,
        RejectionReason.SIGNATURE_MALFORMED,
        RejectionReason.SIGNATURE_HIGH_S,
        RejectionReason.SIGNATURE_UNRECOVERABLE,
        RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER,
        RejectionReason.EXITED_COIN_UNKNOWN,
    )
)
"""Every reason the Cash child chain raises."""


# The generator


def draw_mint(chooser: Chooser, state: CashChainState) -> CashChainOperation:
    """Return a mint: mostly the next number; sometimes late, zero, huge or past the tree."""
    number = int(state.block_number) + chooser.integers(1, 3)
    if chooser.is_rare(10):
        number = int(state.block_number)
    if chooser.is_rare(12):
        number = (1 << int(state.coin_tree_depth)) + chooser.integers(0, 2)
    amount = chooser.choice((1, 5, 100)) if not chooser.is_rare(6) else LARGEST - 1
    if chooser.is_rare(12):
        amount = 0
    token = chooser.choice((NATIVE_TOKEN, TOKEN_A))
    mint = CoinMint(Uint64(number), chooser.choice(OWNERS), token, Uint256(amount))
    return ApplyMint(mint)


def draw_transfer(chooser: Chooser, state: CashChainState, coin_id: int) -> SignedTransfer:
    """Return a transfer of a coin: by its owner from its last block, or broken one way."""
    coin = state.coins.get(Uint64(coin_id))
    previous = int(coin.last_block) if coin is not None else chooser.integers(0, 9)
    signer = coin.owner if coin is not None else chooser.choice(OWNERS)
    if chooser.is_rare(10):
        previous += 1
    if chooser.is_rare(10):
        signer = chooser.choice(OWNERS)
    body = Transfer(Uint64(coin_id), Uint64(previous), chooser.choice(OWNERS))
    signed = sign_transfer(state.environment_id, body, KEYS[signer])
    if chooser.is_rare(15):
        broken = chooser.choice(
            (
                make_malformed_signature(signed.signature),
                make_high_s_signature(signed.signature),
                make_unrecoverable_signature(),
            )
        )
        signed = replace(signed, signature=broken)
    return signed


def draw_block(chooser: Chooser, state: CashChainState) -> CashChainOperation:
    """Return a child block moving some live coins (rarely one twice, or an unknown one)."""
    live = sorted(int(coin) for coin in state.coins)
    count = chooser.integers(0, min(len(live), 6))
    coins = Random(chooser.integers(0, 2**32)).sample(live, count)
    if chooser.is_rare(10) and coins:
        coins.append(chooser.choice(coins))
    if chooser.is_rare(10):
        coins.insert(chooser.integers(0, len(coins)), chooser.integers(0, 300))
    transfers = tuple(draw_transfer(chooser, state, coin) for coin in coins)
    number = int(state.block_number) + chooser.integers(1, 4)
    if chooser.is_rare(12):
        number = int(state.block_number)
    return ApplyCoinBlock(Uint64(number), CoinBlock(transfers))


def draw_exit(chooser: Chooser, state: CashChainState) -> CashChainOperation:
    """Return the retirement of a live coin, or rarely of one that is not live."""
    live = sorted(int(coin) for coin in state.coins)
    if live and not chooser.is_rare(6):
        return ApplyCoinExit(Uint64(chooser.choice(live)))
    return ApplyCoinExit(Uint64(chooser.integers(0, 300)))


def draw_step(chooser: Chooser, state: CashChainState) -> CashChainOperation:
    """Return the next step of a history."""
    drawer = chooser.choice((draw_mint, draw_mint, draw_block, draw_block, draw_block, draw_exit))
    return drawer(chooser, state)


# Comparing


def check_step(
    state: CashChainState, ledger: CashLedger, step: CashChainOperation
) -> tuple[CashChainState, RejectionReason | None]:
    """Apply a step to the spec and the ledger; check they agree; return the spec's outcome."""
    expected: RejectionReason | None = None
    try:
        state = apply_cash_chain_operation(state, step)
    except Rejected as rejection:
        expected = rejection.reason
    actual: RejectionReason | None = None
    try:
        CHAIN_STEPS[type(step)](ledger, step)
    except Rejected as rejection:
        actual = rejection.reason
    assert actual == expected, f"spec {expected}, reference {actual}, for {step!r}"[:400]
    assert ledger.compute_digest() == compute_cash_chain_digest(state)
    return state, expected


def check_history_queries(ledger: CashLedger, applied: dict[int, list[CoinLeaf]]) -> None:
    """Check the ledger's block roots, proofs and coin histories against the applied leaves."""
    depth = int(ledger.coin_tree_depth)
    for number, leaves in applied.items():
        root = compute_coin_block_root(leaves, depth)
        assert ledger.get_block_root(number) == root
        for leaf in leaves:
            coin = int(leaf.coin_id if isinstance(leaf, CoinMint) else leaf.transfer.coin_id)
            proof = ledger.get_coin_proof(number, coin)
            assert is_valid_compact_proof(compute_coin_leaf_hash(leaf), coin, proof, depth, root)
            assert (number, leaf) in ledger.get_history(coin)


def run_history(chooser: Chooser, steps: int, reasons: Counter[RejectionReason]) -> None:
    """Play ``steps`` random steps on the spec and a ledger from the same genesis; compare."""
    state = compute_genesis_cash_chain(ENVIRONMENT_ID, Uint8(chooser.choice((4, 8))))
    ledger = CashLedger.create(Store(), state, workers=chooser.integers(1, 2))
    assert ledger.compute_digest() == compute_cash_chain_digest(state)
    applied: dict[int, list[CoinLeaf]] = {}
    for _ in range(steps):
        step = draw_step(chooser, state)
        state, reason = check_step(state, ledger, step)
        if reason is not None:
            reasons[reason] += 1
        elif isinstance(step, ApplyMint):
            applied[int(step.mint.coin_id)] = [step.mint]
        elif isinstance(step, ApplyCoinBlock):
            applied[int(step.block_number)] = list(step.block.transfers)
    assert ledger.get_state() == state
    for owner in OWNERS:
        owned = sorted(int(c) for c, coin in state.coins.items() if coin.owner == owner)
        assert ledger.get_coins_of(owner) == owned
    check_history_queries(ledger, applied)
    ledger.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=True))
def test_reference_cash_ledger_agrees_with_the_spec_on_random_histories(random: Random) -> None:
    """Given a Cash chain of coin tree depth 4 or 8.

    When the same random mints, blocks (valid and broken in every way) and exits are
    applied to the spec and to the reference ledger, step by step,
    Then after each step both accepted, or both rejected with the same reason, with
    equal digests; at the end their states, owner queries, roots and proofs agree.
    """
    run_history(Chooser(random), 25, Counter())


def test_generator_reaches_every_cash_chain_rejection_reason() -> None:
    """Given the history generator, driven by fixed seeds.

    When it plays histories on the spec and the reference ledger (compared step by step),
    Then every Cash child-chain rejection reason is among the rejections, and nothing else.
    """
    reasons: Counter[RejectionReason] = Counter()
    for seed in range(20):
        run_history(Chooser(Random(seed)), 40, reasons)
    assert set(reasons) == CASH_CHAIN_REASONS, sorted(CASH_CHAIN_REASONS - set(reasons))


# Scale and storage


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ({}, None),
        ({150: "forged"}, RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER),
        ({170: "forged", 120: "high_s"}, RejectionReason.SIGNATURE_HIGH_S),
    ],
)
def test_block_of_two_hundred_transfers_equals_the_spec(
    broken: dict[int, str], reason: RejectionReason | None
) -> None:
    """Given 200 live coins and a block moving each (some transfers broken).

    When the block is applied with signers recovered on two threads,
    Then the ledger's verdict is the spec's (the first broken transfer's reason), and so
    is its digest.
    """
    state = compute_genesis_cash_chain(ENVIRONMENT_ID, Uint8(8))
    owners = [ACTORS[i % len(ACTORS)] for i in range(200)]
    for coin, owner in enumerate(owners, start=1):
        mint = CoinMint(Uint64(coin), owner.address, NATIVE_TOKEN, Uint256(coin))
        state = apply_cash_chain_operation(state, ApplyMint(mint))
    ledger = CashLedger.create(Store(), state, workers=2)
    transfers = []
    for coin, owner in enumerate(owners, start=1):
        signer = owners[coin % 200] if broken.get(coin) == "forged" else owner
        body = Transfer(Uint64(coin), Uint64(coin), OPERATOR.address)
        signed = sign_transfer(ENVIRONMENT_ID, body, signer.key)
        if broken.get(coin) == "high_s":
            signed = replace(signed, signature=make_high_s_signature(signed.signature))
        transfers.append(signed)
    step = ApplyCoinBlock(Uint64(204), CoinBlock(tuple(transfers)))
    assert check_step(state, ledger, step)[1] == reason


def test_reopened_ledger_is_the_same_ledger(tmp_path: Path) -> None:
    """Given a ledger on disk after a random history.

    When it is closed and opened again,
    Then its digest, state and coin histories are unchanged.
    """
    state = compute_genesis_cash_chain(ENVIRONMENT_ID, Uint8(8))
    ledger = CashLedger.create(Store(tmp_path / "cash.sqlite"), state, workers=1)
    chooser = Chooser(Random(7))
    for _ in range(40):
        state, _ = check_step(state, ledger, draw_step(chooser, state))
    histories = {int(coin): ledger.get_history(int(coin)) for coin in state.coins}
    ledger.close()
    reopened = CashLedger.open(Store(tmp_path / "cash.sqlite"), workers=1)
    assert reopened.compute_digest() == compute_cash_chain_digest(state)
    assert reopened.get_state() == state
    assert {coin: reopened.get_history(coin) for coin in histories} == histories
    reopened.close()


def test_node_gives_a_cash_environment_a_cash_ledger(tmp_path: Path) -> None:
    """Given a node with a Cash environment and a deposit accepted on the settlement layer.

    When the deposit's mint is applied to the environment's chain, and the node reopened,
    Then the chain is a Cash ledger whose digest is the spec's, before and after reopening;
    a transfer of an unknown coin is refused with the spec's reason.
    """
    node = Node.create(tmp_path, make_funded_genesis(TINY), workers=1)
    node.apply_operation(RegisterEnvironment(OPERATOR.address, EnvironmentKind.CASH, make_rules()))
    node.apply_operation(AdvanceTime(node.settlement.time + TINY.quarantine_period))
    owner = ACTORS[0].address
    node.apply_operation(Deposit(Uint64(0), owner, NATIVE_TOKEN, Uint256(5)))
    mint = CoinMint(Uint64(1), owner, NATIVE_TOKEN, Uint256(5))
    node.apply_chain_step(0, ApplyMint(mint))
    genesis = compute_genesis_cash_chain(Uint64(0), TINY.coin_tree_depth)
    expected = compute_cash_chain_digest(apply_cash_chain_operation(genesis, ApplyMint(mint)))
    assert isinstance(node.get_chain(0), CashLedger)
    assert node.get_chain(0).compute_digest() == expected
    body = Transfer(Uint64(9), Uint64(1), owner)
    unknown = ApplyCoinBlock(Uint64(4), CoinBlock((sign_transfer(Uint64(0), body, ACTORS[0].key),)))
    with pytest.raises(Rejected) as caught:
        node.apply_chain_step(0, unknown)
    assert caught.value.reason == RejectionReason.TRANSFER_COIN_UNKNOWN
    node.get_chain(0).close()
    reopened = Node.open(tmp_path, workers=1)
    assert reopened.get_chain(0).compute_digest() == expected


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([TINY, FULL]),
    st.integers(1, 2**64 - 1),
    st.integers(1, 2**256 - 1),
)
def test_deposit_roots_and_signing_hashes_are_the_spec_s(
    preset: Preset, number: int, amount: int
) -> None:
    """Given a Cash deposit at any block number inside the preset's coin tree, and a transfer.

    When the reference computes the deposit block's root and the transfer's signing hash,
    Then they are the spec's (its fast encoders and one-path sparse root agree).
    """
    number %= 1 << int(preset.coin_tree_depth)
    deposit = Deposit(ENVIRONMENT_ID, ACTORS[1].address, TOKEN_A, Uint256(amount))
    expected = spec_kind.compute_deposit_root(preset, Uint64(number), deposit)
    assert reference_kind.compute_deposit_root(preset, Uint64(number), deposit) == expected
    transfer = Transfer(Uint64(number), Uint64(amount % 2**64), ACTORS[2].address)
    assert compute_signing_hash(int(ENVIRONMENT_ID), transfer) == spec_signing_hash(
        ENVIRONMENT_ID, transfer
    )
