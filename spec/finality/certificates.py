"""When a certificate is valid: signers are distinct members holding a quorum of stake.

Both kinds of certificate are checked the same way: recover each signature's
signer from the digest it covers, require every signer to be a member and no
signer to appear twice, and require the signers' stake to reach the quorum
(``spec.finality.committee``). An aggregate also has to attach the highest
certificate its signers reported, and that certificate must be valid itself
and older than the aggregate's view.
"""

from __future__ import annotations

from collections.abc import Sequence

from spec.crypto import recover_signer
from spec.errors import RejectionReason, require
from spec.finality.committee import (
    Committee,
    compute_quorum_stake,
    compute_total_stake,
    get_member_stake,
)
from spec.finality.messages import (
    AggregateCertificate,
    Justification,
    QuorumCertificate,
    compute_genesis_qc,
    compute_timeout_digest,
    compute_vote_digest,
)
from spec.primitives import Address, Hash32, Signature, Uint64


def validate_quorum_signers(committee: Committee, signers: Sequence[Address]) -> None:
    """Check that ``signers`` are distinct members holding at least a quorum of stake.

    Raises:
        Rejected: ``CERTIFICATE_SIGNER_UNKNOWN``, ``CERTIFICATE_SIGNER_DUPLICATE``,
            ``CERTIFICATE_QUORUM_SHORT``.
    """
    stakes = [get_member_stake(committee, signer) for signer in signers]
    # Verify every signer is a committee member
    require(all(s is not None for s in stakes), RejectionReason.CERTIFICATE_SIGNER_UNKNOWN)
    # Verify no member signed twice (a member's stake counts once)
    require(len(set(signers)) == len(signers), RejectionReason.CERTIFICATE_SIGNER_DUPLICATE)
    held = sum(s for s in stakes if s is not None)
    # Verify the signers hold a quorum of the committee's stake
    require(
        held >= compute_quorum_stake(compute_total_stake(committee)),
        RejectionReason.CERTIFICATE_QUORUM_SHORT,
    )


def recover_vote_signers(
    chain_id: int, view: int, block_hash: Hash32, signatures: Sequence[Signature]
) -> list[Address]:
    """Return the signer of each vote signature on (view, block).

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``.
    """
    digest = compute_vote_digest(chain_id, view, block_hash)
    return [recover_signer(digest, signature) for signature in signatures]


def validate_quorum_certificate(
    committee: Committee, chain_id: int, certificate: QuorumCertificate
) -> None:
    """Check a quorum certificate: the genesis certificate, or a quorum's votes.

    Raises:
        Rejected: ``GENESIS_CERTIFICATE_INVALID``, the signature reasons,
            ``CERTIFICATE_SIGNER_UNKNOWN``, ``CERTIFICATE_SIGNER_DUPLICATE``,
            ``CERTIFICATE_QUORUM_SHORT``.
    """
    if certificate.view == 0:
        # Verify a view-0 certificate is exactly the genesis certificate
        require(
            certificate == compute_genesis_qc(chain_id),
            RejectionReason.GENESIS_CERTIFICATE_INVALID,
        )
        return
    signers = recover_vote_signers(
        chain_id, certificate.view, certificate.block_hash, certificate.signatures
    )
    validate_quorum_signers(committee, signers)


def validate_aggregate(
    committee: Committee, chain_id: int, aggregate: AggregateCertificate
) -> None:
    """Check an aggregate: a quorum's timeouts of one view and the highest certificate among them.

    Raises:
        Rejected: the signature reasons, ``CERTIFICATE_SIGNER_UNKNOWN``,
            ``CERTIFICATE_SIGNER_DUPLICATE``, ``CERTIFICATE_QUORUM_SHORT``,
            ``AGGREGATE_HIGH_QC_NOT_HIGHEST``, ``AGGREGATE_HIGH_QC_TOO_RECENT``,
            and the reasons of :func:`validate_quorum_certificate` for the attached certificate.
    """
    signers = [
        recover_signer(
            compute_timeout_digest(chain_id, aggregate.view, timeout.high_qc_view),
            timeout.signature,
        )
        for timeout in aggregate.timeouts
    ]
    validate_quorum_signers(committee, signers)
    highest = max((t.high_qc_view for t in aggregate.timeouts), default=Uint64(0))
    # Verify the attached certificate is the highest one a signer reported
    require(aggregate.high_qc.view == highest, RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST)
    # Verify the attached certificate is older than the view that ended
    require(aggregate.high_qc.view < aggregate.view, RejectionReason.AGGREGATE_HIGH_QC_TOO_RECENT)
    validate_quorum_certificate(committee, chain_id, aggregate.high_qc)


def validate_justification(
    committee: Committee, chain_id: int, justification: Justification
) -> None:
    """Check a block's justification, whichever kind it is.

    Raises:
        Rejected: the reasons of :func:`validate_quorum_certificate` or
            :func:`validate_aggregate`.
    """
    if isinstance(justification, AggregateCertificate):
        validate_aggregate(committee, chain_id, justification)
    else:
        validate_quorum_certificate(committee, chain_id, justification)
