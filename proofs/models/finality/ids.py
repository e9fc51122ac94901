"""Invariant ids of committee finality, and the names of the checks that cover each.

The catalog (``spec/invariants``) numbers the committee's invariants
:attr:`~spec.invariants.ids.InvariantId.QUORUM_INTERSECTION` (INV-21),
:attr:`~spec.invariants.ids.InvariantId.AGREEMENT` (INV-22) and
:attr:`~spec.invariants.ids.InvariantId.VOTE_UNIQUENESS` (INV-28); INV-29
(the settlement layer's certified block log) has no model here. Every check
name starts with its id's value and ends with ``[finality]``:

- quorum intersection (``proofs.models.finality.quorums``):
  ``INV-21/abstract-stakes``, ``INV-21/honest-quorum``, ``INV-21/members-N``
  (N = 1..7); controls ``control/quorum-one-short``,
  ``control/byzantine-f-plus-one``, ``control/members-4-quorum-one-short``;
- agreement (``proofs.models.finality.induction``):
  ``INV-22/<conjunct>/<init or transition>``, ``INV-22/agreement/implied``;
  controls ``control/aggregate-not-highest-qc``,
  ``control/timeout-stays-in-view``; bounded
  (``proofs.models.finality.registry``): ``INV-22/bounded-n4-f1-views3``,
  ``INV-22/bounded-n4-f1-views2-equivocating``; bounded controls
  ``control/byzantine-two-of-four``, ``control/bmc-aggregate-not-highest-qc``;
- one vote per view: the conjuncts ``vote-below-last-voted`` and
  ``one-vote-per-view`` (``INV-28/<conjunct>/<step>``, they also serve
  agreement); control ``control/vote-twice-in-a-view``, bounded control
  ``control/bmc-vote-twice-in-a-view``.
"""

from __future__ import annotations

from spec.invariants.ids import InvariantId

QUORUM_INTERSECTION = InvariantId.QUORUM_INTERSECTION
"""Two quorums share an honest member while the byzantine stake is at most f."""
AGREEMENT = InvariantId.AGREEMENT
"""No two conflicting blocks are both committed."""
ONE_VOTE = InvariantId.VOTE_UNIQUENESS
"""An honest replica never votes twice in one view."""

MODEL_NAME = "finality"
"""Suffix of every finality check's name, in brackets."""

ONE_VOTE_CONJUNCTS = frozenset({"vote-below-last-voted", "one-vote-per-view"})
"""The conjuncts of the agreement invariant that make up one vote per view."""


def get_check_name(identifier: InvariantId, *parts: str) -> str:
    """Return a check's name: the id's value, the parts, and the model's suffix."""
    return "/".join((identifier.value, *parts)) + f" [{MODEL_NAME}]"


def get_control_name(name: str) -> str:
    """Return a negative control's name (the catalog lists ``name``)."""
    return f"control/{name} [{MODEL_NAME}]"
