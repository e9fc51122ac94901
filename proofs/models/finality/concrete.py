"""States of the explicit model as signed spec messages, for the drift tests.

``tests/test_proofs_finality.py`` checks that the explicit model's voting
rule (``proofs.models.finality.explicit.can_vote``) and the spec's
(``spec.finality.voting.validate_vote_rule``) agree. This module builds
what the spec judges from a model state:

- the committee is the fixture committee of four members of stake 1
  (``fixtures.finality_messages``); model replica ``i`` signs with the
  ``i``-th key (the byzantine ones are the last);
- a universe block's hash is the hash of a spec block with its view, its
  parent's hash and a root naming it (its justification there is an
  unsigned certificate: only the hash matters for its children);
- a block to be voted for gets its real justification: a QC on its parent
  signed by the parent's honest voters and every byzantine member, or an
  aggregate of the timeouts of the view before it (the model's chosen
  signers when the model finds an aggregate; else every honest timeout of
  that view) with byzantine timeouts reporting the parent's view.
"""

from __future__ import annotations

from functools import cache

from fixtures.finality_messages import CHAIN, GENESIS, GENESIS_QC, KEYS, root
from proofs.models.finality.bmc import apply, get_steps
from proofs.models.finality.explicit import (
    Config,
    Replica,
    State,
    find_aggregate,
    get_children,
    make_blocks,
    make_initial_state,
    voters,
)
from spec.crypto import sign
from spec.finality.messages import (
    AggregateCertificate,
    Block,
    Justification,
    QuorumCertificate,
    TimeoutSignature,
    compute_block_hash,
    compute_timeout_digest,
    compute_vote_digest,
)
from spec.finality.voting import SafetyState
from spec.primitives import Hash32, Uint64

DRIFT_CONFIG = Config(members=4, byzantine=1, max_view=3, tags=1)
"""The model the drift tests draw states of (the fixture committee: four members)."""


def walk(config: Config, choices: list[int]) -> State:
    """Return the state reached by taking, at each step, the enabled step ``choice % count``."""
    blocks = make_blocks(config)
    children = get_children(blocks)
    state = make_initial_state(config)
    for choice in choices:
        steps = get_steps(config, state, blocks, children)
        if not steps:
            break
        state = apply(state, blocks, steps[choice % len(steps)])
    return state


@cache
def get_block_hash(config: Config, b: int) -> Hash32:
    """Return the hash naming universe block ``b`` (genesis: the chain's genesis hash)."""
    if b == 0:
        return GENESIS
    block = make_blocks(config)[b]
    parent = make_blocks(config)[block.parent]
    identity = QuorumCertificate(Uint64(parent.view), get_block_hash(config, block.parent), ())
    spec_block = Block(
        Uint64(CHAIN),
        Uint64(block.view),
        get_block_hash(config, block.parent),
        root(f"block-{b}"),
        identity,
    )
    return compute_block_hash(spec_block)


def get_byzantine_keys(config: Config) -> list[bytes]:
    """Return the byzantine members' keys (the last ones)."""
    return KEYS[config.honest : config.members]


def make_qc(config: Config, state: State, b: int) -> QuorumCertificate:
    """Return a QC on block ``b`` signed by its honest voters and every byzantine member."""
    if b == 0:
        return GENESIS_QC
    view = make_blocks(config)[b].view
    block_hash = get_block_hash(config, b)
    digest = compute_vote_digest(CHAIN, view, block_hash)
    keys = [KEYS[r] for r in voters(state, b)] + get_byzantine_keys(config)
    return QuorumCertificate(Uint64(view), block_hash, tuple(sign(k, digest) for k in keys))


def make_aggregate(config: Config, state: State, view: int, parent: int) -> AggregateCertificate:
    """Return the aggregate of ``view``'s timeouts whose high QC is ``parent``'s (see module)."""
    parent_view = make_blocks(config)[parent].view
    chosen = find_aggregate(config, state, view, parent_view)
    reports = sorted((r, h) for r, v, h in state.timeouts if v == view)
    if chosen is not None:
        reports = [(r, h) for r, h in reports if r in chosen]
    parts = [
        TimeoutSignature(Uint64(h), sign(KEYS[r], compute_timeout_digest(CHAIN, view, h)))
        for r, h in reports
    ]
    byzantine = compute_timeout_digest(CHAIN, view, parent_view)
    parts += [
        TimeoutSignature(Uint64(parent_view), sign(key, byzantine))
        for key in get_byzantine_keys(config)
    ]
    return AggregateCertificate(Uint64(view), tuple(parts), make_qc(config, state, parent))


def make_block(config: Config, state: State, b: int) -> Block:
    """Return universe block ``b`` as a spec block with its justification built from ``state``."""
    block = make_blocks(config)[b]
    parent = make_blocks(config)[block.parent]
    justify: Justification
    if parent.view == block.view - 1:
        justify = make_qc(config, state, block.parent)
    else:
        justify = make_aggregate(config, state, block.view - 1, block.parent)
    return Block(
        Uint64(CHAIN),
        Uint64(block.view),
        get_block_hash(config, block.parent),
        root(f"block-{b}"),
        justify,
    )


def make_safety(replica: Replica) -> SafetyState:
    """Return a model replica's state as the spec's safety state (its high QC: view only)."""
    high_qc = (
        GENESIS_QC
        if replica.high_qc == 0
        else QuorumCertificate(Uint64(replica.high_qc), GENESIS, ())
    )
    return SafetyState(Uint64(replica.current), Uint64(replica.last_voted), high_qc)


def read_safety(safety: SafetyState) -> Replica:
    """Return the spec's safety state as a model replica (its high QC's view)."""
    return Replica(int(safety.view), int(safety.last_voted_view), int(safety.high_qc.view))
