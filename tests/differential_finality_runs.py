"""Seeded random runs of committee operations, stepped on the spec and the reference together.

A run starts with two committee environments (ids 0 and 1, chains 0 and 1,
``fixtures.finality_messages``' committee) and one operator-run environment
(id 2), all out of quarantine, and draws operations among: the next block
of each committee's honest run (``tests.differential_finality.make_honest_run``)
at the next child block number, or a committed block at a stale or wrong
number or on the wrong environment; broken commit proofs (chain 0); deposits
(zero ones included) and time; operator blocks on committee environments;
and conflict reports: mostly refused ones (one block twice, parent and
child), now and then a byzantine fork that halts the environment. Every step
goes through :class:`~tests.differential.DifferentialPair`.
"""

from __future__ import annotations

import functools
import random

from fixtures import ALICE, OPERATOR, make_funded_genesis, make_rules
from fixtures.finality_messages import COMMITTEE
from spec.finality.commit import CommitProof
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation, state_transition
from tests.differential import DifferentialPair
from tests.differential_finality import (
    HonestRun,
    list_broken_proofs,
    make_fork,
    make_honest_run,
    root,
)

ENVIRONMENTS = (0, 1, 2)
"""Two committee environments (0 and 1) and an operator-run one (2)."""

INTERVAL = int(TINY.block_interval)
"""Child block numbers are multiples of it."""


def make_run_state() -> SettlementState:
    """Return where random runs start: the three environments registered, out of quarantine."""
    state = make_funded_genesis()
    for committee in (COMMITTEE, COMMITTEE, None):
        operation = RegisterEnvironment(
            OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules(), committee
        )
        state = state_transition(state, operation)
    return state_transition(state, AdvanceTime(Uint64(state.time + TINY.quarantine_period)))


@functools.cache
def get_honest_run(chain_id: int) -> HonestRun:
    """Return the honest run of a chain (built once: runs are deterministic)."""
    return make_honest_run(chain_id, 3, 5)


@functools.cache
def get_broken_proofs(index: int) -> tuple[CommitProof, ...]:
    """Return the broken proofs of block ``index`` of chain 0's honest run (built once)."""
    blocks = get_honest_run(0).blocks
    if index == 0:
        return ()
    return tuple(proof for proof, _ in list_broken_proofs(blocks[index], blocks[0]))


def draw_submission(chooser: random.Random, state: SettlementState, env: int) -> Operation:
    """Draw a certified block: usually the next honest one, else a stale, wrong or broken one."""
    environment = state.environments[env]
    honest = get_honest_run(env % 2)
    committed = [(b, p) for b, p in zip(honest.blocks, honest.proofs, strict=True) if p]
    done = 0 if environment.finality is None else len(environment.finality.certified)
    number = get_next_child_block_number(state, environment)
    block, proof = committed[min(done, len(committed) - 1)]
    variant = chooser.randrange(6)
    if variant == 0:
        block, proof = chooser.choice(committed)
    elif variant == 1:
        number = Uint64(max(0, int(number) + chooser.choice((-INTERVAL, INTERVAL, 1))))
    elif variant == 2 and env == 0 and done < len(honest.blocks):
        broken = get_broken_proofs(done)
        block, proof = honest.blocks[done], chooser.choice(broken) if broken else proof
    return SubmitCertifiedBlock(Uint64(env), number, block, proof)


def draw_report(chooser: random.Random, env: int) -> Operation:
    """Draw a conflict report: now and then a real fork, else one a rule refuses."""
    if chooser.random() < 0.3:
        return ReportConflictingCommits(Uint64(env), *make_fork(env, f"random-{env}"))
    honest = get_honest_run(env % 2)
    first, second = honest.blocks[0], honest.blocks[chooser.choice((0, 1))]
    first_proof, second_proof = honest.proofs[0], honest.proofs[1]
    assert first_proof is not None and second_proof is not None
    return ReportConflictingCommits(Uint64(env), first, first_proof, second, second_proof)


def draw_operation(chooser: random.Random, state: SettlementState) -> Operation:
    """Draw one operation on a random environment."""
    env = chooser.choice(ENVIRONMENTS)
    kind = chooser.randrange(10)
    if kind < 5:
        return draw_submission(chooser, state, env)
    if kind < 7:
        amount = Uint256(chooser.choice((0, chooser.randint(1, 2_000))))
        return Deposit(Uint64(env), ALICE.address, NATIVE_TOKEN, amount)
    if kind == 7:
        return AdvanceTime(Uint64(state.time + chooser.randint(1, 100)))
    if kind == 8:
        number = get_next_child_block_number(state, state.environments[env])
        return SubmitBlock(Uint64(env), OPERATOR.address, number, root(f"operator-{number}"))
    return draw_report(chooser, env)


def play_random_run(seed: int, steps: int) -> DifferentialPair:
    """Return the pair after ``steps`` operations drawn from ``seed``."""
    chooser = random.Random(seed)
    pair = DifferentialPair(make_run_state())
    for _ in range(steps):
        pair.step(draw_operation(chooser, pair.state))
    return pair
