"""Committee finality for the differential tests: committees, honest runs, forks, broken proofs.

The scripted stories of ``tests.differential_finality_scripts`` step the spec
and the reference together (:class:`~tests.differential.DifferentialPair`)
through committee environments; this module builds what they submit:

- committees that registration must refuse, one per rule (:func:`list_bad_committees`);
- certified blocks of an honest run (``fixtures.finality.CommitteeRun``), with
  a view change so that one proof carries a chain and one block an aggregate
  (:func:`make_honest_run`);
- a *fork*: two sibling blocks of view 1, each with a certified child in view
  2, signed by every member, which only a committee past its fault bound can
  produce (:func:`make_fork`);
- commit proofs of a block broken in one way each (:func:`list_broken_proofs`),
  so that every reason of ``spec.finality.commit.validate_commit_proof`` is
  reached (the justification's, the certificates' and the signatures' too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fixtures import make_high_s_signature, make_malformed_signature, make_unrecoverable_signature
from fixtures.finality import CommitteeRun, make_commit_proof, make_run
from fixtures.finality_messages import COMMITTEE, KEYS, OUTSIDER_KEY, aggregate, certify
from spec.crypto import compute_address_of_private_key, keccak256
from spec.errors import RejectionReason
from spec.finality.commit import CommitProof
from spec.finality.committee import MAX_COMMITTEE_SIZE, Committee, Validator
from spec.finality.messages import (
    Block,
    Justification,
    QuorumCertificate,
    compute_block_hash,
    compute_genesis_hash,
    compute_genesis_qc,
)
from spec.primitives import Address, Hash32, Signature, Uint64

FINALITY_REASONS = frozenset(
    (
        RejectionReason.COMMITTEE_EMPTY,
        RejectionReason.COMMITTEE_TOO_LARGE,
        RejectionReason.COMMITTEE_NOT_ORDERED,
        RejectionReason.COMMITTEE_ZERO_STAKE,
        RejectionReason.GENESIS_CERTIFICATE_INVALID,
        RejectionReason.CERTIFICATE_SIGNER_UNKNOWN,
        RejectionReason.CERTIFICATE_SIGNER_DUPLICATE,
        RejectionReason.CERTIFICATE_QUORUM_SHORT,
        RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST,
        RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT,
        RejectionReason.BLOCK_WRONG_CHAIN,
        RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY,
        RejectionReason.BLOCK_PARENT_NOT_CERTIFIED,
        RejectionReason.COMMIT_CHAIN_BROKEN,
        RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW,
        RejectionReason.COMMIT_CERTIFICATE_WRONG_BLOCK,
        RejectionReason.CERTIFICATE_REQUIRED,
        RejectionReason.NO_COMMITTEE,
        RejectionReason.ENVIRONMENT_HALTED,
        RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD,
        RejectionReason.CONFLICT_SAME_BLOCK,
        RejectionReason.CONFLICT_NOT_SIBLINGS,
        RejectionReason.BLOCK_NUMBER_UNEXPECTED,
        RejectionReason.SIGNATURE_MALFORMED,
        RejectionReason.SIGNATURE_HIGH_S,
        RejectionReason.SIGNATURE_UNRECOVERABLE,
        RejectionReason.INTEGER_OVERFLOW,
        RejectionReason.ENVIRONMENT_IN_QUARANTINE,
        RejectionReason.UNKNOWN_ENVIRONMENT,
    )
)
"""Every reason a committee environment's registration, blocks and reports can meet."""


def root(label: str) -> Hash32:
    """Return a distinct child block root."""
    return keccak256(label.encode())


# Registration


def list_bad_committees() -> list[tuple[Committee, RejectionReason]]:
    """Return committees registration refuses, each with the one rule it breaks."""
    members = COMMITTEE.validators
    many = sorted(
        compute_address_of_private_key(keccak256(f"member-{i}".encode()))
        for i in range(MAX_COMMITTEE_SIZE + 1)
    )
    half = Uint64(2**63)
    return [
        (Committee(()), RejectionReason.COMMITTEE_EMPTY),
        (
            Committee(tuple(Validator(a, Uint64(1)) for a in many)),
            RejectionReason.COMMITTEE_TOO_LARGE,
        ),
        (Committee(tuple(reversed(members))), RejectionReason.COMMITTEE_NOT_ORDERED),
        (Committee((members[0], members[0])), RejectionReason.COMMITTEE_NOT_ORDERED),
        (
            Committee((members[0], replace(members[1], stake=Uint64(0)))),
            RejectionReason.COMMITTEE_ZERO_STAKE,
        ),
        (
            Committee((replace(members[0], stake=half), replace(members[1], stake=half))),
            RejectionReason.INTEGER_OVERFLOW,
        ),
    ]


def make_largest_committee() -> Committee:
    """Return a valid committee of MAX_COMMITTEE_SIZE members (the largest registration allows)."""
    addresses = sorted(
        Address(keccak256(f"largest-{i}".encode())[:20]) for i in range(MAX_COMMITTEE_SIZE)
    )
    return Committee(tuple(Validator(a, Uint64(i + 1)) for i, a in enumerate(addresses)))


# An honest run


@dataclass(frozen=True)
class HonestRun:
    """Blocks of an honest committee run in proposal order, and the commit proof of each."""

    run: CommitteeRun
    """The run (its blocks and certificates)."""
    blocks: tuple[Block, ...]
    """Every block proposed, in order."""
    proofs: tuple[CommitProof | None, ...]
    """Each block's commit proof from what the run saw; None for a block not committed yet."""

    def get_proof(self, index: int) -> CommitProof:
        """Return the commit proof of block ``index``, which must be committed."""
        proof = self.proofs[index]
        assert proof is not None, f"block {index} of the run is not committed"
        return proof


def make_honest_run(chain_id: int, before_view_change: int = 3, after: int = 4) -> HonestRun:
    """Return a run of fixtures' committee on ``chain_id``: blocks, a view change, more blocks.

    Two timeouts after ``before_view_change`` blocks make the next block's
    justification an aggregate and the last block before them committed
    through a proof with a one-block chain.
    """
    run = make_run(chain_id=chain_id)
    order: list[Hash32] = []
    for index in range(before_view_change + after):
        if index == before_view_change:
            run.time_out()
            run.time_out()
        known = set(run.blocks)
        run.propose(root(f"chain-{chain_id}-block-{index}"))
        order.extend(h for h in run.blocks if h not in known)
    blocks = tuple(run.blocks[h] for h in order)
    proofs = tuple(make_commit_proof(run, h) for h in order)
    return HonestRun(run, blocks, proofs)


# Forks a byzantine committee signs


def make_committed_child(parent: Block, label: str) -> tuple[Block, CommitProof]:
    """Return a certified child of ``parent`` in the next view, and the proof committing ``parent``.

    Every member signs both certificates (a byzantine committee signs anything).
    """
    child = Block(
        parent.chain_id, Uint64(parent.view + 1), compute_block_hash(parent), root(label),
        certify(parent, KEYS),
    )  # fmt: skip
    return child, CommitProof((), child, certify(child, KEYS))


def make_fork(chain_id: int, label: str) -> tuple[Block, CommitProof, Block, CommitProof]:
    """Return two sibling blocks of view 1 on the genesis, each committed by every member."""
    genesis_qc = compute_genesis_qc(chain_id)
    parent = compute_genesis_hash(chain_id)
    first = Block(Uint64(chain_id), Uint64(1), parent, root(f"{label}-first"), genesis_qc)
    second = Block(Uint64(chain_id), Uint64(1), parent, root(f"{label}-second"), genesis_qc)
    _, first_proof = make_committed_child(first, f"{label}-first-child")
    _, second_proof = make_committed_child(second, f"{label}-second-child")
    return first, first_proof, second, second_proof


# Broken commit proofs


def make_child(block: Block, justify: Justification, view: int | None = None) -> Block:
    """Return a child of ``block`` (next view unless told) carrying ``justify``."""
    view = block.view + 1 if view is None else view
    return Block(block.chain_id, Uint64(view), compute_block_hash(block), root("child"), justify)


def prove_with(child: Block, child_qc: QuorumCertificate | None = None) -> CommitProof:
    """Return a proof with no chain: ``child`` and its certificate (a quorum's by default)."""
    return CommitProof((), child, certify(child) if child_qc is None else child_qc)


def with_signature(certificate: QuorumCertificate, signature: Signature) -> QuorumCertificate:
    """Return ``certificate`` with its first signature replaced."""
    return replace(certificate, signatures=(signature, *certificate.signatures[1:]))


def list_broken_proofs(block: Block, other: Block) -> list[tuple[CommitProof, RejectionReason]]:
    """Return proofs that ``block`` is committed, each broken in one way, with its reason.

    ``block`` is of chain 0 (``fixtures.finality_messages`` signs timeouts for chain 0 by default);
    ``other`` is a block of the same chain, older than ``block``, and not its child.
    """
    assert block.chain_id == 0 and other.view < block.view
    qc = certify(block)
    good = make_child(block, qc)
    sibling = Block(block.chain_id, block.view, block.parent, root("sibling"), block.justify)
    low = certify(other)
    highest = replace(aggregate(block.view, [low, low, qc]), high_qc=low)
    bad_signatures = (
        (make_malformed_signature(qc.signatures[0]), RejectionReason.SIGNATURE_MALFORMED),
        (make_high_s_signature(qc.signatures[0]), RejectionReason.SIGNATURE_HIGH_S),
        (make_unrecoverable_signature(), RejectionReason.SIGNATURE_UNRECOVERABLE),
    )
    foreign = replace(good, chain_id=Uint64(block.chain_id + 1))
    return [
        (CommitProof((other,), good, certify(good)), RejectionReason.COMMIT_CHAIN_BROKEN),
        (
            prove_with(make_child(block, qc, block.view + 2)),
            RejectionReason.COMMIT_CHILD_NOT_NEXT_VIEW,
        ),
        (prove_with(good, qc), RejectionReason.COMMIT_CERTIFICATE_WRONG_BLOCK),
        (prove_with(foreign), RejectionReason.BLOCK_WRONG_CHAIN),
        (
            prove_with(make_child(block, certify(block, KEYS[:2]))),
            RejectionReason.CERTIFICATE_QUORUM_SHORT,
        ),
        (
            prove_with(make_child(block, certify(block, [OUTSIDER_KEY, *KEYS[:3]]))),
            RejectionReason.CERTIFICATE_SIGNER_UNKNOWN,
        ),
        (
            prove_with(make_child(block, certify(block, [KEYS[0], KEYS[0], KEYS[1]]))),
            RejectionReason.CERTIFICATE_SIGNER_DUPLICATE,
        ),
        (
            prove_with(
                make_child(block, QuorumCertificate(Uint64(0), compute_block_hash(block), ()))
            ),
            RejectionReason.GENESIS_CERTIFICATE_INVALID,
        ),
        (
            prove_with(make_child(block, certify(block, view=block.view - 1))),
            RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY,
        ),
        (
            prove_with(make_child(block, certify(sibling))),
            RejectionReason.BLOCK_PARENT_NOT_CERTIFIED,
        ),
        (
            prove_with(make_child(block, aggregate(block.view, [qc, qc, qc]))),
            RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT,
        ),
        (prove_with(make_child(block, highest)), RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST),
        (prove_with(good, certify(good, KEYS[:2])), RejectionReason.CERTIFICATE_QUORUM_SHORT),
        *(
            (prove_with(good, with_signature(certify(good), signature)), reason)
            for signature, reason in bad_signatures
        ),
        *(
            (prove_with(make_child(block, with_signature(qc, signature))), reason)
            for signature, reason in bad_signatures
        ),
    ]
