"""The devnet demo's Plasma Cash story: coins, transfers, a griefing challenge and a theft.

:class:`CashStory` adds its steps to the demo (``reference.devnet.script``),
after the payments story, in the Cash environment (env 2):

1. Alice and Carol deposit a coin each. Alice passes hers to Bob and Carol
   hers to Dave in one block; Bob passes coin 1 on to Carol. Each receiving
   wallet checks the coin's whole history (a proof per committed block)
   before accepting it.
2. Carol exits coin 1 (her receipt and its parent). Mallory griefs the exit
   with a history challenge on the coin's mint; Carol's watcher answers with
   Alice's transfer to Bob, and Carol wins Mallory's challenge bond.
3. Attack: the Cash operator turns byzantine and commits a transfer of Dave's
   coin 2 to Mallory that Dave never signed, then Mallory's transfer of it to
   herself. Mallory's own wallet refuses the coin; Dave's watcher flags the
   forgery. Mallory starts the exit; Dave's watcher challenges it with his
   history within the window, nobody can answer, and when Mallory finalizes
   her mature exit it is cancelled: Dave wins Mallory's bond. Then Dave exits
   coin 2 and is paid.

Amounts depend on the seed; the outcome does not.
:mod:`reference.devnet.cash_report` checks it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, Actor
from reference.devnet.cash_network import CASH_OPERATOR, CASH_TOKEN, CashParties
from reference.devnet.network import PARTIES, Devnet
from reference.parties.coin_wallet import CoinStatus
from spec.environments.cash.challenges import ChallengeCoinHistory
from spec.environments.cash.coins import Transfer, sign_transfer
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CoinExitStatus
from spec.errors import Rejected
from spec.primitives import Uint64


class CashStory:
    """The Cash steps of the demo, and what they recorded for the checks."""

    def __init__(self, devnet: Devnet, seed: int) -> None:
        """Prepare the story; amounts are drawn from ``seed``."""
        rng = random.Random(f"cash-{seed}")
        self.devnet = devnet
        """The parties."""
        self.amounts = {
            "alice-coin": rng.randrange(100, 301),
            "carol-coin": rng.randrange(100, 301),
        }
        """Amounts of the two coins (token B)."""
        self.coins: dict[str, int] = {}
        """Coin ids, by name (``honest``: Alice's coin, ``stolen``: Carol's then Dave's)."""
        self.accepted: dict[str, tuple[CoinStatus | None, int]] = {}
        """Per receiving user, the coin's status in its wallet and the blocks checked."""
        self.blocks: dict[str, Uint64] = {}
        """Block numbers of the story's child blocks, by name."""
        self.exits: dict[str, Uint64] = {}
        """Exit ids: ``carol`` (coin 1), ``mallory`` (the stolen coin), ``dave`` (his exit)."""
        self.grief_block = Uint64(0)
        """Block of the leaf Mallory's griefing challenge names (coin 1's mint)."""
        self.start_balances: dict[str, tuple[int, int]] = {}
        """Every party's settlement balances of token B and native when the story began."""

    @property
    def cash(self) -> CashParties:
        """The Cash environment's parties."""
        return self.devnet.cash

    @property
    def env(self) -> int:
        """The Cash environment's id, for messages."""
        return int(self.cash.environment_id)

    def list_steps(self) -> list[Callable[[], str]]:
        """Return the story's steps in order; each returns what it did."""
        return [
            lambda: self.deposit(ALICE, "honest", "alice-coin"),
            lambda: self.deposit(CAROL, "stolen", "carol-coin"),
            self.first_transfers,
            self.second_transfer,
            self.exit_honest_coin,
            self.grief,
            self.forge_transfer,
            self.exit_stolen_coin,
            self.collect,
            self.exit_rightful_coin,
            self.wait_for_maturity,
        ]

    def deposit(self, actor: Actor, name: str, key: str) -> str:
        """Deposit a coin of the amount named ``key`` for ``actor`` (the first notes balances)."""
        if not self.start_balances:
            self.start_balances = {
                party.name: self.devnet.get_balances_of(party.address, CASH_TOKEN)
                for party in PARTIES
            }
        amount = self.amounts[key]
        coin_id = self.cash.deposit(actor, amount)
        self.coins[name] = int(coin_id)
        return (
            f"{actor.name} deposits {amount} token B in env {self.env} (Cash): "
            f"coin {int(coin_id)} minted"
        )

    def note_acceptance(self, actor: Actor, coin_id: int) -> str:
        """Record and describe how ``actor``'s wallet judged a coin it received."""
        wallet = self.cash.wallets[actor.name]
        env = self.cash.environment_id
        status = wallet.get_status(env, coin_id)
        checked = len(wallet.get_history(env, coin_id))
        self.accepted[actor.name] = (status, checked)
        verdict = "accepts it" if status == CoinStatus.OWNED else f"does not accept it ({status})"
        return (
            f"{actor.name}'s wallet checked coin {coin_id}'s history ({checked} blocks, a proof "
            f"each) and {verdict}"
        )

    def first_transfers(self) -> str:
        """Alice passes coin 1 to Bob and Carol passes coin 2 to Dave, in one block."""
        honest, stolen = self.coins["honest"], self.coins["stolen"]
        self.cash.submit(ALICE, honest, BOB)
        self.cash.submit(CAROL, stolen, DAVE)
        self.blocks["first"] = number = self.cash.commit()
        lines = [
            f"alice passes coin {honest} to bob, carol coin {stolen} to dave: block "
            f"{int(number)} committed and published",
            self.note_acceptance(BOB, honest),
            self.note_acceptance(DAVE, stolen),
        ]
        return "\n".join(lines)

    def second_transfer(self) -> str:
        """Bob passes coin 1 on to Carol."""
        honest = self.coins["honest"]
        self.cash.submit(BOB, honest, CAROL)
        self.blocks["second"] = number = self.cash.commit()
        return "\n".join(
            [
                f"bob passes coin {honest} to carol: block {int(number)} committed and published",
                self.note_acceptance(CAROL, honest),
            ]
        )

    def exit_honest_coin(self) -> str:
        """Carol exits coin 1 with her receipt and its parent."""
        honest = self.coins["honest"]
        self.exits["carol"] = exit_id = self.cash.start_exit(CAROL, honest)
        exit = self.devnet.settlement.get_coin_exit(self.cash.environment_id, exit_id)
        assert exit is not None
        return (
            f"carol starts exit {int(exit_id)} of coin {honest} (blocks {int(exit.exit_block)} "
            f"and {int(exit.parent_block)}), exitable at t={int(exit.exitable_at)}"
        )

    def grief(self) -> str:
        """Mallory challenges Carol's exit with the coin's mint, a leaf Carol can answer."""
        honest = self.coins["honest"]
        self.grief_block = Uint64(honest)
        mint = self.cash.make_witness(self.grief_block, honest)
        operation = ChallengeCoinHistory(
            self.cash.environment_id,
            MALLORY.address,
            self.exits["carol"],
            mint,
            None,
            self.cash.bond,
        )
        self.devnet.settlement.apply(operation)
        return (
            f"GRIEF: mallory posts a history challenge ({int(self.cash.bond)} native bond) on "
            f"carol's exit, naming coin {honest}'s mint at block {int(self.grief_block)}"
        )

    def forge_transfer(self) -> str:
        """The Cash operator commits a transfer of Dave's coin to Mallory that Dave never signed."""
        stolen = self.coins["stolen"]
        env = self.cash.environment_id
        body = Transfer(Uint64(stolen), self.blocks["first"], MALLORY.address)
        forged = sign_transfer(env, body, MALLORY.key)
        self.blocks["forged"] = number = self.cash.operator.commit_forged_block([forged])
        self.cash.sync_wallets()
        status = self.cash.wallets[MALLORY.name].get_status(env, stolen)
        return "\n".join(
            [
                f"ATTACK: {CASH_OPERATOR.name} (env {self.env}) commits block {int(number)}: "
                f"dave's coin {stolen} to mallory, signed by mallory, not by dave",
                f"mallory's own wallet checked the coin's history: {status}",
            ]
        )

    def exit_stolen_coin(self) -> str:
        """Mallory passes the coin to herself in another forged block, then starts its exit."""
        stolen = self.coins["stolen"]
        env = self.cash.environment_id
        body = Transfer(Uint64(stolen), self.blocks["forged"], MALLORY.address)
        onward = sign_transfer(env, body, MALLORY.key)
        self.blocks["onward"] = number = self.cash.operator.commit_forged_block([onward])
        self.cash.sync_wallets()
        exit_id = Uint64(self.devnet.settlement.get_coin_exit_count(env))
        operation = StartCoinExit(
            env,
            MALLORY.address,
            Uint64(stolen),
            self.cash.make_witness(number, stolen),
            self.cash.make_witness(self.blocks["forged"], stolen),
            self.cash.bond,
        )
        self.devnet.settlement.apply(operation)
        self.exits["mallory"] = exit_id
        exit = self.devnet.settlement.get_coin_exit(env, exit_id)
        assert exit is not None
        return (
            f"ATTACK: block {int(number)} passes coin {stolen} from mallory to mallory; she "
            f"starts exit {int(exit_id)} of it (blocks {int(number)} and "
            f"{int(self.blocks['forged'])}), exitable at t={int(exit.exitable_at)}"
        )

    def wait_for_maturity(self) -> str:
        """Let time pass until every open coin exit is mature (the watchers finalize them)."""
        env = self.cash.environment_id
        settlement = self.devnet.settlement
        count = settlement.get_coin_exit_count(env)
        exits = [settlement.get_coin_exit(env, Uint64(i)) for i in range(count)]
        times = [int(e.exitable_at) for e in exits if e and e.status == CoinExitStatus.OPEN]
        if times and max(times) > self.devnet.time:
            self.devnet.advance(max(times) - int(self.devnet.time))
        return f"time passes: all {len(times)} open coin exits of env {self.env} are mature"

    def collect(self) -> str:
        """Once the exits are mature, Mallory finalizes hers (anyone may): paid if unchallenged."""
        line = self.wait_for_maturity()
        env, exit_id = self.cash.environment_id, self.exits["mallory"]
        try:
            self.devnet.settlement.apply(FinalizeCoinExit(env, exit_id))
        except Rejected as rejection:
            reason = rejection.reason.value
            return f"{line}\nmallory cannot finalize her exit {int(exit_id)} ({reason})"
        exit = self.devnet.settlement.get_coin_exit(env, exit_id)
        assert exit is not None
        outcome = (
            "paid"
            if exit.status == CoinExitStatus.FINALIZED
            else "cancelled, a history challenge was never answered"
        )
        return f"{line}\nmallory finalizes her exit {int(exit_id)}: {outcome}"

    def exit_rightful_coin(self) -> str:
        """Dave exits his coin with his receipt and its parent (the mint)."""
        stolen = self.coins["stolen"]
        try:
            exit_id = self.cash.start_exit(DAVE, stolen)
        except Rejected as rejection:
            return f"dave's exit of coin {stolen} is refused ({rejection.reason.value})"
        self.exits["dave"] = exit_id
        exit = self.devnet.settlement.get_coin_exit(self.cash.environment_id, exit_id)
        assert exit is not None
        return (
            f"dave starts exit {int(exit_id)} of coin {stolen} (blocks {int(exit.exit_block)} "
            f"and {int(exit.parent_block)}), exitable at t={int(exit.exitable_at)}"
        )
