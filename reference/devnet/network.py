"""A local devnet: every party of a small Plasma deployment on one machine.

The settlement simulator, two payments environments with their operators
and watchers, a Plasma Cash environment with its operator, coin wallets and
coin watchers (:class:`~reference.devnet.cash_network.CashParties`), and a
few wallets, each party with its own SQLite file in one data directory.

:class:`Devnet` wires the parties together and offers the actions a demo
needs (deposit, pay, exit, process exits, let time pass). Each action goes
through the parties exactly as on a real deployment: a payment is built and
signed by the sender's wallet, checked by the operator's mempool, committed
as a root on the settlement layer and published on the board, from which
every wallet and watcher learns it. After every action the watchers check
what is new and their alerts are collected.

Each watcher also guards the honest users' wallets in the in-flight exit game
(:class:`~reference.parties.in_flight_watch.InFlightWatch`): should a block
be withheld, their unpublished payments are exited in flight.

Files in the data directory: ``settlement.sqlite``, ``board.sqlite`` (the
payments blocks and the Cash leaves), ``operator-<env>.sqlite``,
``watcher-<env>.sqlite`` and ``wallet-<name>.sqlite``, and the Cash parties'
files (``reference.devnet.cash_network``).

The demo script that drives a devnet is ``reference.devnet.script``; the
settlement genesis is ``fixtures.make_funded_genesis`` (every party funded with
:data:`FUNDS` of the native token, of token A and of token B, the Cash coins'
token, at the fixtures' start time).
"""

from __future__ import annotations

from pathlib import Path

from fixtures import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    MALLORY,
    OPERATOR,
    OPERATOR_TWO,
    TOKEN_A,
    TOKEN_B,
    WATCHER,
    Actor,
    make_funded_genesis,
    make_rules,
)
from reference.devnet.cash_network import CASH_OPERATOR, CashParties
from reference.parties.alerts import Alert
from reference.parties.board import BlockBoard, make_deposit
from reference.parties.in_flight_watch import InFlightWatch
from reference.parties.operator import Operator
from reference.parties.wallet import Wallet, WalletError
from reference.parties.watcher import Watcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.presets import TINY
from spec.primitives import NATIVE_TOKEN, Address, Uint32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, RegisterEnvironment
from spec.settlement.state import EnvironmentKind, Exit, ExitStatus

USERS = (ALICE, BOB, CAROL, MALLORY)
"""Actors with a wallet; Mallory is the attacker."""

GUARDED = (ALICE, BOB, CAROL)
"""Users whose wallets the watchers guard in the in-flight exit game."""

OPERATORS = (OPERATOR, OPERATOR_TWO)
"""Operator of environment 0 and of environment 1."""

CASH_ENVIRONMENT = Uint64(len(OPERATORS))
"""The Plasma Cash environment (registered after the two payments environments)."""

PARTIES = (*USERS, DAVE, *OPERATORS, CASH_OPERATOR, WATCHER)
"""Everyone with a settlement-layer account."""

FUNDS = 10_000
"""What every party holds of each token on the settlement layer at genesis (not the
fixtures' default: the demo's summary shows these amounts)."""

PRESET = TINY
"""Small numbers: an MFP of 100 s, four block numbers per child block, eight transactions."""


class Devnet:
    """Every party of the demo, each with its own store in ``directory``."""

    def __init__(self, directory: Path) -> None:
        """Start a devnet in ``directory``: genesis, two registered environments, the parties."""
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        """Where every party keeps its SQLite file."""
        genesis = make_funded_genesis(
            PRESET,
            accounts=[actor.address for actor in PARTIES],
            tokens=(NATIVE_TOKEN, TOKEN_A, TOKEN_B),
            funds=FUNDS,
        )
        self.settlement = SettlementSimulator.create(self.open_store("settlement"), genesis)
        """The settlement layer (root contract)."""
        self.board = BlockBoard(self.open_store("board"))
        """The data-availability board."""
        for operator in OPERATORS:
            rules = make_rules(PRESET)
            self.settlement.apply(
                RegisterEnvironment(operator.address, EnvironmentKind.PAYMENTS, rules)
            )
        cash_rules = make_rules(PRESET)
        self.settlement.apply(
            RegisterEnvironment(CASH_OPERATOR.address, EnvironmentKind.CASH, cash_rules)
        )
        self.advance(int(PRESET.quarantine_period))
        self.operators = [
            Operator.create(
                self.open_store(f"operator-{int(env)}"), self.settlement, self.board, env
            )
            for env in self.environment_ids
        ]
        """The operator of each environment, by environment id."""
        self.watchers = [
            Watcher.create(
                self.open_store(f"watcher-{int(env)}"),
                settlement=self.settlement,
                board=self.board,
                environment_id=env,
                address=WATCHER.address,
            )
            for env in self.environment_ids
        ]
        """The watcher of each environment, by environment id."""
        self.wallets = {
            actor.name: Wallet(
                self.open_store(f"wallet-{actor.name}"), actor.key, PRESET.transaction_tree_depth
            )
            for actor in USERS
        }
        """Each user's wallet, by name."""
        self.in_flight = [
            InFlightWatch(
                watcher,
                [self.wallets[actor.name] for actor in GUARDED],
                {actor.address: actor.name for actor in PARTIES},
            )
            for watcher in self.watchers
        ]
        """Each watcher's in-flight duty, guarding the honest users' wallets."""
        self.cash = CashParties(
            self.open_store, self.settlement, self.board.store, CASH_ENVIRONMENT
        )
        """The Cash environment's parties."""
        self.alerts: list[Alert] = []
        """Every alert the payments watchers raised, in order."""

    def open_store(self, name: str) -> Store:
        """Return the store of one party, in the data directory."""
        return Store(self.directory / f"{name}.sqlite")

    @property
    def environment_ids(self) -> tuple[Uint64, ...]:
        """Ids of the payments environments."""
        return tuple(Uint64(env) for env in range(len(OPERATORS)))

    @property
    def time(self) -> Uint64:
        """The settlement clock."""
        return self.settlement.time

    def get_bond(self, environment_id: Uint64) -> Uint256:
        """Return the exit bond of an environment."""
        return self.settlement.get_rules(environment_id).exit_bond

    def get_period(self, environment_id: Uint64) -> Uint64:
        """Return the minimal finalization period (MFP) of an environment."""
        return self.settlement.get_rules(environment_id).minimal_finalization_period

    # Time and watching

    def advance(self, seconds: int) -> Uint64:
        """Move the settlement clock forward; return the new time."""
        self.settlement.apply(AdvanceTime(self.settlement.time + seconds))
        return self.settlement.time

    def watch(self) -> list[Alert]:
        """Let every payments watcher check what is new; return (and keep) their new alerts."""
        raised = [alert for watcher in self.watchers for alert in watcher.tick()]
        self.alerts.extend(raised)
        return raised

    def sync_wallets(self, environment_id: Uint64) -> None:
        """Let every wallet read the blocks newly published in an environment."""
        for wallet in self.wallets.values():
            wallet.sync(self.board, environment_id)

    # Actions

    def deposit(self, actor: Actor, environment_id: Uint64, amount: int) -> Uint64:
        """Deposit ``amount`` of token A for ``actor``; return the deposit block's number.

        Raises:
            Rejected: any reason of the ``Deposit`` operation.
        """
        operation = Deposit(environment_id, actor.address, TOKEN_A, Uint256(amount))
        number = make_deposit(self.settlement, self.board, operation)
        self.operators[environment_id].follow_deposits()
        self.sync_wallets(environment_id)
        return number

    def submit(
        self, sender: Actor, recipient: Actor, environment_id: Uint64, amount: int, fee: int = 0
    ) -> SignedTransaction:
        """Have ``sender``'s wallet pay ``amount`` of token A and hand it to the operator.

        Raises:
            WalletError: when the sender's wallet cannot build the payment.
            Rejected: when the operator refuses it (the wallet then frees its inputs).
        """
        wallet = self.wallets[sender.name]
        payment = wallet.pay(environment_id, recipient.address, TOKEN_A, amount, fee)
        try:
            self.operators[environment_id].submit(payment)
        except Rejected:
            wallet.cancel_payment(environment_id, payment)
            raise
        return payment

    def hand_over(self, sender: Actor, recipient: Actor, payment: SignedTransaction) -> None:
        """Have ``sender``'s wallet hand one of its payments (with witnesses) to ``recipient``'s.

        Raises:
            WalletError: when the sender's wallet does not hold the payment (any more).
        """
        wallet = self.wallets[sender.name]
        entries = [wallet.payments.get(env, payment.transaction) for env in self.environment_ids]
        known = next((entry.known for entry in entries if entry is not None), None)
        if known is None:
            raise WalletError("the sender's wallet does not hold that payment")
        self.wallets[recipient.name].learn_payment(known)

    def commit(self, environment_id: Uint64) -> Uint64:
        """Have an operator commit and publish its next block; return the block's number.

        Raises:
            Rejected: as ``Operator.commit_block`` does.
        """
        number = self.operators[environment_id].commit_block()
        self.sync_wallets(environment_id)
        return number

    def pay(
        self, sender: Actor, recipient: Actor, environment_id: Uint64, amount: int, fee: int = 0
    ) -> Uint64:
        """Pay ``amount`` of token A in a block of its own; return the block's number.

        Raises:
            WalletError: when the sender's wallet cannot build the payment.
            Rejected: when the operator refuses it.
        """
        self.submit(sender, recipient, environment_id, amount, fee)
        return self.commit(environment_id)

    def start_exit(self, actor: Actor, environment_id: Uint64, position: OutputPosition) -> Uint64:
        """Start the exit of one of ``actor``'s outputs; return the exit id.

        Raises:
            WalletError: when the wallet holds no such output.
            Rejected: any reason of ``StartStandardExit``.
        """
        wallet = self.wallets[actor.name]
        operation = wallet.make_exit(environment_id, position, self.get_bond(environment_id))
        self.settlement.apply(operation)
        found = self.settlement.get_exit_of_position(environment_id, position)
        assert found is not None, "the exit was just started"
        return found[0]

    def process_exits(self, environment_id: Uint64, token: Address) -> list[tuple[Uint64, Exit]]:
        """Process every mature exit of a queue; return the exits processed, in order paid.

        Then the operator drops the exited outputs from its ledger and the wallets
        forget them; the watcher does so at its next :meth:`watch`.

        Raises:
            Rejected: ``NO_EXIT_TO_PROCESS`` when none is mature.
        """
        candidates = self.settlement.get_open_exits(environment_id)
        limit = len(candidates) + self.in_flight[environment_id].count_exits()
        self.settlement.apply(ProcessExits(environment_id, WATCHER.address, token, Uint32(limit)))
        processed = []
        for exit_id, _ in candidates:
            exit = self.settlement.get_exit(environment_id, exit_id)
            if exit is not None and exit.status == ExitStatus.PROCESSED:
                processed.append((exit_id, exit))
        self.follow_exits(environment_id)
        return sorted(processed, key=lambda item: (item[1].exitable_at, item[1].position))

    def follow_exits(self, environment_id: Uint64) -> None:
        """Let the operator and the wallets learn which exits ended (watchers do at their tick)."""
        self.operators[environment_id].follow_exits()
        for wallet in self.wallets.values():
            wallet.follow_exits(self.settlement, environment_id)

    # Balances

    def get_balances(self, address: Address) -> tuple[int, int]:
        """Return an account's settlement balances: (token A, native)."""
        return (
            int(self.settlement.get_balance(address, TOKEN_A)),
            int(self.settlement.get_balance(address, NATIVE_TOKEN)),
        )

    def get_balances_of(self, address: Address, token: Address) -> tuple[int, int]:
        """Return an account's settlement balances: (``token``, native)."""
        return (
            int(self.settlement.get_balance(address, token)),
            int(self.settlement.get_balance(address, NATIVE_TOKEN)),
        )

    def get_holdings(self, actor: Actor) -> list[int]:
        """Return what ``actor``'s wallet holds of token A in each environment."""
        wallet = self.wallets.get(actor.name)
        if wallet is None:
            return [int(self.get_operator_holding(actor, env)) for env in self.environment_ids]
        return [int(wallet.get_balance(env, TOKEN_A)) for env in self.environment_ids]

    def get_operator_holding(self, actor: Actor, environment_id: Uint64) -> int:
        """Return what an actor without a wallet (an operator) owns in an environment's ledger."""
        ledger = self.operators[environment_id].ledger
        outputs = ledger.get_outputs_of(actor.address)
        return sum(int(o.amount) for _, o in outputs if o.token == TOKEN_A)

    def close(self) -> None:
        """Close every party's store."""
        stores = [self.settlement.store, self.board.store]
        stores += [operator.ledger.store for operator in self.operators]
        stores += [watcher.ledger.store for watcher in self.watchers]
        stores += [wallet.store for wallet in self.wallets.values()]
        stores += self.cash.list_stores()
        for store in stores:
            store.close()
