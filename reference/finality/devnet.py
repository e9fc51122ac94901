"""``plasma-spec devnet --finality``: four replica processes, one byzantine, one crashed.

:func:`run_finality_devnet` registers a payments environment with a committee
of four validators of stake 1 (``fixtures.finality``) on the settlement
simulator, starts one replica process per validator
(:class:`~reference.finality.cluster.Cluster`; the member at
:data:`BYZANTINE` equivocates, ``reference.finality.byzantine``), and then:

1. waits for the honest replicas to commit blocks, and relays them to the
   settlement layer (:class:`~reference.finality.relay.Relayer`);
2. kills replica :data:`VICTIM` with SIGKILL, waits for the three others to
   commit more without it (one of them byzantine: the two honest ones and
   the byzantine one still form a quorum), and restarts it from its file;
3. waits for the restarted replica to commit again, relays every committed
   block, stops every process, and checks the outcome
   (:func:`make_checks`): the honest replicas agree, none voted twice in a
   view (their durable journals, across the restart), the restarted replica
   rejoined and committed, the settlement accepted the committed chain in
   order, and the byzantine replica's second proposals and second votes
   were refused with the spec's reasons.
"""

from __future__ import annotations

import time
from pathlib import Path

from fixtures import OPERATOR, make_funded_genesis, make_rules
from reference.devnet.report import Check, DevnetResult, format_verdict
from reference.devnet.script import Say
from reference.finality.cluster import Cluster, wait_until
from reference.finality.observe import Observation, find_conflicts, find_vote_repeats
from reference.finality.relay import Relayer
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.errors import RejectionReason
from spec.finality.messages import Proposal, compute_block_hash
from spec.primitives import Uint64
from spec.settlement.operations import AdvanceTime, RegisterEnvironment
from spec.settlement.state import EnvironmentKind

BYZANTINE = 3
"""Committee position of the byzantine replica."""

VICTIM = 1
"""Committee position of the honest replica killed and restarted."""

FIRST_COMMITS = 6
"""Blocks every honest replica commits before the crash."""

COMMITS_WITHOUT_VICTIM = 4
"""Blocks the others commit while the victim is down."""

COMMITS_AFTER_RESTART = 4
"""Blocks the restarted victim commits before the devnet stops."""

MINIMUM_RELAYED = 10
"""Certified blocks the settlement must accept."""

PHASE_TIMEOUT = 60.0
"""Seconds a phase may wait for commits before the devnet gives up (its checks then fail)."""

TIMER = 0.4
"""The replicas' base view timer, in seconds."""


def run_finality_devnet(directory: Path, seed: int = 0, say: Say = print) -> DevnetResult:
    """Run the committee devnet in ``directory`` (holding no devnet yet); write lines to ``say``."""
    started = time.perf_counter()
    say(f"plasma-spec devnet --finality: data in {directory}, seed {seed}")
    store = Store(directory / "settlement.sqlite")
    simulator = SettlementSimulator.create(store, make_funded_genesis())
    with Cluster(directory, byzantine=frozenset({BYZANTINE}), timer=TIMER, seed=seed) as cluster:
        simulator.apply(
            RegisterEnvironment(
                OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules(), cluster.committee
            )
        )
        quarantine = simulator.preset.quarantine_period
        simulator.apply(AdvanceTime(Uint64(simulator.time + quarantine)))
        say(
            "[1/6] environment 0 registered with a committee of 4 validators, stake 1 each; "
            f"its quarantine ({int(quarantine)} s of settlement time) passed"
        )
        relayer = Relayer(simulator, 0)
        honest = [c.index for c in cluster.configs if not c.byzantine]
        cluster.start_all()
        say(f"[2/6] 4 replica processes started; replica {BYZANTINE} is byzantine")
        wait_for_commits(cluster, honest, FIRST_COMMITS)
        relayed = relayer.relay(cluster.observe())
        say(f"[3/6] honest replicas committed; relayer: {relayed} certified blocks accepted")
        before = cluster.get_committed_view(VICTIM)
        cluster.kill(VICTIM)
        others = [i for i in honest if i != VICTIM]
        wait_for_commits(cluster, others, cluster_commits(cluster, others) + COMMITS_WITHOUT_VICTIM)
        say(f"[4/6] replica {VICTIM} killed (SIGKILL) at committed view {before}; others go on")
        cluster.start(VICTIM)
        target = cluster.count_commits(VICTIM) + COMMITS_AFTER_RESTART
        wait_for_commits(cluster, [VICTIM], target)
        after = cluster.get_committed_view(VICTIM)
        say(f"[5/6] replica {VICTIM} restarted from its file; committed view now {after}")
        cluster.stop()
        observation = cluster.observe()
        relayed = relayer.relay(observation)
        say(f"[6/6] replicas stopped; relayer: {relayed} more certified blocks accepted")
    for line in summarize(observation):
        say(line)
    checks = make_checks(observation, simulator, relayer, before, after)
    simulator.store.close()
    say("Checks:")
    for check in checks:
        say(f"  [{'ok' if check.passed else 'FAILED'}] {check.description}")
    result = DevnetResult(checks, time.perf_counter() - started)
    say(format_verdict(result))
    return result


def cluster_commits(cluster: Cluster, indexes: list[int]) -> int:
    """Return the fewest blocks any of ``indexes`` has committed."""
    return min(cluster.count_commits(i) for i in indexes)


def wait_for_commits(cluster: Cluster, indexes: list[int], count: int) -> bool:
    """Wait until each of ``indexes`` has committed ``count`` blocks; False on timeout."""
    return wait_until(lambda: cluster_commits(cluster, indexes) >= count, PHASE_TIMEOUT)


def summarize(observation: Observation) -> list[str]:
    """Return one line per replica: role, committed blocks, votes sent, refusals."""
    lines = ["Replicas (committed: its committed chain; refused: messages it refused, by reason):"]
    for index, record in enumerate(observation.records):
        role = "killed and restarted" if index == VICTIM else "honest"
        role = "byzantine" if record.byzantine else role
        refused: dict[str, int] = {}
        for entry in record.journal:
            if entry.reason is not None:
                refused[entry.reason.value] = refused.get(entry.reason.value, 0) + 1
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(refused.items())) or "none"
        committed = len(observation.get_committed_chain(record))
        lines.append(
            f"  replica {index} ({role}): committed {committed}, "
            f"votes sent {len(record.get_sent_votes())}; refused: {reasons}"
        )
    return lines


def make_checks(
    observation: Observation,
    simulator: SettlementSimulator,
    relayer: Relayer,
    before: int,
    after: int,
) -> tuple[Check, ...]:
    """Return the devnet's checks (see the module docstring)."""
    honest = observation.get_honest()
    blocks = observation.blocks
    lengths = [len(observation.get_committed_chain(r)) for r in honest]
    conflicts = find_conflicts(blocks, [r.state.committed_head for r in honest])
    repeats = [find_vote_repeats(r.get_sent_votes()) for r in honest]
    victim = observation.records[VICTIM]
    late_votes = [v for v in victim.get_sent_votes() if v.view > before]
    chain = observation.get_longest_committed()
    certified = simulator.get_state().environments[0].finality
    numbers = sorted(certified.certified) if certified is not None else []
    in_order = [certified.certified[n] for n in numbers] if certified is not None else []
    roots = [simulator.get_block(Uint64(0), n) for n in numbers]
    roots_match = all(
        r is not None and r.root == blocks[h].root for r, h in zip(roots, in_order, strict=True)
    )
    byzantine = {r.address for r in observation.records if r.byzantine}
    proposals = observation.get_refused_signers(RejectionReason.PROPOSAL_EQUIVOCATION)
    votes = observation.get_refused_signers(RejectionReason.VOTE_EQUIVOCATION)
    sent_twice = count_equivocations(observation)
    return (
        Check(f"every honest replica committed blocks ({lengths})", min(lengths) >= FIRST_COMMITS),
        Check(
            f"the honest replicas' committed chains agree ({len(conflicts)} conflicts)",
            not conflicts,
        ),
        Check(
            "no honest replica voted twice in a view, across the restart "
            f"({sum(len(r.get_sent_votes()) for r in honest)} votes journaled before sending)",
            not any(repeats),
        ),
        Check(
            f"replica {VICTIM} rejoined after its restart: committed view {before} -> {after}, "
            f"{len(late_votes)} votes in later views",
            after > before and bool(late_votes),
        ),
        Check(
            f"the settlement accepted {len(in_order)} certified blocks, in order, with their roots",
            len(in_order) >= MINIMUM_RELAYED
            and tuple(in_order) == chain[: len(in_order)]
            and tuple(relayer.accepted) == tuple(in_order)
            and roots_match,
        ),
        Check(
            f"the byzantine replica proposed twice in {sent_twice} views; honest replicas refused "
            f"the second proposal (proposal_equivocation, signed by {len(proposals)} member)",
            sent_twice > 0 and proposals == byzantine,
        ),
        Check(
            "its second votes were refused by the next leaders "
            f"(vote_equivocation, signed by {len(votes)} member)",
            votes == byzantine,
        ),
    )


def count_equivocations(observation: Observation) -> int:
    """Return in how many views the byzantine replica sent two different blocks."""
    sent: dict[int, set[bytes]] = {}
    for record in observation.records:
        if record.byzantine:
            for entry in record.journal:
                if entry.sent and isinstance(entry.message, Proposal):
                    block = entry.message.block
                    sent.setdefault(int(block.view), set()).add(compute_block_hash(block))
    return sum(len(hashes) > 1 for hashes in sent.values())
