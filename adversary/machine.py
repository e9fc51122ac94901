"""The stateful adversarial test: a game on a World, driven by Hypothesis.

Two environments run side by side: environment 0 by ``operator``, who may
turn byzantine at any step, and environment 1 by ``operator-two``, who stays
honest. Users hold the native token and ``TOKEN_A``. The actors:

- honest users (alice, bob, carol, dave) deposit, sign payments that the
  operators include, and exit what they own in reality; they act only on a
  sound environment (acting means looking), and once they have seen a bad
  block they exit everything they own there within one MFP of it;
- the byzantine operator commits invalid blocks (outputs from nowhere, fee
  claims from nowhere, double spends, duplicate inputs, inflated amounts,
  forged signatures, deposits in a child block), withholds blocks, exits
  outputs of its bad blocks (with its accomplice mallory), exits outputs of
  others, and tries to break the block log (another's environment, a
  committed number, a skipped number);
- mallory, a malicious user, exits outputs she spent, exits twice, challenges
  exits with bad witnesses, and uses a fresh environment during quarantine;
- watchers challenge every exit of an output its owner signed a spend of, at
  least once per half MFP: time never passes more than MFP/2 beyond their last
  turn, nor beyond an honest exit deadline (``T_B + MFP``) while honest users
  still have outputs to exit there.

Every action states its expected outcome: accepted, or rejected with one exact
:class:`~spec.errors.RejectionReason`; the child chain must reject each invalid
block for the exact reason its flaw implies and accept every honest block.
After every accepted operation the whole catalog is evaluated
(:func:`adversary.properties.check_step`), and each environment operation is
paired with the other environment's last one for commutation (INV-13). At the
end of a trace honest users exit everything, time runs with watchers present,
every queue is processed, and honest withdrawal (INV-18) and exit ordering
(INV-19) are checked.

The game (:class:`Game`) is plain Python: each action records a
:class:`~adversary.trace.Step`, so a trace replays without Hypothesis
(:func:`replay_trace`). :class:`AdversarialMachine` draws the actions;
:func:`run_machine` runs it in-process under a profile of :data:`PROFILES`.
Spec functions are looked up through their modules at call time, so patched
spec modules (mutants) are exercised.
"""

from __future__ import annotations

import functools
import time as clock
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Concatenate, NoReturn, ParamSpec, cast

from hypothesis import HealthCheck, Phase, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    initialize,
    precondition,
    rule,
)

from adversary import properties
from adversary import world as worlds
from adversary.actors import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MALLORY,
    OPERATOR,
    OPERATOR_TWO,
    TOKEN_A,
    WATCHER,
    Actor,
    make_funded_world,
    make_rules,
)
from adversary.properties import format_position
from adversary.trace import Argument, Step, Trace, format_steps
from adversary.world import World
from spec import crypto, merkle
from spec.errors import Rejected, RejectionReason
from spec.invariants import evaluate
from spec.invariants import settlement as settlement_invariants
from spec.invariants.evaluate import Violation
from spec.payments import chain as child_chain
from spec.payments import transactions
from spec.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    OutputPosition,
    SignedTransaction,
    Transaction,
)
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Signature, Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import (
    ChallengeStandardExit,
    Deposit,
    Operation,
    StartStandardExit,
    SubmitBlock,
)
from spec.settlement.state import BlockKind, Exit, ExitStatus

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


class TraceFailure(AssertionError):  # noqa: N818 - names the outcome, like Rejected
    """An invariant, a property or an expected outcome failed in a trace."""


# Recording actions

P = ParamSpec("P")

ACTIONS: dict[str, Callable[..., None]] = {}
"""Every game action, by name: what a trace may replay."""


def action(method: Callable[Concatenate[Game, P], None]) -> Callable[Concatenate[Game, P], None]:
    """Make a game method a recorded action: each call becomes one step of the trace."""

    @functools.wraps(method)
    def run(game: Game, /, *args: P.args, **kwargs: P.kwargs) -> None:
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

    ACTIONS[method.__name__] = run
    return run


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


def make_high_s(signature: Signature) -> Signature:
    """Return the malleable twin of a low-s signature (s -> n - s, recovery id flipped)."""
    s = int.from_bytes(signature[32:64], "big")
    twin_s = (crypto.SECP256K1_ORDER - s).to_bytes(32, "big")
    return Signature(signature[:32] + twin_s + bytes([1 - signature[64]]))


def sign(
    env: int, signer: Actor, inputs: tuple[OutputPosition, ...], outputs: tuple[Output, ...]
) -> SignedTransaction:
    """Return a payment of ``inputs`` into ``outputs``, ``signer`` signing every input."""
    transaction = Transaction(inputs, outputs)
    return transactions.sign_transaction(Uint64(env), transaction, [signer.key] * len(inputs))


def describe_exit(exit_id: Uint64, exit: Exit) -> str:
    """Return ``exit N of B.T.O``."""
    return f"exit {int(exit_id)} of {format_position(exit.position)}"


def to_mallory(token: Address, amount: int) -> tuple[Output]:
    """Return the one output of a payment to mallory."""
    return (Output(MALLORY.address, token, Uint256(amount)),)


class Game:
    """Two environments, their actors and the world they act on; every action is checked."""

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
            env = settlement_invariants.get_operation_environment_id(operation)
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

    # Building transactions and operations

    def make_exit(self, env: int, sender: Address, position: OutputPosition) -> StartStandardExit:
        """Return the exit of an output of any committed block (withheld ones included)."""
        block = self.get_chain(env).contents[position.block_number]
        depth = int(self.world.settlement.preset.transaction_tree_depth)
        leaves = [transactions.compute_transaction_leaf(tx) for tx in block]
        index = int(position.transaction_index)
        proof = merkle.compute_merkle_proof(leaves, index, depth)
        bond = self.world.settlement.environments[env].rules.exit_bond
        return StartStandardExit(Uint64(env), sender, position, block[index], proof, bond)

    def make_payment(
        self,
        *,
        env: int,
        sender: Actor,
        inputs: list[OutputPosition],
        recipient: Actor,
        amount: int,
        fee: int,
    ) -> SignedTransaction:
        """Return a payment of ``inputs``: per token ``amount`` to the recipient, a fee, change."""
        utxos, outputs = self.get_chain(env).reality.utxos, []
        for token in sorted({utxos[position].token for position in inputs}):
            total = sum(int(utxos[p].amount) for p in inputs if utxos[p].token == token)
            rest = total - min(fee, total - 1)
            paid = min(amount, rest)
            outputs.append(Output(recipient.address, token, Uint256(paid)))
            if rest > paid:
                outputs.append(Output(sender.address, token, Uint256(rest - paid)))
        return sign(env, sender, tuple(inputs), tuple(outputs))

    def take_includable_payments(self, env: int) -> list[SignedTransaction]:
        """Take pending payments valid together against reality (a block's worth); drop stale."""
        utxos, used = self.get_chain(env).reality.utxos, set[OutputPosition]()
        chosen: list[SignedTransaction] = []
        kept: list[SignedTransaction] = []
        for payment in self.pending[env]:
            inputs = payment.transaction.inputs
            if not all(position in utxos and position not in used for position in inputs):
                continue
            if len(chosen) < MAX_PAYMENTS_PER_BLOCK:
                chosen.append(payment)
                used.update(inputs)
            else:
                kept.append(payment)
        self.pending[env] = kept
        return chosen

    def compute_fees(self, env: int, payments: list[SignedTransaction]) -> dict[Address, int]:
        """Return the fees per token that payments valid against reality pay."""
        utxos, fees = self.get_chain(env).reality.utxos, dict[Address, int]()
        for payment in payments:
            for position in payment.transaction.inputs:
                spent = utxos[position]
                fees[spent.token] = fees.get(spent.token, 0) + int(spent.amount)
            for output in payment.transaction.outputs:
                fees[output.token] = fees.get(output.token, 0) - int(output.amount)
        return {token: fee for token, fee in fees.items() if fee > 0}

    def expect_block(
        self,
        env: int,
        number: Uint64,
        block: list[BlockTransaction],
        expected: RejectionReason | None,
    ) -> None:
        """Check the child chain judges a block against reality as expected (valid, or why not)."""
        try:
            child_chain.apply_block(self.get_chain(env).reality, number, Block(tuple(block)))
        except Rejected as rejection:
            if rejection.reason != expected:
                wanted = expected.value if expected else "a valid block"
                got = rejection.reason.value
                self.fail(f"child chain rejected block {int(number)}: {got}, expected {wanted}")
            return
        if expected is not None:
            self.fail(
                f"child chain accepted block {int(number)}, expected rejection {expected.value}"
            )

    # Moves (shared by several actions; not recorded on their own)

    def deposit(self, env: int, actor: Actor, token: str, amount: int) -> None:
        """Deposit; TOO_MANY_DEPOSITS is expected exactly when no deposit number is free."""
        expected = None if self.has_free_deposit_number(env) else RejectionReason.TOO_MANY_DEPOSITS
        created: list[OutputPosition] = []

        def perform(world: World) -> World:
            world, position = worlds.deposit(world, env, actor.address, TOKENS[token], amount)
            created.append(position)
            return world

        if self.attempt(f"Deposit(env {env}, {actor.name}, {amount} {token})", expected, perform):
            self.note(f"-> deposit output {format_position(created[0])}")

    def sign_payment(
        self,
        *,
        env: int,
        sender: Actor,
        inputs: list[OutputPosition],
        recipient: Actor,
        amount: int,
        fee: int,
    ) -> None:
        """Have ``sender`` sign a payment and hand it to the environment's operator."""
        payment = self.make_payment(
            env=env, sender=sender, inputs=inputs, recipient=recipient, amount=amount, fee=fee
        )
        self.world = worlds.sign_spend(self.world, env, payment)
        self.pending[env].append(payment)
        spent = ", ".join(format_position(p) for p in inputs)
        self.note(
            f"{sender.name} signs a payment in env {env} spending {spent} to {recipient.name}"
        )

    def include_payments(self, env: int) -> None:
        """Have the operator commit a valid block of pending payments and claim their fees."""
        operator = self.world.settlement.environments[env].operator
        payments = self.take_includable_payments(env)
        fees = sorted(self.compute_fees(env, payments).items())
        claims = [FeeClaim(Output(operator, token, Uint256(fee))) for token, fee in fees]
        block: list[BlockTransaction] = [*payments, *claims]
        number = self.get_next_child_number(env)
        if not self.is_compromised(env):
            self.expect_block(env, number, block, None)
        contents = f"{len(payments)} payments, {len(claims)} fee claims"
        what = f"SubmitBlock(env {env}, block {int(number)}: {contents})"
        self.commit(env, block, False, what)

    def commit(self, env: int, block: list[BlockTransaction], withhold: bool, what: str) -> None:
        """Have the environment's operator commit a block (the settlement layer must accept it)."""
        self.attempt(what, None, lambda w: worlds.commit_block(w, env, block, withhold=withhold)[0])

    def start_exit(self, env: int, owner: Address, position: OutputPosition, what: str) -> None:
        """Have an output's owner start its exit, which must be accepted."""
        amount = int(self.get_output(env, position).amount)
        text = f"StartStandardExit(env {env}, {format_position(position)}, {amount}{what})"
        self.apply(text, None, self.make_exit(env, owner, position))

    def exit_honest_outputs(self, env: int) -> None:
        """Have honest users exit every output they own in reality and never spent, in ``env``."""
        for position in self.get_unclaimed_outputs(env, HONEST_OWNERS):
            self.start_exit(env, self.get_output(env, position).owner, position, "")

    def watch(self) -> None:
        """Watchers challenge every open exit whose owner signed a spend; users see bad blocks."""
        for env in self.get_environment_ids():
            for exit_id, exit in self.get_exits(env):
                if exit.status == ExitStatus.OPEN and self.is_signed_by(
                    env, exit.position, exit.owner
                ):
                    self.challenge_with_owner_spend(env, exit_id, exit)
            if self.is_compromised(env):
                self.noticed.add(env)
        self.last_watch = int(self.world.settlement.time)

    def challenge_with_owner_spend(self, env: int, exit_id: Uint64, exit: Exit) -> None:
        """Challenge an exit with a known spend its owner signed (must be accepted)."""
        for payment in self.get_chain(env).signed_spends:
            inputs = payment.transaction.inputs
            if exit.position not in inputs:
                continue
            index = inputs.index(exit.position)
            if properties.get_input_signer(env, payment, index) == exit.owner:
                operation = ChallengeStandardExit(
                    Uint64(env), WATCHER.address, exit_id, payment, Uint8(index)
                )
                what = f"ChallengeStandardExit(env {env}, {describe_exit(exit_id, exit)})"
                self.apply(what, None, operation)
                return

    def pass_time(self, seconds: int) -> None:
        """Advance the clock by ``seconds`` if positive."""
        if seconds <= 0:
            self.note("time cannot pass before watchers or honest users act")
            return
        self.attempt(f"AdvanceTime(+{seconds})", None, lambda w: worlds.advance_time(w, seconds))

    def process_queue(self, env: int, token: Address, max_exits: int) -> None:
        """Process a queue; NO_EXIT_TO_PROCESS is expected exactly when no open exit is mature."""
        now = self.world.settlement.time
        mature = any(
            exit.status == ExitStatus.OPEN and exit.token == token and exit.exitable_at <= now
            for _, exit in self.get_exits(env)
        )
        expected = None if mature else RejectionReason.NO_EXIT_TO_PROCESS
        what = f"ProcessExits(env {env}, {TOKEN_NAMES_BY_ADDRESS[token]}, up to {max_exits})"
        self.attempt(what, expected, lambda w: worlds.process_exits(w, env, token, max_exits))

    # Actions: setup and users

    @action
    def setup(self) -> None:
        """Every user deposits in both environments; mallory and bob each pay once in each."""
        for env in ENVIRONMENTS:
            for index, user in enumerate(USERS):
                if not self.has_free_deposit_number(env):
                    self.include_payments(env)
                self.deposit(env, user, ("native", "token_a")[index % 2], 100 * (index + 1))
            for sender, recipient, amount in ((MALLORY, ALICE, 50), (BOB, CAROL, 100)):
                owned = self.get_unclaimed_outputs(env, frozenset({sender.address}))
                self.sign_payment(
                    env=env,
                    sender=sender,
                    inputs=owned[:1],
                    recipient=recipient,
                    amount=amount,
                    fee=1,
                )
            self.include_payments(env)

    @action
    def user_deposits(self, *, user: str, env: int, token: str, amount: int) -> None:
        """A user deposits; honest users stay away from a compromised environment."""
        actor = ACTORS_BY_NAME[user]
        if actor.address in HONEST_OWNERS and self.is_compromised(env):
            self.note(f"{user} looks at env {env}, sees its bad block, and stays away")
            return
        self.deposit(env, actor, token, amount)

    @action
    def mallory_fills_deposit_numbers(self, *, env: int) -> None:
        """Mallory deposits until no deposit number is left, then once more: TOO_MANY_DEPOSITS."""
        while self.has_free_deposit_number(env):
            self.deposit(env, MALLORY, "native", 1)
        self.deposit(env, MALLORY, "native", 1)

    def get_spendable_outputs(self) -> list[tuple[int, Actor, OutputPosition]]:
        """Return (environment, owner, output) for every output a user may sign a payment of.

        Honest users spend only in sound environments; mallory spends anywhere.
        """
        return [
            (env, user, position)
            for env in ENVIRONMENTS
            for user in USERS
            if user == MALLORY or not self.is_compromised(env)
            for position in self.get_unclaimed_outputs(env, frozenset({user.address}))
        ]

    @action
    def user_signs_payment(
        self, *, pick: int, inputs: int, recipient: str, amount: int, fee: int
    ) -> None:
        """A user signs a payment of one or two of its outputs and hands it to the operator."""
        candidates = self.get_spendable_outputs()
        if not candidates:
            self.note("no user owns an output to spend")
            return
        start = pick % len(candidates)
        env, sender, _ = candidates[start]
        spent = [p for e, u, p in candidates[start : start + inputs] if (e, u) == (env, sender)]
        recipient_actor = ACTORS_BY_NAME[recipient]
        self.sign_payment(
            env=env, sender=sender, inputs=spent, recipient=recipient_actor, amount=amount, fee=fee
        )

    @action
    def operator_includes_payments(self, *, env: int) -> None:
        """The environment's operator commits a valid block of pending payments and fee claims."""
        self.include_payments(env)

    @action
    def honest_user_exits(self, *, pick: int) -> None:
        """An honest user exits one output it owns in reality and never spent."""
        candidates = [
            (env, p) for env in ENVIRONMENTS for p in self.get_unclaimed_outputs(env, HONEST_OWNERS)
        ]
        if not candidates:
            self.note("no honest user has an output to exit")
            return
        env, position = candidates[pick % len(candidates)]
        self.start_exit(env, self.get_output(env, position).owner, position, "")

    @action
    def honest_users_exit_compromised_environments(self) -> None:
        """Honest users who have seen a bad block exit everything they own there."""
        for env in sorted(self.noticed):
            self.exit_honest_outputs(env)

    @action
    def watchers_watch(self) -> None:
        """Watchers take their turn (see :meth:`watch`)."""
        self.watch()
        self.note("watchers looked at every chain")

    @action
    def time_passes(self, *, seconds: int) -> None:
        """Time passes, at most to the watchers' next turn and the honest exit deadlines."""
        self.pass_time(min(seconds, self.get_time_budget()))

    @action
    def anyone_processes_exits(self, *, env: int, token: str, max_exits: int) -> None:
        """Anyone processes up to ``max_exits`` exits of one queue."""
        self.process_queue(env, TOKENS[token], max_exits)

    # Actions: the byzantine operator

    def pick_reality_output(
        self, pick: int, used: set[OutputPosition], owners: Callable[[Address], bool]
    ) -> tuple[OutputPosition, Output] | None:
        """Return one of reality's unspent outputs of env 0 whose owner passes ``owners``."""
        utxos = self.get_chain(BYZANTINE_ENV).reality.utxos
        candidates = sorted((p, o) for p, o in utxos.items() if p not in used and owners(o.owner))
        return candidates[pick % len(candidates)] if candidates else None

    def make_double_spend(self, pick: int) -> SignedTransaction | None:
        """Return a payment spending again an output a colluder already spent in reality."""
        outputs = [
            (p, self.get_output(BYZANTINE_ENV, p))
            for p in self.get_chain(BYZANTINE_ENV).reality.spent
        ]
        spent = sorted((p, o) for p, o in outputs if o.owner in COLLUDERS)
        if not spent:
            return None
        position, output = spent[pick % len(spent)]
        owner = OPERATOR if output.owner == OPERATOR.address else MALLORY
        self.note(f"double spend of {format_position(position)}, already spent in reality")
        return sign(BYZANTINE_ENV, owner, (position,), to_mallory(output.token, int(output.amount)))

    def make_inflated_spend(
        self, pick: int, used: set[OutputPosition], amount: int
    ) -> SignedTransaction | None:
        """Return a payment of a reality output creating ``amount`` more than it spends."""
        found = self.pick_reality_output(pick, used, lambda owner: True)
        if found is None:
            return None
        position, output = found
        return sign(
            BYZANTINE_ENV,
            MALLORY,
            (position,),
            to_mallory(output.token, int(output.amount) + amount),
        )

    def make_forged_spend(self, pick: int, used: set[OutputPosition]) -> SignedTransaction | None:
        """Return a payment to mallory of someone else's reality output, signed by mallory."""
        found = self.pick_reality_output(pick, used, lambda owner: owner not in COLLUDERS)
        if found is None:
            return None
        position, output = found
        return sign(
            BYZANTINE_ENV, MALLORY, (position,), to_mallory(output.token, int(output.amount))
        )

    def make_duplicate_input(
        self, pick: int, used: set[OutputPosition], token: Address, amount: int
    ) -> SignedTransaction:
        """Return a payment naming one input twice."""
        found = self.pick_reality_output(pick, used, lambda owner: True)
        position = found[0] if found else NOWHERE
        return sign(BYZANTINE_ENV, MALLORY, (position, position), to_mallory(token, amount))

    def make_bad_transaction(
        self, kind: str, pick: int, token: Address, amount: int, included: list[SignedTransaction]
    ) -> tuple[BlockTransaction | None, RejectionReason | None]:
        """Return the flawed transaction of a bad block and the reason the child chain must give."""
        used = {position for payment in included for position in payment.transaction.inputs}
        reason = RejectionReason
        if kind == "valid_but_withheld":
            return None, None
        if kind == "fee_claim_from_nowhere":
            fee = self.compute_fees(BYZANTINE_ENV, included).get(token, 0) + amount
            return FeeClaim(
                Output(OPERATOR.address, token, Uint256(fee))
            ), reason.FEE_CLAIM_EXCEEDS_FEES
        if kind == "deposit_in_child_block":
            return DepositTransaction(to_mallory(token, amount)[0]), reason.DEPOSIT_IN_CHILD_BLOCK
        if kind == "duplicate_input":
            return self.make_duplicate_input(pick, used, token, amount), reason.TX_DUPLICATE_INPUT
        made: SignedTransaction | None = None
        expected = reason.TX_INPUT_NOT_UNSPENT
        if kind == "double_spend":
            made = self.make_double_spend(pick)
        elif kind == "inflated_amount":
            made, expected = (
                self.make_inflated_spend(pick, used, amount),
                reason.TX_OUTPUTS_EXCEED_INPUTS,
            )
        elif kind == "forged_signature":
            made, expected = self.make_forged_spend(pick, used), reason.TX_INPUT_NOT_SIGNED_BY_OWNER
        if made is not None:
            return made, expected
        if kind != "output_from_nowhere":
            self.note(f"nothing to build {kind} from: spends an output from nowhere instead")
        from_nowhere = sign(BYZANTINE_ENV, OPERATOR, (NOWHERE,), to_mallory(token, amount))
        return from_nowhere, reason.TX_INPUT_NOT_UNSPENT

    @action
    def byzantine_operator_commits_bad_block(
        self,
        *,
        kind: str,
        pick: int,
        token: str,
        amount: int,
        include_pending: bool,
        withhold: bool,
    ) -> None:
        """The byzantine operator commits a block with one flaw, after pending payments or not."""
        included = self.take_includable_payments(BYZANTINE_ENV) if include_pending else []
        bad, reason = self.make_bad_transaction(kind, pick, TOKENS[token], amount, included)
        block: list[BlockTransaction] = [*included, *([bad] if bad is not None else [])]
        withhold = withhold or kind == "valid_but_withheld"
        number = self.get_next_child_number(BYZANTINE_ENV)
        self.expect_block(BYZANTINE_ENV, number, block, reason)
        shown = "withheld" if withhold else "published"
        what = (
            f"SubmitBlock(env 0, block {int(number)}: {len(included)} payments + {kind}, {shown})"
        )
        self.commit(BYZANTINE_ENV, block, withhold, what)
        if not self.is_compromised(BYZANTINE_ENV):
            self.fail(f"the world did not mark bad block {int(number)} ({kind}) as bad")

    @action
    def byzantine_operator_exits_bad_output(self, *, pick: int) -> None:
        """The operator or mallory exits an output of a bad (or later) block that they own."""
        exited = self.get_exited_positions(BYZANTINE_ENV)
        candidates = [
            (position, output)
            for position, output in self.iterate_outputs(BYZANTINE_ENV)
            if properties.depends_on_bad_block(self.world, BYZANTINE_ENV, position)
            and output.owner in COLLUDERS
            and position not in exited
        ]
        if not candidates:
            self.note("no bad output of the operator or mallory left to exit")
            return
        position, output = candidates[pick % len(candidates)]
        self.start_exit(BYZANTINE_ENV, output.owner, position, ", depends on the bad block")

    @action
    def byzantine_operator_exits_others_output(self, *, pick: int) -> None:
        """The operator exits an output someone else owns: EXIT_NOT_BY_OWNER."""
        candidates = [
            (env, position)
            for env in ENVIRONMENTS
            for position, output in self.iterate_outputs(env)
            if output.owner != OPERATOR.address
        ]
        if not candidates:
            self.note("no output of anyone else exists yet")
            return
        env, position = candidates[pick % len(candidates)]
        what = (
            f"StartStandardExit(env {env}, {format_position(position)} of another, by the operator)"
        )
        self.apply(
            what, RejectionReason.EXIT_NOT_BY_OWNER, self.make_exit(env, OPERATOR.address, position)
        )

    @action
    def byzantine_operator_breaks_block_log(self, *, attack: str) -> None:
        """The operator submits to another's environment, over a committed number, or skips one."""
        env, number = BYZANTINE_ENV, self.get_next_child_number(BYZANTINE_ENV)
        expected = RejectionReason.BLOCK_NUMBER_UNEXPECTED
        if attack == "foreign_environment":
            env, number, expected = 1, self.get_next_child_number(1), RejectionReason.NOT_OPERATOR
        elif attack == "overwrite_root":
            number = max(self.world.settlement.environments[env].blocks, default=number)
            expected = RejectionReason.BLOCK_ALREADY_COMMITTED
        else:
            number = number + self.world.settlement.preset.block_interval
        operation = SubmitBlock(Uint64(env), OPERATOR.address, number, Hash32(b"\xbd" * 32))
        self.apply(f"SubmitBlock(env {env}, block {int(number)}, {attack})", expected, operation)

    # Actions: mallory

    @action
    def mallory_exits_spent_output(self, *, pick: int) -> None:
        """Mallory (or the operator) exits an output its owner signed a spend of."""
        candidates = [
            (env, position, output)
            for env in ENVIRONMENTS
            for position, output in self.iterate_outputs(env)
            if output.owner in COLLUDERS
            and self.is_signed_by(env, position, output.owner)
            and position not in self.get_exited_positions(env)
        ]
        if not candidates:
            self.note("no spent output of mallory or the operator left to exit")
            return
        env, position, output = candidates[pick % len(candidates)]
        spent = (
            "spent in reality" if position in self.get_chain(env).reality.spent else "spend signed"
        )
        self.start_exit(env, output.owner, position, f", {spent}")

    @action
    def mallory_exits_twice(self, *, pick: int) -> None:
        """Mallory exits an output again: EXIT_ALREADY_STARTED (EXIT_NOT_BY_OWNER if not hers)."""
        candidates = [(env, exit) for env in ENVIRONMENTS for _, exit in self.get_exits(env)]
        if not candidates:
            self.note("no exit exists yet")
            return
        env, exit = candidates[pick % len(candidates)]
        sender = exit.owner if exit.owner in COLLUDERS else MALLORY.address
        mine = sender == exit.owner
        expected = (
            RejectionReason.EXIT_ALREADY_STARTED if mine else RejectionReason.EXIT_NOT_BY_OWNER
        )
        what = f"StartStandardExit(env {env}, {format_position(exit.position)} again)"
        self.apply(what, expected, self.make_exit(env, sender, exit.position))

    def find_replayed_spend(self, env: int, exit: Exit) -> tuple[SignedTransaction, int] | None:
        """Return a spend of the exit's position that its owner signed in another environment."""
        for other in (e for e in self.get_environment_ids() if e != env):
            for payment in self.get_chain(other).signed_spends:
                inputs = payment.transaction.inputs
                if exit.position not in inputs:
                    continue
                index = inputs.index(exit.position)
                if properties.get_input_signer(other, payment, index) == exit.owner:
                    return payment, index
        return None

    def make_bad_witness(
        self, witness: str, env: int, exit: Exit
    ) -> tuple[SignedTransaction, int, RejectionReason] | None:
        """Return a witness of this kind against ``exit``, its input index and why it must fail."""
        reason = RejectionReason
        by_mallory = sign(env, MALLORY, (exit.position,), to_mallory(exit.token, int(exit.amount)))
        witnesses = {
            "spend_of_another_output": (
                sign(env, MALLORY, (NOWHERE,), to_mallory(exit.token, int(exit.amount))),
                0,
                reason.CHALLENGE_NOT_SPENDING_EXIT,
            ),
            "input_index_out_of_range": (by_mallory, 1, reason.CHALLENGE_NOT_SPENDING_EXIT),
            "malformed_signature": (
                SignedTransaction(by_mallory.transaction, (Signature(bytes(65)),)),
                0,
                reason.SIGNATURE_MALFORMED,
            ),
            "high_s_signature": (
                SignedTransaction(by_mallory.transaction, (make_high_s(by_mallory.signatures[0]),)),
                0,
                reason.SIGNATURE_HIGH_S,
            ),
            "closed_exit": (by_mallory, 0, reason.EXIT_NOT_OPEN),
            "unknown_exit": (by_mallory, 0, reason.UNKNOWN_EXIT),
        }
        if witness in witnesses:
            return witnesses[witness]
        if witness == "replayed_from_other_environment":
            found = self.find_replayed_spend(env, exit)
            return None if found is None else (*found, reason.CHALLENGE_NOT_SIGNED_BY_OWNER)
        if exit.owner == MALLORY.address:
            return None
        return by_mallory, 0, reason.CHALLENGE_NOT_SIGNED_BY_OWNER

    def pick_challenge_target(self, witness: str, pick: int) -> tuple[int, Uint64, Exit] | None:
        """Return (environment, exit id, exit) a bad witness of this kind is aimed at."""
        wanted_open = witness != "closed_exit"
        replayed = witness == "replayed_from_other_environment"
        candidates = [
            (env, exit_id, exit)
            for env in ENVIRONMENTS
            for exit_id, exit in self.get_exits(env)
            if (exit.status == ExitStatus.OPEN) == wanted_open
            and (not replayed or self.find_replayed_spend(env, exit) is not None)
        ]
        if not candidates:
            return None
        env, exit_id, exit = candidates[pick % len(candidates)]
        if witness == "unknown_exit":
            exit_id = Uint64(len(self.get_exits(env)))
        return env, exit_id, exit

    @action
    def mallory_challenges_with_bad_witness(self, *, pick: int, witness: str) -> None:
        """Mallory challenges an exit with a witness that must be rejected, for one exact reason."""
        aimed = self.pick_challenge_target(witness, pick)
        made = None if aimed is None else self.make_bad_witness(witness, aimed[0], aimed[2])
        if aimed is None or made is None:
            self.note(f"no suitable exit for a {witness} challenge")
            return
        (env, exit_id, exit), (payment, index, expected) = aimed, made
        operation = ChallengeStandardExit(
            Uint64(env), MALLORY.address, exit_id, payment, Uint8(index)
        )
        aimed_at = (
            describe_exit(exit_id, exit)
            if exit_id in self.world.settlement.environments[env].exits
            else f"exit {int(exit_id)}"
        )
        what = f"ChallengeStandardExit(env {env}, {aimed_at}, {witness})"
        self.apply(what, expected, operation)

    @action
    def mallory_uses_new_environment_at_once(self) -> None:
        """Mallory registers an environment and deposits at once: ENVIRONMENT_IN_QUARANTINE."""
        rules = make_rules(self.world.settlement.preset)
        env = len(self.world.chains)
        self.attempt(
            f"RegisterEnvironment(env {env}, operated by mallory)",
            None,
            lambda w: worlds.register_environment(w, MALLORY.address, rules),
        )
        operation = Deposit(Uint64(env), MALLORY.address, NATIVE_TOKEN, Uint256(1))
        self.apply(
            f"Deposit(env {env}, mallory, 1 native)",
            RejectionReason.ENVIRONMENT_IN_QUARANTINE,
            operation,
        )

    # Action: the end of a trace

    def get_mature_queues(self) -> list[tuple[int, Address]]:
        """Return the (environment, token) queues holding an open exit that is mature."""
        now = self.world.settlement.time
        return sorted(
            {
                (env, exit.token)
                for env in self.get_environment_ids()
                for _, exit in self.get_exits(env)
                if exit.status == ExitStatus.OPEN and exit.exitable_at <= now
            }
        )

    def process_mature_queues(self) -> None:
        """Process queues a few exits per call until no open exit is mature."""
        while queues := self.get_mature_queues():
            self.process_queue(*queues[0], FINISH_PROCESS_LIMIT)

    @action
    def finish(self) -> None:
        """Honest users exit all; time runs with watchers present until every exit is settled.

        Then honest withdrawal (INV-18) and exit ordering (INV-19) must hold.
        """
        for env in self.get_environment_ids():
            self.exit_honest_outputs(env)
        for _ in range(MAX_SETTLE_ROUNDS):
            self.watch()
            self.process_mature_queues()
            if not self.has_open_exits():
                break
            self.pass_time(self.get_time_budget())
        else:
            self.fail(f"exits still open after {MAX_SETTLE_ROUNDS} rounds of settling")
        self.fail_on(properties.check_honest_withdrawal(self.world, HONEST_OWNERS))
        self.fail_on(properties.check_exit_ordering(self.world))
        self.note("every exit settled; honest withdrawal (INV-18) and exit ordering (INV-19) hold")


# The Hypothesis state machine


@dataclass
class MachineStats:
    """Counts across the traces of one run."""

    steps: int = 0
    """Rule steps run (setup and the end-of-trace settling not counted)."""
    traces: int = 0
    """Traces run."""
    on_trace: Callable[[MachineStats], None] | None = None
    """Called after every trace (progress reports)."""

    def finished(self, game: Game) -> None:
        """Count a finished trace."""
        self.traces += 1
        self.steps += sum(step.action not in ("setup", "finish") for step in game.steps)
        if self.on_trace is not None:
            self.on_trace(self)


USER_NAMES = st.sampled_from([actor.name for actor in USERS])
ENVIRONMENT_IDS = st.sampled_from(ENVIRONMENTS)
TOKEN_NAMES = st.sampled_from(sorted(TOKENS))
PICKS = st.integers(min_value=0, max_value=15)


class AdversarialMachine(RuleBasedStateMachine):
    """Hypothesis draws the game's actions: each rule is the game action of the same name."""

    def __init__(self, stats: MachineStats | None = None) -> None:
        super().__init__()
        self.stats = stats if stats is not None else MachineStats()
        self.game = Game()

    @initialize()
    def setup(self) -> None:
        """See :meth:`Game.setup`."""
        self.game.setup()

    @rule(user=USER_NAMES, env=ENVIRONMENT_IDS, token=TOKEN_NAMES, amount=st.integers(1, 1000))
    def user_deposits(self, user: str, env: int, token: str, amount: int) -> None:
        """See :meth:`Game.user_deposits`."""
        self.game.user_deposits(user=user, env=env, token=token, amount=amount)

    @rule(env=ENVIRONMENT_IDS)
    def mallory_fills_deposit_numbers(self, env: int) -> None:
        """See :meth:`Game.mallory_fills_deposit_numbers`."""
        self.game.mallory_fills_deposit_numbers(env=env)

    @rule(
        pick=PICKS,
        inputs=st.integers(1, 2),
        recipient=USER_NAMES,
        amount=st.integers(1, 1000),
        fee=st.integers(0, 2),
    )
    def user_signs_payment(
        self, pick: int, inputs: int, recipient: str, amount: int, fee: int
    ) -> None:
        """See :meth:`Game.user_signs_payment`."""
        self.game.user_signs_payment(
            pick=pick, inputs=inputs, recipient=recipient, amount=amount, fee=fee
        )

    @rule(env=ENVIRONMENT_IDS)
    def operator_includes_payments(self, env: int) -> None:
        """See :meth:`Game.operator_includes_payments`."""
        self.game.operator_includes_payments(env=env)

    @rule(pick=PICKS)
    def honest_user_exits(self, pick: int) -> None:
        """See :meth:`Game.honest_user_exits`."""
        self.game.honest_user_exits(pick=pick)

    @precondition(lambda self: self.game.has_late_honest_exits())
    @rule()
    def honest_users_exit_compromised_environments(self) -> None:
        """See :meth:`Game.honest_users_exit_compromised_environments`."""
        self.game.honest_users_exit_compromised_environments()

    @rule()
    def watchers_watch(self) -> None:
        """See :meth:`Game.watchers_watch`."""
        self.game.watchers_watch()

    @precondition(lambda self: self.game.get_time_budget() > 0)
    @rule(seconds=st.integers(1, 50))
    def time_passes(self, seconds: int) -> None:
        """See :meth:`Game.time_passes`."""
        self.game.time_passes(seconds=seconds)

    @rule(env=ENVIRONMENT_IDS, token=TOKEN_NAMES, max_exits=st.integers(1, 3))
    def anyone_processes_exits(self, env: int, token: str, max_exits: int) -> None:
        """See :meth:`Game.anyone_processes_exits`."""
        self.game.anyone_processes_exits(env=env, token=token, max_exits=max_exits)

    @rule(
        kind=st.sampled_from(BAD_BLOCK_KINDS),
        pick=PICKS,
        token=TOKEN_NAMES,
        amount=st.integers(1, 10**6),
        include_pending=st.booleans(),
        withhold=st.booleans(),
    )
    def byzantine_operator_commits_bad_block(
        self,
        *,
        kind: str,
        pick: int,
        token: str,
        amount: int,
        include_pending: bool,
        withhold: bool,
    ) -> None:
        """See :meth:`Game.byzantine_operator_commits_bad_block`."""
        self.game.byzantine_operator_commits_bad_block(
            kind=kind,
            pick=pick,
            token=token,
            amount=amount,
            include_pending=include_pending,
            withhold=withhold,
        )

    @precondition(lambda self: self.game.is_compromised(BYZANTINE_ENV))
    @rule(pick=PICKS)
    def byzantine_operator_exits_bad_output(self, pick: int) -> None:
        """See :meth:`Game.byzantine_operator_exits_bad_output`."""
        self.game.byzantine_operator_exits_bad_output(pick=pick)

    @rule(pick=PICKS)
    def byzantine_operator_exits_others_output(self, pick: int) -> None:
        """See :meth:`Game.byzantine_operator_exits_others_output`."""
        self.game.byzantine_operator_exits_others_output(pick=pick)

    @rule(attack=st.sampled_from(BLOCK_LOG_ATTACKS))
    def byzantine_operator_breaks_block_log(self, attack: str) -> None:
        """See :meth:`Game.byzantine_operator_breaks_block_log`."""
        self.game.byzantine_operator_breaks_block_log(attack=attack)

    @rule(pick=PICKS)
    def mallory_exits_spent_output(self, pick: int) -> None:
        """See :meth:`Game.mallory_exits_spent_output`."""
        self.game.mallory_exits_spent_output(pick=pick)

    @rule(pick=PICKS)
    def mallory_exits_twice(self, pick: int) -> None:
        """See :meth:`Game.mallory_exits_twice`."""
        self.game.mallory_exits_twice(pick=pick)

    @rule(pick=PICKS, witness=st.sampled_from(BAD_WITNESSES))
    def mallory_challenges_with_bad_witness(self, pick: int, witness: str) -> None:
        """See :meth:`Game.mallory_challenges_with_bad_witness`."""
        self.game.mallory_challenges_with_bad_witness(pick=pick, witness=witness)

    @precondition(lambda self: len(self.game.world.chains) == len(ENVIRONMENTS))
    @rule()
    def mallory_uses_new_environment_at_once(self) -> None:
        """See :meth:`Game.mallory_uses_new_environment_at_once`."""
        self.game.mallory_uses_new_environment_at_once()

    def teardown(self) -> None:
        """Settle every exit and check INV-18 and INV-19, unless a step already failed."""
        try:
            if not self.game.failed and self.game.steps:
                self.game.finish()
                target(float(self.game.count_processed()), label="exits processed")
        finally:
            self.stats.finished(self.game)


# Profiles

QUIET_HEALTH_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
]
"""Health checks that only say a stateful trace is long and slow, which it is by design."""

SHORT_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
"""Phases of the short profiles: no target phase (its hill climbing would double their time)."""

UNSHRUNK_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
"""Phases of the mutation profile: a mutant only needs to be caught, not explained."""


def make_profile(
    examples: int, steps: int, *, deterministic: bool, shrink: bool = True
) -> settings:
    """Return settings for the machine: no database, no deadline, the blob printed on failure."""
    short_phases = SHORT_PHASES if shrink else UNSHRUNK_PHASES
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=deterministic,
        database=None,
        print_blob=True,
        deadline=None,
        suppress_health_check=QUIET_HEALTH_CHECKS,
        phases=short_phases if deterministic else tuple(Phase),
    )


PROFILES: dict[str, settings] = {
    "ci": make_profile(150, 40, deterministic=True),
    "mutation": make_profile(50, 40, deterministic=True, shrink=False),
    "local": make_profile(1_000, 60, deterministic=False),
    "fuzz": make_profile(10**9, 80, deterministic=False),
}
"""The machine's profiles, on a 2-core machine: ``ci`` (deterministic, 150 traces, about 35 s),
``mutation`` (deterministic, 50 traces, no shrinking, about 10 s when nothing fails: one run
per mutant),
``local`` (random, 1,000 longer traces, about 6 minutes) and ``fuzz`` (random and unbounded:
run it for a time with ``adversary.fuzz``)."""

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, _profile)


# Running in-process


@dataclass(frozen=True)
class MachineRun:
    """The outcome of a run of the machine, or of a replayed trace."""

    passed: bool
    """Whether no trace failed."""
    steps: int
    """Rule steps run."""
    traces: int
    """Traces run."""
    seconds: float
    """Wall-clock time of the run."""
    failure: str = ""
    """What failed (first line: the violation or the unexpected error); empty if passed."""
    trace: tuple[Step, ...] = ()
    """Steps of the reported failing trace, replayable with :func:`replay_trace`."""
    program: str = ""
    """The Hypothesis program of the failing example, as Hypothesis printed it."""


def iterate_failures(error: BaseException) -> Iterator[BaseException]:
    """Yield the failures an error stands for (each member of an exception group, in order)."""
    if isinstance(error, BaseExceptionGroup):
        for member in error.exceptions:
            yield from iterate_failures(member)
    else:
        yield error


def describe_failure(failure: BaseException) -> str:
    """Return one failure's message, its notes, and the game trace it happened in.

    A :class:`TraceFailure`'s message already holds the trace; any other error
    (an unexpected exception from the spec, say) is named by its type.
    """
    if isinstance(failure, TraceFailure):
        return "\n".join([str(failure), *getattr(failure, "__notes__", [])])
    text = f"{type(failure).__name__}: {failure}"
    trace: tuple[Step, ...] = getattr(failure, "game_trace", ())
    if trace:
        text += f"\n\nTrace (game actions):\n{format_steps(trace)}"
    return "\n".join([text, *getattr(failure, "__notes__", [])])


def describe_error(error: BaseException) -> str:
    """Return what failed, the first failure first: its first line can stand alone in a report."""
    parts = [describe_failure(failure) for failure in iterate_failures(error)]
    if len(parts) > 1:
        parts.insert(1, f"({len(parts)} distinct failures; the others follow)")
    return "\n\n".join(parts)


def get_program(error: BaseException, printed: list[str]) -> str:
    """Return the Hypothesis program of the first failure (its notes, or what was printed)."""
    notes: list[str] = getattr(next(iterate_failures(error)), "__notes__", [])
    return "\n".join(notes or printed)


def get_failing_trace(error: BaseException) -> tuple[Step, ...]:
    """Return the game trace recorded with the first failure of an error, if any."""
    trace: tuple[Step, ...] = getattr(next(iterate_failures(error)), "game_trace", ())
    return trace


def run_machine(
    profile: str,
    seed: int | None = None,
    *,
    max_examples: int | None = None,
    on_trace: Callable[[MachineStats], None] | None = None,
) -> MachineRun:
    """Run the adversarial machine under a profile, in this process, without pytest.

    A failing invariant or property, a wrong rejection, and any unexpected
    exception raised by the spec are reported in ``failure``, never raised.

    Args:
        profile: a key of :data:`PROFILES`.
        seed: seed of the run; overrides the profile's ``derandomize``.
        max_examples: overrides the profile's number of traces.
        on_trace: called with the running counts after every trace.
    """
    chosen = PROFILES[profile]
    if max_examples is not None:
        chosen = settings(chosen, max_examples=max_examples)
    stats = MachineStats(on_trace=on_trace)
    # Hypothesis accepts any factory of machines, not only a class.
    factory = cast(type[RuleBasedStateMachine], lambda: AdversarialMachine(stats))
    test = get_state_machine_test(factory, settings=chosen)
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    printed: list[str] = []
    started = clock.perf_counter()
    try:
        with with_reporter(lambda value: printed.append(str(value))):
            test()
    except Exception as error:
        seconds = clock.perf_counter() - started
        failure, trace = describe_error(error), get_failing_trace(error)
        program = get_program(error, printed)
        return MachineRun(False, stats.steps, stats.traces, seconds, failure, trace, program)
    return MachineRun(True, stats.steps, stats.traces, clock.perf_counter() - started)


def replay_trace(trace: Trace) -> MachineRun:
    """Replay a recorded trace's steps on a fresh game, without Hypothesis.

    The replay passes when every step meets its expectations and keeps the
    catalog, and (if the trace ends with ``finish``) INV-18 and INV-19 hold.
    """
    game, started = Game(), clock.perf_counter()
    try:
        for step in trace.steps:
            ACTIONS[step.action](game, **step.arguments)
    except Exception as error:
        seconds = clock.perf_counter() - started
        return MachineRun(
            False, len(game.steps), 1, seconds, describe_error(error), game.get_trace()
        )
    return MachineRun(
        True, len(game.steps), 1, clock.perf_counter() - started, "", game.get_trace()
    )
