"""The cast of the adversarial game: actors, tokens, environments, limits and attack kinds.

Shared by the game (:mod:`adversary.payments.game` and its actions) and the Hypothesis
machine that draws those actions (:mod:`adversary.payments.machine`).
"""

from __future__ import annotations

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR, OPERATOR_TWO, TOKEN_A, WATCHER
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint16, Uint64

# Actors, tokens and environments

HONEST_USERS = (ALICE, BOB, CAROL, DAVE)
"""Users who follow the protocol."""

USERS = (*HONEST_USERS, MALLORY)
"""Everyone who deposits and pays."""

COLLUDERS = frozenset({OPERATOR.address, MALLORY.address})
"""Addresses whose keys the byzantine operator controls."""

HONEST_OWNERS = frozenset(actor.address for actor in (*HONEST_USERS, OPERATOR_TWO, WATCHER))
"""Owners whose outputs honest withdrawal (INV-18) protects."""

ACTORS_BY_NAME = {actor.name: actor for actor in (*USERS, OPERATOR, OPERATOR_TWO, WATCHER)}
"""Every actor of the game, by name."""

TOKENS = {"native": NATIVE_TOKEN, "token_a": TOKEN_A}
"""Tokens of the game, by name."""

TOKEN_NAMES_BY_ADDRESS = {address: name for name, address in TOKENS.items()}
"""Names of the game's tokens, by address."""

BYZANTINE_ENV = 0
"""The environment whose operator may turn byzantine."""

ENVIRONMENTS = (0, 1)
"""Environments users act in (0: byzantine operator, 1: honest operator)."""

EMPTY_ROOT = Hash32(b"\x00" * 32)
"""A root for blocks whose contents do not matter (commutation probes)."""

NOWHERE = OutputPosition(Uint64(0), Uint16(0), Uint8(0))
"""A position no block ever creates (block 0 is never committed)."""

MAX_PAYMENTS_PER_BLOCK = 6
"""Payments per block, leaving room for fee claims or a bad transaction (tiny: 8 leaves)."""

MAX_SETTLE_ROUNDS = 16
"""Rounds of (watch, process, half an MFP) the end of a trace may take."""

FINISH_PROCESS_LIMIT = 3
"""Exits per ``ProcessExits`` call at the end of a trace (small, so the limit is exercised)."""

BAD_BLOCK_KINDS = (
    "output_from_nowhere",
    "fee_claim_from_nowhere",
    "double_spend",
    "duplicate_input",
    "inflated_amount",
    "forged_signature",
    "deposit_in_child_block",
    "valid_but_withheld",
)
"""Flaws the byzantine operator can put in a block."""

BAD_WITNESSES = (
    "spend_of_another_output",
    "input_index_out_of_range",
    "signed_by_mallory",
    "malformed_signature",
    "high_s_signature",
    "replayed_from_other_environment",
    "closed_exit",
    "unknown_exit",
)
"""Ways mallory builds a challenge that must fail."""

BLOCK_LOG_ATTACKS = ("foreign_environment", "overwrite_root", "skip_number")
"""Ways the byzantine operator tries to break the block log."""
