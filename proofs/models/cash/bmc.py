"""Bounded model check of one coin's Plasma Cash exit game: INV-26 and INV-27.

The world: one coin of one Cash environment, an honest owner ``H`` and
Mallory, who is the byzantine operator and every past owner of the coin.
The operator's block log at the coin's key is chosen freely by the solver:
:data:`CASH_BMC_BLOCKS` blocks, one of which (``m``) is the coin's deposit
block and holds its mint; every other block holds nothing or a transfer
naming any earlier block, to any owner, signed by anyone but ``H``: forged
(before the mint too: the coin's id, the deposit block's number, can be
predicted), double spending, or withheld from ``H``, whose strategy never
reads blocks after its own. The exit game's rules only compare block
numbers and read leaves, never commit times, so the log is fixed for the
whole trace.

Hypotheses of INV-27 (and of INV-26's soundness claim): ``H`` owns the
coin by the leaf at block ``h`` whose history is **strictly valid** (from
the mint to ``h``, every block holds nothing or exactly the next transfer
of the history, naming the previous leaf's block and signed by the owner
it gave the coin to), ``H`` never signs, and ``H`` watches: it acts within
``W = MFP/2 - 1`` seconds (integer halving) of any exit of the coin
starting, challenging Mallory's exit (spent after or double spend
between, if a witness exists, else invalid history with its own leaf
``h``), and of any invalid-history challenge on its own exit, answering it
if an answer exists. These obligations are constraints on the traces (time
cannot pass the deadline while ``H`` owes and still can do its action);
everything else is the solver's choice, in any order, at any time.

Each step: time passes (``elapsed >= 0``), then one action: a start of an
exit (by ``H`` with its leaf ``h``, or by Mallory with any leaf she owns,
spending its parent as the spec checks it), a spent-after or
double-spend-between challenge, an invalid-history challenge, an answer, a
finalization, or nothing. After each step the solver looks for a trace
whose step breaks the property (push, check, pop). A reachability check
then shows the hypotheses can be met within the bound (``H`` paid after a
challenge), so that the check is not vacuous.

Properties: INV-26: no step cancels ``H``'s exit. INV-27: besides, no step
pays an exit of Mallory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import IntEnum

import z3

from proofs.models.solving import CHECK_TIMEOUT_MS, evaluate, evaluate_int
from proofs.results import Outcome
from spec.invariants.ids import InvariantId

CASH_BMC_DEPTH = 6
"""Steps the traces are unrolled to."""

CASH_BMC_BLOCKS = 5
"""Blocks at the coin's key (the deposit block and four child blocks)."""

HONEST = 0
"""The honest owner ``H``."""

MALLORY = 1
"""Mallory: the byzantine operator and every past owner."""

NAMES = {HONEST: "H", MALLORY: "Mallory"}
"""Printable actor names."""

READABLE_PERIOD = 10
"""MFP of printed traces (every MFP >= 4 is checked)."""


class Action(IntEnum):
    """What a step does after time passes."""

    WAIT = 0
    """Nothing."""
    START = 1
    """``StartCoinExit`` with the leaf at ``block`` (and its parent)."""
    SPENT = 2
    """``ChallengeCoinSpent`` with the transfer at ``block``."""
    DOUBLE = 3
    """``ChallengeCoinDoubleSpend`` with the transfer at ``block``."""
    HISTORY = 4
    """``ChallengeCoinHistory`` with the leaf at ``block``."""
    RESPOND = 5
    """``RespondCoinHistory`` of the challenge at ``block`` with the transfer at ``other``."""
    FINALIZE = 6
    """``FinalizeCoinExit``."""


@dataclass(frozen=True)
class BlockLog:
    """The leaves at the coin's key, chosen by the operator, and ``H``'s block."""

    present: tuple[z3.BoolRef, ...]
    """Whether each block holds a leaf at the coin's key (the mint block: always)."""
    previous: tuple[z3.ArithRef, ...]
    """The block each transfer names (its parent)."""
    owner: tuple[z3.ArithRef, ...]
    """Who each leaf gives the coin to."""
    signer: tuple[z3.ArithRef, ...]
    """Who signed each transfer."""
    honest_block: z3.ArithRef
    """``h``: the block of ``H``'s leaf."""
    mint_block: z3.ArithRef
    """``m``: the coin's deposit block (its id), which holds its mint."""


@dataclass(frozen=True)
class GameRules:
    """The exit game's rules, and the bug each control plants."""

    spent_needs_signer: bool = True
    """A spent-after challenge needs the exiter's signature."""
    double_spend_between: bool = True
    """A double-spend challenge must come before the exiting transfer."""
    history_window: bool = True
    """Invalid-history challenges only within MFP/2 of the start."""
    response_needs_signer: bool = True
    """An answer needs the signature of the challenged leaf's owner."""
    reaction_margin: int = 1
    """``W = MFP/2 - reaction_margin``: how long ``H`` may take to act."""
    parent_from_mint: bool = True
    """A start's parent must be at or after the coin's mint (``PARENT_BEFORE_MINT``)."""
    strict_history: bool = True
    """``H``'s history is strictly valid (else a late double spend may sit before its parent)."""


@dataclass(frozen=True)
class World:
    """The exit game's state after some steps."""

    now: z3.ArithRef
    """Settlement time."""
    open: z3.BoolRef
    """An exit of the coin is open."""
    exiter: z3.ArithRef
    """Its owner."""
    exit_block: z3.ArithRef
    """Its exiting leaf's block."""
    parent_block: z3.ArithRef
    """Its parent's block (the exit block, for the mint)."""
    parent_owner: z3.ArithRef
    """Owner by its parent."""
    started: z3.ArithRef
    """When it started."""
    challenged: tuple[z3.BoolRef, ...]
    """Per block: an invalid-history challenge names it."""
    challenged_at: tuple[z3.ArithRef, ...]
    """Per block: when that challenge was opened."""
    was_challenged: z3.BoolRef
    """Ghost: the open exit was ever challenged."""
    exited: z3.BoolRef
    """The coin was paid out."""
    mallory_cancelled: z3.BoolRef
    """Ghost: an exit of Mallory's was cancelled."""


@dataclass(frozen=True)
class Move:
    """One step's choices."""

    elapsed: z3.ArithRef
    """Seconds before the action."""
    action: z3.ArithRef
    """An :class:`Action`."""
    actor: z3.ArithRef
    """Who acts (who starts an exit)."""
    block: z3.ArithRef
    """The block the action shows."""
    other: z3.ArithRef
    """The answer's block (for an answer)."""


def pick(values: tuple[z3.ExprRef, ...], index: z3.ArithRef) -> z3.ExprRef:
    """Return ``values[index]`` for a symbolic index (the last value past the end)."""
    result = values[-1]
    for position in range(len(values) - 2, -1, -1):
        result = z3.If(index == position, values[position], result)
    return result


def declare_log(blocks: int) -> BlockLog:
    """Return a block log of fresh constants."""
    return BlockLog(
        present=tuple(z3.Bool(f"present{k}") for k in range(blocks)),
        previous=tuple(z3.Int(f"previous{k}") for k in range(blocks)),
        owner=tuple(z3.Int(f"owner{k}") for k in range(blocks)),
        signer=tuple(z3.Int(f"signer{k}") for k in range(blocks)),
        honest_block=z3.Int("h"),
        mint_block=z3.Int("m"),
    )


def is_validly_made(log: BlockLog, k: z3.ArithRef) -> z3.BoolRef:
    """Return whether the leaf at ``k`` is the mint or a transfer signed by its parent's owner."""
    parent = pick(log.previous, k)
    return z3.Or(
        k == log.mint_block,
        z3.And(
            parent >= 0,
            parent < k,
            pick(log.present, parent),
            pick(log.signer, k) == pick(log.owner, parent),
        ),
    )


def get_log_constraints(log: BlockLog, rules: GameRules) -> list[z3.BoolRef]:
    """Return the operator's freedom and ``H``'s hypotheses on the block log."""
    blocks = len(log.present)
    h, m = log.honest_block, log.mint_block
    constraints: list[z3.BoolRef] = [m >= 0, m < blocks, pick(log.present, m), h >= 0, h < blocks]
    for k in range(blocks):
        constraints.append(z3.Or(log.owner[k] == HONEST, log.owner[k] == MALLORY))
        transfer = z3.And(log.signer[k] == MALLORY, log.previous[k] >= 0, log.previous[k] < k)
        constraints.append(z3.Implies(z3.And(k != m, log.present[k]), transfer))
    constraints += [pick(log.present, h), pick(log.owner, h) == HONEST]
    # H's history: chain[k] says block k holds a leaf of H's history (from the mint to h)
    chain: list[z3.BoolRef] = [z3.BoolVal(False)] * blocks
    for k in range(blocks - 1, -1, -1):
        later = [
            z3.And(chain[j], log.present[j], log.previous[j] == k) for j in range(k + 1, blocks)
        ]
        spent_later = z3.Or(*later) if later else z3.BoolVal(False)
        chain[k] = z3.And(m <= k, z3.Or(h == k, z3.And(k < h, spent_later)))
    constraints.append(pick(tuple(chain), m))
    for k in range(blocks):
        made = is_validly_made(log, z3.IntVal(k))
        constraints.append(z3.Implies(chain[k], made))
        mine = z3.And(m <= k, k <= h, log.present[k])
        if rules.strict_history:
            constraints.append(z3.Implies(mine, chain[k]))
        else:
            # A leaf of H's history span that is not of its history is a late double spend:
            # of a history leaf that the history had already spent in an earlier block
            spent_before = [z3.And(chain[j], log.previous[j] == log.previous[k]) for j in range(k)]
            double_spend = z3.And(
                k != m,
                pick(tuple(chain), log.previous[k]),
                log.signer[k] == pick(log.owner, log.previous[k]),
                z3.Or(*spent_before) if spent_before else z3.BoolVal(False),
            )
            constraints.append(z3.Implies(mine, z3.Or(chain[k], double_spend)))
    return constraints


def declare_move(step: int) -> Move:
    """Return step ``step``'s choices as fresh constants."""
    return Move(*(z3.Int(f"{item.name}@{step}") for item in fields(Move)))


def make_initial_world(blocks: int) -> World:
    """Return the world before any step: no exit, time 0."""
    false = z3.BoolVal(False)
    zero = z3.IntVal(0)
    return World(
        now=zero,
        open=false,
        exiter=zero,
        exit_block=zero,
        parent_block=zero,
        parent_owner=zero,
        started=zero,
        challenged=tuple(false for _ in range(blocks)),
        challenged_at=tuple(zero for _ in range(blocks)),
        was_challenged=false,
        exited=false,
        mallory_cancelled=false,
    )


def is_transfer_at(log: BlockLog, k: z3.ArithRef) -> z3.BoolRef:
    """Return whether block ``k`` holds a transfer of the coin (a leaf, not the mint)."""
    return z3.And(k >= 0, k < len(log.present), k != log.mint_block, pick(log.present, k))


def can_spent(world: World, log: BlockLog, k: z3.ArithRef, rules: GameRules) -> z3.BoolRef:
    """Return whether the transfer at ``k`` is a spent-after witness against the open exit."""
    signed = pick(log.signer, k) == world.exiter if rules.spent_needs_signer else True
    return z3.And(
        world.open,
        is_transfer_at(log, k),
        pick(log.previous, k) == world.exit_block,
        k > world.exit_block,
        signed,
    )


def can_double(world: World, log: BlockLog, k: z3.ArithRef, rules: GameRules) -> z3.BoolRef:
    """Return whether the transfer at ``k`` is a double-spend witness against the open exit."""
    between = k < world.exit_block if rules.double_spend_between else k != world.exit_block
    return z3.And(
        world.open,
        is_transfer_at(log, k),
        pick(log.previous, k) == world.parent_block,
        world.parent_block < k,
        between,
        pick(log.signer, k) == world.parent_owner,
    )


def can_answer(
    world: World, log: BlockLog, k: z3.ArithRef, j: z3.ArithRef, rules: GameRules
) -> z3.BoolRef:
    """Return whether the transfer at ``j`` answers the open challenge at ``k``."""
    owner = pick(log.owner, k)
    signed = pick(log.signer, j) == owner if rules.response_needs_signer else True
    return z3.And(
        world.open,
        k >= 0,
        k < len(log.present),
        pick(world.challenged, k),
        is_transfer_at(log, j),
        pick(log.previous, j) == k,
        k < j,
        j <= world.parent_block,
        signed,
    )


def any_block(condition: Callable[[z3.ArithRef], z3.BoolRef], blocks: int) -> z3.BoolRef:
    """Return whether ``condition`` holds for some block."""
    return z3.Or(*(condition(z3.IntVal(k)) for k in range(blocks)))


def cancel(world: World) -> World:
    """Return the world after the open exit is cancelled."""
    false = z3.BoolVal(False)
    return replace(
        world,
        open=false,
        challenged=tuple(false for _ in world.challenged),
        mallory_cancelled=z3.Or(world.mallory_cancelled, world.exiter == MALLORY),
    )


def apply_move(
    world: World, move: Move, log: BlockLog, period: z3.ArithRef, rules: GameRules
) -> tuple[z3.BoolRef, World]:
    """Return the guard of a step and the world after it."""
    blocks = len(log.present)
    h = log.honest_block
    now = world.now + move.elapsed
    timed = replace(world, now=now)
    k, j = move.block, move.other
    deadline = world.started + period / 2
    reaction = period / 2 - rules.reaction_margin
    # H's obligations: time may not pass a deadline while H owes an action it can still do
    mallory_open = z3.And(world.open, world.exiter == MALLORY)
    immediate = any_block(
        lambda b: z3.Or(can_spent(world, log, b, rules), can_double(world, log, b, rules)), blocks
    )
    owes_history = z3.And(h < world.parent_block, z3.Not(pick(world.challenged, h)))
    owes_on_mallory = z3.And(
        mallory_open, z3.Or(immediate, z3.And(owes_history, world.now < deadline))
    )
    honest_open = z3.And(world.open, world.exiter == HONEST)

    def is_answerable(challenge: int) -> z3.BoolRef:
        """Return whether some block answers the open challenge at ``challenge``."""
        at = z3.IntVal(challenge)
        return z3.Or(*(can_answer(world, log, at, z3.IntVal(b), rules) for b in range(blocks)))

    owed_answers = [
        z3.And(honest_open, is_answerable(c), now > world.challenged_at[c] + reaction)
        for c in range(blocks)
    ]
    obligations = z3.And(
        z3.Not(z3.And(owes_on_mallory, now > world.started + reaction)),
        z3.Not(z3.Or(*owed_answers)),
    )
    # PARENT_BEFORE_MINT: an exit's parent is at or after the coin's mint
    from_mint = (
        z3.Or(k == log.mint_block, pick(log.previous, k) >= log.mint_block)
        if rules.parent_from_mint
        else z3.BoolVal(True)
    )
    start_guard = z3.And(
        z3.Not(world.open),
        z3.Not(world.exited),
        z3.Or(move.actor == HONEST, move.actor == MALLORY),
        k >= 0,
        k < blocks,
        pick(log.present, k),
        pick(log.owner, k) == move.actor,
        is_validly_made(log, k),
        z3.Implies(move.actor == HONEST, k == h),
        from_mint,
    )
    parent = z3.If(k == log.mint_block, k, pick(log.previous, k))
    started = replace(
        timed,
        open=z3.BoolVal(True),
        exiter=move.actor,
        exit_block=k,
        parent_block=parent,
        parent_owner=pick(log.owner, parent),
        started=now,
        was_challenged=z3.BoolVal(False),
    )
    window = now < deadline if rules.history_window else z3.BoolVal(True)
    history_guard = z3.And(
        world.open,
        window,
        k >= 0,
        k < blocks,
        pick(log.present, k),
        is_validly_made(log, k),
        k >= log.mint_block,
        k < world.parent_block,
        z3.Not(pick(world.challenged, k)),
    )
    challenged = replace(
        timed,
        challenged=tuple(z3.Or(c, k == b) for b, c in enumerate(world.challenged)),
        challenged_at=tuple(z3.If(k == b, now, t) for b, t in enumerate(world.challenged_at)),
        was_challenged=z3.BoolVal(True),
    )
    answered = replace(
        timed, challenged=tuple(z3.And(c, k != b) for b, c in enumerate(world.challenged))
    )
    mature = z3.And(world.open, now >= world.started + period)
    any_open = z3.Or(*world.challenged)
    paid = replace(timed, open=z3.BoolVal(False), exited=z3.BoolVal(True))
    options = [
        (Action.WAIT, z3.BoolVal(True), timed),
        (Action.START, start_guard, started),
        (Action.SPENT, can_spent(world, log, k, rules), cancel(timed)),
        (Action.DOUBLE, can_double(world, log, k, rules), cancel(timed)),
        (Action.HISTORY, history_guard, challenged),
        (Action.RESPOND, can_answer(world, log, k, j, rules), answered),
        (Action.FINALIZE, mature, choose(any_open, cancel(timed), paid)),
    ]
    guard = z3.And(
        move.elapsed >= 0,
        obligations,
        z3.Or(*(z3.And(move.action == action, enabled) for action, enabled, _ in options)),
    )
    after = options[0][2]
    for action, _, result in options[1:]:
        after = choose(move.action == action, result, after)
    return guard, after


def choose(condition: z3.BoolRef, then: World, otherwise: World) -> World:
    """Return ``then`` if ``condition`` holds, else ``otherwise`` (field by field)."""
    values = {}
    for item in fields(World):
        first, second = getattr(then, item.name), getattr(otherwise, item.name)
        if isinstance(first, tuple):
            values[item.name] = tuple(
                z3.If(condition, a, b) for a, b in zip(first, second, strict=True)
            )
        else:
            values[item.name] = z3.If(condition, first, second)
    return World(**values)


@dataclass(frozen=True)
class StepFrame:
    """One unrolled step."""

    before: World
    """World before it."""
    move: Move
    """Its choices."""
    after: World
    """World after it."""


def cancels_honest_exit(frame: StepFrame, log: BlockLog) -> z3.BoolRef:
    """Return whether the step cancels an exit of ``H``."""
    before, move = frame.before, frame.move
    return z3.And(
        before.open,
        before.exiter == HONEST,
        z3.Not(frame.after.open),
        z3.Not(frame.after.exited),
        move.action != Action.START,
    )


def pays_mallory(frame: StepFrame, log: BlockLog) -> z3.BoolRef:
    """Return whether the step pays an exit of Mallory."""
    before = frame.before
    return z3.And(before.open, before.exiter == MALLORY, z3.Not(before.exited), frame.after.exited)


def breaks_withdrawal(frame: StepFrame, log: BlockLog) -> z3.BoolRef:
    """Return INV-27's violation: Mallory paid, or ``H``'s exit cancelled."""
    return z3.Or(pays_mallory(frame, log), cancels_honest_exit(frame, log))


def pays_honest_after_challenge(frame: StepFrame, log: BlockLog) -> z3.BoolRef:
    """Return whether the step pays ``H``'s exit after it was challenged."""
    before = frame.before
    return z3.And(before.open, before.exiter == HONEST, before.was_challenged, frame.after.exited)


def pays_honest_after_mallory(frame: StepFrame, log: BlockLog) -> z3.BoolRef:
    """Return whether the step pays ``H``'s exit after an exit of Mallory's was cancelled."""
    before = frame.before
    return z3.And(
        before.open, before.exiter == HONEST, before.mallory_cancelled, frame.after.exited
    )


StepCondition = Callable[[StepFrame, BlockLog], z3.BoolRef]
"""A condition on one step, given the block log."""


@dataclass(frozen=True)
class CashProperty:
    """A property of the coin's exit game, checked at every step up to the bound."""

    name: str
    """Check name."""
    invariant: InvariantId
    """The catalogued invariant it states."""
    violation: StepCondition
    """The step breaks it."""
    hypothesis: StepCondition
    """A step meeting its hypothesis (reachability, against vacuity)."""
    message: str
    """What a violation means."""


CASH_PROPERTIES = (
    CashProperty(
        "honest-coin-exit-never-cancelled",
        InvariantId.COIN_CHALLENGE_SOUNDNESS,
        cancels_honest_exit,
        pays_honest_after_challenge,
        "an exit with a valid history, answered in time, was cancelled",
    ),
    CashProperty(
        "honest-coin-withdrawal",
        InvariantId.COIN_HONEST_WITHDRAWAL,
        breaks_withdrawal,
        pays_honest_after_mallory,
        "the coin of an honest owner who watched was paid to Mallory, or its exit cancelled",
    ),
)
"""The bounded properties."""


class Unrolling:
    """A solver holding the coin's exit game unrolled step by step."""

    def __init__(self, blocks: int, rules: GameRules, timeout_ms: int) -> None:
        self.period = z3.Int("mfp")
        self.log = declare_log(blocks)
        self.rules = rules
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.solver.add(self.period >= 4, *get_log_constraints(self.log, rules))
        self.frames: list[StepFrame] = []
        self.world = make_initial_world(blocks)
        self.model: z3.ModelRef | None = None

    def add_step(self) -> StepFrame:
        """Add one more step to every trace; return its frame."""
        move = declare_move(len(self.frames) + 1)
        guard, after = apply_move(self.world, move, self.log, self.period, self.rules)
        self.solver.add(guard)
        frame = StepFrame(self.world, move, after)
        self.frames.append(frame)
        self.world = after
        return frame

    def check(self, condition: z3.BoolRef) -> z3.CheckSatResult:
        """Return whether some trace so far meets ``condition``; keep a readable model if so."""
        self.solver.push()
        self.solver.add(condition)
        verdict = self.solver.check()
        self.model = self.solver.model() if verdict == z3.sat else None
        if verdict == z3.sat:
            self.solver.add(self.period == READABLE_PERIOD)
            self.solver.add(*(f.move.elapsed <= 3 * READABLE_PERIOD for f in self.frames))
            if self.solver.check() == z3.sat:
                self.model = self.solver.model()
        self.solver.pop()
        return verdict


def describe_log(model: z3.ModelRef, log: BlockLog) -> list[str]:
    """Return the block log as lines: what each block holds at the coin's key."""
    lines = []
    h, m = evaluate_int(model, log.honest_block), evaluate_int(model, log.mint_block)
    for k in range(len(log.present)):
        owner = NAMES.get(evaluate_int(model, log.owner[k]), "?")
        mark = " (H's leaf)" if k == h else ""
        if k == m:
            lines.append(f"block {k}: mint of the coin to {owner} (its deposit block){mark}")
        elif not evaluate(model, log.present[k]):
            lines.append(f"block {k}: nothing at the coin's key")
        else:
            signer = NAMES.get(evaluate_int(model, log.signer[k]), "?")
            previous = evaluate_int(model, log.previous[k])
            lines.append(
                f"block {k}: transfer spending block {previous}, to {owner}, signed by "
                f"{signer}{mark}"
            )
    return lines


def describe_move(model: z3.ModelRef, frame: StepFrame) -> str:
    """Return one step's action as the spec operation it stands for."""
    move, before = frame.move, frame.before
    action = Action(evaluate_int(model, move.action))
    k, j = evaluate_int(model, move.block), evaluate_int(model, move.other)
    actor = NAMES.get(evaluate_int(model, move.actor), "?")
    exiter = NAMES.get(evaluate_int(model, before.exiter), "?")
    texts = {
        Action.WAIT: "(nothing)",
        Action.START: f"StartCoinExit(by {actor}, exiting leaf of block {k})",
        Action.SPENT: f"ChallengeCoinSpent(exit of {exiter}, spend in block {k})",
        Action.DOUBLE: f"ChallengeCoinDoubleSpend(exit of {exiter}, spend in block {k})",
        Action.HISTORY: f"ChallengeCoinHistory(exit of {exiter}, earlier leaf of block {k})",
        Action.RESPOND: f"RespondCoinHistory(exit of {exiter}, challenge at block {k}, "
        f"answer in block {j})",
        Action.FINALIZE: f"FinalizeCoinExit(exit of {exiter}) -> "
        + ("paid" if evaluate(model, frame.after.exited) else "cancelled"),
    }
    return texts[action]


def describe_trace(model: z3.ModelRef, unrolling: Unrolling) -> str:
    """Return a trace: the block log, then numbered spec operations (time moves included)."""
    lines = [f"MFP = {evaluate(model, unrolling.period)}", *describe_log(model, unrolling.log)]
    number = 0
    for frame in unrolling.frames:
        elapsed = evaluate_int(model, frame.move.elapsed)
        if elapsed > 0:
            number += 1
            lines.append(
                f"{number}. AdvanceTime(+{elapsed} -> t={evaluate(model, frame.after.now)})"
            )
        if evaluate_int(model, frame.move.action) != Action.WAIT:
            number += 1
            lines.append(f"{number}. {describe_move(model, frame)}")
    return "\n".join(lines)


def run_cash_bounded_check(
    prop: CashProperty,
    *,
    depth: int = CASH_BMC_DEPTH,
    blocks: int = CASH_BMC_BLOCKS,
    rules: GameRules | None = None,
    timeout_ms: int = CHECK_TIMEOUT_MS,
) -> tuple[Outcome, int, str, float]:
    """Unroll to ``depth``, looking for a violation at each step; return outcome, depth, detail, s.

    A violation is FAILED with its trace; unknown is UNKNOWN; otherwise the
    hypothesis must be reachable within the bound (else FAILED: vacuous),
    and the outcome is BOUNDED.
    """
    started = time.perf_counter()
    unrolling = Unrolling(blocks, rules or GameRules(), timeout_ms)
    for step in range(1, depth + 1):
        frame = unrolling.add_step()
        verdict = unrolling.check(prop.violation(frame, unrolling.log))
        if verdict == z3.sat:
            assert unrolling.model is not None
            trace = describe_trace(unrolling.model, unrolling)
            detail = f"{trace}\nviolates {prop.invariant}: {prop.message}"
            return Outcome.FAILED, step, detail, time.perf_counter() - started
        if verdict != z3.unsat:
            return (
                Outcome.UNKNOWN,
                step,
                f"solver gave up at depth {step}",
                time.perf_counter() - started,
            )
    reached = z3.Or(*(prop.hypothesis(frame, unrolling.log) for frame in unrolling.frames))
    if unrolling.check(reached) != z3.sat:
        detail = "vacuous: no trace within the bound meets the hypothesis"
        return Outcome.FAILED, depth, detail, time.perf_counter() - started
    assert unrolling.model is not None
    witness = describe_trace(unrolling.model, unrolling)
    detail = f"no violation; a trace meeting the hypothesis:\n{witness}"
    return Outcome.BOUNDED, depth, detail, time.perf_counter() - started
