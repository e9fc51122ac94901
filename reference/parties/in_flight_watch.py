"""A watcher's in-flight duty (More Viable Plasma): exit withheld payments, police the game.

An :class:`InFlightWatch` is a duty of one payments
:class:`~reference.parties.watcher.Watcher` (it runs at each of the watcher's
ticks, after its block and exit checks), working for the wallets the watcher
guards. It follows the environment's in-flight exits incrementally, by exit
id (an :class:`~reference.parties.cursor.ExitCursor`: new ids once, the
unfinished ones again until they end), and:

- **exits the guarded wallets' payments in flight** once the watcher found a
  withheld (or invalid) block: every payment a wallet signed or was handed
  that it has not read in a published block may be in that block, so its
  in-flight exit is started (by the wallet, with its bond) unless one is
  active, right at the alarm: within the exit's first phase and within one
  MFP of the bad block's commitment;
- **piggybacks**, in the exit's first phase, each wallet's side of its
  payments' exits: the outputs it receives while the payment stands
  canonical, the inputs it spent once it does not;
- **challenges** other exits with what the watcher and its wallets know
  (:class:`~reference.parties.in_flight_witnesses.InFlightWitnesses`): a
  payment not shown published, with the oldest competitor known
  (``ChallengeInFlightNotCanonical``); a piggybacked input spent by another
  payment (``ChallengeInFlightInputSpent``); a piggybacked output of a
  published payment spent (``ChallengeInFlightOutputSpent``);
- **answers** a canonicity challenge against a payment it read published
  before the oldest competitor (``RespondToNonCanonicalChallenge``): a
  griefing challenge cannot stand;
- **processes** the mature queues its exits wait in (``ProcessExits`` with
  the watcher as sender, which earns the processing bounty), deletes the
  exits nobody piggybacked once their first phase is over (the bond goes
  back), and, when an exit ends, settles the guarded wallets: the outputs it
  paid or spent leave the wallet, the rest are spendable again.

Every action is reported once, as an :class:`~reference.parties.alerts.Alert`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reference.parties.alerts import Alert, AlertKind
from reference.parties.board import format_position
from reference.parties.cursor import ExitCursor
from reference.parties.in_flight_witnesses import InFlightWitnesses, describe_payment, is_ended
from reference.parties.payment_book import make_in_flight_exit, make_piggybacks
from reference.parties.wallet import OutputStatus, Wallet
from reference.parties.watcher import Watcher
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import DeleteInFlightExit
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Transaction
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import Address, Uint32, Uint64
from spec.settlement.operations import ProcessExits
from spec.settlement.transition import Operation

CURSOR_PREFIX = "in_flight_"
"""Prefix of the tables of the duty's exit cursor, in the watcher's store."""


class InFlightWatch:
    """The in-flight exits of one watcher's environment, for the wallets it guards."""

    def __init__(
        self,
        watcher: Watcher,
        wallets: Sequence[Wallet],
        names: Mapping[Address, str] | None = None,
    ) -> None:
        """Give ``watcher`` the duty of guarding ``wallets``' payments; it runs at its ticks.

        ``names``: how messages call some addresses (the guarded users, say).
        """
        self.watcher = watcher
        """The watcher: its environment, settlement layer, board, spends and bad block."""
        self.wallets = list(wallets)
        """The wallets guarded (they build their exits and piggybacks)."""
        self.names: Mapping[Address, str] = {} if names is None else names
        """How messages call some addresses."""
        self.witnesses = InFlightWitnesses(watcher, self.wallets)
        """What the watcher and the wallets know, as witnesses."""
        self.cursor = ExitCursor(watcher.ledger.store, CURSOR_PREFIX, watcher.environment_id)
        """The next in-flight exit id to read, and the unfinished exits seen."""
        watcher.duties.append(self)

    @property
    def environment_id(self) -> Uint64:
        """The environment watched."""
        return self.watcher.environment_id

    # Reading the settlement layer

    def count_exits(self) -> int:
        """Return how many in-flight exits the environment ever had."""
        return self.watcher.settlement.tables.count_in_flight_exits(int(self.environment_id))

    def read_exit(self, exit_id: Uint64) -> InFlightExit:
        """Return an in-flight exit that exists."""
        tables = self.watcher.settlement.tables
        exit = tables.read_in_flight_exit(int(self.environment_id), exit_id)
        assert exit is not None, "in-flight exit ids below the count exist"
        return exit

    def is_in_first_phase(self, exit: InFlightExit) -> bool:
        """Return whether the exit still takes piggybacks and canonicity challenges."""
        return self.watcher.settlement.time < exit.started_at + self.watcher.period // 2

    def try_apply(self, operation: Operation) -> bool:
        """Apply an operation; return False if the settlement layer refused it."""
        try:
            self.watcher.settlement.apply(operation)
        except Rejected:
            return False
        return True

    def alert(self, kind: AlertKind, exit: InFlightExit, message: str) -> Alert:
        """Return an alert about an in-flight exit (its block: its youngest input's)."""
        block = exit.youngest_input.block_number
        return Alert(kind, self.environment_id, block, None, message)

    # The duty

    def tick(self) -> list[Alert]:
        """Exit, piggyback, challenge, answer, process and settle what is due; return alerts."""
        start, tracked = self.cursor.read()
        count = self.count_exits()
        self.link_exits(range(start, count))
        raised = self.exit_payments() if self.watcher.first_bad_block is not None else []
        count = self.count_exits()
        ids = sorted({*tracked, *range(start, count)})
        raised += self.piggyback_payments()
        for exit_id in ids:
            raised += self.police(Uint64(exit_id))
        raised += self.process(ids)
        still_open = []
        for exit_id in ids:
            exit = self.read_exit(Uint64(exit_id))
            if is_ended(exit):
                self.settle_wallets(Uint64(exit_id), exit)
            else:
                still_open.append(exit_id)
        self.cursor.write(count, still_open)
        return raised

    def link_exits(self, exit_ids: Sequence[int]) -> None:
        """Note, in the guarded wallets' books, the active exits among ``exit_ids``."""
        for exit_id in exit_ids:
            exit = self.read_exit(Uint64(exit_id))
            if exit.status == InFlightExitStatus.ACTIVE:
                self.link(exit.transaction, Uint64(exit_id))

    def link(self, transaction: Transaction, exit_id: Uint64) -> None:
        """Note an exit of a payment in every guarded wallet's book that holds the payment."""
        for wallet in self.wallets:
            if wallet.payments.get(self.environment_id, transaction) is not None:
                wallet.payments.set_exit(self.environment_id, transaction, exit_id)

    def find_exit(self, transaction: Transaction) -> Uint64 | None:
        """Return the in-flight exit a guarded wallet's book links to a payment, if any."""
        for wallet in self.wallets:
            entry = wallet.payments.get(self.environment_id, transaction)
            if entry is not None and entry.exit_id is not None:
                return entry.exit_id
        return None

    def name_of(self, address: Address) -> str:
        """Return how messages name an address: the guarded wallet's name, or the address."""
        return self.names.get(address, f"0x{address.hex()[:8]}")

    def has_active_exit(self, exit_id: Uint64 | None) -> bool:
        """Return whether ``exit_id`` names an active in-flight exit."""
        return exit_id is not None and self.read_exit(exit_id).status == InFlightExitStatus.ACTIVE

    def exit_payments(self) -> list[Alert]:
        """Start the in-flight exit of every unpublished payment of a guarded wallet."""
        raised = []
        environment_id = self.environment_id
        bond = self.watcher.settlement.get_rules(environment_id).exit_bond
        entries = [
            (wallet, entry)
            for wallet in self.wallets
            for entry in wallet.payments.list_entries(environment_id)
        ]
        # The payer starts its payment's exit; a payee only one its payer did not
        entries.sort(key=lambda item: not item[1].signed)
        for wallet, entry in entries:
            payment = entry.known.payment.transaction
            found = self.find_exit(payment)
            if found is not None and self.has_active_exit(found):
                self.link(payment, found)
                continue
            exit_id = Uint64(self.count_exits())
            operation = make_in_flight_exit(wallet.address, entry.known, bond)
            if not self.try_apply(operation):
                # Someone started it before the wallet knew the payment: find it among the open
                self.link_exits(self.cursor.read()[1])
                continue
            self.link(payment, exit_id)
            exit = self.read_exit(exit_id)
            message = (
                f"block {int(self.watcher.first_bad_block or 0)} may hold a payment of "
                f"{describe_payment(exit)} that was never published: its in-flight exit "
                f"{int(exit_id)} is started by {self.name_of(wallet.address)}"
            )
            raised.append(self.alert(AlertKind.IN_FLIGHT_EXIT_STARTED, exit, message))
        return raised

    def piggyback_payments(self) -> list[Alert]:
        """Piggyback, in each first phase, the guarded wallets' side of their payments' exits."""
        raised = []
        bond = self.watcher.settlement.get_rules(self.environment_id).exit_bond
        for wallet in self.wallets:
            for entry in wallet.payments.list_entries(self.environment_id):
                if entry.exit_id is None or not self.has_active_exit(entry.exit_id):
                    continue
                exit = self.read_exit(entry.exit_id)
                if not self.is_in_first_phase(exit):
                    continue
                side = PiggybackSide.OUTPUT if exit.canonical else PiggybackSide.INPUT
                operations = make_piggybacks(
                    wallet.address, self.environment_id, entry.exit_id, exit, side=side, bond=bond
                )
                done = [int(op.index) for op in operations if self.try_apply(op)]
                if done:
                    message = (
                        f"{self.name_of(wallet.address)} piggybacks its {side.value}s {done} of "
                        f"in-flight exit {int(entry.exit_id)}"
                    )
                    raised.append(self.alert(AlertKind.PIGGYBACKED, exit, message))
        return raised

    # Policing every exit

    def police(self, exit_id: Uint64) -> list[Alert]:
        """Challenge what the exit gets wrong, answer griefing, delete it if nobody joined."""
        exit = self.read_exit(exit_id)
        if exit.status != InFlightExitStatus.ACTIVE:
            return []
        raised = self.challenge_canonicity(exit_id, exit)
        raised += self.answer(exit_id, self.read_exit(exit_id))
        raised += self.challenge_spent(exit_id, self.read_exit(exit_id))
        exit = self.read_exit(exit_id)
        piggybacks = exit.input_piggybacks + exit.output_piggybacks
        if not self.is_in_first_phase(exit) and all(
            p.status == PiggybackStatus.NONE for p in piggybacks
        ):
            self.try_apply(DeleteInFlightExit(self.environment_id, self.watcher.address, exit_id))
        return raised

    def challenge_canonicity(self, exit_id: Uint64, exit: InFlightExit) -> list[Alert]:
        """Challenge a payment not seen published with the oldest competitor known."""
        if not self.is_in_first_phase(exit) or self.witnesses.find_inclusion(exit.transaction):
            return []
        competitor = self.witnesses.find_oldest_competitor(exit)
        if competitor is None or (
            exit.oldest_competitor is not None and competitor.rank >= exit.oldest_competitor
        ):
            return []
        operation = ChallengeInFlightNotCanonical(
            self.environment_id,
            self.watcher.address,
            exit_id,
            competitor.payment,
            competitor.input_index,
            competitor.inclusion,
        )
        if not self.try_apply(operation):
            return []
        where = "in flight" if competitor.inclusion is None else "included"
        message = (
            f"in-flight exit {int(exit_id)} of {describe_payment(exit)} is not canonical: "
            f"a competitor ({where}) spends the same input; its bond goes to the watcher"
        )
        return [self.alert(AlertKind.IN_FLIGHT_CHALLENGED, exit, message)]

    def answer(self, exit_id: Uint64, exit: InFlightExit) -> list[Alert]:
        """Answer a canonicity challenge with the payment's published inclusion, if older."""
        if exit.canonical or exit.outcome != InFlightOutcome.UNDECIDED:
            return []
        found = self.witnesses.find_inclusion(exit.transaction)
        if found is None or (
            exit.oldest_competitor is not None and found[1].position >= exit.oldest_competitor
        ):
            return []
        operation = RespondToNonCanonicalChallenge(
            self.environment_id, self.watcher.address, exit_id, *found
        )
        if not self.try_apply(operation):
            return []
        block = int(found[1].position.block_number)
        message = (
            f"the canonicity challenge of in-flight exit {int(exit_id)} is answered: its payment "
            f"was published in block {block}, before any competitor"
        )
        return [self.alert(AlertKind.CHALLENGE_ANSWERED, exit, message)]

    def challenge_spent(self, exit_id: Uint64, exit: InFlightExit) -> list[Alert]:
        """Challenge open piggybacks shown spent: inputs elsewhere, outputs once published."""
        challenges = self.witnesses.make_spent_challenges(self.watcher.address, exit_id, exit)
        return [
            self.spent_alert(exit_id, exit, side, position)
            for operation, side, position in challenges
            if self.try_apply(operation)
        ]

    def spent_alert(
        self, exit_id: Uint64, exit: InFlightExit, side: PiggybackSide, position: OutputPosition
    ) -> Alert:
        """Return the alert of a piggyback shown spent."""
        message = (
            f"the piggybacked {side.value} {format_position(position)} of in-flight exit "
            f"{int(exit_id)} was spent elsewhere: challenged, its bond goes to the watcher"
        )
        return self.alert(AlertKind.IN_FLIGHT_CHALLENGED, exit, message)

    # Processing and settling

    def process(self, exit_ids: Sequence[int]) -> list[Alert]:
        """Process each token queue where one of the exits followed is mature."""
        now = self.watcher.settlement.time
        exits = {exit_id: self.read_exit(Uint64(exit_id)) for exit_id in exit_ids}
        tokens = sorted(
            {
                token
                for exit in exits.values()
                if exit.status == InFlightExitStatus.ACTIVE
                for token, exitable_at in exit.exitable_at.items()
                if exitable_at <= now and token not in exit.processed_tokens
            }
        )
        raised: list[Alert] = []
        limit = len(self.watcher.settlement.get_open_exits(self.environment_id)) + len(exits)
        for token in tokens:
            operation = ProcessExits(
                self.environment_id, self.watcher.address, token, Uint32(limit)
            )
            if not self.try_apply(operation):
                continue
            for exit_id, before in exits.items():
                after = self.read_exit(Uint64(exit_id))
                if token in after.processed_tokens and token not in before.processed_tokens:
                    raised.append(self.processed_alert(Uint64(exit_id), after, token))
        return raised

    def processed_alert(self, exit_id: Uint64, exit: InFlightExit, token: Address) -> Alert:
        """Return the alert of an in-flight exit processed for one token: who was paid what."""
        paid = [
            f"{side} {index} paid {int(piggyback.paid)}"
            for side, piggybacks in (
                ("input", exit.input_piggybacks),
                ("output", exit.output_piggybacks),
            )
            for index, piggyback in enumerate(piggybacks)
            if piggyback.status == PiggybackStatus.PAID
        ]
        message = (
            f"in-flight exit {int(exit_id)} of {describe_payment(exit)} processed for token "
            f"{token.hex()[:8]}: it pays its {exit.outcome.value} ({', '.join(paid) or 'nothing'})"
        )
        return self.alert(AlertKind.IN_FLIGHT_EXIT_PROCESSED, exit, message)

    def settle_wallets(self, exit_id: Uint64, exit: InFlightExit) -> None:
        """Settle the guarded wallets once an exit of their payment ended."""
        for wallet in self.wallets:
            entry = wallet.payments.get(self.environment_id, exit.transaction)
            if entry is None or entry.exit_id != exit_id:
                continue
            if exit.status == InFlightExitStatus.DELETED:
                # Nobody joined the exit: the wallet cannot tell more, it stops exiting it
                wallet.payments.forget(self.environment_id, exit.transaction)
                continue
            mine = [
                (position, piggyback.status)
                for position, piggyback in zip(
                    exit.transaction.inputs, exit.input_piggybacks, strict=True
                )
                if wallet.get_output(self.environment_id, position) is not None
            ]
            if exit.outcome == InFlightOutcome.OUTPUTS:
                settled = [position for position, _ in mine]
            else:
                settled = [p for p, status in mine if status == PiggybackStatus.PAID]
            kept = [p for p, _ in mine if p not in settled]
            with wallet.store.transaction():
                wallet.forget_outputs(self.environment_id, settled)
                wallet.set_status(self.environment_id, kept, OutputStatus.UNSPENT)
                wallet.payments.forget(self.environment_id, exit.transaction)
