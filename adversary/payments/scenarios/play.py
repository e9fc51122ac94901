"""Playing a scenario: actions against a world, each recorded as a step of the timeline.

A :class:`Play` wraps a :class:`~adversary.payments.world.World`. Each of its actions
(deposit, commit a block, sign, start an exit, challenge, process, check a
block, or submit any raw operation) is tried on the world; the step records
whether the spec accepted it, rejected it (with the reason) or whether the
actor could not even build it, and which funds moved.

After every accepted step the play audits the books: every change of a
settlement balance, of a vault and of the bonds held must be explained by the
deposits, bonds and payouts the step made (read from the state), and no
catalogued settlement invariant may break. What fails is kept in
:attr:`Play.problems`; the scenario then fails.

The spec is reached only through module attributes (``adversary.payments.world`` and
the ``spec`` modules), looked up at call time, so a patched spec function is
the one that runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import adversary.payments.world as world_model
from adversary.payments.scenarios.books import compute_movements, find_unexplained_changes
from adversary.payments.scenarios.records import (
    ActionKind,
    Movement,
    Outcome,
    Step,
    describe_position,
    get_token_name,
)
from adversary.payments.world import ImpossibleAction, World
from fixtures import Actor, get_actor_name, make_rules
from spec import merkle
from spec.environments.payments import chain as child_chain
from spec.environments.payments import transactions
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import DeleteInFlightExit, StartInFlightExit
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.errors import Rejected
from spec.invariants import evaluate
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint16, Uint64, Uint256
from spec.settlement import blocks, deposits
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import Environment, Exit
from spec.settlement.transition import Operation

Action = Callable[[World], World]
"""An action on the world; raises ``Rejected`` or ``ImpossibleAction`` when it cannot be taken."""

ACTION_KINDS: dict[type, ActionKind] = {
    RegisterEnvironment: ActionKind.REGISTER,
    Deposit: ActionKind.DEPOSIT,
    SubmitBlock: ActionKind.SUBMIT_BLOCK,
    StartStandardExit: ActionKind.START_EXIT,
    ChallengeStandardExit: ActionKind.CHALLENGE,
    ProcessExits: ActionKind.PROCESS_EXITS,
    AdvanceTime: ActionKind.ADVANCE_TIME,
    StartInFlightExit: ActionKind.START_IN_FLIGHT_EXIT,
    PiggybackInFlightExit: ActionKind.PIGGYBACK,
    ChallengeInFlightNotCanonical: ActionKind.CHALLENGE_CANONICITY,
    RespondToNonCanonicalChallenge: ActionKind.RESPOND_CANONICITY,
    ChallengeInFlightInputSpent: ActionKind.CHALLENGE_PIGGYBACK,
    ChallengeInFlightOutputSpent: ActionKind.CHALLENGE_PIGGYBACK,
    DeleteInFlightExit: ActionKind.DELETE_IN_FLIGHT_EXIT,
}
"""The kind of action of each settlement operation."""

NOWHERE = OutputPosition(Uint64(999), Uint16(0), Uint8(0))
"""A position no scenario ever creates: a payment spending it mints value from nowhere."""


def make_output(owner: Actor, amount: int, token: Address = NATIVE_TOKEN) -> Output:
    """Return an output of ``amount`` of ``token`` owned by ``owner``."""
    return Output(owner.address, token, Uint256(amount))


def make_position(block: int, transaction: int = 0, output: int = 0) -> OutputPosition:
    """Return the position ``block/transaction/output``."""
    return OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))


def describe_output(output: Output) -> str:
    """Return ``owner amount token``."""
    return f"{get_actor_name(output.owner)} {int(output.amount)} {get_token_name(output.token)}"


def count_transactions(block: Sequence[BlockTransaction]) -> str:
    """Return ``n transaction(s)`` for a block."""
    return f"{len(block)} transaction{'' if len(block) == 1 else 's'}"


def describe_payment(payment: SignedTransaction) -> str:
    """Return ``inputs -> outputs`` of a payment."""
    inputs = ", ".join(describe_position(p) for p in payment.transaction.inputs)
    outputs = ", ".join(describe_output(o) for o in payment.transaction.outputs)
    return f"{inputs} -> {outputs}"


class Play:
    """A scenario being played: the world, when it started, and the timeline so far."""

    def __init__(self, world: World) -> None:
        """Start playing on ``world``; its current time is the scenario's time zero."""
        self.world = world
        """The world as the scenario has left it so far."""
        self.start = int(world.settlement.time)
        """Settlement time when the scenario started."""
        self.steps: list[Step] = []
        """The timeline."""
        self.problems: list[str] = []
        """Unexplained fund movements and broken invariants found after accepted steps."""
        self.chains_before: dict[tuple[int, int], ChildChainState] = {}
        """Valid-history child chain just before each committed block, by (env, number)."""

    # Clock and lookups

    @property
    def now(self) -> int:
        """Return the seconds since the scenario started."""
        return int(self.world.settlement.time) - self.start

    def wait_until(self, offset: int) -> None:
        """Move the settlement clock to ``offset`` seconds after the start."""
        assert offset >= self.now, "a scenario's clock only moves forward"
        if offset > self.now:
            self.world = world_model.advance_time(self.world, offset - self.now)

    def environment(self, env: int) -> Environment:
        """Return an environment of the settlement state."""
        return self.world.settlement.environments[env]

    def describe(self, env: int, position: OutputPosition) -> str:
        """Return a position and, when the block is known, whose output it is."""
        words = describe_position(position)
        known = self.world.chains[env].contents.get(position.block_number, ())
        index, output_index = int(position.transaction_index), int(position.output_index)
        if index < len(known):
            outputs = transactions.get_transaction_outputs(known[index])
            if output_index < len(outputs):
                words += f" ({describe_output(outputs[output_index])})"
        return words

    # Environments, deposits, payments, blocks

    def register(self, operator: Actor) -> int:
        """``operator`` registers a payments environment; return its id."""
        env = len(self.world.settlement.environments)
        rules = make_rules(self.world.settlement.preset)
        self.attempt(
            operator.address,
            ActionKind.REGISTER,
            f"registers environment {env}",
            lambda world: world_model.register_environment(world, operator.address, rules),
        )
        return env

    def deposit(
        self, owner: Actor, amount: int, token: Address = NATIVE_TOKEN, env: int = 0
    ) -> OutputPosition:
        """``owner`` deposits; return the position the deposit output takes."""
        number = int(deposits.get_next_deposit_block_number(self.environment(env)))
        self.attempt(
            owner.address,
            ActionKind.DEPOSIT,
            f"deposits {amount} {get_token_name(token)} into env {env} (block {number})",
            lambda world: world_model.deposit(world, env, owner.address, token, amount)[0],
        )
        return make_position(number)

    def sign(
        self,
        signer: Actor,
        inputs: Sequence[OutputPosition],
        outputs: Sequence[Output],
        env: int = 0,
    ) -> SignedTransaction:
        """``signer`` signs every input of a payment (owned or not) and hands it out."""
        transaction = Transaction(tuple(inputs), tuple(outputs))
        keys = [signer.key] * len(inputs)
        payment = transactions.sign_transaction(Uint64(env), transaction, keys)
        self.world = world_model.sign_spend(self.world, env, payment)
        words = f"signs a payment in env {env}: {describe_payment(payment)}"
        self.record(Step(self.now, signer.address, ActionKind.SIGN, words, Outcome.OFF_CHAIN))
        return payment

    def commit(
        self, block: Sequence[BlockTransaction], env: int = 0, *, withhold: bool = False
    ) -> int:
        """The environment's operator commits a child block; return its number."""
        environment = self.environment(env)
        number = int(blocks.get_next_child_block_number(self.world.settlement, environment))
        self.chains_before[(env, number)] = self.world.chains[env].reality
        hidden = ", withholding its contents" if withhold else ""
        self.attempt(
            environment.operator,
            ActionKind.SUBMIT_BLOCK,
            f"commits block {number} of env {env} ({count_transactions(block)}){hidden}",
            lambda world: world_model.commit_block(world, env, block, withhold=withhold)[0],
        )
        return number

    def check_block(self, checker: Actor, number: int, env: int = 0) -> None:
        """``checker`` fetches a committed block and replays it on the child chain before it."""
        kind, words = (
            ActionKind.VALIDATE_BLOCK,
            f"fetches block {number} of env {env} and replays it",
        )
        chain = self.world.chains[env]
        if number in chain.withheld and checker.address != self.environment(env).operator:
            detail = f"block {number} is withheld"
            self.record(
                Step(self.now, checker.address, kind, words, Outcome.IMPOSSIBLE, None, detail)
            )
            return
        block = Block(chain.contents[Uint64(number)])
        try:
            child_chain.apply_block(self.chains_before[(env, number)], Uint64(number), block)
        except Rejected as rejection:
            reason = rejection.reason
            self.record(Step(self.now, checker.address, kind, words, Outcome.REJECTED, reason))
            return
        self.record(Step(self.now, checker.address, kind, words, Outcome.OFF_CHAIN, None, "valid"))

    def make_submission(
        self, sender: Actor, number: int, block: Sequence[BlockTransaction], env: int = 0
    ) -> SubmitBlock:
        """Return a raw submission by ``sender`` of ``block``'s root at ``number``."""
        depth = int(self.world.settlement.preset.transaction_tree_depth)
        root = transactions.compute_block_root(block, depth)
        return SubmitBlock(Uint64(env), sender.address, Uint64(number), root)

    # Exits

    def make_exit(
        self,
        sender: Actor,
        position: OutputPosition,
        env: int = 0,
        *,
        block: Sequence[BlockTransaction] | None = None,
        bond: int | None = None,
    ) -> StartStandardExit:
        """Return the exit of ``position``, proved against ``block`` (default: what was committed).

        The default block may be withheld: only someone who knows it (the
        operator and its accomplices) builds such an exit.
        """
        if block is None:
            block = self.world.chains[env].contents[position.block_number]
        depth = int(self.world.settlement.preset.transaction_tree_depth)
        leaves = [transactions.compute_transaction_leaf(tx) for tx in block]
        index = int(position.transaction_index)
        proof = merkle.compute_merkle_proof(leaves, index, depth)
        paid_bond = self.environment(env).rules.exit_bond if bond is None else Uint256(bond)
        return StartStandardExit(
            Uint64(env), sender.address, position, block[index], proof, paid_bond
        )

    def start_exit(self, owner: Actor, position: OutputPosition, env: int = 0) -> int:
        """``owner`` exits an output of a published block; return the exit id it would take."""
        exit_id = len(self.environment(env).exits)
        self.attempt(
            owner.address,
            ActionKind.START_EXIT,
            f"starts an exit of {self.describe(env, position)} in env {env}",
            lambda world: world_model.start_exit(world, env, owner.address, position),
        )
        return exit_id

    def start_insider_exit(self, owner: Actor, position: OutputPosition, env: int = 0) -> int:
        """An accomplice of the operator exits an output of a block only they know."""
        exit_id = len(self.environment(env).exits)
        words = f"starts an exit of {self.describe(env, position)} (from a withheld block)"
        self.submit(owner, self.make_exit(owner, position, env), words)
        return exit_id

    def challenge(
        self, challenger: Actor, exit_id: int, env: int = 0, spend: SignedTransaction | None = None
    ) -> None:
        """``challenger`` challenges an exit with ``spend`` (default: a known spend of it)."""
        exit = self.environment(env).exits.get(Uint64(exit_id))
        if exit is None:
            words, detail = f"challenges exit #{exit_id} in env {env}", "no such exit"
            impossible = Outcome.IMPOSSIBLE
            self.record(
                Step(
                    self.now,
                    challenger.address,
                    ActionKind.CHALLENGE,
                    words,
                    impossible,
                    None,
                    detail,
                )
            )
            return
        if spend is None:
            self.attempt(
                challenger.address,
                ActionKind.CHALLENGE,
                f"challenges exit #{exit_id} with a known signed spend of its output",
                lambda world: world_model.challenge_exit(world, env, challenger.address, exit_id),
            )
            return
        self.submit(
            challenger,
            make_challenge(env, challenger, exit_id, exit, spend),
            f"challenges exit #{exit_id} with the payment {describe_payment(spend)}",
        )

    def process(
        self, caller: Actor, token: Address = NATIVE_TOKEN, env: int = 0, max_exits: int = 16
    ) -> None:
        """``caller`` processes up to ``max_exits`` mature exits of one queue."""
        self.attempt(
            caller.address,
            ActionKind.PROCESS_EXITS,
            f"processes up to {max_exits} exits of {get_token_name(token)} in env {env}",
            lambda world: world_model.process_exits(world, env, token, max_exits),
        )

    def submit(self, sender: Actor, operation: Operation, words: str) -> None:
        """``sender`` submits a raw settlement operation."""
        kind = ACTION_KINDS[type(operation)]
        self.attempt(
            sender.address, kind, words, lambda world: world_model.apply_operation(world, operation)
        )

    # Recording

    def attempt(self, actor: Address, kind: ActionKind, words: str, action: Action) -> bool:
        """Try an action on the world, record the step, and return whether it was accepted."""
        before, time = self.world, self.now
        try:
            after = action(before)
        except Rejected as rejection:
            self.record(Step(time, actor, kind, words, Outcome.REJECTED, rejection.reason))
            return False
        except ImpossibleAction as impossible:
            self.record(Step(time, actor, kind, words, Outcome.IMPOSSIBLE, None, str(impossible)))
            return False
        movements = compute_movements(before.settlement, after.settlement, actor)
        self.audit(before, after, movements)
        self.world = after
        self.record(Step(time, actor, kind, words, Outcome.ACCEPTED, movements=movements))
        return True

    def record(self, step: Step) -> None:
        """Append a step to the timeline."""
        self.steps.append(step)

    def audit(self, before: World, after: World, movements: tuple[Movement, ...]) -> None:
        """Check the books and the settlement invariants across one accepted step."""
        label = f"step {len(self.steps) + 1}"
        for problem in find_unexplained_changes(before.settlement, after.settlement, movements):
            self.problems.append(f"{label}: {problem}")
        for operation in after.log[len(before.log) :]:
            found = evaluate.check_settlement_transition(
                before.settlement, operation, after.settlement
            )
            self.problems.extend(f"{label}: {v.identifier} broken: {v.message}" for v in found)


def make_challenge(
    env: int, challenger: Actor, exit_id: int, exit: Exit, spend: SignedTransaction
) -> ChallengeStandardExit:
    """Return a challenge of ``exit`` naming the spend's input that is the exiting output."""
    inputs = spend.transaction.inputs
    index = inputs.index(exit.position) if exit.position in inputs else 0
    return ChallengeStandardExit(
        Uint64(env), challenger.address, Uint64(exit_id), spend, Uint8(index)
    )
