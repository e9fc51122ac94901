"""A deployment for in-flight party tests: one payments environment and a guarded watcher.

:func:`make_net` builds, in memory, a settlement simulator with one payments
environment, a board, its operator, a watcher whose
:class:`~reference.parties.in_flight_watch.InFlightWatch` guards Alice's,
Bob's and Carol's wallets, and Mallory's (unguarded) wallet. :class:`Net`
offers the moves the tests of ``tests/test_in_flight_parties.py`` make.
"""

from __future__ import annotations

from dataclasses import dataclass

from fixtures import (
    ALICE,
    BOB,
    CAROL,
    MALLORY,
    OPERATOR,
    TOKEN_A,
    WATCHER,
    Actor,
    make_funded_genesis,
    make_rules,
)
from reference.parties.alerts import Alert, AlertKind
from reference.parties.board import BlockBoard, make_deposit
from reference.parties.in_flight_watch import InFlightWatch
from reference.parties.operator import Operator
from reference.parties.payment_book import KnownPayment, make_in_flight_exit, make_piggybacks
from reference.parties.wallet import Wallet
from reference.parties.watcher import Watcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.payments.records import (
    InFlightExit,
    PiggybackSide,
)
from spec.environments.payments.transactions import Output, SignedTransaction, Transaction
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment
from spec.settlement.state import EnvironmentKind

ENV = Uint64(0)
"""The one environment of the tests."""

PERIOD = int(TINY.minimum_finalization_period)
"""MFP of the environment."""

FUNDS = 10_000
"""What every party holds of each token at genesis."""


@dataclass
class Net:
    """A one-environment deployment whose watcher guards Alice's, Bob's and Carol's wallets."""

    settlement: SettlementSimulator
    board: BlockBoard
    operator: Operator
    watcher: Watcher
    duty: InFlightWatch
    wallets: dict[str, Wallet]

    def deposit(self, actor: Actor, amount: int) -> OutputPosition:
        """Deposit token A for ``actor``; return the new output's position."""
        operation = Deposit(ENV, actor.address, TOKEN_A, Uint256(amount))
        number = make_deposit(self.settlement, self.board, operation)
        self.operator.follow_deposits()
        self.sync()
        return OutputPosition(number, Uint16(0), Uint8(0))

    def sync(self) -> None:
        """Let every wallet read the new blocks."""
        for wallet in self.wallets.values():
            wallet.sync(self.board, ENV)

    def advance(self, seconds: int) -> None:
        """Move the settlement clock forward."""
        self.settlement.apply(AdvanceTime(self.settlement.time + seconds))

    def commit(self, payments: list[SignedTransaction], *, publish: bool = True) -> Uint64:
        """Have the operator commit a block of ``payments`` (published or withheld)."""
        for payment in payments:
            self.operator.submit(payment)
        number = self.operator.commit_block(publish=publish)
        self.sync()
        return number

    def to_mallory(self, position: OutputPosition, amount: int) -> SignedTransaction:
        """Return Mallory's signed spend of ``position`` to herself."""
        output = Output(MALLORY.address, TOKEN_A, Uint256(amount))
        return self.wallets["mallory"].sign(ENV, Transaction((position,), (output,)))

    def co_sign(self, transaction: Transaction, *signers: Actor) -> SignedTransaction:
        """Return ``transaction`` signed at each input by the matching signer's wallet."""
        signatures = tuple(
            self.wallets[signer.name].sign(ENV, transaction).signatures[index]
            for index, signer in enumerate(signers)
        )
        return SignedTransaction(transaction, signatures)

    def witness(self, payment: SignedTransaction) -> KnownPayment:
        """Return ``payment`` with its inputs' witnesses, as the payers' wallets hold them."""
        owned = [
            found
            for position in payment.transaction.inputs
            for wallet in self.wallets.values()
            if (found := wallet.get_output(ENV, position)) is not None
        ]
        return KnownPayment(
            ENV, payment, tuple(o.origin for o in owned), tuple(o.proof for o in owned)
        )

    def know(self, actor: Actor, payment: SignedTransaction) -> None:
        """Hand ``payment`` with its witnesses over to ``actor``'s wallet."""
        self.wallets[actor.name].learn_payment(self.witness(payment))

    def mallory_exits(self, known: KnownPayment, side: PiggybackSide) -> None:
        """Mallory starts in-flight exit 0 of ``known`` and piggybacks her item on ``side``."""
        bond = self.settlement.get_rules(ENV).exit_bond
        self.settlement.apply(make_in_flight_exit(MALLORY.address, known, bond))
        exit = self.exit()
        (piggyback,) = make_piggybacks(MALLORY.address, ENV, Uint64(0), exit, side=side, bond=bond)
        self.settlement.apply(piggyback)

    def exit(self, exit_id: int = 0) -> InFlightExit:
        """Return an in-flight exit."""
        return self.duty.read_exit(Uint64(exit_id))

    def balance(self, actor: Actor, token: Address = TOKEN_A) -> int:
        """Return an account's settlement balance of a token."""
        return int(self.settlement.get_balance(actor.address, token))


def make_net() -> Net:
    """Return the deployment, in memory."""
    parties = [actor.address for actor in (ALICE, BOB, CAROL, MALLORY, OPERATOR, WATCHER)]
    settlement = SettlementSimulator.create(
        Store(), make_funded_genesis(TINY, parties, funds=FUNDS)
    )
    settlement.apply(RegisterEnvironment(OPERATOR.address, EnvironmentKind.PAYMENTS, make_rules()))
    settlement.apply(AdvanceTime(Uint64(1_000 + int(TINY.quarantine_period))))
    board = BlockBoard(Store())
    operator = Operator.create(Store(), settlement, board, ENV)
    watcher = Watcher.create(
        Store(), settlement=settlement, board=board, environment_id=ENV, address=WATCHER.address
    )
    depth = int(TINY.transaction_tree_depth)
    wallets = {a.name: Wallet(Store(), a.key, depth) for a in (ALICE, BOB, CAROL, MALLORY)}
    duty = InFlightWatch(watcher, [wallets[a.name] for a in (ALICE, BOB, CAROL)])
    return Net(settlement, board, operator, watcher, duty, wallets)


def kinds(alerts: list[Alert]) -> list[AlertKind]:
    """Return the kinds of some alerts, in order."""
    return [alert.kind for alert in alerts]


def tick_until_quiet(net: Net, ticks: int = 3) -> list[Alert]:
    """Let the watcher tick a few times; return every alert raised."""
    return [alert for _ in range(ticks) for alert in net.watcher.tick()]
