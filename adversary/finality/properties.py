"""Trace predicates of committee finality, over what a run of replicas produced.

A run is judged by what an omniscient observer saw: every block proposed
(the block tree, by hash), each honest replica's committed chain, and every
vote an honest replica sent. Byzantine replicas' own claims are not
trusted; only what honest replicas did is judged, because the protocol
promises nothing about the others.

- :func:`check_agreement` (INV-22): any two committed blocks, of any honest
  replicas, lie on one chain (one is an ancestor of the other).
- :func:`check_one_vote_per_view` (INV-28): no honest replica sent two votes
  in one view, and its votes go up in view.

Three more predicates restate rules of the design the adversary leans on
(each is judged with ``adversary.finality.oracle``, which shares no code with
the rules it judges):

- :func:`check_no_vote_after_timeout`: a replica that timed out of a view
  never votes in that view or an earlier one afterwards;
- :func:`check_commits_certified`: every block an honest replica committed
  directly has a child in the very next view with a genuine certificate
  (the two-chain rule);
- :func:`check_votes_well_formed`: honest replicas vote only for blocks with
  a genuine justification, of the next view, extending the certified block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from spec.finality.messages import Block, Timeout, Vote, compute_block_hash
from spec.primitives import Address, Hash32


def get_ancestry(blocks: Mapping[Hash32, Block], block_hash: Hash32) -> set[Hash32]:
    """Return ``block_hash`` and every ancestor of it that ``blocks`` holds."""
    ancestry = set()
    cursor = block_hash
    while cursor not in ancestry:
        ancestry.add(cursor)
        if cursor not in blocks:
            break
        cursor = blocks[cursor].parent
    return ancestry


def check_agreement(
    blocks: Mapping[Hash32, Block], committed: Mapping[Address, Sequence[Hash32]]
) -> list[str]:
    """INV-22: committed blocks of honest replicas never conflict (one extends the other).

    ``committed`` maps each honest replica to the blocks it committed; two
    blocks conflict when neither is an ancestor of the other in ``blocks``.
    """
    heads = {h for chain in committed.values() for h in chain}
    ancestries = {h: get_ancestry(blocks, h) for h in heads}
    violations = []
    ordered = sorted(heads)
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if first not in ancestries[second] and second not in ancestries[first]:
                violations.append(f"conflicting commits {first.hex()[:12]} and {second.hex()[:12]}")
    return violations


def check_one_vote_per_view(votes: Iterable[tuple[Address, Vote]]) -> list[str]:
    """INV-28: each honest replica's votes, in the order sent, are in strictly increasing views."""
    last: dict[Address, int] = {}
    violations = []
    for sender, vote in votes:
        previous = last.get(sender)
        if previous is not None and vote.view <= previous:
            violations.append(f"{sender.hex()[:12]} voted in view {vote.view} after {previous}")
        last[sender] = int(vote.view)
    return violations


def check_no_vote_after_timeout(messages: Iterable[tuple[Address, Vote | Timeout]]) -> list[str]:
    """A replica that sent a timeout of view ``v`` sends no vote of a view ``<= v`` afterwards."""
    left: dict[Address, int] = {}
    violations = []
    for sender, message in messages:
        if isinstance(message, Timeout):
            left[sender] = max(left.get(sender, 0), int(message.view))
        elif message.view <= left.get(sender, 0):
            violations.append(
                f"{sender.hex()[:12]} voted in view {int(message.view)} after timing out of "
                f"view {left[sender]}"
            )
    return violations


def check_commits_certified(
    blocks: Mapping[Hash32, Block],
    heads: Mapping[Address, Iterable[Hash32]],
    is_certified: Callable[[Block], bool],
) -> list[str]:
    """Every directly committed block has a child of the next view with a genuine certificate.

    ``heads`` maps each honest replica to every committed head it ever had;
    ``is_certified`` tells whether a genuine certificate of a block was seen.
    The genesis block (not in ``blocks``) needs no certificate.
    """
    children: dict[Hash32, list[Block]] = {}
    for block in blocks.values():
        children.setdefault(block.parent, []).append(block)
    violations = []
    for member, member_heads in heads.items():
        for head in member_heads:
            committed = blocks.get(head)
            if committed is None:
                continue
            if not any(
                c.view == committed.view + 1 and is_certified(c)
                for c in children.get(compute_block_hash(committed), [])
            ):
                violations.append(
                    f"{member.hex()[:12]} committed {head.hex()[:12]} (view {int(committed.view)}) "
                    "without a certified child in the next view"
                )
    return violations


def check_votes_well_formed(
    blocks: Mapping[Hash32, Block],
    votes: Iterable[tuple[Address, Vote]],
    is_well_formed: Callable[[Block], bool],
) -> list[str]:
    """Honest replicas vote only for known, well-formed blocks of the vote's view."""
    violations = []
    for sender, vote in votes:
        voted = blocks.get(vote.block_hash)
        if voted is None or voted.view != vote.view or not is_well_formed(voted):
            violations.append(
                f"{sender.hex()[:12]} voted for a malformed block {vote.block_hash.hex()[:12]} "
                f"in view {int(vote.view)}"
            )
    return violations
