"""The devnet demo's withheld-block story: a payment exited in flight (More Viable Plasma).

:class:`WithheldStory` adds its steps to the demo (``reference.devnet.script``)
after the payments story's attacks and before the Plasma Cash story, in the
environment that stayed honest so far (env 1):

1. Attack three: the operator of env 1 turns byzantine and withholds the block
   holding Carol's payment to Bob (with change back to Carol); Carol hands
   the payment, with its input's witnesses, to Bob.
2. The block's grace period passes. The watcher of env 1 flags the block as
   withheld, and, guarding the honest wallets, has Carol's wallet start the
   payment's in-flight exit and Carol and Bob piggyback the outputs they
   receive (the change, the payment), at once: in the exit's first phase and
   within one MFP of the block.
3. Alice, Bob and Carol heed the alarm: they start the standard exits of what
   they hold in env 1 (Carol's input of the withheld payment is left to its
   in-flight exit).
4. Time passes until every exit of env 1 is mature; the watcher processes the
   queue, earning the processing bounties: Bob is paid the withheld payment,
   Carol her change, everyone what they held.

Amounts depend on the seed; the outcome does not.
:mod:`reference.devnet.withheld_report` checks it.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

from fixtures import BOB, CAROL, OPERATOR_TWO, TOKEN_A, get_actor_name
from reference.devnet.network import GUARDED, PARTIES, Devnet
from reference.parties.board import format_position
from spec.environments.payments.records import InFlightExit
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import Rejected
from spec.primitives import Hash32, Uint64

WITHHELD_ENVIRONMENT = Uint64(1)
"""The environment whose operator withholds a block (the one that stayed honest until then)."""


class WithheldStory:
    """The withheld-block steps of the demo, and what they recorded for the checks."""

    def __init__(self, devnet: Devnet, seed: int, net: dict[str, int]) -> None:
        """Prepare the story; amounts are drawn from ``seed``; payments are counted in ``net``."""
        rng = random.Random(f"withheld-{seed}")
        self.devnet = devnet
        """The parties."""
        self.net = net
        """Per actor, the token-A gain the payments explain (shared with the demo)."""
        self.amount = rng.randrange(20, 80)
        """What Carol pays Bob in the withheld block."""
        self.start_balances: dict[str, tuple[int, int]] = {}
        """Every party's settlement balances (token A, native) when the story began."""
        self.end_balances: dict[str, tuple[int, int]] = {}
        """Every party's settlement balances (token A, native) when the story ended."""
        self.digests: tuple[Hash32, Hash32] | None = None
        """Digests of env 1's operator's and watcher's ledgers before the attack."""
        self.payment: SignedTransaction | None = None
        """Carol's withheld payment."""
        self.block = Uint64(0)
        """Number of the withheld block."""
        self.in_flight_exit: Uint64 | None = None
        """Id of the withheld payment's in-flight exit."""
        self.piggybacked_at: Uint64 | None = None
        """Time by which Carol's and Bob's outputs were piggybacked."""
        self.held_at_alarm: dict[str, int] = {}
        """What each honest user held (unspent) in env 1 at the alarm."""
        self.exits: list[tuple[str, Uint64]] = []
        """The honest users' standard exits of env 1, by exit id."""

    def list_steps(self) -> list[Callable[[], str]]:
        """Return the story's steps in order; each returns what it did."""
        return [
            self.withhold,
            self.wait_for_grace,
            self.exit_held_outputs,
            self.wait_for_maturity,
            self.settle,
        ]

    def get_exit(self) -> InFlightExit | None:
        """Return the withheld payment's in-flight exit, if one was started."""
        if self.in_flight_exit is None:
            return None
        return self.devnet.in_flight[WITHHELD_ENVIRONMENT].read_exit(self.in_flight_exit)

    def withhold(self) -> str:
        """Carol pays Bob in a block the operator of env 1 withholds; she tells Bob."""
        devnet, env = self.devnet, WITHHELD_ENVIRONMENT
        self.start_balances = {p.name: devnet.get_balances(p.address) for p in PARTIES}
        operator = devnet.operators[env]
        self.digests = (
            operator.ledger.compute_digest(),
            devnet.watchers[env].ledger.compute_digest(),
        )
        self.payment = devnet.submit(CAROL, BOB, env, self.amount)
        self.block = operator.commit_block(publish=False)
        devnet.sync_wallets(env)
        devnet.hand_over(CAROL, BOB, self.payment)
        self.net[CAROL.name] = self.net.get(CAROL.name, 0) - self.amount
        self.net[BOB.name] = self.net.get(BOB.name, 0) + self.amount
        spent = ", ".join(format_position(p) for p in self.payment.transaction.inputs)
        return (
            f"ATTACK: {OPERATOR_TWO.name} (env {int(env)}) commits block {int(self.block)} but "
            f"withholds it: it holds carol's payment of {self.amount} to bob (spending {spent})\n"
            "carol hands the payment, with its input's witnesses, to bob"
        )

    def wait_for_grace(self) -> str:
        """Let the withheld block's grace period pass."""
        grace = self.devnet.watchers[WITHHELD_ENVIRONMENT].grace_period
        self.devnet.advance(grace)
        return f"time passes: block {int(self.block)} is still unpublished after {grace} s"

    def exit_held_outputs(self) -> str:
        """Note the in-flight exit; Alice, Bob and Carol exit what they hold in env 1."""
        devnet, env = self.devnet, WITHHELD_ENVIRONMENT
        watcher = devnet.watchers[env]
        first_bad, deadline = watcher.first_bad_block, watcher.get_exit_deadline()
        assert self.payment is not None
        entry = devnet.wallets[CAROL.name].payments.get(env, self.payment.transaction)
        self.in_flight_exit = None if entry is None else entry.exit_id
        exit = self.get_exit()
        if exit is not None and exit.exitable_at:
            self.piggybacked_at = devnet.time
        if first_bad is None or deadline is None:
            return "no alarm was raised in env 1: nobody exits"
        lines = []
        for actor in GUARDED:
            wallet = devnet.wallets[actor.name]
            outputs = wallet.list_outputs_to_exit(env, first_bad)
            self.held_at_alarm[actor.name] = sum(int(o.output.amount) for o in outputs)
            for owned in outputs:
                exit_id = devnet.start_exit(actor, env, owned.position)
                self.exits.append((actor.name, exit_id))
                lines.append(
                    f"{actor.name} exits {format_position(owned.position)} "
                    f"({int(owned.output.amount)}) as exit {int(exit_id)}"
                )
        head = (
            f"alice, bob and carol heed the alarm: {len(lines)} standard exits of env 1 started "
            f"before the deadline t={int(deadline)} (carol's spent input is in flight)"
        )
        return "\n".join([head, *lines])

    def wait_for_maturity(self) -> str:
        """Let time pass until every exit of env 1, in flight or standard, is mature."""
        devnet = self.devnet
        open_exits = devnet.settlement.get_open_exits(WITHHELD_ENVIRONMENT)
        times = [int(exit.exitable_at) for _, exit in open_exits]
        exit = self.get_exit()
        times += [] if exit is None else [int(t) for t in exit.exitable_at.values()]
        if not times:
            return "no exit waits in env 1"
        if max(times) > devnet.time:
            devnet.advance(max(times) - int(devnet.time))
        return f"time passes: all {len(times)} exits of env 1 (one in flight) are mature"

    def settle(self) -> str:
        """Settle env 1's exits: process whatever the watcher left; every party follows."""
        devnet, env = self.devnet, WITHHELD_ENVIRONMENT
        if devnet.settlement.get_open_exits(env):
            with contextlib.suppress(Rejected):
                devnet.process_exits(env, TOKEN_A)
        devnet.follow_exits(env)
        self.end_balances = {p.name: devnet.get_balances(p.address) for p in PARTIES}
        lines = []
        for name, exit_id in self.exits:
            standard = devnet.settlement.get_exit(env, exit_id)
            assert standard is not None
            lines.append(f"{name} {format_position(standard.position)}: paid {int(standard.paid)}")
        exit = self.get_exit()
        if exit is not None:
            paid = [
                f"{get_actor_name(output.owner)} {int(piggyback.paid)}"
                for output, piggyback in zip(
                    exit.transaction.outputs, exit.output_piggybacks, strict=True
                )
            ]
            lines.append(
                f"in-flight exit {int(self.in_flight_exit or 0)} pays its "
                f"{exit.outcome.value}: {', '.join(paid)}"
            )
        return "\n".join([f"env 1's exits are settled ({len(lines)}):", *lines])
