"""An independent restatement of certificate and block validity, for the trace predicates.

The checker must not share code with the rules it judges: a mutant of
``spec.finality.certificates`` or ``spec.finality.voting`` would otherwise
blind the predicates that should catch it. So this module restates, from the
design and without calling those modules, when a quorum certificate, an
aggregate and a block are *genuine*:

- a certificate of view 0 is exactly the genesis certificate; any other is
  signed over the vote digest by distinct members holding at least
  ``T - (T - 1) // 3`` stake;
- an aggregate's timeout signatures are by distinct members holding a quorum,
  its attached certificate is genuine, of the highest reported view, and
  older than the aggregate;
- a block is well formed when its justification is genuine, its view is the
  justification's plus one and its parent is the certified block.

Only ``spec.crypto`` (signature recovery) and the message digests are shared.
Results are cached: one certificate is checked once per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spec.crypto import recover_signer
from spec.errors import Rejected
from spec.finality.committee import Committee
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Justification,
    QuorumCertificate,
    compute_genesis_qc,
    compute_timeout_digest,
    compute_vote_digest,
)
from spec.primitives import Address, Hash32, Signature


def compute_oracle_quorum(committee: Committee) -> int:
    """Return the quorum stake, restated: ``T - (T - 1) // 3``."""
    total = sum(int(v.stake) for v in committee.validators)
    return total - (total - 1) // 3


def recover_all(digest: Hash32, signatures: Sequence[Signature]) -> list[Address] | None:
    """Return each signature's signer, or None when one does not recover."""
    try:
        return [recover_signer(digest, signature) for signature in signatures]
    except Rejected:
        return None


def is_member_quorum(committee: Committee, signers: Sequence[Address] | None) -> bool:
    """Return whether ``signers`` are distinct members holding at least a quorum of stake."""
    if signers is None:
        return False
    stakes = {v.address: int(v.stake) for v in committee.validators}
    if len(set(signers)) != len(signers) or any(s not in stakes for s in signers):
        return False
    return sum(stakes[s] for s in signers) >= compute_oracle_quorum(committee)


@dataclass
class CertificateOracle:
    """Judges certificates and blocks of one committee and chain, remembering each verdict."""

    committee: Committee
    """The committee whose signatures count."""
    chain_id: int
    """The chain every digest names."""
    verdicts: dict[object, bool] = field(default_factory=dict)
    """Cached verdicts, by certificate or block."""

    def is_genuine_qc(self, certificate: QuorumCertificate) -> bool:
        """Return whether ``certificate`` is the genesis certificate or a quorum's votes."""
        if certificate not in self.verdicts:
            if certificate.view == 0:
                verdict = certificate == compute_genesis_qc(self.chain_id)
            else:
                digest = compute_vote_digest(
                    self.chain_id, certificate.view, certificate.block_hash
                )
                signers = recover_all(digest, certificate.signatures)
                verdict = is_member_quorum(self.committee, signers)
            self.verdicts[certificate] = verdict
        return self.verdicts[certificate]

    def is_genuine_aggregate(self, aggregate: AggregateCertificate) -> bool:
        """Return whether ``aggregate`` is a quorum's timeouts with their highest certificate."""
        if aggregate not in self.verdicts:
            signers: list[Address] | None = []
            for part in aggregate.timeouts:
                digest = compute_timeout_digest(self.chain_id, aggregate.view, part.high_qc_view)
                recovered = recover_all(digest, (part.signature,))
                signers = None if recovered is None or signers is None else signers + recovered
            highest = max((int(t.high_qc_view) for t in aggregate.timeouts), default=0)
            self.verdicts[aggregate] = (
                is_member_quorum(self.committee, signers)
                and aggregate.high_qc.view == highest
                and aggregate.high_qc.view < aggregate.view
                and self.is_genuine_qc(aggregate.high_qc)
            )
        return self.verdicts[aggregate]

    def is_genuine_justification(self, justification: Justification) -> bool:
        """Return whether a block's justification is genuine, whichever kind it is."""
        if isinstance(justification, AggregateCertificate):
            return self.is_genuine_aggregate(justification)
        return self.is_genuine_qc(justification)

    def is_well_formed(self, block: Block) -> bool:
        """Return whether ``block`` has a genuine justification, the next view and its parent."""
        if block not in self.verdicts:
            justify = block.justify
            certified = justify.high_qc if isinstance(justify, AggregateCertificate) else justify
            self.verdicts[block] = (
                block.chain_id == self.chain_id
                and self.is_genuine_justification(justify)
                and block.view == justify.view + 1
                and block.parent == certified.block_hash
            )
        return self.verdicts[block]
