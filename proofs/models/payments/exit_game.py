"""The exit game as a small Z3 world: an honest user, a byzantine operator, one environment.

Used by the bounded model checks of honest withdrawal (INV-18) and exit
ordering (INV-19) in ``proofs.models.payments.bmc``. The world starts empty; each
step lets time pass, then applies one operation chosen by the solver.

Abstraction (what the model keeps and drops):

- One environment, one token, two actors: ``HONEST`` and the byzantine
  ``OPERATOR`` (who is also a user). Bonds, settlement balances, the
  quarantine and the block interval are dropped.
- Every block holds exactly one output, so a block slot *is* an output slot,
  and positions order like slot indexes; at most ``slots`` blocks.
  Each output records whether it is valid *in reality* (created by a deposit
  or by a valid payment of a valid output) and whether it is spent (its
  owner signed a payment of it).
- Operations: a deposit (a valid output of the depositor); a valid child
  block paying one unspent valid output, with no exit started, in full to a
  new owner (an honest owner may pay); an invalid child block minting an
  output for the operator from nowhere (withheld blocks are treated as
  invalid: their outputs may be anything); a start-exit by the output's
  owner (the honest user exits only its valid unspent outputs, and never
  spends an output it exits); a challenge, which needs a signed spend of
  the exiting output; processing the head of the queue.
- Exitable times, queue order and payout use the formulas of
  ``proofs.models.rules`` (the ones the drift test ties to the spec).
- Honest watcher (the "watches at least once per half MFP" of INV-18): an
  exit of a spent output is challenged before it matures, so processing
  never pays one. Spends happen only before an exit starts, so the watcher
  always has the whole challenge window.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import IntEnum

import z3

from proofs.models.processing import QueueOrder
from proofs.models.rules import (
    compute_exitable_time,
    compute_payout,
    is_earlier_in_queue,
)
from proofs.models.transitions import ExitableRule

HONEST = 0
"""The honest user."""

OPERATOR = 1
"""The byzantine operator."""

ACTOR_NAMES = {HONEST: "honest", OPERATOR: "operator"}
"""Printable actor names."""


class ExitState(IntEnum):
    """Exit status of an output slot."""

    NONE = 0
    """No exit started."""
    OPEN = 1
    """Exit open."""
    CHALLENGED = 2
    """Exit cancelled by a challenge."""
    PROCESSED = 3
    """Exit paid."""


class Action(IntEnum):
    """The operation a step applies."""

    DEPOSIT = 0
    """``Deposit``: a deposit block with one valid output."""
    PAYMENT = 1
    """``SubmitBlock`` of a valid block: one output paid in full to a new owner."""
    INVALID_BLOCK = 2
    """``SubmitBlock`` of an invalid block: an output for the operator from nowhere."""
    START_EXIT = 3
    """``StartStandardExit`` by the output's owner."""
    CHALLENGE = 4
    """``ChallengeStandardExit`` with a signed spend of the output."""
    PROCESS = 5
    """``ProcessExits``: pay the head of the queue."""


@dataclass(frozen=True)
class OutputSlot:
    """One block and its single output."""

    is_deposit: z3.BoolRef
    """Deposit block (else child block)."""
    block_time: z3.ArithRef
    """Commitment time."""
    owner: z3.ArithRef
    """HONEST or OPERATOR."""
    amount: z3.ArithRef
    """Amount."""
    valid: z3.BoolRef
    """Valid in reality."""
    spent: z3.BoolRef
    """Spent in reality (its owner signed a payment of it)."""
    exit_state: z3.ArithRef
    """``ExitState``."""
    exit_started_at: z3.ArithRef
    """When its exit started."""
    exitable_at: z3.ArithRef
    """Exitable time of its exit."""
    exit_id: z3.ArithRef
    """Order in which its exit started (the last key of the queue order)."""
    paid: z3.ArithRef
    """Amount its exit was paid."""


@dataclass(frozen=True)
class World:
    """The exit game's state after some steps."""

    now: z3.ArithRef
    """Settlement time."""
    block_count: z3.ArithRef
    """Blocks (and outputs) so far."""
    exit_count: z3.ArithRef
    """Exits started so far."""
    deposited: z3.ArithRef
    """Total deposited."""
    withdrawn: z3.ArithRef
    """Total paid out."""
    first_invalid: z3.ArithRef
    """Slot of the first invalid block (``slots`` when there is none)."""
    first_invalid_time: z3.ArithRef
    """Time of the first invalid block."""
    slots: tuple[OutputSlot, ...]
    """Every block slot."""


@dataclass(frozen=True)
class Move:
    """One step's choices: time passing, the action, and its arguments."""

    elapsed: z3.ArithRef
    """Seconds that pass before the action."""
    action: z3.ArithRef
    """``Action``."""
    actor: z3.ArithRef
    """Depositor or new owner."""
    amount: z3.ArithRef
    """Amount deposited or minted."""
    slot: z3.ArithRef
    """The output acted on."""


def declare_move(step: int) -> Move:
    """Return fresh choices for step ``step``."""
    return Move(*(z3.Int(f"step{step}.{field.name}") for field in fields(Move)))


def make_initial_world(slots: int) -> World:
    """Return the empty world: no blocks, no exits, time 0."""
    zero, false = z3.IntVal(0), z3.BoolVal(False)
    empty = OutputSlot(
        false, zero, zero, zero, false, false, z3.IntVal(ExitState.NONE), zero, zero, zero, zero
    )
    return World(zero, zero, zero, zero, zero, z3.IntVal(slots), zero, (empty,) * slots)


def select_slot(condition: z3.BoolRef, then: OutputSlot, otherwise: OutputSlot) -> OutputSlot:
    """Return ``then`` where ``condition`` holds, else ``otherwise``, field by field."""
    return OutputSlot(
        **{
            field.name: z3.If(condition, getattr(then, field.name), getattr(otherwise, field.name))
            for field in fields(OutputSlot)
        }
    )


def select_world(condition: z3.BoolRef, then: World, otherwise: World) -> World:
    """Return ``then`` where ``condition`` holds, else ``otherwise``."""
    scalars = {
        field.name: z3.If(condition, getattr(then, field.name), getattr(otherwise, field.name))
        for field in fields(World)
        if field.name != "slots"
    }
    slots = tuple(
        select_slot(condition, a, b) for a, b in zip(then.slots, otherwise.slots, strict=True)
    )
    return World(**scalars, slots=slots)


def update_slot(world: World, index: z3.ArithRef, **changes: z3.ExprRef) -> World:
    """Return the world with the slot at symbolic ``index`` changed."""
    slots = tuple(
        select_slot(index == position, replace(slot, **changes), slot)
        for position, slot in enumerate(world.slots)
    )
    return replace(world, slots=slots)


def get_slot_field(world: World, index: z3.ArithRef, name: str) -> z3.ExprRef:
    """Return field ``name`` of the slot at symbolic ``index``."""
    value = getattr(world.slots[0], name)
    for position, slot in enumerate(world.slots[1:], start=1):
        value = z3.If(index == position, getattr(slot, name), value)
    return value


def is_existing_slot(world: World, index: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``index`` names a block of the world."""
    return z3.And(index >= 0, index < world.block_count)


@dataclass(frozen=True)
class GameRules:
    """The settlement rules the world's steps use; a negative control replaces one."""

    order: QueueOrder = is_earlier_in_queue
    """Strict order of queue keys (exitable time, position, exit id)."""
    exitable_rule: ExitableRule = compute_exitable_time
    """Exitable time from (is deposit block, block time, start, MFP)."""
    challenge_needs_spend: bool = True
    """Whether a challenge must show a signed spend of the output."""


def append_block(
    world: World, *, is_deposit: bool, owner: z3.ArithRef, amount: z3.ArithRef, valid: bool
) -> World:
    """Return the world with a new block (and its one output) in the next free slot."""
    new = {
        "is_deposit": z3.BoolVal(is_deposit),
        "block_time": world.now,
        "owner": owner,
        "amount": amount,
        "valid": z3.BoolVal(valid),
        "spent": z3.BoolVal(False),
        "exit_state": z3.IntVal(ExitState.NONE),
    }
    grown = update_slot(world, world.block_count, **new)
    return replace(grown, block_count=world.block_count + 1)


def is_actor(value: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``value`` names an actor."""
    return z3.Or(value == HONEST, value == OPERATOR)


def has_room(world: World) -> z3.BoolRef:
    """Return whether a block slot is free."""
    return world.block_count < len(world.slots)


def apply_deposit(world: World, move: Move) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of a deposit by ``move.actor`` of ``move.amount``."""
    guard = z3.And(has_room(world), is_actor(move.actor), move.amount >= 1)
    after = append_block(world, is_deposit=True, owner=move.actor, amount=move.amount, valid=True)
    return guard, replace(after, deposited=world.deposited + move.amount)


def apply_payment(world: World, move: Move) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of a valid block paying output ``move.slot`` onward."""
    slot = move.slot

    def field(name: str) -> z3.ExprRef:
        return get_slot_field(world, slot, name)

    guard = z3.And(
        has_room(world),
        is_actor(move.actor),
        is_existing_slot(world, slot),
        field("valid"),
        z3.Not(field("spent")),
        field("exit_state") == ExitState.NONE,
    )
    spent = update_slot(world, slot, spent=z3.BoolVal(True))
    after = append_block(
        spent, is_deposit=False, owner=move.actor, amount=field("amount"), valid=True
    )
    return guard, after


def apply_invalid_block(world: World, move: Move) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of an invalid block minting ``move.amount`` to the operator."""
    guard = z3.And(has_room(world), move.amount >= 1)
    after = append_block(
        world, is_deposit=False, owner=z3.IntVal(OPERATOR), amount=move.amount, valid=False
    )
    first = world.first_invalid == len(world.slots)
    return guard, replace(
        after,
        first_invalid=z3.If(first, world.block_count, world.first_invalid),
        first_invalid_time=z3.If(first, world.now, world.first_invalid_time),
    )


def apply_start_exit(
    world: World, move: Move, period: z3.ArithRef, rules: GameRules
) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of the owner of output ``move.slot`` starting its exit."""
    slot = move.slot

    def field(name: str) -> z3.ExprRef:
        return get_slot_field(world, slot, name)

    honest_choice = z3.Implies(
        field("owner") == HONEST, z3.And(field("valid"), z3.Not(field("spent")))
    )
    guard = z3.And(
        is_existing_slot(world, slot), field("exit_state") == ExitState.NONE, honest_choice
    )
    exitable = rules.exitable_rule(field("is_deposit"), field("block_time"), world.now, period)
    started = update_slot(
        world,
        slot,
        exit_state=z3.IntVal(ExitState.OPEN),
        exit_started_at=world.now,
        exitable_at=exitable,
        exit_id=world.exit_count,
    )
    return guard, replace(started, exit_count=world.exit_count + 1)


def apply_challenge(world: World, move: Move, rules: GameRules) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of a challenge of the exit of output ``move.slot``."""
    slot = move.slot
    is_open = get_slot_field(world, slot, "exit_state") == ExitState.OPEN
    has_spend = get_slot_field(world, slot, "spent") if rules.challenge_needs_spend else True
    guard = z3.And(is_existing_slot(world, slot), is_open, has_spend)
    return guard, update_slot(world, slot, exit_state=z3.IntVal(ExitState.CHALLENGED))


def get_queue_key(world: World, position: int) -> tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef]:
    """Return the queue key of the exit of the output in slot ``position``."""
    slot = world.slots[position]
    return (slot.exitable_at, z3.IntVal(position), slot.exit_id)


def is_queue_head(world: World, slot: z3.ArithRef, rules: GameRules) -> z3.BoolRef:
    """Return whether the exit of output ``slot`` is first among the open exits."""
    heads = []
    for position, candidate in enumerate(world.slots):
        others = [
            z3.Implies(
                other.exit_state == ExitState.OPEN,
                rules.order(get_queue_key(world, position), get_queue_key(world, index)),
            )
            for index, other in enumerate(world.slots)
            if index != position
        ]
        heads.append(z3.And(slot == position, candidate.exit_state == ExitState.OPEN, *others))
    return z3.Or(*heads)


def apply_process(world: World, move: Move, rules: GameRules) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of processing the head of the queue, output ``move.slot``."""
    slot = move.slot

    def field(name: str) -> z3.ExprRef:
        return get_slot_field(world, slot, name)

    guard = z3.And(
        is_existing_slot(world, slot),
        is_queue_head(world, slot, rules),
        field("exitable_at") <= world.now,
        z3.Not(field("spent")),  # the honest watcher challenged every exit of a spent output
    )
    payout = compute_payout(field("amount"), world.deposited - world.withdrawn)
    paid = update_slot(world, slot, exit_state=z3.IntVal(ExitState.PROCESSED), paid=payout)
    return guard, replace(paid, withdrawn=world.withdrawn + payout)


def apply_move(
    world: World, move: Move, period: z3.ArithRef, rules: GameRules
) -> tuple[z3.BoolRef, World]:
    """Return the guard and result of one step: time passes, then the chosen action."""
    timed = replace(world, now=world.now + move.elapsed)
    options = {
        Action.DEPOSIT: apply_deposit(timed, move),
        Action.PAYMENT: apply_payment(timed, move),
        Action.INVALID_BLOCK: apply_invalid_block(timed, move),
        Action.START_EXIT: apply_start_exit(timed, move, period, rules),
        Action.CHALLENGE: apply_challenge(timed, move, rules),
        Action.PROCESS: apply_process(timed, move, rules),
    }
    chosen = [z3.And(move.action == action, guard) for action, (guard, _) in options.items()]
    result = timed
    for action, (_, after) in options.items():
        result = select_world(move.action == action, after, result)
    return z3.And(move.elapsed >= 0, z3.Or(*chosen)), result
