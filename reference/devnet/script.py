"""The devnet demo: payments in two environments, two attacks, and the watchers' answers.

The script (:class:`DemoScript`) runs on a :class:`~reference.devnet.network.Devnet`:

1. Alice and Bob deposit in environment 0, Carol and Mallory in environment 1,
   and they pay each other (one payment with a fee). Mallory also tries to
   spend her deposit twice; the operator's mempool refuses the second spend.
2. Attack one: the operator of environment 0 turns byzantine and commits a
   block paying Mallory 1000 from nowhere, and Mallory exits it. The watcher
   finds the block invalid and tells users to exit before the block's time
   plus one MFP. Alice, Bob and Carol exit everything they hold there in time.
3. Attack two: Mallory exits, in environment 1, the deposit she already spent.
   The watcher challenges the exit with her signed spend and takes her bond.
4. Environment 1 keeps working (isolation); time passes; environment 0's exit
   queue is processed: the honest exits come first and are paid in full, and
   Mallory's forged exit meets an empty vault.
5. Attack three, in environment 1 (:mod:`reference.devnet.withheld_script`):
   its operator withholds a block holding Carol's payment to Bob; the
   watcher flags it and exits the payment in flight for Carol and Bob, who
   are paid; everyone exits what they held there.
6. The Plasma Cash story in environment 2 (:mod:`reference.devnet.cash_script`):
   coins change hands with their histories checked, a griefing history
   challenge is answered, and a coin stolen by the byzantine Cash operator is
   recovered by its owner's watcher.

Amounts depend on the seed; the outcome does not. :mod:`reference.devnet.report`
prints the summary and checks the expectations.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from fixtures import (
    ALICE,
    BOB,
    CAROL,
    MALLORY,
    OPERATOR,
    OPERATOR_TWO,
    TOKEN_A,
    Actor,
    get_actor_name,
)
from reference.devnet.cash_network import CASH_OPERATOR
from reference.devnet.cash_script import CashStory
from reference.devnet.network import CASH_ENVIRONMENT, Devnet
from reference.devnet.withheld_script import WithheldStory
from reference.parties.alerts import AlertKind
from reference.parties.board import format_position
from reference.parties.wallet import OwnedOutput
from spec.environments.payments.exits import StartStandardExit
from spec.environments.payments.transactions import Output, SignedTransaction, Transaction
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import Uint8, Uint16, Uint64, Uint256

ATTACKED = Uint64(0)
"""The environment whose operator turns byzantine."""

HEALTHY = Uint64(1)
"""The environment that stays honest."""

OPERATORS_BY_ENVIRONMENT = {ATTACKED: OPERATOR, HEALTHY: OPERATOR_TWO}
"""Who operates each environment."""


STEP_SECONDS = 5
"""Settlement time between two steps."""

FORGED_AMOUNT = 1_000
"""What the byzantine operator pays Mallory from nowhere: more than the vault holds."""

NOWHERE = OutputPosition(Uint64(999), Uint16(0), Uint8(0))
"""A position no block or deposit created: the forged payment's input."""

Say = Callable[[str], None]
"""Where the script writes its lines."""


class DemoScript:
    """The demo's steps over one devnet, and what they recorded for the checks."""

    def __init__(self, devnet: Devnet, seed: int, say: Say) -> None:
        """Prepare the script; amounts are drawn from ``seed``."""
        rng = random.Random(seed)
        self.devnet = devnet
        """The parties."""
        self.say = say
        """Where progress lines go."""
        self.amounts = {
            "alice-deposit": rng.randrange(400, 601),
            "bob-deposit": rng.randrange(200, 401),
            "carol-deposit": rng.randrange(300, 501),
            "mallory-deposit": rng.randrange(100, 301),
            "alice-bob": rng.randrange(50, 200),
            "carol-alice": rng.randrange(50, 150),
            "fee": rng.randrange(1, 6),
            "bob-carol": rng.randrange(50, 200),
            "alice-bob-healthy": rng.randrange(10, 50),
        }
        """Amounts of the deposits and payments."""
        self.cash = CashStory(devnet, seed)
        """The Plasma Cash story (its amounts drawn from the same seed)."""
        self.net: dict[str, int] = {}
        """Per actor, the token-A gain the payments explain (received - sent - fees)."""
        self.withheld = WithheldStory(devnet, seed, self.net)
        """The withheld-block story in env 1 (its payment counted in :attr:`net`)."""
        self.refusal: Rejected | None = None
        """Why the mempool refused Mallory's second spend."""
        self.kept_deposit: OwnedOutput | None = None
        """Mallory's environment-1 deposit with its witnesses, kept after she spent it."""
        self.forged_block = Uint64(0)
        """Number of the byzantine block."""
        self.held_at_alarm: dict[str, int] = {}
        """What each honest user held in environment 0 when the watcher raised the alarm."""
        self.honest_exits: list[tuple[str, Uint64]] = []
        """Each honest user's environment-0 exits, by exit id."""
        self.forged_exit = Uint64(0)
        """Exit id of Mallory's exit of the forged output."""
        self.spent_exit = Uint64(0)
        """Exit id of Mallory's exit of her spent deposit (environment 1)."""
        self.healthy_block = Uint64(0)
        """The environment-1 block committed after the attacks."""

    def list_steps(self) -> list[Callable[[], str]]:
        """Return the steps in order; each returns what it did."""
        return [
            self.start,
            lambda: self.deposit(ALICE, ATTACKED, "alice-deposit"),
            lambda: self.deposit(BOB, ATTACKED, "bob-deposit"),
            lambda: self.deposit(CAROL, HEALTHY, "carol-deposit"),
            self.deposit_mallory,
            lambda: self.pay(ALICE, BOB, ATTACKED, "alice-bob"),
            lambda: self.pay(CAROL, ALICE, HEALTHY, "carol-alice", self.amounts["fee"]),
            lambda: self.pay(BOB, CAROL, ATTACKED, "bob-carol"),
            self.double_spend,
            self.forge_block,
            self.exit_forged_output,
            self.exit_honest_outputs,
            self.exit_spent_deposit,
            lambda: self.pay(ALICE, BOB, HEALTHY, "alice-bob-healthy"),
            self.wait_for_maturity,
            self.process_exits,
            *self.withheld.list_steps(),
            *self.cash.list_steps(),
        ]

    def run(self) -> None:
        """Run every step, printing progress and the watchers' alerts."""
        steps = self.list_steps()
        for number, step in enumerate(steps, start=1):
            if number > 1:
                self.devnet.advance(STEP_SECONDS)
            lines = step().split("\n")
            self.say(f"[{number:>2}/{len(steps)}] t={int(self.devnet.time)} {lines[0]}")
            for line in lines[1:]:
                self.say(f"        {line}")
            for alert in self.devnet.watch():
                self.say(f"        ! watcher of env {int(alert.environment_id)}: {alert.message}")
            for name, _, coin_alert in self.devnet.cash.watch():
                self.say(f"        ! coin watcher of {name}: {coin_alert.message}")

    # Honest traffic

    def start(self) -> str:
        """Describe the devnet that was started."""
        names = ", ".join(self.devnet.wallets)
        cash_names = ", ".join(self.devnet.cash.wallets)
        guarded = ", ".join(self.devnet.cash.watchers)
        return (
            f"devnet up: settlement layer, env 0 run by {OPERATOR.name}, env 1 run by "
            f"{OPERATOR_TWO.name}, a watcher on each, wallets {names}; env "
            f"{int(CASH_ENVIRONMENT)} (Plasma Cash) run by {CASH_OPERATOR.name}, a coin wallet "
            f"for {cash_names} and a coin watcher for {guarded}"
        )

    def deposit(self, actor: Actor, environment_id: Uint64, key: str) -> str:
        """Deposit the amount named ``key`` for ``actor``."""
        amount = self.amounts[key]
        number = self.devnet.deposit(actor, environment_id, amount)
        place = f"env {int(environment_id)}: deposit block {int(number)}"
        return f"{actor.name} deposits {amount} in {place}"

    def deposit_mallory(self) -> str:
        """Mallory deposits in environment 1 and keeps her deposit's witnesses."""
        line = self.deposit(MALLORY, HEALTHY, "mallory-deposit")
        wallet = self.devnet.wallets[MALLORY.name]
        self.kept_deposit = wallet.list_outputs(HEALTHY)[0]
        return line

    def record_payment(self, sender: Actor, recipient: Actor, amount: int, fee: int) -> None:
        """Count a payment in the gains the payments explain."""
        self.net[sender.name] = self.net.get(sender.name, 0) - amount - fee
        self.net[recipient.name] = self.net.get(recipient.name, 0) + amount
        operator = OPERATORS_BY_ENVIRONMENT[HEALTHY].name
        self.net[operator] = self.net.get(operator, 0) + fee

    def pay(
        self, sender: Actor, recipient: Actor, environment_id: Uint64, key: str, fee: int = 0
    ) -> str:
        """Pay the amount named ``key`` in a block of its own."""
        amount = self.amounts[key]
        number = self.devnet.pay(sender, recipient, environment_id, amount, fee)
        self.record_payment(sender, recipient, amount, fee)
        if environment_id == HEALTHY and number > self.healthy_block:
            self.healthy_block = number
        with_fee = f" with a fee of {fee}" if fee else ""
        return (
            f"{sender.name} pays {recipient.name} {amount}{with_fee} in env {int(environment_id)}: "
            f"block {int(number)} committed and published"
        )

    def double_spend(self) -> str:
        """Mallory pays Carol her whole deposit, then tries to spend it again to pay Bob."""
        assert self.kept_deposit is not None
        amount = int(self.kept_deposit.output.amount)
        self.devnet.submit(MALLORY, CAROL, HEALTHY, amount)
        second = Transaction(
            (self.kept_deposit.position,), (Output(BOB.address, TOKEN_A, Uint256(amount)),)
        )
        payment = self.devnet.wallets[MALLORY.name].sign(HEALTHY, second)
        try:
            self.devnet.operators[HEALTHY].submit(payment)
        except Rejected as rejection:
            self.refusal = rejection
        number = self.devnet.commit(HEALTHY)
        self.record_payment(MALLORY, CAROL, amount, 0)
        reason = "accepted!" if self.refusal is None else f"refused ({self.refusal.reason.value})"
        return (
            f"mallory pays carol {amount} in env 1: block {int(number)} committed\n"
            f"mallory's second spend of the same deposit (to bob) was {reason}"
        )

    # Attack one: a block paying Mallory from nowhere

    def forge_block(self) -> str:
        """The operator of environment 0 commits and publishes a payment from nowhere."""
        forged = Transaction(
            (NOWHERE,), (Output(MALLORY.address, TOKEN_A, Uint256(FORGED_AMOUNT)),)
        )
        payment: SignedTransaction = self.devnet.wallets[MALLORY.name].sign(ATTACKED, forged)
        operator = self.devnet.operators[ATTACKED]
        self.forged_block = operator.commit_forged_block([payment])
        self.devnet.sync_wallets(ATTACKED)
        return (
            f"ATTACK: {OPERATOR.name} (env 0) commits block {int(self.forged_block)} paying "
            f"mallory {FORGED_AMOUNT} from nowhere (input {format_position(NOWHERE)} never existed)"
        )

    def exit_forged_output(self) -> str:
        """Mallory exits the forged output."""
        position = OutputPosition(self.forged_block, Uint16(0), Uint8(0))
        self.forged_exit = self.devnet.start_exit(MALLORY, ATTACKED, position)
        exit = self.devnet.settlement.get_exit(ATTACKED, self.forged_exit)
        assert exit is not None
        return (
            f"mallory starts the exit of the forged output {format_position(position)} "
            f"({FORGED_AMOUNT}), exitable at t={int(exit.exitable_at)}"
        )

    def exit_honest_outputs(self) -> str:
        """Alice, Bob and Carol answer the alarm: they exit what they hold in environment 0."""
        watcher = self.devnet.watchers[ATTACKED]
        first_bad, deadline = watcher.first_bad_block, watcher.get_exit_deadline()
        if first_bad is None or deadline is None:
            return "no alarm was raised: honest users do not exit"
        lines = []
        for actor in (ALICE, BOB, CAROL):
            wallet = self.devnet.wallets[actor.name]
            self.held_at_alarm[actor.name] = int(wallet.get_balance(ATTACKED, TOKEN_A))
            for owned in wallet.list_outputs_to_exit(ATTACKED, first_bad):
                exit_id = self.devnet.start_exit(actor, ATTACKED, owned.position)
                self.honest_exits.append((actor.name, exit_id))
                exit = self.devnet.settlement.get_exit(ATTACKED, exit_id)
                assert exit is not None
                lines.append(
                    f"{actor.name} exits {format_position(owned.position)} "
                    f"({int(owned.output.amount)}) as exit {int(exit_id)}, "
                    f"exitable at t={int(exit.exitable_at)}"
                )
        head = (
            f"alice, bob and carol heed the alarm: {len(lines)} exits of env 0 started "
            f"before the deadline t={int(deadline)}"
        )
        return "\n".join([head, *lines])

    # Attack two: an exit of a spent output

    def exit_spent_deposit(self) -> str:
        """Mallory exits, with the witnesses she kept, the deposit she already spent."""
        kept = self.kept_deposit
        assert kept is not None
        operation = StartStandardExit(
            environment_id=HEALTHY,
            sender=MALLORY.address,
            position=kept.position,
            transaction=kept.origin,
            inclusion_proof=kept.proof,
            bond=self.devnet.get_bond(HEALTHY),
        )
        self.devnet.settlement.apply(operation)
        found = self.devnet.settlement.get_exit_of_position(HEALTHY, kept.position)
        assert found is not None
        self.spent_exit = found[0]
        return (
            f"ATTACK: mallory starts the exit of her deposit {format_position(kept.position)} "
            f"in env 1 ({int(kept.output.amount)}), which she already paid to carol"
        )

    # Exits are processed

    def wait_for_maturity(self) -> str:
        """Let time pass until every open exit of environment 0 is mature."""
        open_exits = self.devnet.settlement.get_open_exits(ATTACKED)
        latest = max(int(exit.exitable_at) for _, exit in open_exits)
        if latest > self.devnet.time:
            self.devnet.advance(latest - int(self.devnet.time))
        return f"time passes: all {len(open_exits)} open exits of env 0 are mature"

    def process_exits(self) -> str:
        """Process environment 0's exit queue; every party follows."""
        processed = self.devnet.process_exits(ATTACKED, TOKEN_A)
        lines = [
            f"{get_actor_name(exit.owner)} {format_position(exit.position)}: paid {int(exit.paid)} "
            f"of {int(exit.amount)}, bond {int(exit.bond)} returned"
            for _, exit in processed
        ]
        head = f"env 0's exit queue is processed in priority order ({len(processed)} exits):"
        return "\n".join([head, *lines])


def has_alert(script: DemoScript, kind: AlertKind, environment_id: Uint64) -> bool:
    """Return whether a watcher raised an alert of ``kind`` in an environment."""
    return any(a.kind == kind and a.environment_id == environment_id for a in script.devnet.alerts)
