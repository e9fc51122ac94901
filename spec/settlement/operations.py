"""Settlement layer operations that every environment kind shares.

Each operation is a frozen dataclass naming its caller (``sender``, the
account that signs the settlement-layer call) where the rules depend on who
calls. These are the operations of the settlement layer itself: registering
an environment, depositing, committing blocks, processing exits and moving
the clock. Each environment kind adds the operations of its own exit game
(for payments: ``spec.environments.payments.exits``); the operation table in
``spec.settlement.transition`` gives every operation its wire tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.finality.commit import CommitProof
from spec.finality.committee import Committee
from spec.finality.messages import Block
from spec.primitives import Address, Hash32, Uint32, Uint64, Uint256
from spec.settlement.state import EnvironmentKind, EnvironmentRules


@dataclass(frozen=True)
class RegisterEnvironment:
    """Register a new execution environment, operated by the sender."""

    operator: Address
    """The caller, who becomes the environment's operator."""
    kind: EnvironmentKind
    """Transaction format and exit game of the environment."""
    rules: EnvironmentRules
    """Immutable rules of the environment."""
    committee: Committee | None = None
    """The committee that certifies its blocks, or None for blocks from the operator alone."""


@dataclass(frozen=True)
class Deposit:
    """Lock funds in an environment's vault; they appear there as one new output."""

    environment_id: Uint64
    """Environment receiving the deposit."""
    owner: Address
    """The caller, whose settlement balance pays and who owns the new output."""
    token: Address
    """Token deposited (the zero address is the native token)."""
    amount: Uint256
    """Amount deposited."""


@dataclass(frozen=True)
class SubmitBlock:
    """Commit the root of the next child block."""

    environment_id: Uint64
    """Environment the block belongs to."""
    sender: Address
    """The caller; must be the environment's operator."""
    block_number: Uint64
    """Number of the block; must be the next child block number."""
    root: Hash32
    """Merkle root of the block's transactions."""


@dataclass(frozen=True)
class SubmitCertifiedBlock:
    """Commit the next child block of a committee environment, with proof that it was committed.

    Anyone may submit it: the proof, not the caller, is what the settlement layer trusts.
    """

    environment_id: Uint64
    """Environment the block belongs to."""
    block_number: Uint64
    """Number of the child block; must be the next child block number."""
    block: Block
    """The consensus block carrying the child block's root."""
    proof: CommitProof
    """Evidence that the committee committed ``block``."""


@dataclass(frozen=True)
class ReportConflictingCommits:
    """Show two committed blocks with one parent (the committee broke its bound); halt it."""

    environment_id: Uint64
    """The environment whose committee committed both blocks."""
    first: Block
    """One committed block."""
    first_proof: CommitProof
    """Evidence that ``first`` was committed."""
    second: Block
    """Another committed block with the same parent."""
    second_proof: CommitProof
    """Evidence that ``second`` was committed."""


@dataclass(frozen=True)
class ProcessExits:
    """Pay out mature exits of one (environment, token) queue, in priority order."""

    environment_id: Uint64
    """Environment of the queue."""
    sender: Address
    """The caller, who receives the processing bounty of each piggyback processed."""
    token: Address
    """Token of the queue."""
    max_exits: Uint32
    """Most exits to process in this call (bounds the call's cost)."""


@dataclass(frozen=True)
class AdvanceTime:
    """Move the settlement clock forward (on a real chain: a new block's timestamp)."""

    time: Uint64
    """The new time; must be later than the current time."""


CoreOperation = (
    RegisterEnvironment
    | Deposit
    | SubmitBlock
    | ProcessExits
    | AdvanceTime
    | SubmitCertifiedBlock
    | ReportConflictingCommits
)
"""Every settlement operation shared by all kinds (each kind adds its own)."""
