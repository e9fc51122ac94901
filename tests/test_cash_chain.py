"""The Plasma Cash child chain and its sparse Merkle proofs, one rule per test."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import ALICE, BOB, CAROL, MALLORY, make_high_s_signature
from spec.environments.cash.chain import CashChainState, compute_genesis_cash_chain
from spec.environments.cash.coins import CoinBlock, CoinMint, Transfer, sign_transfer
from spec.environments.cash.steps import (
    ApplyCoinBlock,
    ApplyCoinExit,
    ApplyMint,
    apply_cash_chain_operation,
)
from spec.errors import RejectionReason
from spec.merkle import EMPTY_LEAF, compute_empty_subtree_root
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint64, Uint256
from spec.sparse_merkle import (
    CompactProof,
    compute_compact_proof,
    compute_sparse_root,
    is_valid_compact_proof,
)
from tests.support import rejects

ENV = Uint64(0)
DEPTH = 8


def minted(*owners: object) -> CashChainState:
    """Return a chain where each owner minted a coin of 10 (coins 1, 2, ...)."""
    state = compute_genesis_cash_chain(ENV, Uint8(DEPTH))
    for coin, owner in enumerate(owners, start=1):
        mint = CoinMint(Uint64(coin), owner.address, NATIVE_TOKEN, Uint256(10))  # type: ignore[attr-defined]
        state = apply_cash_chain_operation(state, ApplyMint(mint))
    return state


def block(number: int, *transfers: tuple[int, int, object, object]) -> ApplyCoinBlock:
    """Return a block step; each transfer is (coin, previous block, signer, new owner)."""
    signed = tuple(
        sign_transfer(ENV, Transfer(Uint64(c), Uint64(p), to.address), by.key)  # type: ignore[attr-defined]
        for c, p, by, to in transfers
    )
    return ApplyCoinBlock(Uint64(number), CoinBlock(signed))


def test_a_block_moves_each_coin_to_its_new_owner() -> None:
    """Given coins 1 (Alice) and 2 (Bob).

    When block 4 moves coin 1 to Carol and coin 2 to Alice,
    Then both have new owners and remember block 4 as their latest.
    """
    state = apply_cash_chain_operation(
        minted(ALICE, BOB), block(4, (1, 1, ALICE, CAROL), (2, 2, BOB, ALICE))
    )
    assert state.coins[Uint64(1)].owner == CAROL.address
    assert state.coins[Uint64(2)].owner == ALICE.address
    assert {c.last_block for c in state.coins.values()} == {4}


def test_an_exit_retires_the_coin() -> None:
    """Given coin 1.

    When its exit is applied,
    Then it is no longer live and its value is counted as retired.
    """
    state = apply_cash_chain_operation(minted(ALICE), ApplyCoinExit(Uint64(1)))
    assert not state.coins
    assert state.retired == {NATIVE_TOKEN: 10}


@rejects(RejectionReason.BLOCK_NUMBER_NOT_INCREASING)
def test_a_block_at_an_old_number_is_refused() -> None:
    """Given coin 2 minted at block 2.

    When block 1 is applied,
    Then it is rejected with BLOCK_NUMBER_NOT_INCREASING.
    """
    apply_cash_chain_operation(minted(ALICE, BOB), block(1))


@rejects(RejectionReason.COIN_TREE_FULL)
def test_a_mint_outside_the_tree_is_refused() -> None:
    """Given a depth-8 chain.

    When coin 256 is minted,
    Then it is rejected with COIN_TREE_FULL.
    """
    mint = CoinMint(Uint64(256), ALICE.address, NATIVE_TOKEN, Uint256(1))
    apply_cash_chain_operation(minted(), ApplyMint(mint))


@rejects(RejectionReason.OUTPUT_AMOUNT_ZERO)
def test_a_mint_of_nothing_is_refused() -> None:
    """Given an empty chain.

    When a coin of amount 0 is minted,
    Then it is rejected with OUTPUT_AMOUNT_ZERO.
    """
    mint = CoinMint(Uint64(1), ALICE.address, NATIVE_TOKEN, Uint256(0))
    apply_cash_chain_operation(minted(), ApplyMint(mint))


@rejects(RejectionReason.TRANSFER_COIN_REPEATED)
def test_a_block_moving_one_coin_twice_is_refused() -> None:
    """Given coin 1 (Alice).

    When one block holds two transfers of it,
    Then it is rejected with TRANSFER_COIN_REPEATED.
    """
    apply_cash_chain_operation(minted(ALICE), block(4, (1, 1, ALICE, BOB), (1, 1, ALICE, CAROL)))


@rejects(RejectionReason.TRANSFER_COIN_UNKNOWN)
def test_a_transfer_of_an_unknown_coin_is_refused() -> None:
    """Given coin 1 only.

    When coin 2 is transferred,
    Then it is rejected with TRANSFER_COIN_UNKNOWN.
    """
    apply_cash_chain_operation(minted(ALICE), block(4, (2, 2, ALICE, BOB)))


@rejects(RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK)
def test_a_transfer_naming_an_old_block_is_refused() -> None:
    """Given coin 1 moved to Bob at block 4.

    When Alice transfers it again naming the mint (block 1),
    Then it is rejected with TRANSFER_NOT_FROM_LAST_BLOCK.
    """
    state = apply_cash_chain_operation(minted(ALICE), block(4, (1, 1, ALICE, BOB)))
    apply_cash_chain_operation(state, block(8, (1, 1, ALICE, CAROL)))


@rejects(RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER)
def test_a_transfer_signed_by_someone_else_is_refused() -> None:
    """Given coin 1 (Alice).

    When Mallory signs its transfer,
    Then it is rejected with TRANSFER_NOT_SIGNED_BY_OWNER.
    """
    apply_cash_chain_operation(minted(ALICE), block(4, (1, 1, MALLORY, MALLORY)))


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_a_transfer_with_a_malleable_signature_is_refused() -> None:
    """Given coin 1 (Alice).

    When her transfer carries the high-s twin of her signature,
    Then it is rejected with SIGNATURE_HIGH_S.
    """
    step = block(4, (1, 1, ALICE, BOB))
    signed = step.block.transfers[0]
    twin = replace(signed, signature=make_high_s_signature(signed.signature))
    apply_cash_chain_operation(minted(ALICE), replace(step, block=CoinBlock((twin,))))


@rejects(RejectionReason.EXITED_COIN_UNKNOWN)
def test_an_exit_of_a_retired_coin_is_refused() -> None:
    """Given coin 1 retired by an exit.

    When its exit is applied again,
    Then it is rejected with EXITED_COIN_UNKNOWN.
    """
    state = apply_cash_chain_operation(minted(ALICE), ApplyCoinExit(Uint64(1)))
    apply_cash_chain_operation(state, ApplyCoinExit(Uint64(1)))


# Sparse Merkle proofs

leaf_sets = st.dictionaries(
    st.integers(0, 2**DEPTH - 1), st.binary(min_size=32, max_size=32).map(Hash32), max_size=6
)


@given(leaf_sets, st.integers(0, 2**DEPTH - 1))
def test_every_key_has_a_proof_of_what_it_holds(leaves: dict[int, Hash32], key: int) -> None:
    """Given any sparse tree.

    When the proof of any key is computed,
    Then it shows the key's leaf (or the empty leaf: non-inclusion), and no other leaf.
    """
    root = compute_sparse_root(leaves, DEPTH)
    proof = compute_compact_proof(leaves, key, DEPTH)
    held = leaves.get(key, EMPTY_LEAF)
    assert is_valid_compact_proof(held, key, proof, DEPTH, root)
    other = Hash32(bytes(31) + b"\x01") if held != Hash32(bytes(31) + b"\x01") else EMPTY_LEAF
    assert not is_valid_compact_proof(other, key, proof, DEPTH, root)
    assert len(proof.siblings) == int(proof.bitmap).bit_count()


def test_a_sparse_tree_hashes_like_the_dense_tree() -> None:
    """Given no leaves.

    When the sparse root is computed,
    Then it is the dense tree's empty root of that depth.
    """
    assert compute_sparse_root({}, DEPTH) == compute_empty_subtree_root(DEPTH)


@pytest.mark.parametrize(
    "broken",
    [
        CompactProof(Uint64(1 << DEPTH), ()),  # a bit above the depth
        CompactProof(Uint64(1), ()),  # a bit with no sibling
        CompactProof(Uint64(0), (EMPTY_LEAF,)),  # a sibling with no bit
        CompactProof(Uint64(1), (EMPTY_LEAF,)),  # a listed empty sibling (not canonical)
    ],
)
def test_malformed_proofs_prove_nothing(broken: CompactProof) -> None:
    """Given the empty tree, where any key's canonical proof is the empty bitmap.

    When a proof breaking one rule of the compact form is checked,
    Then it proves nothing, not even non-inclusion.
    """
    root = compute_sparse_root({}, DEPTH)
    assert is_valid_compact_proof(EMPTY_LEAF, 0, CompactProof(Uint64(0), ()), DEPTH, root)
    assert not is_valid_compact_proof(EMPTY_LEAF, 0, broken, DEPTH, root)


def test_a_key_outside_the_tree_has_no_proof() -> None:
    """Given the empty tree of depth 8.

    When key 256 is checked with the empty proof,
    Then it proves nothing.
    """
    root = compute_sparse_root({}, DEPTH)
    assert not is_valid_compact_proof(EMPTY_LEAF, 256, CompactProof(Uint64(0), ()), DEPTH, root)
