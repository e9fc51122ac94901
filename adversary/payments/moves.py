"""Building blocks of the game's actions: transactions, operations, and shared moves.

:class:`GameMoves` builds payments, exits and blocks against an environment's
reality, and performs the moves several actions share (deposit, sign a payment,
commit a block, exit, watch, let time pass, process a queue), each with its
expected outcome. Moves are not recorded on their own.
"""

from __future__ import annotations

from adversary.payments import properties
from adversary.payments import world as worlds
from adversary.payments.game import GameState
from adversary.payments.processing import get_records, list_queue
from adversary.payments.properties import format_position
from adversary.payments.roster import (
    HONEST_OWNERS,
    MAX_PAYMENTS_PER_BLOCK,
    TOKEN_NAMES_BY_ADDRESS,
    TOKENS,
)
from adversary.payments.world import World
from fixtures import WATCHER, Actor
from spec import merkle
from spec.environments.payments import chain as child_chain
from spec.environments.payments import transactions
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint64, Uint256
from spec.settlement.state import Exit, ExitStatus


def sign(
    env: int, signer: Actor, inputs: tuple[OutputPosition, ...], outputs: tuple[Output, ...]
) -> SignedTransaction:
    """Return a payment of ``inputs`` into ``outputs``, ``signer`` signing every input."""
    transaction = Transaction(inputs, outputs)
    return transactions.sign_transaction(Uint64(env), transaction, [signer.key] * len(inputs))


def is_well_formed(payment: SignedTransaction) -> bool:
    """Return whether a payment has a valid shape on its own (what a challenge may carry)."""
    try:
        child_chain.validate_payment_shape(payment)
    except Rejected:
        return False
    return True


def describe_exit(exit_id: Uint64, exit: Exit) -> str:
    """Return ``exit N of B.T.O``."""
    return f"exit {int(exit_id)} of {format_position(exit.position)}"


class GameMoves(GameState):
    """The game's state, with the transactions, operations and moves its actions are made of."""

    # Building transactions and operations

    def make_exit(self, env: int, sender: Address, position: OutputPosition) -> StartStandardExit:
        """Return the exit of an output of any committed block (withheld ones included)."""
        block = self.get_chain(env).contents[position.block_number]
        depth = int(self.world.settlement.preset.transaction_tree_depth)
        leaves = [transactions.compute_transaction_leaf(tx) for tx in block]
        index = int(position.transaction_index)
        proof = merkle.compute_merkle_proof(leaves, index, depth)
        bond = self.world.settlement.environments[env].rules.exit_bond
        return StartStandardExit(Uint64(env), sender, position, block[index], proof, bond)

    def make_payment(
        self,
        *,
        env: int,
        sender: Actor,
        inputs: list[OutputPosition],
        recipient: Actor,
        amount: int,
        fee: int,
    ) -> SignedTransaction:
        """Return a payment of ``inputs``: per token ``amount`` to the recipient, a fee, change."""
        utxos, outputs = self.get_chain(env).reality.utxos, []
        for token in sorted({utxos[position].token for position in inputs}):
            total = sum(int(utxos[p].amount) for p in inputs if utxos[p].token == token)
            rest = total - min(fee, total - 1)
            paid = min(amount, rest)
            outputs.append(Output(recipient.address, token, Uint256(paid)))
            if rest > paid:
                outputs.append(Output(sender.address, token, Uint256(rest - paid)))
        return sign(env, sender, tuple(inputs), tuple(outputs))

    def take_includable_payments(self, env: int) -> list[SignedTransaction]:
        """Take pending payments valid together against reality (a block's worth); drop stale."""
        utxos, used = self.get_chain(env).reality.utxos, set[OutputPosition]()
        chosen: list[SignedTransaction] = []
        kept: list[SignedTransaction] = []
        for payment in self.pending[env]:
            inputs = payment.transaction.inputs
            if not all(position in utxos and position not in used for position in inputs):
                continue
            if len(chosen) < MAX_PAYMENTS_PER_BLOCK:
                chosen.append(payment)
                used.update(inputs)
            else:
                kept.append(payment)
        self.pending[env] = kept
        return chosen

    def compute_fees(self, env: int, payments: list[SignedTransaction]) -> dict[Address, int]:
        """Return the fees per token that payments valid against reality pay."""
        utxos, fees = self.get_chain(env).reality.utxos, dict[Address, int]()
        for payment in payments:
            for position in payment.transaction.inputs:
                spent = utxos[position]
                fees[spent.token] = fees.get(spent.token, 0) + int(spent.amount)
            for output in payment.transaction.outputs:
                fees[output.token] = fees.get(output.token, 0) - int(output.amount)
        return {token: fee for token, fee in fees.items() if fee > 0}

    def expect_block(
        self,
        env: int,
        number: Uint64,
        block: list[BlockTransaction],
        expected: RejectionReason | None,
    ) -> None:
        """Check the child chain judges a block against reality as expected (valid, or why not)."""
        try:
            child_chain.apply_block(self.get_chain(env).reality, number, Block(tuple(block)))
        except Rejected as rejection:
            if rejection.reason != expected:
                wanted = expected.value if expected else "a valid block"
                got = rejection.reason.value
                self.fail(f"child chain rejected block {int(number)}: {got}, expected {wanted}")
            return
        if expected is not None:
            self.fail(
                f"child chain accepted block {int(number)}, expected rejection {expected.value}"
            )

    # Moves (shared by several actions; not recorded on their own)

    def deposit(self, env: int, actor: Actor, token: str, amount: int) -> None:
        """Deposit; TOO_MANY_DEPOSITS is expected exactly when no deposit number is free."""
        expected = None if self.has_free_deposit_number(env) else RejectionReason.TOO_MANY_DEPOSITS
        created: list[OutputPosition] = []

        def perform(world: World) -> World:
            world, position = worlds.deposit(world, env, actor.address, TOKENS[token], amount)
            created.append(position)
            return world

        if self.attempt(f"Deposit(env {env}, {actor.name}, {amount} {token})", expected, perform):
            self.note(f"-> deposit output {format_position(created[0])}")

    def sign_payment(
        self,
        *,
        env: int,
        sender: Actor,
        inputs: list[OutputPosition],
        recipient: Actor,
        amount: int,
        fee: int,
    ) -> None:
        """Have ``sender`` sign a payment and hand it to the environment's operator."""
        payment = self.make_payment(
            env=env, sender=sender, inputs=inputs, recipient=recipient, amount=amount, fee=fee
        )
        self.world = worlds.sign_spend(self.world, env, payment)
        self.pending[env].append(payment)
        spent = ", ".join(format_position(p) for p in inputs)
        self.note(
            f"{sender.name} signs a payment in env {env} spending {spent} to {recipient.name}"
        )

    def include_payments(self, env: int) -> None:
        """Have the operator commit a valid block of pending payments and claim their fees."""
        operator = self.world.settlement.environments[env].operator
        payments = self.take_includable_payments(env)
        fees = sorted(self.compute_fees(env, payments).items())
        claims = [FeeClaim(Output(operator, token, Uint256(fee))) for token, fee in fees]
        block: list[BlockTransaction] = [*payments, *claims]
        number = self.get_next_child_number(env)
        if not self.is_compromised(env):
            self.expect_block(env, number, block, None)
        contents = f"{len(payments)} payments, {len(claims)} fee claims"
        what = f"SubmitBlock(env {env}, block {int(number)}: {contents})"
        self.commit(env, block, False, what)

    def commit(self, env: int, block: list[BlockTransaction], withhold: bool, what: str) -> None:
        """Have the environment's operator commit a block (the settlement layer must accept it)."""
        self.attempt(what, None, lambda w: worlds.commit_block(w, env, block, withhold=withhold)[0])

    def start_exit(self, env: int, owner: Address, position: OutputPosition, what: str) -> None:
        """Have an output's owner start its exit, which must be accepted."""
        amount = int(self.get_output(env, position).amount)
        text = f"StartStandardExit(env {env}, {format_position(position)}, {amount}{what})"
        expected = (
            RejectionReason.OUTPUT_ALREADY_FINALIZED if self.is_settled(env, position) else None
        )
        self.apply(text, expected, self.make_exit(env, owner, position))

    def is_settled(self, env: int, position: OutputPosition) -> bool:
        """Return whether an exit of either kind has settled the output at a committed position."""
        block = self.get_chain(env).contents[position.block_number]
        output_id = transactions.compute_output_id(block[position.transaction_index], position)
        records = get_records(self.world.settlement.environments[env])
        return records is not None and output_id in records.finalized

    def exit_honest_outputs(self, env: int, youngest_first: bool = False) -> None:
        """Have honest users exit every output they own in reality and never spent, in ``env``.

        With ``youngest_first`` they start with the youngest output, so exit ids
        run against positions: outputs of one block share an exitable time, and
        the queue must then order them by position, whoever started first.
        """
        outputs = self.get_unclaimed_outputs(env, HONEST_OWNERS)
        for position in reversed(outputs) if youngest_first else outputs:
            self.start_exit(env, self.get_output(env, position).owner, position, "")

    def watch(self) -> None:
        """Watchers challenge every open exit whose owner signed a spend; users see bad blocks."""
        for env in self.get_environment_ids():
            for exit_id, exit in self.get_exits(env):
                if exit.status == ExitStatus.OPEN and self.is_signed_by(
                    env, exit.position, exit.owner
                ):
                    self.challenge_with_owner_spend(env, exit_id, exit)
            if self.is_compromised(env):
                self.noticed.add(env)
        self.last_watch = int(self.world.settlement.time)

    def find_owner_spend(
        self, env: int, position: OutputPosition, owner: Address
    ) -> tuple[SignedTransaction, int] | None:
        """Return a well-formed known spend of an output signed by ``owner``, and its input index.

        A challenge must carry a payment of valid shape (a payment naming an
        input twice, say, proves nothing), so malformed spends are passed over.
        """
        for payment in self.get_chain(env).signed_spends:
            inputs = payment.transaction.inputs
            if position not in inputs or not is_well_formed(payment):
                continue
            index = inputs.index(position)
            if properties.get_input_signer(env, payment, index) == owner:
                return payment, index
        return None

    def challenge_with_owner_spend(self, env: int, exit_id: Uint64, exit: Exit) -> None:
        """Challenge an exit with a known well-formed spend its owner signed (must be accepted)."""
        found = self.find_owner_spend(env, exit.position, exit.owner)
        if found is None:
            self.note(f"{describe_exit(exit_id, exit)}: its owner signed only malformed spends")
            return
        payment, index = found
        operation = ChallengeStandardExit(
            Uint64(env), WATCHER.address, exit_id, payment, Uint8(index)
        )
        what = f"ChallengeStandardExit(env {env}, {describe_exit(exit_id, exit)})"
        self.apply(what, None, operation)

    def pass_time(self, seconds: int) -> None:
        """Advance the clock by ``seconds`` if positive."""
        if seconds <= 0:
            self.note("time cannot pass before watchers or honest users act")
            return
        self.attempt(f"AdvanceTime(+{seconds})", None, lambda w: worlds.advance_time(w, seconds))

    def process_queue(self, env: int, token: Address, max_exits: int) -> None:
        """Process a queue; NO_EXIT_TO_PROCESS is expected exactly when no open exit is mature."""
        queue = list_queue(self.world.settlement.environments[env], token)
        mature = bool(queue) and queue[0][0][0] <= self.world.settlement.time
        expected = None if mature else RejectionReason.NO_EXIT_TO_PROCESS
        what = f"ProcessExits(env {env}, {TOKEN_NAMES_BY_ADDRESS[token]}, up to {max_exits})"
        self.attempt(what, expected, lambda w: worlds.process_exits(w, env, token, max_exits))
