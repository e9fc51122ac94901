"""The stateful adversarial test of Plasma Cash: the Cash game, driven by Hypothesis.

Beside the payments machine (``adversary.payments.machine``) this machine
plays one Cash environment next to a payments environment
(:mod:`adversary.cash.moves`; each Cash step is checked to commute with a
deposit into the payments environment, INV-13): honest owners
deposit, pay, watch and exit; the byzantine operator forges and withholds
coin histories, lets former owners double spend, plants leaves before a
coin's mint and re-submits its latest block; mallory exits coins that are not
hers, griefs honest exits and forges answers. Every step states its outcome
and is checked against the whole invariant catalog; the end of every trace
settles every exit and checks honest withdrawal for Cash.

:func:`run_cash_machine` runs it in-process under a profile of
:data:`CASH_PROFILES` and reports a :class:`~adversary.payments.outcome.MachineRun`,
like the payments machine; :func:`replay_cash_trace` replays a recorded trace
without Hypothesis. The mutation report runs both machines against every mutant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
)

from adversary.cash.game import ACTORS_BY_NAME, CASH_ACTIONS, HONEST_USERS
from adversary.cash.moves import MALLORY_CHALLENGES, MALLORY_EXITS, CashGame
from adversary.payments.machine import make_profile
from adversary.payments.outcome import MachineRun, replay_steps, run_rule_machine
from adversary.trace import Trace

HONEST_NAMES = st.sampled_from([actor.name for actor in HONEST_USERS])
"""Names of honest owners."""

USER_NAMES = st.sampled_from([name for name in ACTORS_BY_NAME if name != "operator"])
"""Names of everyone who deposits (honest owners and mallory)."""

RECIPIENTS = st.sampled_from(sorted(ACTORS_BY_NAME))
"""Names of everyone a coin may be paid to."""

PICKS = st.integers(min_value=0, max_value=15)
"""Which of the candidates an action picks (taken modulo their number)."""


@dataclass
class CashMachineStats:
    """Counts across the traces of one run."""

    steps: int = 0
    """Rule steps run (setup and finish not counted)."""
    traces: int = 0
    """Traces run."""
    on_trace: Callable[[CashMachineStats], None] | None = None
    """Called after every trace (progress reports)."""


class CashMachine(RuleBasedStateMachine):
    """Hypothesis draws the Cash game's actions: each rule is the game action of the same name."""

    def __init__(self, stats: CashMachineStats | None = None) -> None:
        super().__init__()
        self.stats = stats if stats is not None else CashMachineStats()
        self.game = CashGame()

    @initialize()
    def setup(self) -> None:
        """See :meth:`CashGame.setup`."""
        self.game.setup()

    @rule(user=USER_NAMES, amount=st.integers(1, 1000))
    def user_deposits(self, user: str, amount: int) -> None:
        """See :meth:`CashGame.user_deposits`."""
        self.game.user_deposits(user=user, amount=amount)

    @rule(user=USER_NAMES, amount=st.integers(1, 1000))
    def user_deposits_in_payments(self, user: str, amount: int) -> None:
        """See :meth:`CashGame.user_deposits_in_payments`."""
        self.game.user_deposits_in_payments(user=user, amount=amount)

    @rule(pick=PICKS, recipient=RECIPIENTS)
    def user_transfers(self, pick: int, recipient: str) -> None:
        """See :meth:`CashGame.user_transfers`."""
        self.game.user_transfers(pick=pick, recipient=recipient)

    @rule()
    def operator_includes_transfers(self) -> None:
        """See :meth:`CashGame.operator_includes_transfers`."""
        self.game.operator_includes_transfers()

    @rule()
    def honest_watch(self) -> None:
        """See :meth:`CashGame.honest_watch`."""
        self.game.honest_watch()

    @rule(pick=PICKS)
    def honest_user_exits(self, pick: int) -> None:
        """See :meth:`CashGame.honest_user_exits`."""
        self.game.honest_user_exits(pick=pick)

    @precondition(lambda self: self.game.get_time_budget() > 0)
    @rule(seconds=st.integers(1, 50))
    def time_passes(self, seconds: int) -> None:
        """See :meth:`CashGame.time_passes`."""
        self.game.time_passes(seconds=seconds)

    @rule(pick=PICKS)
    def anyone_finalizes(self, pick: int) -> None:
        """See :meth:`CashGame.anyone_finalizes`."""
        self.game.anyone_finalizes(pick=pick)

    @rule(pick=PICKS, withhold=st.booleans())
    def byzantine_operator_steals(self, pick: int, withhold: bool) -> None:
        """See :meth:`CashGame.byzantine_operator_steals`."""
        self.game.byzantine_operator_steals(pick=pick, withhold=withhold)

    @rule(pick=PICKS, withhold=st.booleans())
    def byzantine_operator_double_spends(self, pick: int, withhold: bool) -> None:
        """See :meth:`CashGame.byzantine_operator_double_spends`."""
        self.game.byzantine_operator_double_spends(pick=pick, withhold=withhold)

    @rule(user=HONEST_NAMES)
    def byzantine_operator_preforges(self, user: str) -> None:
        """See :meth:`CashGame.byzantine_operator_preforges`."""
        self.game.byzantine_operator_preforges(user=user)

    @rule(pick=PICKS)
    def byzantine_operator_withholds(self, pick: int) -> None:
        """See :meth:`CashGame.byzantine_operator_withholds`."""
        self.game.byzantine_operator_withholds(pick=pick)

    @rule()
    def byzantine_operator_overwrites_latest(self) -> None:
        """See :meth:`CashGame.byzantine_operator_overwrites_latest`."""
        self.game.byzantine_operator_overwrites_latest()

    @rule(pick=PICKS, kind=st.sampled_from(MALLORY_EXITS))
    def mallory_exits(self, pick: int, kind: str) -> None:
        """See :meth:`CashGame.mallory_exits`."""
        self.game.mallory_exits(pick=pick, kind=kind)

    @rule(pick=PICKS, kind=st.sampled_from(MALLORY_CHALLENGES))
    def mallory_challenges(self, pick: int, kind: str) -> None:
        """See :meth:`CashGame.mallory_challenges`."""
        self.game.mallory_challenges(pick=pick, kind=kind)

    @rule(pick=PICKS)
    def mallory_answers(self, pick: int) -> None:
        """See :meth:`CashGame.mallory_answers`."""
        self.game.mallory_answers(pick=pick)

    def teardown(self) -> None:
        """Settle every exit and check honest withdrawal, unless a step already failed."""
        try:
            if not self.game.failed and self.game.steps:
                self.game.finish()
        finally:
            self.stats.traces += 1
            self.stats.steps += sum(
                step.action not in ("setup", "finish") for step in self.game.steps
            )
            if self.stats.on_trace is not None:
                self.stats.on_trace(self.stats)


CASH_PROFILES: dict[str, settings] = {
    "ci": make_profile(60, 30, deterministic=True),
    "mutation": make_profile(20, 30, deterministic=True, shrink=False),
    "local": make_profile(400, 60, deterministic=False),
    "fuzz": make_profile(10**9, 80, deterministic=False),
}
"""The Cash machine's profiles, on a 2-core machine: ``ci`` (deterministic, 60 traces, about
12 s) and ``mutation`` (deterministic, 20 traces, no shrinking, about 4 s for a mutant it
does not notice; the setup and the end of every trace already probe each rule the Cash
mutants break, so each is caught in the first trace), ``local`` (random, 400 longer traces,
a few minutes) and ``fuzz`` (random and unbounded)."""


def run_cash_machine(
    profile: str,
    seed: int | None = None,
    *,
    max_examples: int | None = None,
    on_trace: Callable[[CashMachineStats], None] | None = None,
) -> MachineRun:
    """Run the Cash machine under a profile, in this process, without pytest.

    A failing invariant or property, a wrong outcome, and any unexpected
    exception raised by the spec are reported in ``failure``, never raised.
    """
    chosen = CASH_PROFILES[profile]
    if max_examples is not None:
        chosen = settings(chosen, max_examples=max_examples)
    stats = CashMachineStats(on_trace=on_trace)
    return run_rule_machine(lambda: CashMachine(stats), chosen, seed, stats)


def replay_cash_trace(
    trace: Trace, on_step: Callable[[CashGame], None] | None = None
) -> MachineRun:
    """Replay a recorded Cash trace's steps on a fresh game, without Hypothesis."""
    return replay_steps(CashGame(), CASH_ACTIONS, trace, on_step)
