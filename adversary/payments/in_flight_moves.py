"""In-flight moves of the stateful game: what honest users do with MoreVP exits.

A payment can be exited in flight when it is known (signed), well formed,
signed by each input's owner, balanced, its inputs were created in the valid
history, and no block before the first bad one holds it: the operator
withheld the block holding it, put it in a block after the first bad one, or
never included it. Honest users exit such a payment they take part in:

- in a compromised environment they have noticed, always (the receiver
  starts the exit if honest, else an honest sender);
- in any environment, when the payment can never be included any more (a
  co-signer's double spend spent one of its inputs in reality) and an honest
  input is still unspent: the sender recovers it.

An exit of it nobody piggybacked whose first phase is over is deleted first
(its bond goes back) and started again. In the exit's first phase honest
owners piggyback what they own: senders their inputs still unspent in
reality, receivers their outputs when every input is unspent. The watchers'
side lives in :mod:`adversary.payments.in_flight_watchers`.

Every move states its expected outcome (all of these must be accepted), and
the game's time budget keeps every pending honest piggyback inside its
exit's first phase and before the exit deadline ``T_B + MFP``.
"""

from __future__ import annotations

from adversary.payments import properties
from adversary.payments.in_flight_properties import is_in_flight
from adversary.payments.moves import GameMoves, is_well_formed
from adversary.payments.processing import get_in_flight_exits
from adversary.payments.properties import format_position
from adversary.payments.roster import HONEST_OWNERS
from fixtures import WATCHER, Actor
from spec import merkle
from spec.environments.payments import transactions
from spec.environments.payments.in_flight import (
    UNINCLUDED_POSITION,
    DeleteInFlightExit,
    StartInFlightExit,
)
from spec.environments.payments.piggybacks import (
    PiggybackInFlightExit,
)
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output, SignedTransaction, Transaction
from spec.errors import RejectionReason
from spec.positions import TransactionPosition
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64, Uint256


def is_balanced(inputs: tuple[Output, ...], outputs: tuple[Output, ...]) -> bool:
    """Return whether, per token, a payment's inputs cover its outputs."""
    tokens = {output.token for output in inputs + outputs}
    return all(
        sum(int(o.amount) for o in outputs if o.token == token)
        <= sum(int(i.amount) for i in inputs if i.token == token)
        for token in tokens
    )


def compute_joint_outputs(
    inputs: list[tuple[Actor, Output]], recipient: Actor, amount: int
) -> tuple[Output, ...]:
    """Return the outputs of a joint payment: the recipient paid in the first input's token.

    The first sender's token pays ``min(amount, total)`` to the recipient; the
    rest of each token goes back to its senders, the first sender first.
    """
    token = inputs[0][1].token
    total = sum(int(o.amount) for _, o in inputs if o.token == token)
    paid = min(amount, total)
    outputs = [Output(recipient.address, token, Uint256(paid))]
    left = {actor.address: 0 for actor, _ in inputs}
    rest = total - paid
    for actor, output in inputs:
        if output.token == token:
            back = min(rest, int(output.amount))
            left[actor.address] += back
            rest -= back
        else:
            outputs.append(Output(actor.address, output.token, output.amount))
    outputs += [Output(owner, token, Uint256(value)) for owner, value in left.items() if value > 0]
    return tuple(outputs)


Due = tuple[PiggybackSide, int, Address]
"""A piggyback an honest owner should make: side, index, owner."""


class InFlightMoves(GameMoves):
    """The game's moves with a witness of the world, for in-flight exits."""

    # Reading

    def get_in_flight(self, env: int) -> dict[Uint64, InFlightExit]:
        """Return the in-flight exits of an environment."""
        return get_in_flight_exits(self.world.settlement.environments[env])

    def get_active_exit(self, env: int, body: Transaction) -> tuple[Uint64, InFlightExit] | None:
        """Return the in-flight exit of a payment that is not deleted, if any."""
        for exit_id, exit in self.get_in_flight(env).items():
            if exit.transaction == body and exit.status == InFlightExitStatus.ACTIVE:
                return exit_id, exit
        return None

    def is_in_first_phase(self, env: int, exit: InFlightExit) -> bool:
        """Return whether an in-flight exit still takes piggybacks and canonicity challenges."""
        half = properties.get_period(self.world, env) // 2
        return int(self.world.settlement.time) < int(exit.started_at) + half

    def find_published(
        self, env: int, body: Transaction
    ) -> tuple[TransactionPosition, SignedTransaction] | None:
        """Return the first published inclusion of a payment body, with the payment as included."""
        chain = self.get_chain(env)
        for number, block in sorted(chain.contents.items()):
            if number in chain.withheld:
                continue
            for index, transaction in enumerate(block):
                if isinstance(transaction, SignedTransaction) and transaction.transaction == body:
                    return TransactionPosition(number, Uint16(index)), transaction
        return None

    def get_rank(self, env: int, body: Transaction) -> TransactionPosition:
        """Return a payment's rank as watchers can prove it: published position, or in flight."""
        found = self.find_published(env, body)
        return UNINCLUDED_POSITION if found is None else found[0]

    def prove(self, env: int, position: TransactionPosition) -> tuple[Hash32, ...]:
        """Return the Merkle proof of a committed transaction (withheld blocks included)."""
        block = self.get_chain(env).contents[position.block_number]
        depth = int(self.world.settlement.preset.transaction_tree_depth)
        leaves = [transactions.compute_transaction_leaf(tx) for tx in block]
        proof = merkle.compute_merkle_proof(leaves, int(position.transaction_index), depth)
        return tuple(proof)

    def is_properly_signed(self, env: int, payment: SignedTransaction) -> bool:
        """Return whether each input of a payment is a committed output signed by its owner."""
        chain = self.get_chain(env)
        for index, position in enumerate(payment.transaction.inputs):
            block = chain.contents.get(position.block_number, ())
            if int(position.transaction_index) >= len(block):
                return False
            outputs = transactions.get_transaction_outputs(block[position.transaction_index])
            if int(position.output_index) >= len(outputs):
                return False
            owner = outputs[position.output_index].owner
            if properties.get_input_signer(env, payment, index) != owner:
                return False
        return True

    def get_in_flight_payments(self, env: int) -> list[SignedTransaction]:
        """Return the in-flight payments honest users exit (see the module docstring).

        A candidate is known, well formed, properly signed and balanced, its
        inputs were created before ``B``, and no block before ``B`` holds it.
        In a noticed environment every such payment with an honest party is
        exited; in another, only one that can never be included any more (an
        input is spent in reality, by a co-signer's double spend) and that has
        an honest input still unspent.
        """
        utxos, found = self.get_chain(env).reality.utxos, dict[Transaction, SignedTransaction]()
        for payment in self.get_chain(env).signed_spends:
            body = payment.transaction
            if body in found or not self.is_exitable_in_flight(env, payment):
                continue
            unspent = [p in utxos for p in body.inputs]
            owners = [self.get_output(env, p).owner for p in body.inputs]
            honest_inputs = any(
                owner in HONEST_OWNERS and left for owner, left in zip(owners, unspent, strict=True)
            )
            honest_outputs = all(unspent) and any(o.owner in HONEST_OWNERS for o in body.outputs)
            stale = not all(unspent)
            if (env in self.noticed and (honest_inputs or honest_outputs)) or (
                stale and honest_inputs
            ):
                found[body] = payment
        return list(found.values())

    def is_exitable_in_flight(self, env: int, payment: SignedTransaction) -> bool:
        """Return whether a payment can be exited in flight, and is not in a block before ``B``."""
        inputs = payment.transaction.inputs
        if not inputs or not is_well_formed(payment) or not self.is_properly_signed(env, payment):
            return False
        if not all(properties.is_in_reality(self.world, env, p) for p in inputs):
            return False
        spent = tuple(self.get_output(env, p) for p in inputs)
        return is_balanced(spent, payment.transaction.outputs) and is_in_flight(
            self.world, env, payment.transaction
        )

    def get_dues(self, env: int, exit: InFlightExit) -> list[Due]:
        """Return the piggybacks honest owners still owe an exit in its first phase.

        Senders piggyback their inputs still unspent in reality; receivers
        their outputs, when every input is unspent (else the payment can only
        lose canonicity, and its outputs are not theirs to claim).
        """
        if not self.is_in_first_phase(env, exit) or exit.status != InFlightExitStatus.ACTIVE:
            return []
        utxos = self.get_chain(env).reality.utxos
        unspent = [position in utxos for position in exit.transaction.inputs]
        dues = [
            (PiggybackSide.INPUT, index, output.owner)
            for index, (output, piggyback) in enumerate(
                zip(exit.inputs, exit.input_piggybacks, strict=True)
            )
            if output.owner in HONEST_OWNERS
            and piggyback.status == PiggybackStatus.NONE
            and unspent[index]
        ]
        return dues + [
            (PiggybackSide.OUTPUT, index, output.owner)
            for index, (output, piggyback) in enumerate(
                zip(exit.transaction.outputs, exit.output_piggybacks, strict=True)
            )
            if output.owner in HONEST_OWNERS
            and piggyback.status == PiggybackStatus.NONE
            and all(unspent)
        ]

    def get_in_flight_limit(self, env: int) -> int | None:
        """Return by when honest in-flight work in a noticed environment must be done, if any.

        A payment with no live exit (or only a deletable one) must be exited
        before ``T_B + MFP``; a piggyback owed to a live exit, before its first
        phase ends and before ``T_B + MFP``. Work already too late is left out.
        """
        deadline = properties.get_exit_deadline(self.world, env)
        if env not in self.noticed or deadline is None:
            return None
        now, limits = int(self.world.settlement.time), []
        for payment in self.get_in_flight_payments(env):
            active = self.get_active_exit(env, payment.transaction)
            if active is None or self.is_deletable(env, active[1]):
                limits.append(deadline - 1)
            elif self.get_dues(env, active[1]):
                half = properties.get_period(self.world, env) // 2
                limits.append(min(deadline, int(active[1].started_at) + half) - 1)
        late = [limit for limit in limits if limit > now]
        return min(late) if late else None

    def is_deletable(self, env: int, exit: InFlightExit) -> bool:
        """Return whether anyone may delete an exit: active, phase over, never piggybacked."""
        piggybacks = exit.input_piggybacks + exit.output_piggybacks
        return (
            exit.status == InFlightExitStatus.ACTIVE
            and not self.is_in_first_phase(env, exit)
            and all(piggyback.status == PiggybackStatus.NONE for piggyback in piggybacks)
        )

    # Moves

    def make_start(
        self, env: int, sender: Address, payment: SignedTransaction
    ) -> StartInFlightExit:
        """Return the start of a payment's in-flight exit, every input proven (insider view)."""
        chain = self.get_chain(env)
        positions = [
            TransactionPosition(p.block_number, p.transaction_index)
            for p in payment.transaction.inputs
        ]
        witnesses = tuple(chain.contents[p.block_number][p.transaction_index] for p in positions)
        proofs = tuple(self.prove(env, p) for p in positions)
        bond = self.world.settlement.environments[env].rules.exit_bond
        return StartInFlightExit(Uint64(env), sender, payment, witnesses, proofs, bond)

    def start_in_flight(
        self,
        env: int,
        sender: Address,
        payment: SignedTransaction,
        expected: RejectionReason | None,
    ) -> None:
        """Have ``sender`` start a payment's in-flight exit, with its expected outcome."""
        exit_id = len(self.get_in_flight(env))
        inputs = ", ".join(format_position(p) for p in payment.transaction.inputs)
        what = f"StartInFlightExit(env {env}, #{exit_id}, spending {inputs})"
        self.apply(what, expected, self.make_start(env, sender, payment))

    def piggyback_in_flight(
        self,
        env: int,
        sender: Address,
        due: tuple[Uint64, PiggybackSide, int],
        expected: RejectionReason | None,
    ) -> None:
        """Have ``sender`` piggyback one input or output of an exit, with its expected outcome."""
        exit_id, side, index = due
        bond = self.world.settlement.environments[env].rules.exit_bond
        operation = PiggybackInFlightExit(Uint64(env), sender, exit_id, side, Uint8(index), bond)
        what = f"PiggybackInFlightExit(env {env}, #{int(exit_id)}, {side.value} {index})"
        self.apply(what, expected, operation)

    def delete_in_flight(
        self, env: int, sender: Address, exit_id: Uint64, expected: RejectionReason | None
    ) -> None:
        """Have ``sender`` delete an in-flight exit, with its expected outcome."""
        operation = DeleteInFlightExit(Uint64(env), sender, exit_id)
        self.apply(f"DeleteInFlightExit(env {env}, #{int(exit_id)})", expected, operation)

    def exit_in_flight(self, env: int) -> None:
        """Honest users exit each in-flight payment they take part in, and piggyback their parts."""
        for payment in self.get_in_flight_payments(env):
            active = self.get_active_exit(env, payment.transaction)
            if active is not None and self.is_deletable(env, active[1]):
                self.delete_in_flight(env, WATCHER.address, active[0], None)
                active = None
            if active is None:
                owners = [o.owner for o in payment.transaction.outputs]
                owners += [self.get_output(env, p).owner for p in payment.transaction.inputs]
                sender = next(owner for owner in owners if owner in HONEST_OWNERS)
                self.start_in_flight(env, sender, payment, None)
                active = self.get_active_exit(env, payment.transaction)
                assert active is not None
            exit_id, exit = active
            for side, index, owner in self.get_dues(env, exit):
                self.piggyback_in_flight(env, owner, (exit_id, side, index), None)

    def delete_abandoned_exits(self) -> None:
        """Delete every exit nobody piggybacked once its first phase is over (bond goes back)."""
        for env in self.get_environment_ids():
            for exit_id, exit in sorted(self.get_in_flight(env).items()):
                if self.is_deletable(env, exit):
                    self.delete_in_flight(env, WATCHER.address, exit_id, None)

    def has_open_exits(self) -> bool:
        """Return whether a standard exit is open or an in-flight exit still waits (or lingers)."""
        return super().has_open_exits() or any(
            exit.status == InFlightExitStatus.ACTIVE
            and (set(exit.exitable_at) - set(exit.processed_tokens) or not exit.exitable_at)
            for env in self.get_environment_ids()
            for exit in self.get_in_flight(env).values()
        )

    def check_piggybacks_settled(self) -> None:
        """Fail if a piggyback is still open once every queue is settled: its bond is locked."""
        for env in self.get_environment_ids():
            for exit_id, exit in sorted(self.get_in_flight(env).items()):
                for side, piggybacks in (
                    (PiggybackSide.INPUT, exit.input_piggybacks),
                    (PiggybackSide.OUTPUT, exit.output_piggybacks),
                ):
                    for index, piggyback in enumerate(piggybacks):
                        if piggyback.status == PiggybackStatus.OPEN:
                            self.fail(
                                f"env {env} in-flight exit {int(exit_id)}: {side.value} {index} "
                                "still piggybacked after every queue was settled (bond locked)"
                            )

    def get_time_budget(self) -> int:
        """Return how far time may pass, honest in-flight work included."""
        budget = super().get_time_budget()
        now = int(self.world.settlement.time)
        for env in self.get_environment_ids():
            limit = self.get_in_flight_limit(env)
            if limit is not None:
                budget = min(budget, limit - now)
        return budget

    def has_late_honest_exits(self) -> bool:
        """Return whether honest users have outputs or in-flight work left where they noticed."""
        return super().has_late_honest_exits() or any(
            self.get_in_flight_limit(env) is not None for env in self.noticed
        )
