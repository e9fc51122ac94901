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
(:func:`adversary.payments.properties.check_step`), and each environment operation is
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

The game is split by concern: :mod:`adversary.payments.roster` (actors, tokens,
environments, limits, attack kinds), :mod:`adversary.payments.game` (recording, expected
outcomes, reading the world), :mod:`adversary.payments.moves` (transactions, operations
and shared moves), :mod:`adversary.payments.honest` (honest actions and the end of a
trace), :mod:`adversary.payments.attacks` (the byzantine operator's and mallory's
actions) and :mod:`adversary.payments.outcome` (what a run reports). This module
combines them and runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings, target
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
)

from adversary.payments.attacks import AttackActions
from adversary.payments.game import ACTIONS, TraceFailure
from adversary.payments.honest import HonestActions
from adversary.payments.in_flight_attacks import IN_FLIGHT_ATTACKS, InFlightAttackActions
from adversary.payments.outcome import MachineRun, replay_steps, run_rule_machine
from adversary.payments.roster import (
    BAD_BLOCK_KINDS,
    BAD_WITNESSES,
    BLOCK_LOG_ATTACKS,
    BYZANTINE_ENV,
    ENVIRONMENTS,
    HONEST_OWNERS,
    TOKENS,
    USERS,
)
from adversary.trace import Trace

__all__ = [
    "ACTIONS",
    "HONEST_OWNERS",
    "PROFILES",
    "AdversarialMachine",
    "Game",
    "MachineRun",
    "MachineStats",
    "TraceFailure",
    "replay_trace",
    "run_machine",
]


class Game(HonestActions, AttackActions, InFlightAttackActions):
    """Two environments, their actors and the world they act on; every action is checked."""


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
    @rule(youngest_first=st.booleans())
    def honest_users_exit_compromised_environments(self, youngest_first: bool) -> None:
        """See :meth:`Game.honest_users_exit_compromised_environments`."""
        self.game.honest_users_exit_compromised_environments(youngest_first=youngest_first)

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

    @precondition(lambda self: self.game.has_closed_exits())
    @rule(pick=PICKS)
    def mallory_challenges_closed_exit(self, pick: int) -> None:
        """Mallory challenges an exit that already ended: as often as any rule, once one exists.

        (The general rule above draws this witness among many, and ended exits
        appear late in a trace, so it alone rarely tries this.)
        """
        self.game.mallory_challenges_with_bad_witness(pick=pick, witness="closed_exit")

    @rule(pick=PICKS, recipient=USER_NAMES, amount=st.integers(1, 1000))
    def users_sign_joint_payment(self, pick: int, recipient: str, amount: int) -> None:
        """See :meth:`Game.users_sign_joint_payment`."""
        self.game.users_sign_joint_payment(pick=pick, recipient=recipient, amount=amount)

    @rule(attack=st.sampled_from(IN_FLIGHT_ATTACKS), pick=PICKS)
    def mallory_attacks_in_flight(self, attack: str, pick: int) -> None:
        """See :meth:`Game.mallory_attacks_in_flight`."""
        self.game.mallory_attacks_in_flight(attack=attack, pick=pick)

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
    "mutation": make_profile(150, 40, deterministic=True, shrink=False),
    "local": make_profile(1_000, 60, deterministic=False),
    "fuzz": make_profile(10**9, 80, deterministic=False),
}
"""The machine's profiles, on a 2-core machine: ``ci`` (deterministic, 150 traces, about 35 s),
``mutation`` (deterministic, up to 150 traces, no shrinking: one run per mutant, which stops
at the first failure; a mutant that survives costs about 18 s; across seeds, the hardest
mutants need up to about 110 traces),
``local`` (random, 1,000 longer traces, about 6 minutes) and ``fuzz`` (random and unbounded:
run it for a time with ``adversary.fuzz``)."""

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, _profile)


# Running in-process


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
    return run_rule_machine(lambda: AdversarialMachine(stats), chosen, seed, stats)


def replay_trace(trace: Trace) -> MachineRun:
    """Replay a recorded trace's steps on a fresh game, without Hypothesis.

    The replay passes when every step meets its expectations and keeps the
    catalog, and (if the trace ends with ``finish``) INV-18 and INV-19 hold.
    """
    return replay_steps(Game(), ACTIONS, trace)
