"""Scripted committee-finality histories, stepped on the spec and the reference together.

Each script plays a story through a :class:`~tests.differential.DifferentialPair`
(same outcome, same reason, same digest after every step) and checks that the
spec's outcome is the one the story expects:

- :func:`play_certified_chain`: committees refused at registration, a
  committee environment beside an operator-run one, an honest committee
  run's blocks (a view change included) certified in order, every way to
  submit one wrongly and every broken commit proof; then a fork reported, and
  the halted environment refusing blocks, deposits and reports while exits
  started before and after the halt are processed;
- :func:`play_report_in_quarantine`: conflicting commits are taken during the
  quarantine (a report needs no active environment), and a report on a chain
  of another environment is refused;
- :func:`play_loaded_edges`: a loaded state no operations reach (a deposit
  block at the next child number, a certified entry above it, a halted
  environment), so that the reference's upserts and head lookup meet the
  spec's ``with_entry`` and ``max``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fixtures import ALICE, EXIT_BOND, OPERATOR, WATCHER, make_funded_genesis, make_rules
from fixtures.finality_messages import COMMITTEE, KEYS, certify
from spec.digest import compute_settlement_digest
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.transactions import DepositTransaction, Output
from spec.errors import RejectionReason
from spec.finality.commit import CommitProof
from spec.finality.committee import Committee
from spec.finality.messages import compute_block_hash
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    EnvironmentKind,
    EnvironmentRules,
    ExitStatus,
    FinalityRecord,
)
from spec.settlement.transition import Operation, state_transition
from tests.differential import DifferentialPair
from tests.differential_finality import (
    HonestRun,
    list_bad_committees,
    list_broken_proofs,
    make_committed_child,
    make_fork,
    make_honest_run,
    make_largest_committee,
    root,
)
from tests.harness import make_proof

COMMITTEE_ENV = Uint64(0)
"""The committee environment (chain 0: ``fixtures.finality_messages`` builds for it by default)."""

OPERATOR_ENV = Uint64(1)
"""An environment its operator alone runs."""

INTERVAL = int(TINY.block_interval)
"""Child block numbers are multiples of it."""

Proof = CommitProof | None
"""A block's commit proof, or None for a block not committed yet."""


class Script:
    """A differential pair and the story's expectations."""

    def __init__(self, pair: DifferentialPair) -> None:
        """Start from the pair's state, checking the reference loaded it to the spec's digest."""
        self.pair = pair
        """The spec and the reference, stepped together."""
        assert pair.simulator.compute_digest() == compute_settlement_digest(pair.state)

    def step(self, operation: Operation, expected: RejectionReason | None = None) -> None:
        """Apply an operation to both; check the spec's outcome is ``expected``."""
        reason = self.pair.step(operation)
        assert reason == expected, f"{operation!r}: {reason}, expected {expected}"

    def advance(self, seconds: int) -> None:
        """Move both clocks forward."""
        self.step(AdvanceTime(Uint64(int(self.pair.state.time) + seconds)))


def register(committee: Committee | None, rules: EnvironmentRules | None = None) -> Operation:
    """Return the registration of a payments environment by the operator."""
    rules = make_rules() if rules is None else rules
    return RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, rules, committee)


def start_deposit_exit(script: Script, env: Uint64, number: int, amount: int) -> Operation:
    """Return Alice's exit of her deposit of ``amount`` at block ``number``."""
    transactions = (DepositTransaction(Output(ALICE.address, NATIVE_TOKEN, Uint256(amount))),)
    position = OutputPosition(Uint64(number), Uint16(0), Uint8(0))
    proof = make_proof(script.pair.state, transactions, 0)
    return StartStandardExit(
        env, ALICE.address, position, transactions[0], proof, Uint256(EXIT_BOND)
    )


def register_environments(script: Script) -> None:
    """Refuse each bad committee, then register the committee and the operator environments."""
    bad_rules = replace(make_rules(), minimal_finalization_period=Uint64(0))
    # The rules are checked before the committee
    script.step(register(Committee(()), bad_rules), RejectionReason.FINALIZATION_PERIOD_TOO_SHORT)
    for committee, reason in list_bad_committees():
        script.step(register(committee), reason)
    script.step(register(COMMITTEE))
    script.step(register(None))
    script.step(register(make_largest_committee()))


def play_certified_chain() -> DifferentialPair:
    """Register, certify an honest run's blocks, break every rule, report a fork, halt, exit."""
    script = Script(DifferentialPair(make_funded_genesis()))
    register_environments(script)
    honest = make_honest_run(int(COMMITTEE_ENV))
    blocks = honest.blocks
    first = SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(INTERVAL), blocks[0], honest.get_proof(0))
    script.step(first, RejectionReason.ENVIRONMENT_IN_QUARANTINE)
    # Each operation below breaks two rules: the spec's order says which reason is given
    in_quarantine = replace(first, environment_id=OPERATOR_ENV)
    script.step(in_quarantine, RejectionReason.ENVIRONMENT_IN_QUARANTINE)
    script.step(replace(first, environment_id=Uint64(9)), RejectionReason.UNKNOWN_ENVIRONMENT)
    script.advance(int(TINY.quarantine_period))
    operator_block = SubmitBlock(COMMITTEE_ENV, OPERATOR.address, Uint64(INTERVAL), root("op"))
    script.step(operator_block, RejectionReason.CERTIFICATE_REQUIRED)
    by_watcher = replace(operator_block, sender=WATCHER.address, block_number=Uint64(3))
    script.step(by_watcher, RejectionReason.CERTIFICATE_REQUIRED)
    script.step(replace(first, environment_id=OPERATOR_ENV), RejectionReason.NO_COMMITTEE)
    script.step(Deposit(COMMITTEE_ENV, ALICE.address, NATIVE_TOKEN, Uint256(700)))
    late = replace(first, block_number=Uint64(2 * INTERVAL))
    script.step(late, RejectionReason.BLOCK_NUMBER_UNEXPECTED)
    skipping = replace(first, block=blocks[1], proof=honest.get_proof(1))
    script.step(skipping, RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD)
    foreign = replace(first, block=replace(blocks[0], chain_id=OPERATOR_ENV))
    script.step(foreign, RejectionReason.BLOCK_WRONG_CHAIN)
    script.step(replace(foreign, block_number=late.block_number), RejectionReason.BLOCK_WRONG_CHAIN)
    script.step(
        replace(skipping, block_number=late.block_number), RejectionReason.BLOCK_NUMBER_UNEXPECTED
    )
    script.step(
        replace(skipping, proof=honest.get_proof(0)),
        RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD,
    )
    script.step(first)
    number = certify_in_order(script, honest)
    committed = blocks[: number // INTERVAL]
    pending = blocks[len(committed)]
    number += INTERVAL
    for broken, reason in list_broken_proofs(pending, committed[0]):
        script.step(SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(number), pending, broken), reason)
    _, proof = make_committed_child(pending, "pending-child")
    script.step(SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(number), pending, proof))
    script.step(Deposit(COMMITTEE_ENV, ALICE.address, NATIVE_TOKEN, Uint256(300)))
    script.step(start_deposit_exit(script, COMMITTEE_ENV, 1, 700))
    report_fork(script, honest)
    # Halted: no blocks, deposits or reports; exits go on over the accepted roots
    halted = SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(number + INTERVAL), pending, proof)
    for refused in (halted, replace(halted, block=foreign.block), *list_halted_refusals()):
        expected = RejectionReason.ENVIRONMENT_HALTED
        script.step(
            refused, RejectionReason.CERTIFICATE_REQUIRED if refused == operator_block else expected
        )
    script.step(start_deposit_exit(script, COMMITTEE_ENV, number + 1, 300))
    script.advance(3 * int(make_rules().minimal_finalization_period))
    script.step(ProcessExits(COMMITTEE_ENV, WATCHER.address, NATIVE_TOKEN, Uint32(5)))
    exits = script.pair.state.environments[int(COMMITTEE_ENV)].exits.values()
    assert [e.status for e in exits] == [ExitStatus.PROCESSED] * 2
    return script.pair


def list_halted_refusals() -> list[Operation]:
    """Return deposits a halted committee environment refuses, and an operator's block."""
    deposit = Deposit(COMMITTEE_ENV, ALICE.address, NATIVE_TOKEN, Uint256(5))
    operator_block = SubmitBlock(COMMITTEE_ENV, OPERATOR.address, Uint64(INTERVAL), root("op"))
    return [deposit, replace(deposit, amount=Uint256(0)), operator_block]


def certify_in_order(script: Script, honest: HonestRun) -> int:
    """Submit the committed blocks after the first, each after a stale one; return its number."""
    number = INTERVAL
    blocks = honest.blocks
    for block, proof in zip(blocks[1:], honest.proofs[1:], strict=True):
        if proof is None:
            break
        number += INTERVAL
        stale = SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(number), blocks[0], honest.get_proof(0))
        script.step(stale, RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD)
        script.step(SubmitCertifiedBlock(COMMITTEE_ENV, Uint64(number), block, proof))
    return number


def report_fork(script: Script, honest: HonestRun) -> None:
    """Report a byzantine fork beside the honest run's first block, breaking each rule first."""
    block, proof = honest.blocks[0], honest.proofs[0]
    assert proof is not None and honest.proofs[1] is not None
    fork, fork_proof, _, other_proof = make_fork(int(COMMITTEE_ENV), "fork")
    report = ReportConflictingCommits(COMMITTEE_ENV, block, proof, fork, fork_proof)
    script.step(replace(report, environment_id=OPERATOR_ENV), RejectionReason.NO_COMMITTEE)
    no_committee_same = replace(
        report, environment_id=OPERATOR_ENV, second=block, second_proof=proof
    )
    script.step(no_committee_same, RejectionReason.NO_COMMITTEE)
    script.step(replace(report, environment_id=Uint64(9)), RejectionReason.UNKNOWN_ENVIRONMENT)
    same = replace(report, second=block, second_proof=proof)
    script.step(same, RejectionReason.CONFLICT_SAME_BLOCK)
    child = replace(report, second=honest.blocks[1], second_proof=honest.proofs[1])
    script.step(child, RejectionReason.CONFLICT_NOT_SIBLINGS)
    foreign_child = replace(child, first=replace(block, chain_id=Uint64(1)))
    script.step(foreign_child, RejectionReason.CONFLICT_NOT_SIBLINGS)
    foreign_first, foreign_proof, foreign_second, foreign_second_proof = make_fork(1, "foreign")
    foreign = ReportConflictingCommits(
        COMMITTEE_ENV, foreign_first, foreign_proof, foreign_second, foreign_second_proof
    )
    script.step(foreign, RejectionReason.BLOCK_WRONG_CHAIN)
    script.step(replace(report, second_proof=other_proof), RejectionReason.COMMIT_CHAIN_BROKEN)
    short = replace(proof, child_qc=certify(proof.child, KEYS[:2]))
    script.step(replace(report, first_proof=short), RejectionReason.CERTIFICATE_QUORUM_SHORT)
    script.step(report)
    script.step(report, RejectionReason.ENVIRONMENT_HALTED)
    script.step(same, RejectionReason.ENVIRONMENT_HALTED)


def play_report_in_quarantine() -> DifferentialPair:
    """A fork is reported before the committee environment's quarantine ends; it stays halted."""
    script = Script(DifferentialPair(make_funded_genesis()))
    script.step(register(None))
    script.step(register(COMMITTEE))
    env = Uint64(1)
    first, first_proof, second, second_proof = make_fork(int(env), "early")
    report = ReportConflictingCommits(env, first, first_proof, second, second_proof)
    wrong = make_fork(0, "early")
    script.step(ReportConflictingCommits(env, *wrong), RejectionReason.BLOCK_WRONG_CHAIN)
    script.step(report)
    script.advance(int(TINY.quarantine_period))
    honest = make_honest_run(int(env), before_view_change=3, after=0)
    assert honest.proofs[0] is not None
    submit = SubmitCertifiedBlock(env, Uint64(INTERVAL), honest.blocks[0], honest.proofs[0])
    script.step(submit, RejectionReason.ENVIRONMENT_HALTED)
    script.step(
        Deposit(env, ALICE.address, NATIVE_TOKEN, Uint256(5)), RejectionReason.ENVIRONMENT_HALTED
    )
    script.step(Deposit(Uint64(0), ALICE.address, NATIVE_TOKEN, Uint256(5)))
    script.step(report, RejectionReason.ENVIRONMENT_HALTED)
    return script.pair


def play_loaded_edges() -> DifferentialPair:
    """Loaded committee environments: a deposit block kept, a head above the next number."""
    state = make_funded_genesis()
    for committee in (COMMITTEE, COMMITTEE, COMMITTEE):
        state = state_transition(state, register(committee))
    state = state_transition(state, AdvanceTime(Uint64(state.time + TINY.quarantine_period)))
    zero, one = make_honest_run(0, 3, 0), make_honest_run(1, 4, 0)
    record = FinalityRecord(COMMITTEE, {}, halted=False)
    deposit = BlockRecord(BlockKind.DEPOSIT, root("loaded-deposit"), state.time)
    head = {Uint64(100 * INTERVAL): compute_block_hash(one.blocks[0])}
    environments = (
        replace(state.environments[0], blocks={Uint64(INTERVAL): deposit}, finality=record),
        replace(state.environments[1], finality=replace(record, certified=head)),
        replace(state.environments[2], finality=replace(record, halted=True)),
    )
    script = Script(DifferentialPair(replace(state, environments=environments)))
    assert zero.proofs[0] is not None and one.proofs[1] is not None and one.proofs[2] is None
    # A committed root never changes: the loaded deposit block at the next child number stays
    first = SubmitCertifiedBlock(Uint64(0), Uint64(INTERVAL), zero.blocks[0], zero.proofs[0])
    script.step(first, RejectionReason.BLOCK_ALREADY_COMMITTED)
    assert script.pair.state.environments[0].blocks == {Uint64(INTERVAL): deposit}
    second = SubmitCertifiedBlock(Uint64(1), Uint64(INTERVAL), one.blocks[1], one.proofs[1])
    script.step(second)
    # The head is still the entry at the largest number: the next block must extend it
    _, proof = make_committed_child(one.blocks[2], "loaded-child")
    third = SubmitCertifiedBlock(Uint64(1), Uint64(2 * INTERVAL), one.blocks[2], proof)
    script.step(third, RejectionReason.CERTIFIED_BLOCK_NOT_EXTENDING_HEAD)
    halted = Deposit(Uint64(2), ALICE.address, NATIVE_TOKEN, Uint256(5))
    script.step(halted, RejectionReason.ENVIRONMENT_HALTED)
    return script.pair


SCRIPTS: tuple[Callable[[], DifferentialPair], ...] = (
    play_certified_chain,
    play_report_in_quarantine,
    play_loaded_edges,
)
"""Every scripted finality story."""
