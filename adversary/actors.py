"""Named actors with deterministic keys, tokens, and a funded starting world.

Scenarios, the stateful adversarial test and the mutation report all start
from :func:`make_funded_world`: every actor holds the same funds of every
token on the settlement layer, and environments are registered on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from adversary.world import World, advance_time, make_world, register_environment
from spec.crypto import compute_address_of_private_key, keccak256
from spec.presets import TINY, Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.state import EnvironmentRules, compute_genesis_state


@dataclass(frozen=True)
class Actor:
    """Someone with a key: a user, an operator, a watcher or an attacker."""

    name: str
    """Human-readable name, used in timelines."""
    key: bytes
    """32-byte private key, derived from the name."""
    address: Address
    """Address of the key."""


def make_actor(name: str) -> Actor:
    """Return the actor whose private key is keccak256(name)."""
    key = bytes(keccak256(name.encode()))
    return Actor(name, key, compute_address_of_private_key(key))


ALICE = make_actor("alice")
BOB = make_actor("bob")
CAROL = make_actor("carol")
DAVE = make_actor("dave")
MALLORY = make_actor("mallory")
OPERATOR = make_actor("operator")
OPERATOR_TWO = make_actor("operator-two")
WATCHER = make_actor("watcher")

ACTORS = (ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR, OPERATOR_TWO, WATCHER)
"""Every named actor."""

TOKEN_A = Address(b"\xaa" * 20)
"""A token besides the native one."""

TOKENS = (NATIVE_TOKEN, TOKEN_A)
"""Tokens every actor is funded with."""

FUNDS = 10**9
"""What every actor holds of every token at the start."""

EXIT_BOND = 50
"""Exit bond of the environments the adversary package registers."""

DEPOSIT_LIMIT = 10**6
"""Deposit limit of those environments."""


def get_actor_name(address: Address) -> str:
    """Return the name of the actor with this address, or the address itself."""
    for actor in ACTORS:
        if actor.address == address:
            return actor.name
    return address.to_hex()


def make_rules(preset: Preset = TINY) -> EnvironmentRules:
    """Return the rules the adversary package's environments register with."""
    bond = max(Uint256(EXIT_BOND), preset.minimum_exit_bond)
    return EnvironmentRules(preset.minimum_finalization_period, bond, Uint256(DEPOSIT_LIMIT))


def make_funded_world(
    operators: tuple[Actor, ...] = (OPERATOR,), preset: Preset = TINY, start_time: int = 1_000
) -> World:
    """Return a world with one active payments environment per operator, actors funded."""
    balances = {(actor.address, token): Uint256(FUNDS) for actor in ACTORS for token in TOKENS}
    world = make_world(compute_genesis_state(preset, balances, Uint64(start_time)))
    for operator in operators:
        world = register_environment(world, operator.address, make_rules(preset))
    return advance_time(world, int(preset.quarantine_period))
