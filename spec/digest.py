"""Canonical state digests: one hash to compare any two implementations on.

A digest is the keccak-256 hash of a domain tag followed by the canonical
encoding (``spec.encoding``) of the whole state, so two implementations agree
on a digest exactly when they agree on every field of the state. Each state
machine has its own domain tag: the settlement layer's is below; each
environment kind names its child chain's (for payments:
``spec.environments.payments.kind.CHILD_CHAIN_DIGEST_DOMAIN``).
"""

from __future__ import annotations

from typing import Any

from spec.crypto import keccak256
from spec.encoding import encode
from spec.primitives import Hash32
from spec.settlement.state import SettlementState

SETTLEMENT_DIGEST_DOMAIN = b"plasma-spec/settlement-state/v1"
"""Domain tag of settlement state digests."""


def compute_digest(domain: bytes, state: Any) -> Hash32:
    """Return the digest of ``state`` under the domain tag ``domain``."""
    return keccak256(domain + encode(state))


def compute_settlement_digest(state: SettlementState) -> Hash32:
    """Return the digest of the whole settlement layer state."""
    return compute_digest(SETTLEMENT_DIGEST_DOMAIN, state)
