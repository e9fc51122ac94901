"""No drift between the Z3 settlement model and the Python spec.

For each settlement transition, Hypothesis builds a small concrete world with
the harness builders (deposits, child blocks that pay or mint from nowhere,
exits, challenges, processing, time), draws one operation of that kind, valid
or not, runs the spec, and puts (pre, operation, post) through the
abstraction function into the model's relation
(``proofs.models.drift.compare_with_spec``): accepted operations must
satisfy it with exactly the spec's post-state; rejected ones must have no
post-state, and the model's first failing rule must carry the spec's reason.
Every drawn state must also satisfy every model invariant, with the ghost
sums recomputed from its exits; two controls show the check catches a model
that drifted (an effect dropped, two rules swapped).

Not covered here: ``INSUFFICIENT_FUNDS`` is only checked as "every modelled
rule passes" (balances are not modelled); ``SIGNATURE_*`` is compared as
``CHALLENGE_NOT_SIGNED_BY_OWNER``, and a challenge's payment shape reasons
(``TX_*``) as the model's one well-formed flag, ``TX_NO_INPUTS``;
``INTEGER_OVERFLOW`` never occurs with these amounts (the overflow guards are
not exercised); ``ProcessExits`` pays at most ``PROCESS_STEPS`` exits per call
in the model, so limits are drawn from 0 to 3 (the one-step
``process_head_exit`` of the proofs is checked as part of it); the transition
forms of the invariants are not evaluated on concrete steps; the exit-game
model of the bounded checks is tied to the spec only through the shared
formulas of ``proofs.models.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
import z3
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fixtures import WATCHER, make_rules
from proofs.models.drift import check_model_invariants, compare_with_spec
from proofs.models.environment import EnvironmentTerms, ModelConfig
from proofs.models.settlement import ENVIRONMENT_ENCODERS
from proofs.models.transitions import Step, encode_deposit, encode_submit_block
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    FeeClaim,
    Output,
    get_transaction_outputs,
)
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import (
    NATIVE_TOKEN,
    Address,
    Hash32,
    Signature,
    Uint8,
    Uint32,
    Uint64,
    Uint256,
)
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import EnvironmentKind, EnvironmentRules, ExitStatus, SettlementState
from spec.settlement.transition import Operation, state_transition
from tests.harness import (
    DEPOSIT_LIMIT,
    EXIT_BOND,
    advance,
    apply,
    commit_block,
    deposit,
    make_exit,
    make_world,
    pay,
    position_of,
)
from tests.support import (
    ALICE,
    ALICE_KEY,
    BOB,
    BOB_KEY,
    CAROL,
    CAROL_KEY,
    MALLORY,
    MALLORY_KEY,
    OPERATOR,
    OPERATOR_KEY,
    TOKEN_A,
)

DRIFT_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""CI profile: reproducible, fast."""

KEYS = {ALICE: ALICE_KEY, BOB: BOB_KEY, CAROL: CAROL_KEY, OPERATOR: OPERATOR_KEY}
"""Private key of each actor who owns outputs in the drawn worlds."""

UNFUNDED = Address(b"\x77" * 20)
"""An account with no settlement balance (its deposits fail for lack of funds)."""


@dataclass(frozen=True)
class KnownOutput:
    """An output the world's builders created, with what exiting or spending it needs."""

    environment: int
    """Environment of the output."""
    position: OutputPosition
    """Where it was created."""
    transactions: tuple[BlockTransaction, ...]
    """The transactions of its block (for the inclusion proof)."""

    @property
    def output(self) -> Output:
        """The output itself."""
        transaction = self.transactions[int(self.position.transaction_index)]
        return get_transaction_outputs(transaction)[int(self.position.output_index)]


@dataclass
class World:
    """A concrete settlement state and the outputs created in it."""

    state: SettlementState
    """The settlement state."""
    outputs: list[KnownOutput] = field(default_factory=list)
    """Outputs created by deposits and committed blocks."""


# Worlds: small concrete states built with the harness


def pick_environment(draw: st.DrawFn, world: World) -> int:
    """Draw the id of a registered environment."""
    return draw(st.integers(0, len(world.state.environments) - 1))


def add_deposit(draw: st.DrawFn, world: World) -> None:
    """Deposit a small amount of the native token or TOKEN_A."""
    environment = pick_environment(draw, world)
    owner = draw(st.sampled_from([ALICE, BOB]))
    token = draw(st.sampled_from([NATIVE_TOKEN, TOKEN_A]))
    world.state, made = deposit(world.state, environment, owner, draw(st.integers(1, 30)), token)
    world.outputs.append(KnownOutput(environment, made.position, (made.transaction,)))


def make_block_transaction(draw: st.DrawFn, world: World, environment: int) -> BlockTransaction:
    """Draw a payment of a known output of the environment, or an output minted from nowhere."""
    spendable = [known for known in world.outputs if known.environment == environment]
    token = draw(st.sampled_from([NATIVE_TOKEN, TOKEN_A]))
    if not spendable or draw(st.booleans()):
        return FeeClaim(Output(OPERATOR, token, Uint256(draw(st.integers(1, 40)))))
    spent = draw(st.sampled_from(spendable))
    owner, amount = spent.output.owner, int(spent.output.amount)
    receiver = draw(st.sampled_from([ALICE, BOB, OPERATOR]))
    return pay(
        environment, [(spent.position, KEYS[owner])], [(receiver, amount)], spent.output.token
    )


def add_block(draw: st.DrawFn, world: World) -> None:
    """Commit a child block of one or two transactions (valid payments or mints)."""
    environment = pick_environment(draw, world)
    count = draw(st.integers(1, 2))
    transactions = tuple(make_block_transaction(draw, world, environment) for _ in range(count))
    world.state, number = commit_block(world.state, environment, transactions)
    for index, transaction in enumerate(transactions):
        for output_index in range(len(get_transaction_outputs(transaction))):
            position = position_of(int(number), index, output_index)
            world.outputs.append(KnownOutput(environment, position, transactions))


def add_exit(draw: st.DrawFn, world: World) -> None:
    """Start the exit of a known output by its owner."""
    if not world.outputs:
        return
    known = draw(st.sampled_from(world.outputs))
    operation = make_exit(
        world.state, known.environment, known.output.owner, known.position, known.transactions
    )
    world.state = apply(world.state, operation)


def list_open_exits(state: SettlementState) -> list[tuple[int, int]]:
    """Return (environment, exit id) of every open exit."""
    return [
        (environment_id, int(exit_id))
        for environment_id, environment in enumerate(state.environments)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN
    ]


def add_challenge(draw: st.DrawFn, world: World) -> None:
    """Challenge an open exit with a spend signed by the output's owner."""
    candidates = list_open_exits(world.state)
    if not candidates:
        return
    environment, exit_id = draw(st.sampled_from(candidates))
    exit = world.state.environments[environment].exits[Uint64(exit_id)]
    spend = pay(environment, [(exit.position, KEYS[exit.owner])], [(CAROL, 1)], exit.token)
    operation = ChallengeStandardExit(Uint64(environment), CAROL, Uint64(exit_id), spend, Uint8(0))
    world.state = apply(world.state, operation)


def add_processing(draw: st.DrawFn, world: World) -> None:
    """Process up to three exits of one queue."""
    environment = pick_environment(draw, world)
    token = draw(st.sampled_from([NATIVE_TOKEN, TOKEN_A]))
    operation = ProcessExits(
        Uint64(environment), WATCHER.address, token, Uint32(draw(st.integers(1, 3)))
    )
    world.state = apply(world.state, operation)


def add_time(draw: st.DrawFn, world: World) -> None:
    """Let time pass (MFP is 100 in the tiny preset)."""
    world.state = advance(world.state, draw(st.sampled_from([1, 30, 100, 201, 201])))


def add_registration(draw: st.DrawFn, world: World) -> None:
    """Register another environment (it stays in quarantine until time passes)."""
    operation = RegisterEnvironment(OPERATOR, EnvironmentKind.PAYMENTS, make_rules())
    world.state = apply(world.state, operation)


SETUP_ACTIONS = (
    add_deposit,
    add_deposit,
    add_block,
    add_exit,
    add_exit,
    add_challenge,
    add_processing,
    add_time,
    add_time,
    add_registration,
)
"""What a world's history is drawn from (deposits, exits and time twice as likely)."""


BASE_HISTORY = (add_deposit, add_block, add_exit, add_exit, add_time)
"""Every world starts with these steps (their arguments drawn), so that exits exist."""


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """Draw a world of one or two environments: the base history, then up to six more steps."""
    world = World(make_world(draw(st.integers(1, 2))))
    extra = draw(st.lists(st.sampled_from(SETUP_ACTIONS), max_size=6))
    for action in (*BASE_HISTORY, *extra):
        try:
            action(draw, world)
        except Rejected:
            continue
    return world


# Operations under test: valid and invalid


def environment_ids(world: World) -> st.SearchStrategy[int]:
    """Draw a registered environment id (mostly), the next unused one, or a far one."""
    count = len(world.state.environments)
    return st.sampled_from([*range(count), *range(count), *range(count), count, 9])


@st.composite
def deposits(draw: st.DrawFn, world: World) -> Operation:
    """Draw a deposit: any environment, funded or unfunded owner, zero to above the limit."""
    amount = draw(st.one_of(st.integers(1, 50), st.sampled_from([0, int(DEPOSIT_LIMIT) + 1])))
    return Deposit(
        Uint64(draw(environment_ids(world))),
        draw(st.sampled_from([ALICE, BOB, UNFUNDED])),
        draw(st.sampled_from([NATIVE_TOKEN, TOKEN_A])),
        Uint256(amount),
    )


@st.composite
def block_submissions(draw: st.DrawFn, world: World) -> Operation:
    """Draw a block submission: the operator or not, the next child number or another one."""
    state, environment = world.state, draw(environment_ids(world))
    interval = int(state.preset.block_interval)
    following = interval
    if environment < len(state.environments):
        following = int(get_next_child_block_number(state, state.environments[environment]))
    committed = [int(n) for e in state.environments for n in e.blocks]
    number = draw(st.sampled_from([following, following + interval, following - 1, 0, *committed]))
    return SubmitBlock(
        Uint64(environment),
        draw(st.sampled_from([OPERATOR, MALLORY])),
        Uint64(number),
        Hash32(draw(st.binary(min_size=32, max_size=32))),
    )


EXIT_DEFECTS = (
    "none",
    "not the owner",
    "wrong bond",
    "short proof",
    "wrong proof",
    "no such output",
    "no such block",
    "unknown environment",
)
"""Ways to break a valid exit start ("none" keeps it valid)."""


def break_exit(operation: StartStandardExit, defect: str) -> StartStandardExit:
    """Return the exit start with one defect."""
    proof, position = operation.inclusion_proof, operation.position
    all_changes: dict[str, dict[str, object]] = {
        "none": {},
        "not the owner": {"sender": MALLORY},
        "wrong bond": {"bond": Uint256(int(EXIT_BOND) + 1)},
        "short proof": {"inclusion_proof": proof[:-1]},
        "wrong proof": {"inclusion_proof": (Hash32.zero(), *proof[1:])},
        "no such output": {"position": replace(position, output_index=Uint8(3))},
        "no such block": {"position": replace(position, block_number=Uint64(999))},
        "unknown environment": {"environment_id": Uint64(9)},
    }
    return replace(operation, **all_changes[defect])  # type: ignore[arg-type]


@st.composite
def exit_starts(draw: st.DrawFn, world: World) -> Operation:
    """Draw an exit start of a known output, valid or with one defect."""
    if not world.outputs:
        stranger = FeeClaim(Output(ALICE, NATIVE_TOKEN, Uint256(1)))
        return make_exit(world.state, 0, ALICE, position_of(1, 0), [stranger])
    known = draw(st.sampled_from(world.outputs))
    operation = make_exit(
        world.state, known.environment, known.output.owner, known.position, known.transactions
    )
    return break_exit(operation, draw(st.sampled_from(EXIT_DEFECTS)))


CHALLENGE_DEFECTS = (
    "none",
    "signed by another",
    "spends another output",
    "input index out of range",
    "no signature",
    "malformed signature",
    "unknown exit",
)
"""Ways to break a valid challenge ("none" keeps it valid)."""


def make_challenge(
    state: SettlementState, environment: int, exit_id: int, defect: str
) -> Operation:
    """Return a challenge of an exit, valid or with one defect."""
    exit = state.environments[environment].exits[Uint64(exit_id)]
    key = MALLORY_KEY if defect == "signed by another" else KEYS[exit.owner]
    spent = position_of(99, 0) if defect == "spends another output" else exit.position
    payment = pay(environment, [(spent, key)], [(CAROL, 1)], exit.token)
    if defect == "no signature":
        payment = replace(payment, signatures=())
    if defect == "malformed signature":
        payment = replace(payment, signatures=(Signature(bytes(65)),))
    index = 1 if defect == "input index out of range" else 0
    target = len(state.environments[environment].exits) if defect == "unknown exit" else exit_id
    return ChallengeStandardExit(Uint64(environment), CAROL, Uint64(target), payment, Uint8(index))


@st.composite
def challenges(draw: st.DrawFn, world: World) -> Operation:
    """Draw a challenge of any exit (open or ended), valid or with one defect."""
    exits = [
        (environment, int(exit_id))
        for environment, record in enumerate(world.state.environments)
        for exit_id in record.exits
    ]
    if not exits:
        payment = pay(0, [(position_of(1, 0), ALICE_KEY)], [(CAROL, 1)])
        return ChallengeStandardExit(Uint64(0), CAROL, Uint64(0), payment, Uint8(0))
    environment, exit_id = draw(st.sampled_from(exits))
    return make_challenge(
        world.state, environment, exit_id, draw(st.sampled_from(CHALLENGE_DEFECTS))
    )


@st.composite
def exit_processing(draw: st.DrawFn, world: World) -> Operation:
    """Draw a ProcessExits call, limit 0 to 3, mostly of a queue that has open exits."""
    state = world.state
    queues = sorted(
        {
            (environment, state.environments[environment].exits[Uint64(exit_id)].token)
            for environment, exit_id in list_open_exits(state)
        }
    )
    if queues and draw(st.integers(0, 3)) > 0:
        environment, token = draw(st.sampled_from(queues))
    else:
        environment = draw(environment_ids(world))
        token = draw(st.sampled_from([NATIVE_TOKEN, TOKEN_A]))
    limit = draw(st.sampled_from([0, 1, 2, 3, 3]))
    return ProcessExits(Uint64(environment), WATCHER.address, token, Uint32(limit))


@st.composite
def time_moves(draw: st.DrawFn, world: World) -> Operation:
    """Draw a clock move: back, to now, or forward."""
    now = int(world.state.time)
    return AdvanceTime(Uint64(draw(st.sampled_from([now - 1, now, now + 1, now + 150]))))


@st.composite
def registrations(draw: st.DrawFn, world: World) -> Operation:
    """Draw a registration whose rules are at, below or above the preset's floors."""
    preset = world.state.preset
    period = int(preset.minimum_finalization_period)
    rules = EnvironmentRules(
        Uint64(draw(st.sampled_from([period - 1, period, period + 50]))),
        Uint256(draw(st.sampled_from([0, int(preset.minimum_exit_bond), 50]))),
        Uint256(draw(st.sampled_from([0, 1, int(DEPOSIT_LIMIT)]))),
        Uint256(0),
    )
    sender = draw(st.sampled_from([OPERATOR, MALLORY]))
    return RegisterEnvironment(sender, EnvironmentKind.PAYMENTS, rules)


# The drift checks


def record_outcome(world: World, operation: Operation) -> None:
    """Label the example with the spec's verdict (see ``--hypothesis-show-statistics``)."""
    try:
        state_transition(world.state, operation)
    except Rejected as rejection:
        event(f"rejected: {rejection.reason.value}")
    else:
        event("accepted")


def assert_no_drift(world: World, operation: Operation) -> None:
    """Fail with every disagreement between spec and model on ``operation``."""
    record_outcome(world, operation)
    problems = compare_with_spec(world.state, operation)
    assert not problems, f"{operation}: {problems}"


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_register_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When a registration is applied, Then spec and model agree."""
    assert_no_drift(world, data.draw(registrations(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_deposit_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When a deposit is applied, Then spec and model agree."""
    assert_no_drift(world, data.draw(deposits(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_submit_block_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When a block is submitted, Then spec and model agree."""
    assert_no_drift(world, data.draw(block_submissions(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_start_exit_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When an exit is started, Then spec and model agree."""
    assert_no_drift(world, data.draw(exit_starts(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_challenge_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When an exit is challenged, Then spec and model agree."""
    assert_no_drift(world, data.draw(challenges(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_process_exits_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world (often three MFPs later), When exits are processed, Then they agree."""
    wait = data.draw(st.sampled_from([0, 300, 300]))
    if wait:
        world = replace(world, state=advance(world.state, wait))
    assert_no_drift(world, data.draw(exit_processing(world)))


@DRIFT_SETTINGS
@given(world=worlds(), data=st.data())
def test_advance_time_matches_the_model(world: World, data: st.DataObject) -> None:
    """Given a drawn world, When the clock moves, Then spec and model agree."""
    assert_no_drift(world, data.draw(time_moves(world)))


@DRIFT_SETTINGS
@given(world=worlds())
def test_reachable_states_satisfy_the_model_invariants(world: World) -> None:
    """Given a drawn world, Then every model invariant holds on it, ghost sums included."""
    assert check_model_invariants(world.state) == []


# The drift check itself can fail


def test_drift_check_catches_a_deposit_that_does_not_credit_the_vault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a model whose deposit forgets the vault, When a deposit is compared, Then drift."""

    def forgetful_deposit(
        config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef, p: Any
    ) -> Step:
        step = encode_deposit(config, environment, now, p)
        return replace(step, post=replace(step.post, deposited=environment.deposited))

    monkeypatch.setitem(ENVIRONMENT_ENCODERS, "deposit", forgetful_deposit)
    state = make_world()
    problems = compare_with_spec(state, Deposit(Uint64(0), ALICE, NATIVE_TOKEN, Uint256(5)))
    assert problems and "model rejects" in problems[0]


def test_drift_check_catches_rules_checked_in_another_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a model checking the operator last, When a stranger submits a wrong number, Then drift.

    The spec rejects with not_operator; the reordered model names another rule.
    """

    def reordered_submit(
        config: ModelConfig, environment: EnvironmentTerms, now: z3.ArithRef, p: Any
    ) -> Step:
        step = encode_submit_block(config, environment, now, p)
        first, operator, *rest = step.guards
        return replace(step, guards=(first, *rest, operator))

    monkeypatch.setitem(ENVIRONMENT_ENCODERS, "submit_block", reordered_submit)
    state = make_world()
    operation = SubmitBlock(Uint64(0), MALLORY, Uint64(7), Hash32.zero())
    problems = compare_with_spec(state, operation)
    assert problems and "not_operator" in problems[0]
