"""Mutants of committee finality: wrong voting, commit, view-change and certificate rules.

Each mutant is an :class:`adversary.mutants.Mutant` (the same patching as the
settlement mutants: a dropped ``require`` of one reason, or a spec function
swapped for a wrong twin defined here) and is applied in this process with
:func:`adversary.mutants.applied`. :func:`check_finality_mutant` runs every
attack scenario (:mod:`adversary.finality.scenarios`) and, if asked, the
stateful test (:mod:`adversary.finality.machine`) under the mutant.

A mutant is *caught* when a trace predicate reports a violation in some run
(``unsafe``) or a scenario makes no progress after GST (``stalled``), or the
stateful test fails. A scenario whose only failure is missing evidence (the
attack was refused, but for another reason) does not catch a mutant: such a
mutant changes a rejection reason, not what replicas do, and must be
explained as equivalent.

The finality mutants are not in ``adversary.mutants.MUTANTS``: that report
runs the settlement machines under every mutant, which a finality rule
cannot affect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adversary.finality.scenarios import SCENARIOS
from adversary.mutants import Mutant, applied, drop_rule
from spec.errors import RejectionReason
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Timeout,
    TimeoutSignature,
    compute_block_hash,
)
from spec.finality.voting import SafetyState
from spec.primitives import Address, Uint64

VOTING = "spec.finality.voting"
CERTIFICATES = "spec.finality.certificates"
REPLICA = "spec.finality.replica"
STEPS = "spec.finality.replica_steps"


def is_two_chain_any_view(block: Block, child: Block) -> bool:
    """Wrong twin of ``is_two_chain``: any certified child commits its parent, whatever its view."""
    return child.parent == compute_block_hash(block)


def compute_safety_after_timeout_keeping_view(safety: SafetyState) -> SafetyState:
    """Wrong twin of ``compute_safety_after_timeout``: a timeout leaves the view unchanged."""
    return safety


def form_aggregate_lowest(view: int, timeouts: Mapping[Address, Timeout]) -> AggregateCertificate:
    """Wrong twin of ``form_aggregate``: attach the lowest certificate reported, not the highest."""
    ordered = [timeouts[signer] for signer in sorted(timeouts)]
    lowest = min(ordered, key=lambda t: t.high_qc.view).high_qc
    parts = tuple(TimeoutSignature(t.high_qc.view, t.signature) for t in ordered)
    return AggregateCertificate(Uint64(view), parts, lowest)


FINALITY_MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "finality-vote-twice-in-view",
        "a replica may vote again in the view it last voted in",
        drop_rule(VOTING, RejectionReason.VIEW_ALREADY_VOTED),
    ),
    Mutant(
        "finality-vote-in-left-view",
        "a replica may vote for a block of a view it has already left",
        drop_rule(VOTING, RejectionReason.BLOCK_VIEW_STALE),
    ),
    Mutant(
        "finality-view-not-after-justify",
        "a block may be of any view after its justification's",
        drop_rule(VOTING, RejectionReason.BLOCK_VIEW_NOT_AFTER_JUSTIFY),
    ),
    Mutant(
        "finality-parent-not-certified",
        "a block need not extend the block its justification certifies",
        drop_rule(VOTING, RejectionReason.BLOCK_PARENT_NOT_CERTIFIED),
    ),
    Mutant(
        "finality-commit-non-consecutive",
        "a certified child commits its parent even across a failed view",
        ((REPLICA, "is_two_chain", is_two_chain_any_view),),
    ),
    Mutant(
        "finality-aggregate-lowest-qc",
        "an aggregate attaches the lowest reported certificate, and is accepted",
        (
            (STEPS, "form_aggregate", form_aggregate_lowest),
            *drop_rule(CERTIFICATES, RejectionReason.AGGREGATE_HIGH_QC_NOT_HIGHEST),
        ),
    ),
    Mutant(
        "finality-aggregate-lowest-qc-formed",
        "a leader attaches the lowest reported certificate to its aggregate",
        ((STEPS, "form_aggregate", form_aggregate_lowest),),
    ),
    Mutant(
        "finality-timeout-keeps-view",
        "a replica that times out stays in its view",
        ((STEPS, "compute_safety_after_timeout", compute_safety_after_timeout_keeping_view),),
    ),
    Mutant(
        "finality-qc-duplicate-signers",
        "a certificate may count one signer's stake more than once",
        drop_rule(CERTIFICATES, RejectionReason.CERTIFICATE_SIGNER_DUPLICATE),
    ),
    Mutant(
        "finality-qc-short-quorum",
        "a certificate needs no quorum of stake",
        drop_rule(CERTIFICATES, RejectionReason.CERTIFICATE_QUORUM_SHORT),
    ),
    Mutant(
        "finality-qc-non-members",
        "a certificate may carry signatures of non-members",
        drop_rule(CERTIFICATES, RejectionReason.CERTIFICATE_SIGNER_UNKNOWN),
    ),
    Mutant(
        "finality-proposal-equivocation-unchecked",
        "a replica accepts a second block of a leader in one view",
        drop_rule(STEPS, RejectionReason.PROPOSAL_EQUIVOCATION),
        equivalent_because=(
            "a replica stores only blocks it votes for, so a second block of a view it holds "
            "a block of is refused by the voting rule anyway (VIEW_ALREADY_VOTED)"
        ),
    ),
    Mutant(
        "finality-vote-equivocation-counted",
        "a leader counts a member's votes for two blocks of one view",
        drop_rule(STEPS, RejectionReason.VOTE_EQUIVOCATION),
        equivalent_because=(
            "two blocks of one view would both reach a quorum only with byzantine stake "
            ">= T - 2f >= f + 1, so at most one does; the byzantine members get that same "
            "certificate under the spec by voting for that block alone (no new outcome)"
        ),
    ),
)
"""Every finality mutant, by name."""


@dataclass(frozen=True)
class FinalityMutantOutcome:
    """What the finality checks found under one mutant."""

    name: str
    """Mutant name."""
    unsafe: tuple[str, ...]
    """Scenarios where a trace predicate reported a violation."""
    stalled: tuple[str, ...]
    """Scenarios that were safe but made no progress after GST."""
    evidence_only: tuple[str, ...]
    """Scenarios whose only failure is missing evidence (another rejection reason)."""
    machine_failure: str
    """First line of the stateful test's failure, empty if it passed or did not run."""
    equivalent_because: str
    """Why the mutant is equivalent, if it is."""

    @property
    def caught(self) -> bool:
        """Return whether a predicate, a progress check or the stateful test failed."""
        return bool(self.unsafe or self.stalled or self.machine_failure)


def check_finality_mutant(mutant: Mutant, machine_examples: int = 0) -> FinalityMutantOutcome:
    """Apply ``mutant`` and run every scenario (and the stateful test if ``machine_examples``)."""
    unsafe, stalled, evidence_only = [], [], []
    failure = ""
    with applied(mutant):
        for name, scenario in SCENARIOS.items():
            result = scenario()
            if result.violations:
                unsafe.append(name)
            elif not result.progressed:
                stalled.append(name)
            elif not result.passed:
                evidence_only.append(name)
        if machine_examples:
            from adversary.finality.machine import run_finality_machine  # noqa: PLC0415

            failure = run_finality_machine(machine_examples, shrink=False)
    return FinalityMutantOutcome(
        mutant.name,
        tuple(unsafe),
        tuple(stalled),
        tuple(evidence_only),
        failure,
        mutant.equivalent_because,
    )
