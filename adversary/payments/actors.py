"""The adversary's funded starting world, built from the neutral fixtures.

Scenarios, the stateful adversarial test and the mutation report all start
from :func:`make_funded_world`: every actor of ``fixtures`` holds the same
funds of every token on the settlement layer, and environments are registered
on demand. The actors, tokens and rules themselves live in ``fixtures``.
"""

from __future__ import annotations

from adversary.payments.world import World, advance_time, make_world, register_environment
from fixtures import OPERATOR, Actor, make_funded_genesis, make_rules
from spec.presets import TINY, Preset


def make_funded_world(
    operators: tuple[Actor, ...] = (OPERATOR,), preset: Preset = TINY, start_time: int = 1_000
) -> World:
    """Return a world with one active payments environment per operator, actors funded."""
    world = make_world(make_funded_genesis(preset, time=start_time))
    for operator in operators:
        world = register_environment(world, operator.address, make_rules(preset))
    return advance_time(world, int(preset.quarantine_period))
