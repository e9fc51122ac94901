"""The game's honest actions: setup, users, operators, watchers, time, and the end of a trace.

Honest users deposit, sign payments the operators include, and exit what they
own in reality; they act only on a sound environment, and once they have seen a
bad block they exit everything they own there. At the end of a trace
(:meth:`HonestActions.finish`) honest users exit everything, time runs with
watchers present, every queue is processed, and honest withdrawal (INV-18) and
exit ordering (INV-19) are checked.
"""

from __future__ import annotations

from adversary.payments import properties
from adversary.payments.game import action
from adversary.payments.in_flight_watchers import InFlightWatchers
from adversary.payments.processing import list_queue
from adversary.payments.roster import (
    ACTORS_BY_NAME,
    ENVIRONMENTS,
    FINISH_PROCESS_LIMIT,
    HONEST_OWNERS,
    MAX_SETTLE_ROUNDS,
    TOKENS,
    USERS,
)
from fixtures import ALICE, BOB, CAROL, MALLORY, Actor
from spec.positions import OutputPosition
from spec.primitives import Address


class HonestActions(InFlightWatchers):
    """The recorded actions of honest actors, and the end of a trace."""

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
    def honest_users_exit_compromised_environments(self, *, youngest_first: bool = False) -> None:
        """Honest users who have seen a bad block exit everything they own there.

        With ``youngest_first`` they start with their youngest outputs (see
        :meth:`exit_honest_outputs`).
        """
        for env in sorted(self.noticed):
            self.exit_honest_outputs(env, youngest_first)
            self.exit_in_flight(env)

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

    # Action: the end of a trace

    def get_mature_queues(self) -> list[tuple[int, Address]]:
        """Return the (environment, token) queues whose head (standard or in-flight) is mature."""
        now = self.world.settlement.time
        return [
            (env, token)
            for env in self.get_environment_ids()
            for token in sorted(TOKENS.values())
            if (queue := list_queue(self.world.settlement.environments[env], token))
            and queue[0][0][0] <= now
        ]

    def process_mature_queues(self) -> None:
        """Process queues a few exits per call until no open exit is mature."""
        while queues := self.get_mature_queues():
            self.process_queue(*queues[0], FINISH_PROCESS_LIMIT)

    @action
    def finish(self) -> None:
        """Honest users exit all (in flight too); time runs with watchers until every exit settles.

        Then honest withdrawal (INV-18) and exit ordering (INV-19) must hold.
        """
        for env in self.get_environment_ids():
            self.exit_honest_outputs(env)
        for _ in range(MAX_SETTLE_ROUNDS):
            self.watch()
            self.delete_abandoned_exits()
            self.process_mature_queues()
            if not self.has_open_exits():
                break
            self.pass_time(self.get_time_budget())
        else:
            self.fail(f"exits still open after {MAX_SETTLE_ROUNDS} rounds of settling")
        self.check_piggybacks_settled()
        self.fail_on(properties.check_honest_withdrawal(self.world, HONEST_OWNERS))
        self.fail_on(properties.check_exit_ordering(self.world))
        self.note("every exit settled; honest withdrawal (INV-18) and exit ordering (INV-19) hold")
