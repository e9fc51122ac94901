"""Consensus messages and the digests their signatures cover.

Every signature is a secp256k1 signature (``spec.crypto``) over the
keccak-256 hash of a domain tag, the chain id and the signed fields, so a
signature means one thing on one chain and nothing elsewhere. The chain id
of an environment's committee is the environment's id.

- A :class:`Block` carries a child-chain block root, names its parent by
  hash, and carries its *justification*: the quorum certificate of its
  parent (normal case) or the aggregate of timeouts that ended the previous
  view (view change).
- The leader of a view signs a :class:`Proposal` of its block; replicas
  answer with a :class:`Vote` on (view, block hash).
- A :class:`QuorumCertificate` is a quorum's votes on one block in one view.
- A replica whose view ends without progress signs a :class:`Timeout`
  carrying its highest certificate; the next leader aggregates a quorum of
  timeouts into an :class:`AggregateCertificate`, which keeps each signer's
  signature over (view, its highest certificate's view) and attaches only
  the highest certificate in full (as in Fast HotStuff).

The chain starts at a genesis block of view 0 that exists by definition
(:func:`compute_genesis_hash`); its certificate (:func:`compute_genesis_qc`)
has no signatures.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.crypto import keccak256
from spec.encoding import declare_union_tags, encode
from spec.primitives import Hash32, Signature, Uint64

BLOCK_DOMAIN = b"plasma-spec/finality/block/v1"
"""Prefix of a block's hash."""

GENESIS_DOMAIN = b"plasma-spec/finality/genesis/v1"
"""Prefix of the genesis block's hash."""

PROPOSAL_DOMAIN = b"plasma-spec/finality/proposal/v1"
"""Prefix of what a leader signs to propose a block."""

VOTE_DOMAIN = b"plasma-spec/finality/vote/v1"
"""Prefix of what a replica signs to vote."""

TIMEOUT_DOMAIN = b"plasma-spec/finality/timeout/v1"
"""Prefix of what a replica signs to time out of a view."""


@dataclass(frozen=True)
class QuorumCertificate:
    """Votes of a quorum on one block in one view (or the genesis certificate)."""

    view: Uint64
    """The view the votes were cast in (the certified block's view)."""
    block_hash: Hash32
    """The certified block."""
    signatures: tuple[Signature, ...]
    """One vote signature per signer, over ``compute_vote_digest``."""


@dataclass(frozen=True)
class TimeoutSignature:
    """One signer's part of an aggregate: its timeout signature and what it signed."""

    high_qc_view: Uint64
    """The view of the signer's highest certificate."""
    signature: Signature
    """Signature over ``compute_timeout_digest(chain, view, high_qc_view)``."""


@dataclass(frozen=True)
class AggregateCertificate:
    """A quorum of timeouts of one view: it justifies the next view's block."""

    view: Uint64
    """The view that ended without progress."""
    timeouts: tuple[TimeoutSignature, ...]
    """One entry per signer."""
    high_qc: QuorumCertificate
    """The highest certificate any signer reported; the new block extends its block."""


Justification = QuorumCertificate | AggregateCertificate
"""What a block carries to justify its view and parent."""

declare_union_tags(Justification, {QuorumCertificate: 0, AggregateCertificate: 1})


@dataclass(frozen=True)
class Block:
    """A consensus block: one child-chain block root, chained by hash."""

    chain_id: Uint64
    """The environment whose child chain the block extends."""
    view: Uint64
    """The view the block was proposed in."""
    parent: Hash32
    """Hash of the parent block (the block its justification certifies)."""
    root: Hash32
    """Merkle root of the child block's transactions."""
    justify: Justification
    """The parent's certificate, or the aggregate that ended the previous view."""


@dataclass(frozen=True)
class Proposal:
    """A leader's signed proposal of a block."""

    block: Block
    """The proposed block."""
    signature: Signature
    """The leader's signature over ``compute_proposal_digest``."""


@dataclass(frozen=True)
class Vote:
    """A replica's signed vote on a block; the signer is recovered from the signature."""

    view: Uint64
    """The block's view."""
    block_hash: Hash32
    """The block voted for."""
    signature: Signature
    """Signature over ``compute_vote_digest``."""


@dataclass(frozen=True)
class Timeout:
    """A replica's signed statement that a view ended, with its highest certificate."""

    view: Uint64
    """The view that ended."""
    high_qc: QuorumCertificate
    """The highest certificate the sender knows."""
    signature: Signature
    """Signature over ``compute_timeout_digest(chain, view, high_qc.view)``."""


def compute_block_hash(block: Block) -> Hash32:
    """Return the hash that names a block (its parent link, votes and certificates use it)."""
    return keccak256(BLOCK_DOMAIN + encode(block))


def compute_genesis_hash(chain_id: int) -> Hash32:
    """Return the hash of a chain's genesis block, the parent of its first block."""
    return keccak256(GENESIS_DOMAIN + encode(Uint64(chain_id)))


def compute_genesis_qc(chain_id: int) -> QuorumCertificate:
    """Return the genesis certificate: view 0, the genesis block, no signatures."""
    return QuorumCertificate(Uint64(0), compute_genesis_hash(chain_id), ())


def compute_proposal_digest(block: Block) -> Hash32:
    """Return what the leader signs to propose ``block`` (the chain id is inside the block)."""
    return keccak256(PROPOSAL_DOMAIN + compute_block_hash(block))


def compute_vote_digest(chain_id: int, view: int, block_hash: Hash32) -> Hash32:
    """Return what a replica signs to vote for ``block_hash`` in ``view``."""
    return keccak256(VOTE_DOMAIN + encode(Uint64(chain_id)) + encode(Uint64(view)) + block_hash)


def compute_timeout_digest(chain_id: int, view: int, high_qc_view: int) -> Hash32:
    """Return what a replica signs to leave ``view`` with a certificate of ``high_qc_view``."""
    return keccak256(
        TIMEOUT_DOMAIN
        + encode(Uint64(chain_id))
        + encode(Uint64(view))
        + encode(Uint64(high_qc_view))
    )


def get_certified_qc(justification: Justification) -> QuorumCertificate:
    """Return the certificate a justification stands on: itself, or the aggregate's highest."""
    if isinstance(justification, AggregateCertificate):
        return justification.high_qc
    return justification
