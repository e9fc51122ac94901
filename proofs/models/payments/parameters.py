"""The payments exit game's operations as Z3 parameters: start and challenge a standard exit.

Abstracted: a start-exit names its transaction only through what the
settlement layer reads from it: the root its inclusion proof leads to
(``NO_VALUE`` when the proof has the wrong length or index), the number of
outputs, and the owner, token and amount of the exiting output. A challenge
names its payment only through the position its chosen input spends and the
signer of that input (``NO_VALUE`` when absent or unrecoverable). The
operations every kind shares are in ``proofs.models.operations``.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from proofs.models.operations import ADDRESS_MAX, HASH_MAX, is_address, is_optional
from proofs.models.rules import NO_VALUE, UINT64_MAX, UINT256_MAX, is_in_range


@dataclass(frozen=True)
class StartExitParameters:
    """``StartStandardExit``, reduced to what the settlement layer reads from it."""

    sender: z3.ArithRef
    """Caller."""
    block_number: z3.ArithRef
    """Block number of the position."""
    transaction_index: z3.ArithRef
    """Transaction index of the position."""
    output_index: z3.ArithRef
    """Output index of the position."""
    proven_root: z3.ArithRef
    """Root the inclusion proof leads to, or NO_VALUE for a malformed proof."""
    output_count: z3.ArithRef
    """Number of outputs of the transaction."""
    output_owner: z3.ArithRef
    """Owner of the exiting output (0 when the index is out of range)."""
    output_token: z3.ArithRef
    """Token of the exiting output."""
    output_amount: z3.ArithRef
    """Amount of the exiting output."""
    bond: z3.ArithRef
    """Bond sent."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (
            is_address(self.sender),
            is_in_range(self.block_number, UINT64_MAX),
            is_in_range(self.transaction_index, 2**16 - 1),
            is_in_range(self.output_index, 2**8 - 1),
            is_optional(self.proven_root, HASH_MAX),
            self.output_count >= 0,
            is_address(self.output_owner),
            is_address(self.output_token),
            is_in_range(self.output_amount, UINT256_MAX),
            is_in_range(self.bond, UINT256_MAX),
        )


@dataclass(frozen=True)
class ChallengeExitParameters:
    """``ChallengeStandardExit``, reduced to its shape, spent position and that input's signer."""

    sender: z3.ArithRef
    """Challenger."""
    exit_id: z3.ArithRef
    """Exit challenged."""
    well_formed: z3.ArithRef
    """1 when the spending payment passes ``validate_payment_shape``, else 0."""
    spent_position: z3.ArithRef
    """Position key of the payment's chosen input, or NO_VALUE when the index is out of range."""
    signer: z3.ArithRef
    """Signer of that input, or NO_VALUE when it has no valid signature."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (
            is_address(self.sender),
            is_in_range(self.exit_id, UINT64_MAX),
            z3.Or(self.well_formed == 0, self.well_formed == 1),
            z3.Or(self.spent_position == NO_VALUE, self.spent_position >= 0),
            is_optional(self.signer, ADDRESS_MAX),
        )
