"""Benchmarks: the reference node against the spec, beside the machine's signature bound.

``plasma-spec bench`` runs five workloads and prints transactions (or exits)
per second:

- block validation: blocks of payments (one input, two outputs, each signed)
  applied to a child chain holding one output per payment; the reference
  (:class:`~reference.environments.payments.ledger.ChildChainLedger`, SQLite
  file, signature recovery on ``workers`` threads) and the spec
  (:func:`spec.environments.payments.chain.apply_block`);
- block building: the same payments entering the operator's mempool and being
  built into blocks, committed and published
  (:class:`~reference.parties.operator.Operator`);
- exit processing: queues of mature exits processed in calls of
  :data:`~reference.benchmarks.workloads.EXITS_PER_CALL` (reference
  :class:`~reference.settlement.simulator.SettlementSimulator` and
  :func:`spec.settlement.transition.state_transition`);
- Plasma Cash block validation: blocks of coin transfers (one signature each)
  applied to a Cash chain (reference
  :class:`~reference.environments.cash.ledger.CashLedger`, spec
  :func:`spec.environments.cash.chain.apply_coin_block`);
- Plasma Cash exits: coin exits with their last two leaves (one signature
  each), then one period, then every exit finalized and paid, on the settlement
  simulator and the spec (``reference.benchmarks.cash``).

Every payment needs one public-key recovery, so one core's secp256k1 recovery
rate (measured first) bounds what signature checking allows; block validation
is reported against that bound per core used. A block holds at most
``2**16`` (= 65,536) transactions (positions store the transaction index as
a ``Uint16``); the workloads use blocks of
:data:`~reference.benchmarks.workloads.BLOCK_TRANSACTIONS` (50,000).

The spec copies its state at each step (it is written to be read, not to be
fast), so its cost grows quadratically; a spec run is skipped when its time,
projected from a smaller run, exceeds the budget. The workloads are built by
``reference.benchmarks.workloads``.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

from coincurve import PrivateKey, PublicKey

from reference.benchmarks.cash import (
    make_coin_block_workload,
    make_coin_exit_workload,
    run_reference_coin_blocks,
    run_reference_coin_exits,
    run_spec_coin_blocks,
    run_spec_coin_exits,
)
from reference.benchmarks.workloads import (
    ENVIRONMENT_ID,
    BlockWorkload,
    make_block_workload,
    make_exit_workload,
    make_operator_settlement,
    make_owners,
    make_process_calls,
)
from reference.environments.payments.ledger import ChildChainLedger
from reference.parties.board import BlockBoard, ExitFollower
from reference.parties.operator import Operator
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.crypto import keccak256
from spec.environments.payments.chain import apply_block
from spec.settlement.state import (
    SettlementState,
)
from spec.settlement.transition import state_transition


def measure(work: Callable[[], object]) -> float:
    """Return the seconds ``work`` takes, starting from a collected heap.

    Collecting first keeps one run's garbage (the spec's copies of its state
    are many) from being paid for by the next run's collections.
    """
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure_recovery_rate(count: int = 4_000) -> float:
    """Return secp256k1 public-key recoveries per second on one core (libsecp256k1)."""
    key = PrivateKey(bytes(keccak256(b"bench-recovery")))
    messages = [bytes(keccak256(index.to_bytes(8, "big"))) for index in range(count)]
    signatures = [key.sign_recoverable(message, hasher=None) for message in messages]

    def recover_all() -> None:
        for message, signature in zip(messages, signatures, strict=True):
            PublicKey.from_signature_and_message(signature, message, hasher=None)

    return count / measure(recover_all)


@dataclass(frozen=True)
class Measurement:
    """One workload at one size: reference and (when run) spec rates."""

    workload: str
    """Name of the workload."""
    size: int
    """Transactions or exits in the workload."""
    reference_seconds: float
    """Time the reference took."""
    spec_seconds: float | None
    """Time the spec took, or None when skipped."""
    spec_note: str = ""
    """Why the spec was skipped, if it was."""

    @property
    def reference_rate(self) -> float:
        """Items per second, reference."""
        return self.size / self.reference_seconds

    @property
    def spec_rate(self) -> float | None:
        """Items per second, spec (None when skipped)."""
        return None if self.spec_seconds is None else self.size / self.spec_seconds

    @property
    def speedup(self) -> float | None:
        """Reference rate over spec rate (None when the spec was skipped)."""
        spec_rate = self.spec_rate
        return None if spec_rate is None else self.reference_rate / spec_rate


class SpecBudget:
    """Decides whether a spec run fits the time budget, projecting quadratic growth."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        """Longest projected spec run allowed."""
        self.last: dict[str, tuple[int, float]] = {}
        """Per workload, the last spec run: (size, seconds)."""

    def project(self, workload: str, size: int) -> float:
        """Return the projected seconds of a spec run (0 before any run)."""
        if workload not in self.last:
            return 0.0
        last_size, last_seconds = self.last[workload]
        return last_seconds * (size / last_size) ** 2

    def run(self, workload: str, size: int, work: Callable[[], object]) -> tuple[float | None, str]:
        """Run ``work`` if it fits; return its seconds (or None) and a note."""
        projected = self.project(workload, size)
        if projected > self.seconds:
            return None, f"skipped: projected {projected:,.0f} s > budget {self.seconds:,.0f} s"
        seconds = measure(work)
        self.last[workload] = (size, seconds)
        return seconds, ""


def run_reference_blocks(workload: BlockWorkload, workers: int | None, directory: str) -> float:
    """Return the seconds the reference ledger takes to apply the workload's blocks."""
    ledger = ChildChainLedger.create(Store(directory), workload.genesis, workers=workers)
    blocks = workload.get_blocks()

    def apply_all() -> None:
        for number, block in blocks:
            ledger.apply_block(number, block)

    seconds = measure(apply_all)
    assert ledger.block_number == blocks[-1][0], "the reference rejected a valid block"
    ledger.close()
    return seconds


def run_spec_blocks(workload: BlockWorkload) -> None:
    """Apply the workload's blocks with the spec."""
    state = workload.genesis
    for number, block in workload.get_blocks():
        state = apply_block(state, number, block)


def run_reference_building(workload: BlockWorkload, workers: int | None, directory: str) -> float:
    """Return the seconds the operator takes to admit, build, commit and publish the payments.

    Each block's payments enter the mempool as one batch (their signatures
    recovered on the ledger's threads, then each checked in order); each
    block is then applied to the operator's ledger (which checks it again,
    reusing the mempool's signature recoveries), its root committed on the
    settlement simulator and the block published.
    """
    settlement_store = Store(f"{directory}-settlement")
    state = make_operator_settlement(workload.genesis.operator)
    settlement = SettlementSimulator.create(settlement_store, state)
    ledger = ChildChainLedger.create(Store(f"{directory}-chain"), workload.genesis, workers=workers)
    follower = ExitFollower(settlement_store, settlement, ENVIRONMENT_ID)
    operator = Operator(ledger, settlement, BlockBoard(Store(f"{directory}-board")), follower)
    chunks = workload.get_chunks()

    def build_all() -> None:
        for chunk in chunks:
            refused = operator.submit_many(chunk)
            assert not refused, f"the mempool refused a valid payment: {refused[0][1]}"
            operator.commit_block()

    seconds = measure(build_all)
    assert ledger.block_number == state.preset.block_interval * len(chunks), "a block failed"
    return seconds


def run_reference_exits(state: SettlementState, directory: str) -> float:
    """Return the seconds the reference simulator takes to process every exit of ``state``."""
    simulator = SettlementSimulator.create(Store(directory), state)
    calls = make_process_calls(len(state.environments[0].exits))

    def process_all() -> None:
        for call in calls:
            simulator.apply(call)

    seconds = measure(process_all)
    assert not simulator.get_open_exits(ENVIRONMENT_ID), "the reference left exits unprocessed"
    return seconds


def run_spec_exits(state: SettlementState) -> None:
    """Process every exit of ``state`` with the spec."""
    for call in make_process_calls(len(state.environments[0].exits)):
        state = state_transition(state, call)


NOT_BUILT = "not applicable: the spec validates blocks, it does not build them"
"""Why block building has no spec column."""


@dataclass(frozen=True)
class BenchmarkSettings:
    """What ``plasma-spec bench`` runs."""

    transaction_counts: tuple[int, ...] = (1_000, 10_000, 100_000)
    """Sizes of the block workloads."""
    exit_counts: tuple[int, ...] = (1_000, 10_000, 100_000)
    """Sizes of the exit workloads."""
    coin_counts: tuple[int, ...] = (1_000, 10_000)
    """Sizes of the Plasma Cash workloads (coins transferred, coins exited)."""
    workers: int = 2
    """Signature-recovery threads of the reference ledger."""
    spec_budget: float = 120.0
    """Longest projected spec run, in seconds."""


@dataclass(frozen=True)
class BenchmarkReport:
    """Every measurement of one run, with the bound they are compared to."""

    recovery_rate: float
    """secp256k1 recoveries per second on one core."""
    workers: int
    """Signature threads used by the reference."""
    measurements: tuple[Measurement, ...]
    """One per workload and size."""


def run_benchmarks(
    settings: BenchmarkSettings,
    directory: str,
    progress: Callable[[str], None] = lambda line: None,
) -> BenchmarkReport:
    """Run every workload; databases go to files in ``directory``."""
    progress("measuring secp256k1 recovery on one core")
    recovery_rate = measure_recovery_rate()
    budget = SpecBudget(settings.spec_budget)
    measurements = []
    for count in settings.transaction_counts:
        progress(f"block validation: signing {count:,} payments")
        workload = make_block_workload(count, make_owners(1)[0].address)
        progress(f"block validation: {count:,} transactions, reference")
        seconds = run_reference_blocks(workload, settings.workers, f"{directory}/blocks-{count}")
        progress(f"block validation: {count:,} transactions, spec")
        spec_seconds, note = budget.run(
            "blocks", count, functools.partial(run_spec_blocks, workload)
        )
        measurements.append(Measurement("block validation", count, seconds, spec_seconds, note))
        progress(f"block building: {count:,} transactions, reference operator")
        seconds = run_reference_building(workload, settings.workers, f"{directory}/build-{count}")
        measurements.append(Measurement("block building", count, seconds, None, NOT_BUILT))
    for count in settings.exit_counts:
        state = make_exit_workload(count)
        progress(f"exit processing: {count:,} exits, reference")
        seconds = run_reference_exits(state, f"{directory}/exits-{count}")
        progress(f"exit processing: {count:,} exits, spec")
        spec_seconds, note = budget.run("exits", count, functools.partial(run_spec_exits, state))
        measurements.append(Measurement("exit processing", count, seconds, spec_seconds, note))
    measurements += run_cash_benchmarks(settings, budget, directory, progress)
    return BenchmarkReport(recovery_rate, settings.workers, tuple(measurements))


def run_cash_benchmarks(
    settings: BenchmarkSettings,
    budget: SpecBudget,
    directory: str,
    progress: Callable[[str], None],
) -> list[Measurement]:
    """Run the Plasma Cash workloads at every size of ``settings.coin_counts``."""
    measurements = []
    for count in settings.coin_counts:
        progress(f"cash blocks: signing {count:,} coin transfers")
        blocks = make_coin_block_workload(count)
        progress(f"cash blocks: {count:,} transfers, reference")
        seconds = measure(
            functools.partial(
                run_reference_coin_blocks, blocks, settings.workers, f"{directory}/coins-{count}"
            )
        )
        progress(f"cash blocks: {count:,} transfers, spec")
        spec_seconds, note = budget.run(
            "cash blocks", count, functools.partial(run_spec_coin_blocks, blocks)
        )
        measurements.append(Measurement(CASH_BLOCKS, count, seconds, spec_seconds, note))
        progress(f"cash exits: building {count:,} coins with their histories")
        exits = make_coin_exit_workload(count)
        progress(f"cash exits: {count:,} exits started and finalized, reference")
        seconds = measure(
            functools.partial(run_reference_coin_exits, exits, f"{directory}/coin-exits-{count}")
        )
        progress(f"cash exits: {count:,} exits, spec")
        spec_seconds, note = budget.run(
            "cash exits", count, functools.partial(run_spec_coin_exits, exits)
        )
        measurements.append(Measurement(CASH_EXITS, count, seconds, spec_seconds, note))
    return measurements


CASH_BLOCKS = "cash block validation"
"""Name of the Plasma Cash block workload."""

CASH_EXITS = "cash exits"
"""Name of the Plasma Cash exit workload (start with two leaves, then finalize)."""

SIGNATURE_CORES = {"block validation": None, CASH_BLOCKS: None, CASH_EXITS: 1}
"""Workloads with one signature per item, and the cores they use (None: the workers)."""


def format_report(report: BenchmarkReport) -> str:
    """Return the report as a text table."""
    lines = [
        f"secp256k1 public-key recovery on one core: {report.recovery_rate:,.0f} /s"
        f" (the bound on signature checking per core)",
        f"reference signature threads: {report.workers}",
        "",
        f"{'workload':<21} {'size':>8} {'reference /s':>13} {'µs each':>8} {'per core':>9}"
        f" {'of bound':>9} {'spec /s':>9} {'ref/spec':>9}",
    ]
    for m in report.measurements:
        per_core = None
        if m.workload in SIGNATURE_CORES:
            per_core = m.reference_rate / (SIGNATURE_CORES[m.workload] or report.workers)
        lines.append(
            f"{m.workload:<21} {m.size:>8,} {m.reference_rate:>13,.0f}"
            f" {1e6 / m.reference_rate:>8,.1f}"
            f" {format_optional(per_core, '{:,.0f}'):>9}"
            f" {format_optional(per_core and per_core / report.recovery_rate, '{:.0%}'):>9}"
            f" {format_optional(m.spec_rate, '{:,.0f}'):>9}"
            f" {format_optional(m.speedup, '{:,.1f}x'):>9}"
        )
        if m.spec_note:
            lines.append(f"{'':<31}spec {m.spec_note}")
    lines.append("")
    lines.append(
        "µs each: reference wall time per transaction or exit; it grows with log n where"
        " an index is searched. Per core and of bound: for the workloads with one signature"
        " per item (cash exits run on one core)."
    )
    return "\n".join(lines)


def format_optional(value: float | None, pattern: str) -> str:
    """Return ``value`` formatted, or a dash when there is none."""
    return "-" if value is None else pattern.format(value)
