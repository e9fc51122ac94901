"""Settlement layer operations: the calls anyone can make to the root contract.

Each operation is a frozen dataclass naming its caller (``sender``, the
account that signs the settlement-layer call) where the rules depend on who
calls. :data:`Operation` is their union; its canonical encoding tags each
variant by its index in that union, in the order given here.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.payments.transactions import BlockTransaction, OutputPosition, SignedTransaction
from spec.primitives import Address, Hash32, Uint8, Uint32, Uint64, Uint256
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
class StartStandardExit:
    """Start the exit of one output, proving it was created in a committed block."""

    environment_id: Uint64
    """Environment the output belongs to."""
    sender: Address
    """The caller; must own the output."""
    position: OutputPosition
    """Position of the exiting output."""
    transaction: BlockTransaction
    """The transaction that created the output, as included in its block."""
    inclusion_proof: tuple[Hash32, ...]
    """Merkle proof of the transaction at ``position.transaction_index`` in its block."""
    bond: Uint256
    """Native-token bond sent with the call; must equal the environment's exit bond."""


@dataclass(frozen=True)
class ChallengeStandardExit:
    """Cancel an exit by showing that its output was spent: the owner signed a spend of it."""

    environment_id: Uint64
    """Environment of the exit."""
    sender: Address
    """The caller (the challenger), who receives the bond."""
    exit_id: Uint64
    """Exit being challenged."""
    spending_transaction: SignedTransaction
    """A payment that spends the exiting output; it need not be in any block."""
    input_index: Uint8
    """Index of the exiting output among the payment's inputs."""


@dataclass(frozen=True)
class ProcessExits:
    """Pay out mature exits of one (environment, token) queue, in priority order."""

    environment_id: Uint64
    """Environment of the queue."""
    token: Address
    """Token of the queue."""
    max_exits: Uint32
    """Most exits to process in this call (bounds the call's cost)."""


@dataclass(frozen=True)
class AdvanceTime:
    """Move the settlement clock forward (on a real chain: a new block's timestamp)."""

    time: Uint64
    """The new time; must be later than the current time."""


Operation = (
    RegisterEnvironment
    | Deposit
    | SubmitBlock
    | StartStandardExit
    | ChallengeStandardExit
    | ProcessExits
    | AdvanceTime
)
"""Every settlement-layer operation."""

EnvironmentOperation = (
    Deposit | SubmitBlock | StartStandardExit | ChallengeStandardExit | ProcessExits
)
"""Operations that act on one existing environment (they carry ``environment_id``)."""
