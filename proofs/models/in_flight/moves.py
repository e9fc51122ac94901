"""One step of the in-flight exit game of ``proofs.models.in_flight.game``: guard and world after.

Processing follows ``spec.environments.payments.queue``: the head of the
token's one queue (standard exits of ``A``, ``B``, ``X`` and the in-flight
entry of ``P``, by exitable time, position, kind, exit id) when mature; a
standard exit of a marked output is skipped, otherwise paid ``min(amount,
vault)`` and marked; the in-flight exit is decided (outputs if canonical and
no input marked by another exit, then its inputs are marked; else inputs)
and its open piggybacks settled in order (inputs, then the output): paid
``min(amount, vault)`` and marked when on the paid side and unmarked.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from proofs.models.in_flight.game import (
    SLOT_A,
    SLOT_B,
    SLOT_O,
    A,
    Action,
    B,
    GameRules,
    Move,
    Outcome,
    Scenario,
    Slot,
    Standard,
    World,
    X,
    choose,
    put,
)

IN_FLIGHT_ENTRY = 3
"""The ``target`` of a ``PROCESS`` that names the in-flight entry (0-2 name standard exits)."""

Priority = tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef]
"""(exitable time, position, kind rank, exit id)."""


def is_before(first: Priority, second: Priority) -> z3.BoolRef:
    """Return whether ``first`` is strictly before ``second`` (lexicographic)."""
    result: z3.BoolRef = z3.BoolVal(False)
    for a, b in reversed(list(zip(first, second, strict=True))):
        result = z3.Or(a < b, z3.And(a == b, result))
    return result


def get_entries(world: World, s: Scenario) -> list[tuple[z3.BoolRef, Priority]]:
    """Return the queue's entries: whether each is waiting, and its priority."""
    entries = [
        (
            world.status[o] == Standard.OPEN,
            (world.exitable[o], s.position[o], z3.IntVal(0), world.exit_id[o]),
        )
        for o in (A, B, X)
    ]
    young_position, _ = s.youngest()
    waiting = z3.And(world.queued, z3.Not(world.processed))
    entries.append((waiting, (world.flight_exitable, young_position, z3.IntVal(1), z3.IntVal(0))))
    return entries


def is_mature_head(world: World, s: Scenario, entry: int, now: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``entry`` waits, is mature, and precedes every other waiting entry."""
    entries = get_entries(world, s)
    waiting, priority = entries[entry]
    others = [
        z3.Implies(other, is_before(priority, other_priority))
        for number, (other, other_priority) in enumerate(entries)
        if number != entry
    ]
    return z3.And(waiting, priority[0] <= now, *others)


def pay(world: World, amount: z3.ArithRef) -> tuple[World, z3.ArithRef]:
    """Return the world with ``min(amount, vault)`` taken from the vault, and that payout."""
    payout = z3.If(amount < world.vault, amount, world.vault)
    return replace(world, vault=world.vault - payout), payout


def process_standard(world: World, s: Scenario, o: int) -> World:
    """Return the world after the standard exit of ``o`` is processed (skipped or paid)."""
    skipped = replace(world, status=put(world.status, o, z3.IntVal(Standard.SKIPPED)))
    paid, payout = pay(world, s.amount[o])
    paid = replace(
        paid,
        status=put(world.status, o, z3.IntVal(Standard.PROCESSED)),
        paid=put(world.paid, o, payout),
        marked=put(world.marked, o, z3.BoolVal(True)),
    )
    return choose(world.marked[o], skipped, paid)


def settle(world: World, s: Scenario, k: int) -> World:
    """Return the world after slot ``k``'s open piggyback is settled."""
    is_open = world.slots[k] == Slot.OPEN
    if k == SLOT_O:
        pays = z3.And(is_open, world.outcome == Outcome.OUTPUTS)
    else:
        pays = z3.And(is_open, world.outcome == Outcome.INPUTS, z3.Not(world.marked[k]))
    paid, payout = pay(world, s.slot_amount(k))
    paid = replace(
        paid,
        slots=put(world.slots, k, z3.IntVal(Slot.PAID)),
        slot_paid=put(world.slot_paid, k, payout),
    )
    if k != SLOT_O:
        paid = replace(paid, marked=put(paid.marked, k, z3.BoolVal(True)))
    unpaid = replace(world, slots=put(world.slots, k, z3.IntVal(Slot.UNPAID)))
    return choose(pays, paid, choose(is_open, unpaid, world))


def process_in_flight(world: World, s: Scenario) -> World:
    """Return the world after the in-flight entry is processed: decided, then settled."""
    settled_elsewhere = z3.Or(world.marked[A], z3.And(s.has_b, world.marked[B]))
    pays_outputs = z3.And(world.canonical, z3.Not(settled_elsewhere))
    retired = (z3.BoolVal(True), z3.Or(world.marked[B], s.has_b), world.marked[X])
    outputs = replace(world, outcome=z3.IntVal(Outcome.OUTPUTS), marked=retired)
    inputs = replace(world, outcome=z3.IntVal(Outcome.INPUTS))
    decided = choose(pays_outputs, outputs, inputs)
    for k in (SLOT_A, SLOT_B, SLOT_O):
        decided = settle(decided, s, k)
    return replace(decided, processed=z3.BoolVal(True))


def get_exitable_time(s: Scenario, o: int, now: z3.ArithRef, rules: GameRules) -> z3.ArithRef:
    """Return a standard exit's exitable time: ``max(block + 2·MFP, now + MFP)``."""
    periods = 2 if rules.two_periods else 1
    from_block = s.block_time[o] + periods * s.period
    return z3.If(from_block > now + s.period, from_block, now + s.period)


def is_startable(world: World, s: Scenario, o: int) -> z3.BoolRef:
    """Return whether Mallory may start the standard exit of ``o`` (she owns it)."""
    owned = {A: s.owner_a == 1, B: s.has_b, X: z3.BoolVal(True)}[o]
    return z3.And(owned, world.status[o] == Standard.NONE, z3.Not(world.marked[o]))


def apply_move(world: World, move: Move, s: Scenario, rules: GameRules) -> tuple[z3.BoolRef, World]:
    """Return the guard of a step and the world after it."""
    now = world.now + move.elapsed
    timed = replace(world, now=now)
    target = move.target
    first_phase = now < world.flight_at + s.period / 2
    # H challenges every standard exit of A or B within MFP/2 - 1 of its start
    reaction = s.period / 2 - 1
    obligations = [
        z3.Not(z3.And(world.status[o] == Standard.OPEN, now > world.started[o] + reaction))
        for o in (A, B)
        if rules.honest_challenges_inputs
    ]
    options: list[tuple[int, z3.BoolRef, World]] = [(Action.WAIT, z3.BoolVal(True), timed)]
    for o in (A, B, X):
        started = replace(
            timed,
            status=put(world.status, o, z3.IntVal(Standard.OPEN)),
            started=put(world.started, o, now),
            exitable=put(world.exitable, o, get_exitable_time(s, o, now, rules)),
            exit_id=put(world.exit_id, o, world.sequence),
            sequence=world.sequence + 1,
        )
        options.append(
            (Action.START_STANDARD, z3.And(target == o, is_startable(world, s, o)), started)
        )
        if o != X:
            challenged = replace(timed, status=put(world.status, o, z3.IntVal(Standard.CHALLENGED)))
            guard = z3.And(target == o, world.status[o] == Standard.OPEN)
            options.append((Action.CHALLENGE_STANDARD, guard, challenged))
    options.append(
        (
            Action.START_IN_FLIGHT,
            z3.Not(world.flight),
            replace(timed, flight=z3.BoolVal(True), flight_at=now),
        )
    )
    _, young_time = s.youngest()
    from_inputs = young_time + 2 * s.period
    exitable = z3.If(from_inputs > now + s.period, from_inputs, now + s.period)
    phase = first_phase if rules.first_phase_piggybacks else z3.BoolVal(True)
    for k in (SLOT_A, SLOT_B, SLOT_O):
        exists = s.has_b if k == SLOT_B else z3.BoolVal(True)
        guard = z3.And(target == k, world.flight, exists, phase, world.slots[k] == Slot.NONE)
        piggybacked = replace(
            timed,
            slots=put(world.slots, k, z3.IntVal(Slot.OPEN)),
            slot_at=put(world.slot_at, k, now),
            queued=z3.BoolVal(True),
            flight_exitable=z3.If(world.queued, world.flight_exitable, exitable),
        )
        options.append((Action.PIGGYBACK, guard, piggybacked))
        if k != SLOT_O:
            spend = z3.And(s.slot_owner(k) == 1, s.competitor)
            shown = spend if rules.spend_other_than_payment else z3.BoolVal(True)
            guard = z3.And(target == k, world.slots[k] == Slot.OPEN, shown)
            dropped = replace(timed, slots=put(world.slots, k, z3.IntVal(Slot.CHALLENGED)))
            options.append((Action.CHALLENGE_INPUT, guard, dropped))
    canonicity = z3.And(world.flight, s.competitor, first_phase)
    options.append(
        (Action.CHALLENGE_CANONICITY, canonicity, replace(timed, canonical=z3.BoolVal(False)))
    )
    for entry in (A, B, X, IN_FLIGHT_ENTRY):
        guard = z3.And(target == entry, is_mature_head(world, s, entry, now))
        after = (
            process_in_flight(timed, s)
            if entry == IN_FLIGHT_ENTRY
            else process_standard(timed, s, entry)
        )
        options.append((Action.PROCESS, guard, after))
    guard = z3.And(
        move.elapsed >= 0,
        *obligations,
        z3.Or(*(z3.And(move.action == action, enabled) for action, enabled, _ in options)),
    )
    result = timed
    for action, enabled, after in options[1:]:
        result = choose(z3.And(move.action == action, enabled), after, result)
    return guard, result
