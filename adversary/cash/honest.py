"""The Cash game's honest actions: owners, the operator's honest blocks, time, finalization.

Honest owners deposit, pay each other with coins that are not tainted, and
exit what they rightfully own. When they look at the chain
(:meth:`HonestCashActions.honest_watch`, at least once per half period: time
never passes further) each owner challenges every bad exit of a coin it
owns, answers every history challenge of its own exits, and exits its tainted
coins. Anyone may finalize an exit; the game predicts whether it is paid or
cancelled, and fails the trace when a coin of an honest owner is paid to
anyone else.
"""

from __future__ import annotations

from adversary.cash import wallet
from adversary.cash.game import (
    EMPTY_ROOT,
    ENV,
    HONEST_OWNERS,
    HONEST_USERS,
    PAYMENTS_ENV,
    CashGameState,
    cash_action,
)
from adversary.cash.ledger import recover_signer
from fixtures import MALLORY, OPERATOR, OPERATOR_TWO, Actor, get_actor_name, make_rules
from spec.environments.cash.coins import CoinLeaf
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CoinExitStatus, CoinStatus
from spec.errors import RejectionReason
from spec.primitives import NATIVE_TOKEN, Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import EnvironmentKind


class HonestCashActions(CashGameState):
    """The recorded actions of honest actors."""

    # Moves shared by several actions

    def deposit(self, user: Actor, amount: int) -> int | None:
        """``user`` deposits (if a coin may be minted now); return the coin's id."""
        if not self.has_free_deposit_number():
            self.note(f"{user.name} finds no free deposit number")
            return None
        coin = self.ledger.next_coin_id(ENV)
        what = f"{user.name} deposits {amount}, minting coin {coin}"
        self.attempt(what, None, lambda: self.ledger.deposit(ENV, user.address, amount))
        return coin

    def commit(self, leaves: list[CoinLeaf], what: str, *, withhold: bool = False) -> int:
        """The operator commits a child block of ``leaves``; return its number."""
        number = self.ledger.next_child_block(ENV)
        hidden = " (withheld)" if withhold else ""
        self.attempt(
            f"operator commits block {number}: {what}{hidden}",
            None,
            lambda: self.ledger.commit(ENV, leaves, withhold=withhold),
        )
        return number

    def sign(self, sender: Actor, coin: int, recipient: Actor) -> None:
        """``sender`` signs a transfer of a coin it owns, spending its latest valid leaf."""
        previous = self.history(coin).blocks[-1]
        transfer = self.ledger.sign(ENV, coin, previous, sender, recipient.address)
        self.pending.append(transfer)
        self.note(f"{sender.name} signs coin {coin} (block {previous}) over to {recipient.name}")

    def include_transfers(self) -> int:
        """The operator commits every pending transfer that is valid now; return the block."""
        included, seen = [], set()
        for transfer in self.pending:
            coin = int(transfer.transfer.coin_id)
            if coin in seen or self.status(coin) != CoinStatus.DEPOSITED:
                continue
            history = self.history(coin)
            spends_last = int(transfer.transfer.previous_block) == history.blocks[-1]
            if spends_last and recover_signer(ENV, transfer) == history.owner:
                included.append(transfer)
                seen.add(coin)
        self.pending = []
        return self.commit(list(included), f"{len(included)} pending transfers")

    def exit_honestly(self, coin: int) -> None:
        """The coin's rightful owner exits it with its last two valid leaves."""
        self.pending = [t for t in self.pending if int(t.transfer.coin_id) != coin]
        operation = wallet.make_honest_exit(self.ledger, ENV, coin)
        owner = get_actor_name(operation.sender)
        block = int(operation.exiting.block_number)
        what = f"{owner} exits coin {coin} with block {block}"
        self.submit(what, self.expect_exit_start(coin), operation)

    def watch(self) -> None:
        """Every honest owner looks: challenges, answers, and exits tainted coins."""
        for exit_id, _ in self.open_exits():
            exit = self.ledger.records(ENV).exits[Uint64(exit_id)]
            if exit.status != CoinExitStatus.OPEN:
                continue
            if exit.owner in HONEST_OWNERS:
                for answer in wallet.choose_answers(self.ledger, ENV, exit_id, exit, exit.owner):
                    what = f"{get_actor_name(exit.owner)} answers exit #{exit_id}'s challenge"
                    block = int(answer.challenge_block)
                    self.submit(f"{what} at block {block}", None, answer)
                continue
            rightful = self.history(int(exit.coin_id)).owner
            if rightful not in HONEST_OWNERS:
                continue
            found = wallet.choose_challenge(self.ledger, ENV, exit_id, exit, rightful)
            if found is not None:
                kind = type(found).__name__.removeprefix("ChallengeCoin")
                what = f"{get_actor_name(rightful)} challenges exit #{exit_id} ({kind})"
                self.submit(what, None, found)
        for coin in self.owned_coins(HONEST_OWNERS):
            if self.is_tainted(coin):
                self.exit_honestly(coin)
        self.last_watch = self.ledger.time

    def finalize(self, exit_id: int) -> None:
        """Anyone finalizes an exit; the outcome (refused, paid or cancelled) is predicted."""
        exit = self.ledger.records(ENV).exits[Uint64(exit_id)]
        expected: RejectionReason | None = None
        if exit.status != CoinExitStatus.OPEN:
            expected = RejectionReason.EXIT_NOT_OPEN
        elif self.ledger.time < int(exit.exitable_at):
            expected = RejectionReason.EXIT_NOT_MATURE
        operation = FinalizeCoinExit(Uint64(ENV), Uint64(exit_id))
        if not self.submit(f"anyone finalizes exit #{exit_id}", expected, operation):
            return
        status = self.ledger.records(ENV).exits[Uint64(exit_id)].status
        wanted = CoinExitStatus.CANCELLED if exit.challenges else CoinExitStatus.FINALIZED
        if status != wanted:
            self.fail(f"exit #{exit_id} ended {status.value}, expected {wanted.value}")
        rightful = self.history(int(exit.coin_id)).owner
        stolen = exit.owner != rightful
        if status == CoinExitStatus.FINALIZED and rightful in HONEST_OWNERS and stolen:
            thief, owner = get_actor_name(exit.owner), get_actor_name(rightful)
            self.fail(f"Cash honest withdrawal: {owner}'s coin {int(exit.coin_id)} paid to {thief}")

    # Actions

    @cash_action
    def setup(self) -> None:
        """Register the environment and play a scripted start that every trace shares.

        Coin 1 moves alice, bob, carol, alice, with mallory's forged leaf in
        block 8 (a taint); coin 13 has a leaf at its key committed before its
        mint; the operator forges bob's coin 2 over to mallory, who exits it at
        once; mallory's coin 3 went to herself once. Honest owners then look
        (alice exits coin 1, bob challenges the theft); mallory exits coin 13
        in carol's name and her own coin 3 with a parent it does not spend,
        and the operator re-submits its latest block; carol exits coin 13,
        and mallory probes: a forged-leaf and a pre-mint history challenge, and
        a forged answer to bob's challenge. Every attack is refused.
        """
        rules = make_rules(self.ledger.world.preset)
        payments = RegisterEnvironment(OPERATOR_TWO.address, EnvironmentKind.PAYMENTS, rules)
        self.submit("operator-two registers payments environment 0", None, payments)
        self.ledger.register(OPERATOR)
        self.note("Cash environment 1 registered; both out of quarantine")
        alice, bob, carol = HONEST_USERS
        for user, amount in ((alice, 100), (bob, 200), (MALLORY, 300)):
            self.deposit(user, amount)
        self.sign(alice, 1, bob)
        self.sign(MALLORY, 3, MALLORY)
        self.include_transfers()
        forged = self.ledger.sign(ENV, 1, 4, MALLORY, MALLORY.address)
        self.commit([forged], "mallory's forged transfer of coin 1")
        premint = self.ledger.sign(ENV, 13, 0, MALLORY, MALLORY.address)
        self.sign(bob, 1, carol)
        self.commit([premint, *self.pending], "bob pays carol, and a leaf at coin 13's key")
        self.pending = []
        self.deposit(carol, 400)
        self.sign(carol, 1, alice)
        self.include_transfers()
        self.steal(2, withhold=False)
        self.watch()
        self.open_probe()
        self.exit_honestly(13)
        self.probe()

    @cash_action
    def user_deposits(self, *, user: str, amount: int) -> None:
        """A user deposits a coin (when a deposit number is free)."""
        self.deposit(self.actor(user), amount)

    @cash_action
    def user_transfers(self, *, pick: int, recipient: str) -> None:
        """An owner pays a coin; honest users never pay, nor accept, tainted coins."""
        to = self.actor(recipient)
        candidates = [
            coin
            for coin in self.owned_coins(HONEST_OWNERS | {MALLORY.address})
            if not self.has_pending(coin)
            and not (self.is_tainted(coin) and self.involves_honest(coin, to))
        ]
        if not candidates:
            self.note("no coin to pay with")
            return
        coin = candidates[pick % len(candidates)]
        self.sign(self.actor(get_actor_name(self.history(coin).owner)), coin, to)

    def involves_honest(self, coin: int, recipient: Actor) -> bool:
        """Return whether paying ``coin`` to ``recipient`` involves an honest owner."""
        return recipient.address in HONEST_OWNERS or self.history(coin).owner in HONEST_OWNERS

    @cash_action
    def user_deposits_in_payments(self, *, user: str, amount: int) -> None:
        """A user deposits into the payments environment beside (after an empty block if needed)."""
        state = self.ledger.state
        environment = state.environments[PAYMENTS_ENV]
        number = get_next_child_block_number(state, environment)
        if get_next_deposit_block_number(environment) >= number:
            block = SubmitBlock(Uint64(PAYMENTS_ENV), OPERATOR_TWO.address, number, EMPTY_ROOT)
            self.submit(f"operator-two commits empty block {int(number)} of env 0", None, block)
        address = self.actor(user).address
        deposit = Deposit(Uint64(PAYMENTS_ENV), address, NATIVE_TOKEN, Uint256(amount))
        self.submit(f"{user} deposits {amount} into payments environment 0", None, deposit)

    @cash_action
    def operator_includes_transfers(self) -> None:
        """The operator commits the valid pending transfers in a published block."""
        self.include_transfers()

    @cash_action
    def honest_watch(self) -> None:
        """Honest owners look at the chain (see :meth:`watch`)."""
        self.watch()

    @cash_action
    def honest_user_exits(self, *, pick: int) -> None:
        """An honest owner exits one of its coins at rest."""
        coins = self.owned_coins(HONEST_OWNERS)
        if coins:
            self.exit_honestly(coins[pick % len(coins)])

    @cash_action
    def time_passes(self, *, seconds: int) -> None:
        """The clock moves, never past honest owners' next look."""
        step = min(seconds, self.get_time_budget())
        if step > 0:
            self.attempt(f"{step} seconds pass", None, lambda: self.ledger.advance(step))

    @cash_action
    def anyone_finalizes(self, *, pick: int) -> None:
        """Anyone finalizes one open exit (refused until it matures)."""
        exits = self.open_exits()
        if exits:
            self.finalize(exits[pick % len(exits)][0])

    def steal(self, coin: int, *, withhold: bool) -> None:
        """The operator forges two transfers of a coin to mallory; mallory exits with them."""
        raise NotImplementedError

    def probe(self) -> None:
        """Mallory tries every refused move she can on the open exits (see the attacks)."""
        raise NotImplementedError

    def open_probe(self) -> None:
        """The setup's first attacks: exits mallory may not start, a root overwrite."""
        raise NotImplementedError
