"""The recorded game: its state, how actions are recorded, applied and checked, and what it reads.

:class:`GameState` holds the world the game acts on and the bookkeeping of its
actors (pending payments, the watchers' last turn, noticed bad blocks, signers).
Every world action goes through :meth:`GameState.attempt` with its expected
outcome, and every accepted step is checked against the whole catalog (and
INV-13 pairs). :func:`action` makes a game method a recorded action (one
:class:`~adversary.trace.Step` of the trace, replayable through :data:`ACTIONS`).
The actions themselves live in :mod:`adversary.payments.honest` and
:mod:`adversary.payments.attacks`; :class:`adversary.payments.machine.Game` combines them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Concatenate, NoReturn, ParamSpec, Protocol, TypeVar

from adversary.payments import properties
from adversary.payments import world as worlds
from adversary.payments.actors import make_funded_world
from adversary.payments.roster import BYZANTINE_ENV, EMPTY_ROOT, ENVIRONMENTS, HONEST_OWNERS
from adversary.payments.world import World
from adversary.trace import Argument, Step, format_steps
from fixtures import OPERATOR, OPERATOR_TWO, WATCHER
from spec.environments.payments import transactions
from spec.environments.payments.transactions import Output, SignedTransaction
from spec.errors import Rejected, RejectionReason
from spec.invariants import evaluate
from spec.invariants.evaluate import Violation
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import Deposit, SubmitBlock
from spec.settlement.state import BlockKind, Exit, ExitStatus
from spec.settlement.transition import Operation, get_operation_environment_id


class TraceFailure(AssertionError):  # noqa: N818 - names the outcome, like Rejected
    """An invariant, a property or an expected outcome failed in a trace."""


# Recording actions

P = ParamSpec("P")


class RecordingGame(Protocol):
    """What an action recorder needs of a game: it opens and closes steps, and keeps its trace."""

    failed: bool
    """Whether an action failed (the trace is then over)."""

    def begin(self, name: str, arguments: Mapping[str, object]) -> None:
        """Open the step of an action."""

    def end(self) -> None:
        """Close the step being recorded."""

    def get_trace(self) -> tuple[Step, ...]:
        """Return the steps recorded so far."""
        ...


G = TypeVar("G", bound=RecordingGame)

Action = Callable[Concatenate[G, P], None]
"""A game method taking keyword arguments."""


def make_action_recorder(
    registry: dict[str, Callable[..., None]],
) -> Callable[[Action[G, P]], Action[G, P]]:
    """Return a decorator making a game method a recorded action, listed in ``registry``.

    Each call becomes one step of the trace; a failure is marked on the game
    and carries the trace so far (``game_trace``).
    """

    def action(method: Action[G, P]) -> Action[G, P]:
        @functools.wraps(method)
        def run(game: G, /, *args: P.args, **kwargs: P.kwargs) -> None:
            assert not args, "game actions take keyword arguments only"
            game.begin(method.__name__, kwargs)
            try:
                method(game, *args, **kwargs)
            except BaseException as error:
                game.failed = True
                if not hasattr(error, "game_trace"):
                    error.game_trace = game.get_trace()  # type: ignore[attr-defined]
                raise
            finally:
                game.end()

        registry[method.__name__] = run
        return run

    return action


ACTIONS: dict[str, Callable[..., None]] = {}
"""Every game action, by name: what a trace may replay."""

action = make_action_recorder(ACTIONS)
"""Make a payments game method a recorded action (listed in :data:`ACTIONS`)."""


def to_argument(value: object) -> Argument:
    """Return an action argument as a trace argument (a JSON scalar).

    Raises:
        TypeError: for anything else.
    """
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"action argument {value!r} is not a JSON scalar")


def format_violations(violations: list[Violation]) -> str:
    """Return violations one per line."""
    return "\n".join(f"{v.identifier}: {v.message}" for v in violations)


class GameState:
    """Two environments, their actors and the world they act on; every step is checked."""

    def __init__(self) -> None:
        self.world = make_funded_world(operators=(OPERATOR, OPERATOR_TWO))
        """The world as it is now."""
        self.steps: list[Step] = []
        """Actions taken so far."""
        self.notes: list[str] = []
        """Notes of the action in progress."""
        self.current: tuple[str, dict[str, Argument]] | None = None
        """The action in progress, if any."""
        self.pending: dict[int, list[SignedTransaction]] = {env: [] for env in ENVIRONMENTS}
        """Signed payments waiting for an operator, per environment."""
        self.last_watch = int(self.world.settlement.time)
        """When watchers (and honest users) last looked at the chains."""
        self.noticed: set[int] = set()
        """Environments whose bad block honest users have seen."""
        self.last_operation: dict[int, Operation] = {}
        """Last accepted operation per environment (for INV-13 pairs)."""
        self.signers: dict[int, properties.InputSigners] = {}
        """Per environment, who signed each input of a known payment (a cache)."""
        self.signers_seen: dict[int, int] = {}
        """Per environment, how many signed spends ``signers`` covers."""
        self.failed = False
        """Whether an action failed (the trace is then over)."""
        self.period = properties.get_period(self.world, BYZANTINE_ENV)
        """Minimal finalization period of the environments."""

    # Recording

    def begin(self, name: str, arguments: Mapping[str, object]) -> None:
        """Start recording an action."""
        self.current, self.notes = (name, {k: to_argument(v) for k, v in arguments.items()}), []

    def end(self) -> None:
        """Finish recording the action in progress."""
        if self.current is not None:
            self.steps.append(Step(self.current[0], self.current[1], tuple(self.notes)))
        self.current, self.notes = None, []

    def note(self, text: str) -> None:
        """Add a note, stamped with the time, to the action in progress."""
        self.notes.append(f"[t={int(self.world.settlement.time)}] {text}")

    def get_trace(self) -> tuple[Step, ...]:
        """Return the steps taken, the one in progress included."""
        steps = list(self.steps)
        if self.current is not None:
            steps.append(Step(self.current[0], self.current[1], tuple(self.notes)))
        return tuple(steps)

    def fail(self, summary: str) -> NoReturn:
        """Fail the trace: ``summary`` first (one line), then the trace so far.

        Raises:
            TraceFailure: always.
        """
        self.failed = True
        raise TraceFailure(f"{summary}\n\nTrace (game actions):\n{format_steps(self.get_trace())}")

    def fail_on(self, violations: list[Violation]) -> None:
        """Fail the trace if there are violations, the first one as the summary."""
        if violations:
            rest = f"\n{format_violations(violations[1:])}" if len(violations) > 1 else ""
            self.fail(format_violations(violations[:1]) + rest)

    # Applying world actions

    def attempt(
        self, what: str, expected: RejectionReason | None, perform: Callable[[World], World]
    ) -> bool:
        """Run a world action whose outcome is known; check the step; return whether accepted."""
        pre = self.world
        try:
            post = perform(pre)
        except Rejected as rejection:
            if rejection.reason != expected:
                wanted = expected.value if expected else "acceptance"
                self.fail(f"{what}: rejected with {rejection.reason.value}, expected {wanted}")
            self.note(f"{what}: rejected with {rejection.reason.value}, as it must be")
            return False
        if expected is not None:
            self.fail(f"{what}: accepted, expected rejection {expected.value}")
        self.note(what)
        self.check(pre, post)
        self.world = post
        return True

    def apply(self, what: str, expected: RejectionReason | None, operation: Operation) -> bool:
        """Apply one settlement operation whose outcome is known (see :meth:`attempt`)."""
        return self.attempt(what, expected, lambda w: worlds.apply_operation(w, operation))

    def check(self, pre: World, post: World) -> None:
        """Evaluate the catalog on a step, and INV-13 on pairs with other environments."""
        violations = properties.check_step(pre, post)
        if len(post.log) > len(pre.log):
            operation = post.log[-1]
            env = get_operation_environment_id(operation)
            if env is not None:
                for partner in self.get_pair_partners(env):
                    violations += evaluate.check_settlement_pair(pre.settlement, operation, partner)
                self.last_operation[env] = operation
        self.fail_on(violations)

    def get_pair_partners(self, env: int) -> list[Operation]:
        """Return operations on other environments to pair with one on ``env`` (INV-13).

        Per other environment: its last accepted operation, its operator's next
        block (empty), and a watcher's deposit of one native unit.
        """
        partners: list[Operation] = []
        for other in (e for e in self.get_environment_ids() if e != env):
            if other in self.last_operation:
                partners.append(self.last_operation[other])
            operator = self.world.settlement.environments[other].operator
            number = self.get_next_child_number(other)
            partners.append(SubmitBlock(Uint64(other), operator, number, EMPTY_ROOT))
            partners.append(Deposit(Uint64(other), WATCHER.address, NATIVE_TOKEN, Uint256(1)))
        return partners

    # Reading the world

    def get_chain(self, env: int) -> worlds.ChainRecord:
        """Return an environment's ground truth."""
        return self.world.chains[env]

    def get_environment_ids(self) -> range:
        """Return the ids of every registered environment."""
        return range(len(self.world.chains))

    def is_compromised(self, env: int) -> bool:
        """Return whether an environment has a bad block."""
        return self.get_chain(env).first_bad_block is not None

    def get_signers(self, env: int) -> properties.InputSigners:
        """Return who signed each input of every known payment in ``env`` (kept up to date)."""
        spends = self.get_chain(env).signed_spends
        seen = self.signers_seen.get(env, 0)
        if seen < len(spends):
            known = self.signers.get(env, {})
            self.signers[env] = properties.compute_input_signers(env, spends[seen:], known)
            self.signers_seen[env] = len(spends)
        return self.signers.get(env, {})

    def is_signed_by(self, env: int, position: OutputPosition, owner: Address) -> bool:
        """Return whether ``owner`` signed a known spend of the output."""
        return owner in self.get_signers(env).get(position, frozenset())

    def get_exits(self, env: int) -> list[tuple[Uint64, Exit]]:
        """Return an environment's exits by id."""
        return sorted(self.world.settlement.environments[env].exits.items())

    def get_exited_positions(self, env: int) -> set[OutputPosition]:
        """Return the outputs of an environment that have an exit (of any status)."""
        return {exit.position for _, exit in self.get_exits(env)}

    def iterate_outputs(self, env: int) -> Iterator[tuple[OutputPosition, Output]]:
        """Yield every output of every committed block of ``env`` (withheld ones too)."""
        for number, block in sorted(self.get_chain(env).contents.items()):
            for index, transaction in enumerate(block):
                outputs = transactions.get_transaction_outputs(transaction)
                for output_index, output in enumerate(outputs):
                    yield OutputPosition(number, Uint16(index), Uint8(output_index)), output

    def get_output(self, env: int, position: OutputPosition) -> Output:
        """Return the output at a position of a committed block."""
        block = self.get_chain(env).contents[position.block_number]
        outputs = transactions.get_transaction_outputs(block[position.transaction_index])
        return outputs[position.output_index]

    def get_unclaimed_outputs(self, env: int, owners: frozenset[Address]) -> list[OutputPosition]:
        """Return reality's unspent outputs of ``owners`` with no exit and no owner-signed spend."""
        exited = self.get_exited_positions(env)
        return sorted(
            position
            for position, output in self.get_chain(env).reality.utxos.items()
            if output.owner in owners
            and position not in exited
            and not self.is_signed_by(env, position, output.owner)
        )

    def get_next_child_number(self, env: int) -> Uint64:
        """Return the next child block number, read from the block log."""
        blocks = self.world.settlement.environments[env].blocks
        children = [number for number, record in blocks.items() if record.kind == BlockKind.CHILD]
        return Uint64(max(children, default=0) + int(self.world.settlement.preset.block_interval))

    def has_free_deposit_number(self, env: int) -> bool:
        """Return whether a deposit block number is free before the next child block."""
        blocks = self.world.settlement.environments[env].blocks
        return max(blocks, default=0) + 1 < self.get_next_child_number(env)

    def get_time_budget(self) -> int:
        """Return how far time may pass: to the watchers' next turn and honest exit deadlines."""
        limit = self.last_watch + self.period // 2
        for env in self.get_environment_ids():
            deadline = properties.get_exit_deadline(self.world, env)
            if deadline is not None and self.get_unclaimed_outputs(env, HONEST_OWNERS):
                limit = min(limit, deadline)
        return limit - int(self.world.settlement.time)

    def has_late_honest_exits(self) -> bool:
        """Return whether honest users have seen a bad block and still have outputs there."""
        return any(self.get_unclaimed_outputs(env, HONEST_OWNERS) for env in self.noticed)

    def has_closed_exits(self) -> bool:
        """Return whether any exit was challenged or processed."""
        return any(
            exit.status != ExitStatus.OPEN
            for env in self.get_environment_ids()
            for _, exit in self.get_exits(env)
        )

    def has_open_exits(self) -> bool:
        """Return whether any exit is still open."""
        return any(
            exit.status == ExitStatus.OPEN
            for env in self.get_environment_ids()
            for _, exit in self.get_exits(env)
        )

    def count_processed(self) -> int:
        """Return how many exits were processed in all environments."""
        return sum(
            exit.status == ExitStatus.PROCESSED
            for env in self.get_environment_ids()
            for _, exit in self.get_exits(env)
        )
