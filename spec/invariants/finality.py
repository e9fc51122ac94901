"""Invariants of committee finality: quorums, agreement, one vote per view, certified roots.

INV-21 Quorum intersection and INV-22 Agreement are items 21 and 22 of the
protocol brief; INV-28 One vote per view and INV-29 Certified block log are
additions. The first three are about the committee's replicas, so their
predicates are over replica runs (trace predicates, with the adversary) or
over the committees the settlement layer registered; INV-29 is about the
settlement layer itself.
"""

from __future__ import annotations

from spec.errors import Rejected
from spec.finality.commit import validate_commit_proof
from spec.finality.committee import (
    compute_fault_tolerance,
    compute_quorum_stake,
    compute_total_stake,
)
from spec.finality.messages import compute_block_hash
from spec.invariants.checks import (
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.settlement.certified import get_certified_head
from spec.settlement.operations import SubmitCertifiedBlock
from spec.settlement.state import BlockKind, SettlementState
from spec.settlement.transition import Operation

# INV-21 Quorum intersection


def check_quorum_arithmetic(state: SettlementState) -> list[str]:
    """INV-21 (on registered committees): T >= 3f + 1, 2Q - T > f, and T - f >= Q.

    The first two make two quorums share more than ``f`` stake (an honest
    member, while byzantine stake is at most ``f``); the last lets the honest
    members alone form a quorum.
    """
    violations = []
    for env_id, environment in enumerate(state.environments):
        if environment.finality is None:
            continue
        total = int(compute_total_stake(environment.finality.committee))
        f = int(compute_fault_tolerance(total))
        quorum = int(compute_quorum_stake(total))
        if total < 3 * f + 1 or 2 * quorum - total <= f or total - f < quorum:
            violations.append(f"env {env_id}: T={total}, f={f}, Q={quorum} break the bound")
    return violations


QUORUM_INTERSECTION = Invariant(
    identifier=InvariantId.QUORUM_INTERSECTION,
    title="Quorum intersection",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "For a committee of total stake T, with f = (T - 1) // 3 and quorum Q = T - f: any two "
        "sets of members each holding at least Q share members holding more than f stake, so "
        "while byzantine stake is at most f they share an honest member; and the members "
        "outside any set of at most f stake hold at least Q."
    ),
    rationale=(
        "Every safety argument of the committee rests on it: two certificates of one view, or a "
        "certificate and an aggregate, always share an honest member, who never signs both "
        "sides of a conflict; the second half is what lets the honest members make progress."
    ),
    strengthening=(
        "Z3 proves it over integers for any stake distribution (the committee cut into the "
        "four regions only-A, both, only-B, neither, each with any stake and any byzantine "
        "part; f defined only by 3f <= T - 1 < 3f + 3), and again for every committee of 1 to "
        "7 members with symbolic stakes."
    ),
    predicates=Predicates(state=(check_quorum_arithmetic,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        Z3_INDUCTIVE,
        Check(
            Checker.Z3_CONTROLS,
            ("quorum-one-short", "byzantine-f-plus-one", "members-4-quorum-one-short"),
        ),
    ),
)
"""INV-21."""


# INV-22 Agreement

AGREEMENT = Invariant(
    identifier=InvariantId.AGREEMENT,
    title="Agreement",
    layer=Layer.EXIT_GAME,
    kind=None,
    statement=(
        "While the byzantine members hold at most f stake, no two conflicting blocks (neither "
        "an ancestor of the other) are both committed, whoever observes the commits: honest "
        "replicas, or the settlement layer through commit proofs."
    ),
    rationale=(
        "A committed block is final: its root may be exited from; two conflicting final blocks "
        "would let one output be spent on both branches."
    ),
    strengthening=(
        "Key lemma: if G is certified in view v and its child in view v + 1, every block "
        "certified in a view at least v extends G. It holds because only one block is "
        "certified per view, every honest voter of the child keeps a certificate of view at "
        "least v, and any aggregate's quorum contains one of them. Z3 proves it inductive "
        "(unbounded views, replicas, blocks and quorums; uninterpreted sorts, the quorum axiom "
        "justified by INV-21) in the form that made it inductive: for a *potential* commit "
        "(P in view v + 1 with parent G in view v, and a quorum whose honest members voted P "
        "or still can), every certified block above v and every honest vote above v + 1 "
        "extends G; eleven conjuncts in all, then a check that they imply agreement. "
        "Abstracted: byzantine votes of a view other than the block's, timeouts carry only "
        "their QC's view, leaders are unconstrained, restarts are not modelled."
    ),
    predicates=Predicates(trace=("adversary.finality.properties.check_agreement",)),
    checks=(
        Check(Checker.UNIT_REPLICA),
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("aggregate-not-highest-qc", "timeout-stays-in-view")),
        Check(Checker.BOUNDED_FINALITY),
        Check(
            Checker.Z3_BOUNDED_CONTROLS, ("byzantine-two-of-four", "bmc-aggregate-not-highest-qc")
        ),
    ),
)
"""INV-22."""


# INV-28 One vote per view

VOTE_UNIQUENESS = Invariant(
    identifier=InvariantId.VOTE_UNIQUENESS,
    title="One vote per view",
    layer=Layer.EXIT_GAME,
    kind=None,
    statement=(
        "An honest replica sends at most one vote per view, and votes in increasing views; "
        "across a restart too, because it persists its last voted view before sending."
    ),
    rationale=(
        "Quorum intersection gives one certified block per view only if no honest member "
        "signs two blocks of one view."
    ),
    strengthening=(
        "Z3 proves it as two conjuncts of the agreement induction (no honest vote at or below "
        "the last voted view; one honest vote per view); the persistence before sending is "
        "what carries it across restarts (the reference node's crash test kills replicas "
        "between persisting and sending)."
    ),
    predicates=Predicates(trace=("adversary.finality.properties.check_one_vote_per_view",)),
    checks=(
        Check(Checker.UNIT_REPLICA),
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("vote-twice-in-a-view",)),
        Check(Checker.Z3_BOUNDED_CONTROLS, ("bmc-vote-twice-in-a-view",)),
    ),
)
"""INV-28."""


# INV-29 Certified block log


def check_certified_log(state: SettlementState) -> list[str]:
    """INV-29 (state form): a committee environment's child blocks are its certified ones."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        if environment.finality is None:
            continue
        children = {n for n, r in environment.blocks.items() if r.kind == BlockKind.CHILD}
        if children != set(environment.finality.certified):
            violations.append(f"env {env_id}: child blocks and certified blocks differ")
    return violations


def check_certified_submission(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-29 (transition form): a committee's child block comes with a commit proof, in order.

    The block must carry the record's root, extend the last block accepted,
    and be proved committed by the committee; a halted environment gains none.
    """
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        added = set(after.blocks) - set(before.blocks)
        children = [n for n in added if after.blocks[n].kind == BlockKind.CHILD]
        if before.finality is None or not children:
            continue
        if before.finality.halted:
            violations.append(f"env {env_id}: a halted environment gained a child block")
        if not isinstance(operation, SubmitCertifiedBlock):
            violations.append(f"env {env_id}: child block added by {type(operation).__name__}")
            continue
        block = operation.block
        try:
            validate_commit_proof(before.finality.committee, block, operation.proof)
        except Rejected as rejection:
            violations.append(f"env {env_id}: commit proof fails: {rejection.reason.value}")
        if block.parent != get_certified_head(env_id, before.finality):
            violations.append(f"env {env_id}: certified block does not extend the head")
        recorded = after.finality.certified if after.finality is not None else {}
        expected = compute_block_hash(block)
        if [after.blocks[n].root for n in children] != [block.root] or recorded.get(
            children[0]
        ) != expected:
            violations.append(f"env {env_id}: recorded root or hash is not the block's")
    return violations


CERTIFIED_BLOCK_LOG = Invariant(
    identifier=InvariantId.CERTIFIED_BLOCK_LOG,
    title="Certified block log",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Every child block root the settlement layer accepted for an environment registered "
        "with a committee came with a commit proof that verifies against that committee; the "
        "accepted consensus blocks form one chain from the genesis block, one per child block "
        "number; a halted environment accepts none."
    ),
    rationale=(
        "The settlement layer trusts no operator for such an environment: exits and their "
        "priorities are read from roots the committee finalized, and only on one branch."
    ),
    strengthening="",
    predicates=Predicates(state=(check_certified_log,), transition=(check_certified_submission,)),
    checks=(UNIT_EVERY_STEP, UNIT_CAN_FAIL),
)
"""INV-29."""


INVARIANTS = (QUORUM_INTERSECTION, AGREEMENT, VOTE_UNIQUENESS, CERTIFIED_BLOCK_LOG)
"""The catalog entries of this module."""
