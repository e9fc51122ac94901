"""The committee part of the crash workload: certified blocks and conflicts, as node requests.

:mod:`tests.crash_workload` registers a fourth environment, a payments
environment with fixtures' committee (:func:`register_committee_environment`,
so that the node is killed while it writes the committee), and draws these
actions among its own: the next certified block of an honest committee run
(``tests.differential_finality.make_honest_run``; written in three steps:
certified entry, block log, counters), now and then a stale one; deposits
into the committee environment; conflict reports, mostly refused (one block
twice), sometimes a byzantine fork that halts the environment for the rest
of the workload (its deposits and blocks are refused from then on); and,
rarely, the registration of one more committee environment. Only the
settlement layer sees these environments: their child chains stay at genesis.
Every operation goes through ``Model.settle``, which records the request and
applies it to the spec.
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING

from fixtures import ACTORS, OPERATOR, make_genesis_chain, make_rules
from fixtures.finality_messages import COMMITTEE
from spec.finality.commit import CommitProof
from spec.finality.committee import Committee
from spec.finality.messages import Block
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import (
    Deposit,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitCertifiedBlock,
)
from spec.settlement.state import EnvironmentKind
from tests.differential_finality import make_fork, make_honest_run

if TYPE_CHECKING:
    from tests.crash_workload import Model

COMMITTEE_ENVIRONMENT = 3
"""The committee environment of the workload (registered after the Cash one)."""

RUN_BLOCKS = 24
"""Blocks of the honest run the workload certifies (more than a workload submits)."""

FORK_SHARE = 0.08
"""Share of the conflict reports that show a real fork (and halt the environment)."""

REGISTER_SHARE = 0.2
"""Share of the ``register_another`` actions that register (the others do nothing)."""


@functools.cache
def list_committed() -> tuple[tuple[Block, CommitProof], ...]:
    """Return the committed blocks of the honest run on the committee chain, with their proofs."""
    honest = make_honest_run(COMMITTEE_ENVIRONMENT, 3, RUN_BLOCKS - 3)
    return tuple(
        (block, proof) for block, proof in zip(honest.blocks, honest.proofs, strict=True) if proof
    )


def register(model: Model, committee: Committee) -> bool:
    """Register a payments environment with ``committee``; return whether the spec accepts it."""
    operation = RegisterEnvironment(
        OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules(TINY), committee
    )
    if not model.settle(operation):
        return False
    env = len(model.settlement.environments) - 1
    environment = model.settlement.environments[env]
    model.chains[env] = make_genesis_chain(env, environment, model.settlement.preset)
    return True


def register_committee_environment(model: Model) -> None:
    """Register the committee environment; its child chain is the workload's fourth."""
    assert register(model, COMMITTEE), "the committee environment must register"
    assert len(model.settlement.environments) == COMMITTEE_ENVIRONMENT + 1


def register_another(model: Model, chooser: random.Random) -> None:
    """Now and then, someone registers one more committee environment (or a bad committee).

    So that a workload whose environments are in its genesis writes a committee too.
    """
    if chooser.random() < REGISTER_SHARE:
        register(model, chooser.choice((COMMITTEE, COMMITTEE, Committee(()))))


def certify(model: Model, chooser: random.Random) -> None:
    """Someone relays the committee's next committed block (now and then a stale one)."""
    environment = model.settlement.environments[COMMITTEE_ENVIRONMENT]
    assert environment.finality is not None
    committed = list_committed()
    done = len(environment.finality.certified)
    index = chooser.randrange(done + 1) if chooser.random() < 0.2 else done
    block, proof = committed[min(index, len(committed) - 1)]
    number = get_next_child_block_number(model.settlement, environment)
    model.settle(SubmitCertifiedBlock(Uint64(COMMITTEE_ENVIRONMENT), number, block, proof))


def deposit(model: Model, chooser: random.Random) -> None:
    """An actor deposits into the committee environment (refused once it is halted)."""
    owner = chooser.choice(ACTORS).address
    amount = Uint256(chooser.randint(1, 5_000))
    model.settle(Deposit(Uint64(COMMITTEE_ENVIRONMENT), owner, NATIVE_TOKEN, amount))


def report(model: Model, chooser: random.Random) -> None:
    """A watcher reports conflicting commits: mostly one block twice, sometimes a real fork."""
    env = Uint64(COMMITTEE_ENVIRONMENT)
    if chooser.random() < FORK_SHARE:
        model.settle(ReportConflictingCommits(env, *make_fork(COMMITTEE_ENVIRONMENT, "crash")))
        return
    block, proof = chooser.choice(list_committed())
    model.settle(ReportConflictingCommits(env, block, proof, block, proof))


FINALITY_ACTIONS = (certify, certify, deposit, report, register_another)
"""The committee actions drawn among the workload's own (repeats weigh the draw)."""
