"""In-flight actions of the stateful game: joint payments, and mallory's attacks on MoreVP exits.

An honest user and mallory may co-sign a payment (each signs the input they
own), which is what lets a dishonest co-signer attack an honest one. Mallory's
in-flight attacks (:data:`IN_FLIGHT_ATTACKS`), each with the exact outcome it
must have:

- ``start_exit``: start the in-flight exit of a known payment (proven with the
  operator's knowledge of withheld blocks), then piggyback what she owns; the
  start is rejected for the first rule the payment breaks (shape, value,
  signatures, an exit of it already active); an even ``pick`` chooses among
  the startable payments she takes part in, an odd one among all;
- ``duplicate_inputs``: start the exit of a payment naming one of her outputs
  twice: ``TX_DUPLICATE_INPUT``;
- ``piggyback``: piggyback an input or output of any exit, hers or not, in time
  or late, again or for the first time;
- ``delete``: delete any exit, piggybacked or not, in its first phase or after;
- ``grief``: challenge an exit's canonicity with a fresh competitor, only in
  flight: a real double spend of her own input, or a forgery of another's (an
  even ``pick`` chooses among her own inputs of exits in their first phase);
- ``double_spend``: sign a second spend of an output she already spent in a
  known payment and hand it to the operator (a competitor that may be
  included);
- ``competing_exits``: take a payment whose oldest input is hers (when
  ``pick % 4 == 0``, a fresh one of two of her outputs to alice, kept to
  herself; when ``pick % 4 == 1``, one never published, if any), sign a competitor
  spending that input to herself, exit both in flight and piggyback her parts
  of both; with an odd ``pick`` she also challenges the payment's canonicity
  with the competitor. Both exits then meet at processing, where the
  finalized marks must pay each input once (the competitor, whose youngest
  input is older, comes first).
"""

from __future__ import annotations

from adversary.payments import properties
from adversary.payments import world as worlds
from adversary.payments.game import action
from adversary.payments.in_flight_moves import InFlightMoves, compute_joint_outputs, is_balanced
from adversary.payments.moves import sign
from adversary.payments.roster import ACTORS_BY_NAME, COLLUDERS, ENVIRONMENTS, HONEST_OWNERS
from fixtures import ALICE, MALLORY
from spec.environments.payments import chain as child_chain
from spec.environments.payments import transactions
from spec.environments.payments.canonicity import ChallengeInFlightNotCanonical
from spec.environments.payments.in_flight import UNINCLUDED_POSITION
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output, SignedTransaction, Transaction
from spec.errors import Rejected, RejectionReason
from spec.primitives import Address, Uint8, Uint64, Uint256

IN_FLIGHT_ATTACKS = (
    "start_exit",
    "duplicate_inputs",
    "piggyback",
    "delete",
    "grief",
    "double_spend",
    "competing_exits",
)
"""Mallory's attacks on in-flight exits."""

PiggybackTarget = tuple[int, Uint64, InFlightExit, PiggybackSide, int]
"""(environment, exit id, exit, side, index) of an input or output of an exit."""


class InFlightAttackActions(InFlightMoves):
    """The recorded in-flight actions: joint payments and mallory's attacks."""

    @action
    def users_sign_joint_payment(self, *, pick: int, recipient: str, amount: int) -> None:
        """An honest user and mallory co-sign a payment of one output each, to ``recipient``."""
        pairs = [
            (env, mine, theirs)
            for env in ENVIRONMENTS
            if not self.is_compromised(env)
            for mine in self.get_unclaimed_outputs(env, HONEST_OWNERS)
            for theirs in self.get_unclaimed_outputs(env, frozenset({MALLORY.address}))
        ]
        if not pairs:
            self.note("no honest user and mallory both own an output to spend together")
            return
        env, mine, theirs = pairs[pick % len(pairs)]
        honest = self.get_output(env, mine)
        sender = next(a for a in ACTORS_BY_NAME.values() if a.address == honest.owner)
        inputs = [(sender, honest), (MALLORY, self.get_output(env, theirs))]
        outputs = compute_joint_outputs(inputs, ACTORS_BY_NAME[recipient], amount)
        body = Transaction((mine, theirs), outputs)
        keys = [sender.key, MALLORY.key]
        payment = transactions.sign_transaction(Uint64(env), body, keys)
        self.world = worlds.sign_spend(self.world, env, payment)
        self.pending[env].append(payment)
        self.note(f"{sender.name} and mallory co-sign a payment in env {env} to {recipient}")

    @action
    def mallory_attacks_in_flight(self, *, attack: str, pick: int) -> None:
        """Mallory attacks the in-flight exit game (see the module docstring)."""
        attacks = {
            "start_exit": self.mallory_starts_in_flight_exit,
            "duplicate_inputs": self.mallory_exits_duplicate_inputs,
            "piggyback": self.mallory_piggybacks,
            "delete": self.mallory_deletes,
            "grief": self.mallory_griefs,
            "double_spend": self.mallory_double_spends,
            "competing_exits": self.mallory_exits_competing_payments,
        }
        attacks[attack](pick)

    # Starts

    def get_start_rejection(self, env: int, payment: SignedTransaction) -> RejectionReason | None:
        """Return the reason a start of this payment's in-flight exit must fail, if any."""
        try:
            child_chain.validate_payment_shape(payment)
        except Rejected as rejection:
            return rejection.reason
        inputs = tuple(self.get_output(env, p) for p in payment.transaction.inputs)
        if not is_balanced(inputs, payment.transaction.outputs):
            return RejectionReason.TX_OUTPUTS_EXCEED_INPUTS
        for index, spent in enumerate(inputs):
            if properties.get_input_signer(env, payment, index) != spent.owner:
                return RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER
        if self.get_active_exit(env, payment.transaction) is not None:
            return RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED
        return None

    def is_provable(self, env: int, payment: SignedTransaction) -> bool:
        """Return whether every input is a committed output and every signature recovers."""
        chain = self.get_chain(env)
        for index, position in enumerate(payment.transaction.inputs):
            block = chain.contents.get(position.block_number, ())
            if int(position.transaction_index) >= len(block):
                return False
            outputs = transactions.get_transaction_outputs(block[position.transaction_index])
            if int(position.output_index) >= len(outputs):
                return False
            if properties.get_input_signer(env, payment, index) is None:
                return False
        return len(payment.signatures) >= len(payment.transaction.inputs)

    def mallory_starts_in_flight_exit(self, pick: int) -> None:
        """Mallory starts the in-flight exit of a known payment, then piggybacks her parts."""
        candidates = [
            (env, payment)
            for env in ENVIRONMENTS
            for payment in self.get_chain(env).signed_spends
            if payment.transaction.inputs and self.is_provable(env, payment)
        ]
        if pick % 2 == 0:
            candidates = [
                (env, payment)
                for env, payment in candidates
                if self.get_start_rejection(env, payment) is None and self.is_mallorys(env, payment)
            ]
        if not candidates:
            self.note("no known payment can be proven for an in-flight exit")
            return
        env, payment = candidates[pick // 2 % len(candidates)]
        expected = self.get_start_rejection(env, payment)
        self.start_in_flight(env, MALLORY.address, payment, expected)
        if expected is not None:
            return
        self.piggyback_mallorys_parts(env, payment)

    def is_mallorys(self, env: int, payment: SignedTransaction) -> bool:
        """Return whether mallory owns an input or an output of a payment (so may piggyback)."""
        owners = [self.get_output(env, p).owner for p in payment.transaction.inputs]
        owners += [output.owner for output in payment.transaction.outputs]
        return MALLORY.address in owners

    def mallory_exits_duplicate_inputs(self, pick: int) -> None:
        """Mallory exits in flight a payment naming her output twice: TX_DUPLICATE_INPUT."""
        owned = [
            (env, position)
            for env in ENVIRONMENTS
            for position in self.get_unclaimed_outputs(env, frozenset({MALLORY.address}))
        ]
        if not owned:
            self.note("mallory owns no output to name twice")
            return
        env, position = owned[pick % len(owned)]
        output = self.get_output(env, position)
        doubled = Output(MALLORY.address, output.token, Uint256(2 * int(output.amount)))
        payment = sign(env, MALLORY, (position, position), (doubled,))
        self.start_in_flight(env, MALLORY.address, payment, RejectionReason.TX_DUPLICATE_INPUT)

    def mallory_exits_competing_payments(self, pick: int) -> None:
        """Mallory exits a payment and a competitor of it in flight (see the module docstring)."""
        payments = [
            (env, payment)
            for env in ENVIRONMENTS
            for payment in self.get_chain(env).signed_spends
            if payment.transaction.inputs
            and self.is_provable(env, payment)
            and self.get_start_rejection(env, payment) is None
            and self.get_output(env, min(payment.transaction.inputs)).owner == MALLORY.address
        ]
        unpublished = [
            (env, payment)
            for env, payment in payments
            if self.get_rank(env, payment.transaction) == UNINCLUDED_POSITION
        ]
        fresh = self.sign_two_input_payment() if pick % 4 == 0 else None
        if fresh is not None:
            payments = [fresh]
        elif pick % 4 < 2 and unpublished:
            payments = unpublished
        if not payments:
            self.note("mallory has no payment of hers to exit in flight")
            return
        env, payment = payments[pick // 4 % len(payments)]
        first = min(payment.transaction.inputs)
        spent = self.get_output(env, first)
        to_mallory = (Output(MALLORY.address, spent.token, spent.amount),)
        competitor = sign(env, MALLORY, (first,), to_mallory)
        if competitor.transaction == payment.transaction:
            self.note("the competitor would be the payment itself")
            return
        self.world = worlds.sign_spend(self.world, env, competitor)
        for exited in (payment, competitor):
            expected = self.get_start_rejection(env, exited)
            self.start_in_flight(env, MALLORY.address, exited, expected)
            self.piggyback_mallorys_parts(env, exited)
        active = self.get_active_exit(env, payment.transaction)
        if pick % 2 == 1 and active is not None:
            exit_id, exit = active
            expected_challenge = self.get_challenge_rejection(env, exit, MALLORY.address)
            operation = ChallengeInFlightNotCanonical(
                Uint64(env), MALLORY.address, exit_id, competitor, Uint8(0), None
            )
            what = f"ChallengeInFlightNotCanonical(env {env}, #{int(exit_id)}, competing)"
            self.apply(what, expected_challenge, operation)

    def sign_two_input_payment(self) -> tuple[int, SignedTransaction] | None:
        """Have mallory sign (and keep to herself) a payment of two of her outputs to alice."""
        for env in ENVIRONMENTS:
            owned = self.get_unclaimed_outputs(env, frozenset({MALLORY.address}))
            spent = [(p, self.get_output(env, p)) for p in owned]
            same = [(p, o) for p, o in spent if o.token == spent[0][1].token] if spent else []
            if len(same) < 2:
                continue
            (first, one), (second, other) = same[:2]
            total = Uint256(int(one.amount) + int(other.amount))
            payment = sign(
                env, MALLORY, (first, second), (Output(ALICE.address, one.token, total),)
            )
            self.world = worlds.sign_spend(self.world, env, payment)
            return env, payment
        return None

    def piggyback_mallorys_parts(self, env: int, payment: SignedTransaction) -> None:
        """Mallory piggybacks every input and output of a payment's active exit she owns."""
        active = self.get_active_exit(env, payment.transaction)
        if active is None or not self.is_in_first_phase(env, active[1]):
            return
        exit_id, exit = active
        for side, outputs, piggybacks in (
            (PiggybackSide.INPUT, exit.inputs, exit.input_piggybacks),
            (PiggybackSide.OUTPUT, exit.transaction.outputs, exit.output_piggybacks),
        ):
            for index, (output, piggyback) in enumerate(zip(outputs, piggybacks, strict=True)):
                if output.owner == MALLORY.address and piggyback.status == PiggybackStatus.NONE:
                    self.piggyback_in_flight(env, MALLORY.address, (exit_id, side, index), None)

    # Piggybacks, deletions, challenges

    def list_piggyback_targets(self) -> list[PiggybackTarget]:
        """Return every input and output of every in-flight exit."""
        return [
            (env, exit_id, exit, side, index)
            for env in ENVIRONMENTS
            for exit_id, exit in sorted(self.get_in_flight(env).items())
            for side, count in (
                (PiggybackSide.INPUT, len(exit.inputs)),
                (PiggybackSide.OUTPUT, len(exit.transaction.outputs)),
            )
            for index in range(count)
        ]

    def mallory_piggybacks(self, pick: int) -> None:
        """Mallory piggybacks any input or output: late, again, or not hers are rejected."""
        targets = self.list_piggyback_targets()
        if not targets:
            self.note("no in-flight exit to piggyback")
            return
        env, exit_id, exit, side, index = targets[pick % len(targets)]
        outputs = exit.inputs if side == PiggybackSide.INPUT else exit.transaction.outputs
        piggybacks = (
            exit.input_piggybacks if side == PiggybackSide.INPUT else exit.output_piggybacks
        )
        expected = None
        if exit.status == InFlightExitStatus.DELETED:
            expected = RejectionReason.IN_FLIGHT_EXIT_DELETED
        elif not self.is_in_first_phase(env, exit):
            expected = RejectionReason.PIGGYBACK_PERIOD_OVER
        elif outputs[index].owner != MALLORY.address:
            expected = RejectionReason.PIGGYBACK_NOT_BY_OWNER
        elif piggybacks[index].status != PiggybackStatus.NONE:
            expected = RejectionReason.PIGGYBACK_ALREADY_MADE
        self.piggyback_in_flight(env, MALLORY.address, (exit_id, side, index), expected)

    def mallory_deletes(self, pick: int) -> None:
        """Mallory deletes any exit: live or piggybacked ones are rejected."""
        exits = [
            (env, exit_id, exit)
            for env in ENVIRONMENTS
            for exit_id, exit in sorted(self.get_in_flight(env).items())
        ]
        if not exits:
            self.note("no in-flight exit to delete")
            return
        env, exit_id, exit = exits[pick % len(exits)]
        piggybacks = exit.input_piggybacks + exit.output_piggybacks
        expected = None
        if exit.status == InFlightExitStatus.DELETED:
            expected = RejectionReason.IN_FLIGHT_EXIT_DELETED
        elif self.is_in_first_phase(env, exit):
            expected = RejectionReason.PIGGYBACK_PERIOD_NOT_OVER
        elif any(piggyback.status != PiggybackStatus.NONE for piggyback in piggybacks):
            expected = RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED
        self.delete_in_flight(env, MALLORY.address, exit_id, expected)

    def mallory_griefs(self, pick: int) -> None:
        """Mallory challenges canonicity with a fresh in-flight competitor of one input."""
        targets = [
            (env, exit_id, exit, index)
            for env, exit_id, exit, side, index in self.list_piggyback_targets()
            if side == PiggybackSide.INPUT and exit.status == InFlightExitStatus.ACTIVE
        ]
        if pick % 2 == 0:
            targets = [
                (env, exit_id, exit, index)
                for env, exit_id, exit, index in targets
                if exit.inputs[index].owner == MALLORY.address and self.is_in_first_phase(env, exit)
            ]
        if not targets:
            self.note("no active in-flight exit to challenge")
            return
        env, exit_id, exit, index = targets[pick // 2 % len(targets)]
        spent = exit.inputs[index]
        position = exit.transaction.inputs[index]
        to_mallory = (Output(MALLORY.address, spent.token, spent.amount),)
        competitor = sign(env, MALLORY, (position,), to_mallory)
        if competitor.transaction == exit.transaction:
            self.note("the competitor would be the in-flight payment itself")
            return
        if spent.owner == MALLORY.address:
            self.world = worlds.sign_spend(self.world, env, competitor)
        expected = self.get_challenge_rejection(env, exit, spent.owner)
        operation = ChallengeInFlightNotCanonical(
            Uint64(env), MALLORY.address, exit_id, competitor, Uint8(0), None
        )
        what = f"ChallengeInFlightNotCanonical(env {env}, #{int(exit_id)}, in flight, griefing)"
        self.apply(what, expected, operation)

    def get_challenge_rejection(
        self, env: int, exit: InFlightExit, owner: Address
    ) -> RejectionReason | None:
        """Return why mallory's in-flight competitor of an input owned by ``owner`` must fail."""
        if not self.is_in_first_phase(env, exit):
            return RejectionReason.CANONICITY_PERIOD_OVER
        if exit.oldest_competitor is not None and not exit.oldest_competitor > UNINCLUDED_POSITION:
            return RejectionReason.COMPETITOR_NOT_OLDER
        if owner != MALLORY.address:
            return RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER
        return None

    def mallory_double_spends(self, pick: int) -> None:
        """Mallory signs a second spend of an output she already spent, for the operator."""
        spent = sorted(
            (env, position)
            for env in ENVIRONMENTS
            for position, signers in self.get_signers(env).items()
            if MALLORY.address in signers
            and position in self.get_chain(env).reality.utxos
            and self.get_output(env, position).owner in COLLUDERS
        )
        if not spent:
            self.note("mallory signed no spend of an output she still owns")
            return
        env, position = spent[pick % len(spent)]
        output = self.get_output(env, position)
        to_mallory = (Output(MALLORY.address, output.token, output.amount),)
        second = sign(env, MALLORY, (position,), to_mallory)
        if any(p.transaction == second.transaction for p in self.get_chain(env).signed_spends):
            self.note("mallory already signed this very spend")
            return
        self.world = worlds.sign_spend(self.world, env, second)
        self.pending[env].append(second)
        self.note(f"mallory signs a second spend of {properties.format_position(position)}")
