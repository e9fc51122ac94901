"""The replicated node's parts, one at a time: frames, the replica file, byzantine sends, proofs.

The processes themselves are exercised by the crash campaign
(``test_reference_finality_crash``) and the devnet
(``test_reference_finality_devnet``); here each part is checked alone against
the spec's own replicas (``fixtures.finality``'s perfect-network run).
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from fixtures.finality import make_run
from fixtures.finality_messages import (
    CHAIN,
    COMMITTEE,
    GENESIS_QC,
    KEYS,
    extend,
    propose,
    root,
    timeout,
    vote,
)
from reference.finality.byzantine import ByzantineBehaviour
from reference.finality.config import ReplicaConfig
from reference.finality.framing import (
    LENGTH_BYTES,
    MAX_FRAME_SIZE,
    FrameError,
    decode_frames,
    encode_frame,
    read_frame,
)
from reference.finality.observe import find_conflicts, find_vote_repeats
from reference.finality.relay import find_commit_proof
from reference.finality.replica_node import make_root
from reference.finality.replica_store import ReplicaStore
from spec.errors import Rejected, RejectionReason
from spec.finality.commit import validate_commit_proof
from spec.finality.committee import get_leader
from spec.finality.messages import Proposal, Vote, compute_block_hash
from spec.finality.replica import (
    Message,
    Outbound,
    Propose,
    ReceiveProposal,
    ReceiveVote,
    compute_genesis_replica,
    get_committed_chain,
)
from spec.finality.replica_steps import process_replica_input

MEMBERS = [v.address for v in COMMITTEE.validators]


def sample_messages() -> list[Message]:
    """Return one message of each kind, signed by committee members."""
    block = extend(GENESIS_QC, "framed")
    block_hash = compute_block_hash(block)
    return [propose(block), vote(KEYS[0], 1, block_hash), timeout(KEYS[2], 1, GENESIS_QC)]


def test_frames_round_trip_and_wait_for_their_last_byte() -> None:
    """Given a proposal, a vote and a timeout framed back to back.

    When the bytes are read whole, and cut at every point,
    Then the whole read gives the three messages; a cut gives the frames
    before it and keeps the rest for later.
    """
    messages = sample_messages()
    data = b"".join(encode_frame(m) for m in messages)
    assert decode_frames(data) == (messages, b"")
    for cut in range(len(data)):
        decoded, rest = decode_frames(data[:cut])
        assert decoded == messages[: len(decoded)]
        assert rest == data[sum(len(encode_frame(m)) for m in decoded) : cut]


def test_frames_too_long_or_not_a_message_are_refused() -> None:
    """Given a length prefix above the limit, and a frame whose body is not a message.

    When each is decoded, Then FrameError is raised.
    """
    with pytest.raises(FrameError, match="too long"):
        decode_frames((MAX_FRAME_SIZE + 1).to_bytes(LENGTH_BYTES, "big"))
    with pytest.raises(FrameError, match="not a message"):
        decode_frames((3).to_bytes(LENGTH_BYTES, "big") + b"\x07ab")


def test_stream_reader_reads_frames_and_tells_a_clean_end_from_a_cut_one() -> None:
    """Given a stream holding two frames, then one holding a frame cut short.

    When frames are read from each,
    Then the first gives both messages then None; the second raises FrameError.
    """

    async def read_all(data: bytes) -> list[Message | None]:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return [await read_frame(reader) for _ in range(3)]

    messages = sample_messages()[:2]
    whole = b"".join(encode_frame(m) for m in messages)
    assert asyncio.run(read_all(whole)) == [*messages, None]
    with pytest.raises(FrameError, match="inside a frame"):
        asyncio.run(read_all(whole[:-1]))


def test_replica_file_restores_the_state_and_journals_every_step(tmp_path: Path) -> None:
    """Given a replica of an honest run after six blocks, persisted over its genesis state.

    When its file is closed, reopened and read,
    Then the state (every block included) is the one persisted; the journal holds
    the message received, the message sent and a refusal with its reason; the commits
    are its committed chain; the file is private to its owner.
    """
    run = make_run()
    for index in range(6):
        run.propose(root(f"stored-{index}"))
    member = MEMBERS[0]
    final = run.replicas[member]
    genesis = compute_genesis_replica(CHAIN, member)
    path = tmp_path / "replica.sqlite"
    store = ReplicaStore.open(path)
    store.persist(None, genesis)
    received, sent = sample_messages()[0], sample_messages()[1]
    store.persist(genesis, final, received, (Outbound(MEMBERS[1], sent),))
    store.record_refusal(received, RejectionReason.PROPOSAL_EQUIVOCATION)
    store.close()
    reader = ReplicaStore.open_reader(path)
    assert reader.load() == final
    journal = reader.read_journal()
    assert [(e.sent, e.peer, e.reason, e.message) for e in journal] == [
        (False, None, None, received),
        (True, MEMBERS[1], None, sent),
        (False, None, RejectionReason.PROPOSAL_EQUIVOCATION, received),
    ]
    assert [c.block_hash for c in reader.read_commits()] == list(get_committed_chain(final))
    assert len(get_committed_chain(final)) == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reader.close()


def test_byzantine_sends_a_sibling_and_a_second_vote_which_honest_replicas_refuse() -> None:
    """Given the byzantine behaviour of view 1's leader, and honest replicas.

    When it proposes and then votes,
    Then every other member gets both blocks and itself one; an honest replica
    votes for the first it gets and refuses the second (PROPOSAL_EQUIVOCATION);
    the next leader takes its first vote and refuses the second (VOTE_EQUIVOCATION).
    """
    leader = MEMBERS.index(get_leader(COMMITTEE, 1))
    behaviour = ByzantineBehaviour(COMMITTEE, CHAIN, KEYS[leader], MEMBERS[leader])
    state = compute_genesis_replica(CHAIN, MEMBERS[leader])
    step = process_replica_input(state, COMMITTEE, KEYS[leader], Propose(root("byz")))
    outbound = behaviour.rewrite(step)
    assert [o.recipient for o in outbound].count(MEMBERS[leader]) == 1
    assert len(outbound) == 2 * len(MEMBERS) - 1
    first, second = outbound[0].message, outbound[1].message
    assert isinstance(first, Proposal) and isinstance(second, Proposal)
    assert first.block.view == second.block.view and first.block != second.block
    honest = (leader + 1) % len(MEMBERS)
    replica = compute_genesis_replica(CHAIN, MEMBERS[honest])
    voted = process_replica_input(replica, COMMITTEE, KEYS[honest], ReceiveProposal(first))
    with pytest.raises(Rejected) as refused:
        process_replica_input(voted.state, COMMITTEE, KEYS[honest], ReceiveProposal(second))
    assert refused.value.reason == RejectionReason.PROPOSAL_EQUIVOCATION
    own = process_replica_input(step.state, COMMITTEE, KEYS[leader], ReceiveProposal(first))
    votes = [o.message for o in behaviour.rewrite(own)]
    assert len(votes) == 2 and isinstance(votes[0], Vote) and isinstance(votes[1], Vote)
    collector = MEMBERS.index(get_leader(COMMITTEE, 2))
    collecting = compute_genesis_replica(CHAIN, MEMBERS[collector])
    key = KEYS[collector]
    got = process_replica_input(collecting, COMMITTEE, key, ReceiveVote(votes[0]))
    with pytest.raises(Rejected) as refused:
        process_replica_input(got.state, COMMITTEE, key, ReceiveVote(votes[1]))
    assert refused.value.reason == RejectionReason.VOTE_EQUIVOCATION


def test_relayer_proofs_of_an_honest_run_are_valid_and_need_a_certificate() -> None:
    """Given an honest run of six blocks, its blocks and the certificates they carry.

    When a commit proof is built for each committed block,
    Then each is valid for the committee; without the certificates, none is found.
    """
    run = make_run()
    for index in range(6):
        run.propose(root(f"relayed-{index}"))
    chain = get_committed_chain(run.replicas[MEMBERS[0]])
    assert len(chain) == 4
    for position, block_hash in enumerate(chain):
        proof = find_commit_proof(run.blocks, run.certificates, chain, position)
        assert proof is not None
        validate_commit_proof(COMMITTEE, run.blocks[block_hash], proof)
        assert find_commit_proof(run.blocks, {}, chain, position) is None


def test_devnet_checks_report_conflicting_heads_and_repeated_votes() -> None:
    """Given two sibling blocks, and votes of views 1, 2, 2.

    When the devnet's checks read them,
    Then the siblings are one conflict (a block and its parent none), and the
    repeated view is one violation.
    """
    left, right = extend(GENESIS_QC, "left"), extend(GENESIS_QC, "right")
    blocks = {compute_block_hash(b): b for b in (left, right)}
    assert len(find_conflicts(blocks, list(blocks))) == 1
    assert find_conflicts(blocks, [compute_block_hash(left), left.parent]) == []
    votes = [vote(KEYS[0], view, compute_block_hash(left)) for view in (1, 2, 2)]
    assert len(find_vote_repeats(votes)) == 1
    assert find_vote_repeats(votes[:2]) == []


def test_config_round_trips_privately_and_roots_change_with_the_nonce(tmp_path: Path) -> None:
    """Given a replica configuration.

    When it is saved and loaded,
    Then it is the same, its file is private, and its committee is the fixtures'
    committee; two nonces give two roots for one view.
    """
    config = ReplicaConfig(
        chain_id=CHAIN,
        index=2,
        key=KEYS[2].hex(),
        members=tuple(m.hex() for m in MEMBERS),
        stakes=(1, 1, 1, 1),
        ports=(1, 2, 3, 4),
        directory=str(tmp_path),
    )
    path = tmp_path / "replica.json"
    config.save(path)
    assert ReplicaConfig.load(path) == config
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.get_committee() == COMMITTEE
    assert (config.address, config.get_port_of(MEMBERS[3])) == (MEMBERS[2], 4)
    assert make_root(0, 0, 5, b"a") != make_root(0, 0, 5, b"b")
