"""Canonical state digests: one hash to compare any two implementations on.

A digest is the keccak-256 hash of a domain tag followed by the canonical
encoding (``spec.encoding``) of the whole state, so two implementations agree
on a digest exactly when they agree on every field of the state.
"""

from __future__ import annotations

from spec.crypto import keccak256
from spec.encoding import encode
from spec.payments.chain import ChildChainState
from spec.primitives import Hash32
from spec.settlement.state import SettlementState

SETTLEMENT_DIGEST_DOMAIN = b"plasma-spec/settlement-state/v1"
"""Domain tag of settlement state digests."""

CHILD_CHAIN_DIGEST_DOMAIN = b"plasma-spec/payments-child-chain-state/v1"
"""Domain tag of payments child chain state digests."""


def compute_settlement_digest(state: SettlementState) -> Hash32:
    """Return the digest of the whole settlement layer state."""
    return keccak256(SETTLEMENT_DIGEST_DOMAIN + encode(state))


def compute_child_chain_digest(state: ChildChainState) -> Hash32:
    """Return the digest of a payments child chain state."""
    return keccak256(CHILD_CHAIN_DIGEST_DOMAIN + encode(state))
