"""In-flight watching in the stateful game: challenges of invalid in-flight claims, and responses.

Watchers, at every turn and in every environment, for each in-flight exit
still active:

- show each open input piggyback spent, with a well-formed payment other than
  the in-flight one, spending that input and signed by its owner;
- show each open output piggyback spent, when the in-flight payment is in a
  published block: a well-formed payment spending the output at that
  position, signed by its owner;
- in the exit's first phase, challenge its canonicity with the oldest
  competitor they can prove (published, or in flight) that is older than the
  payment itself as they can prove it and than any competitor shown: never a
  griefing challenge;
- answer a canonicity challenge with the payment's published inclusion when
  it is older than the oldest competitor shown (a griefing challenge).

Then honest users exit in flight (see
:meth:`~adversary.payments.in_flight_moves.InFlightMoves.exit_in_flight`).
Every move here must be accepted.
"""

from __future__ import annotations

from adversary.payments import properties
from adversary.payments.in_flight_moves import InFlightMoves
from adversary.payments.moves import is_well_formed
from fixtures import WATCHER
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.in_flight import UNINCLUDED_POSITION, TransactionInclusion
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
)
from spec.environments.payments.records import (
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackStatus,
)
from spec.environments.payments.transactions import SignedTransaction, Transaction
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Address, Uint8, Uint64


class InFlightWatchers(InFlightMoves):
    """The watchers' in-flight moves, and the watch that runs them."""

    def watch_in_flight(self, env: int) -> None:
        """Watchers challenge invalid in-flight claims and answer griefing challenges."""
        for exit_id, exit in sorted(self.get_in_flight(env).items()):
            if exit.status != InFlightExitStatus.ACTIVE:
                continue
            self.challenge_spent_inputs(env, exit_id, exit)
            self.challenge_spent_outputs(env, exit_id, self.get_in_flight(env)[exit_id])
            self.challenge_canonicity(env, exit_id, self.get_in_flight(env)[exit_id])
            self.respond_to_challenge(env, exit_id, self.get_in_flight(env)[exit_id])

    def find_other_spend(
        self, env: int, position: OutputPosition, owner: Address, body: Transaction
    ) -> tuple[SignedTransaction, int] | None:
        """Return a well-formed spend of an output, other than ``body``, signed by its owner."""
        for payment in self.get_chain(env).signed_spends:
            inputs = payment.transaction.inputs
            if payment.transaction == body or position not in inputs:
                continue
            index = inputs.index(position)
            signer = properties.get_input_signer(env, payment, index)
            if is_well_formed(payment) and signer == owner:
                return payment, index
        return None

    def challenge_spent_inputs(self, env: int, exit_id: Uint64, exit: InFlightExit) -> None:
        """Show every open input piggyback spent by another payment its owner signed."""
        for index, piggyback in enumerate(exit.input_piggybacks):
            if piggyback.status != PiggybackStatus.OPEN:
                continue
            position, owner = exit.transaction.inputs[index], exit.inputs[index].owner
            found = self.find_other_spend(env, position, owner, exit.transaction)
            if found is not None:
                operation = ChallengeInFlightInputSpent(
                    Uint64(env), WATCHER.address, exit_id, Uint8(index), found[0], Uint8(found[1])
                )
                what = f"ChallengeInFlightInputSpent(env {env}, #{int(exit_id)}, input {index})"
                self.apply(what, None, operation)

    def challenge_spent_outputs(self, env: int, exit_id: Uint64, exit: InFlightExit) -> None:
        """Show every open output piggyback of a published payment spent at its position."""
        published = self.find_published(env, exit.transaction)
        if published is None:
            return
        where, included = published
        number, tx_index = where.block_number, where.transaction_index
        inclusion = TransactionInclusion(published[0], self.prove(env, published[0]))
        for index, piggyback in enumerate(exit.output_piggybacks):
            position = OutputPosition(number, tx_index, Uint8(index))
            owner = exit.transaction.outputs[index].owner
            found = self.find_other_spend(env, position, owner, exit.transaction)
            if piggyback.status != PiggybackStatus.OPEN or found is None:
                continue
            operation = ChallengeInFlightOutputSpent(
                Uint64(env),
                WATCHER.address,
                exit_id,
                Uint8(index),
                included,
                inclusion,
                found[0],
                Uint8(found[1]),
            )
            what = f"ChallengeInFlightOutputSpent(env {env}, #{int(exit_id)}, output {index})"
            self.apply(what, None, operation)

    def find_competitor(
        self, env: int, exit: InFlightExit
    ) -> tuple[SignedTransaction, int, TransactionPosition] | None:
        """Return the oldest provable competitor older than the payment and than any shown."""
        oldest = exit.oldest_competitor or UNINCLUDED_POSITION
        bound = min(self.get_rank(env, exit.transaction), oldest)
        best = None
        for index, position in enumerate(exit.transaction.inputs):
            found = [
                (self.get_rank(env, payment.transaction), payment)
                for payment in self.get_chain(env).signed_spends
                if payment.transaction != exit.transaction
                and position in payment.transaction.inputs
                and is_well_formed(payment)
                and properties.get_input_signer(
                    env, payment, payment.transaction.inputs.index(position)
                )
                == exit.inputs[index].owner
            ]
            for rank, payment in found:
                if rank < bound and (best is None or rank < best[2]):
                    best = (payment, payment.transaction.inputs.index(position), rank)
        return best

    def challenge_canonicity(self, env: int, exit_id: Uint64, exit: InFlightExit) -> None:
        """Challenge an exit in its first phase with a competitor older than the payment."""
        if not self.is_in_first_phase(env, exit):
            return
        found = self.find_competitor(env, exit)
        if found is None:
            return
        competitor, index, rank = found
        inclusion = None
        if rank != UNINCLUDED_POSITION:
            inclusion = TransactionInclusion(rank, self.prove(env, rank))
            included = self.get_chain(env).contents[rank.block_number][rank.transaction_index]
            assert isinstance(included, SignedTransaction)
            competitor = included
        operation = ChallengeInFlightNotCanonical(
            Uint64(env), WATCHER.address, exit_id, competitor, Uint8(index), inclusion
        )
        self.apply(f"ChallengeInFlightNotCanonical(env {env}, #{int(exit_id)})", None, operation)

    def respond_to_challenge(self, env: int, exit_id: Uint64, exit: InFlightExit) -> None:
        """Answer a canonicity challenge with the payment's published inclusion, if older."""
        if exit.canonical or exit.outcome != InFlightOutcome.UNDECIDED:
            return
        published = self.find_published(env, exit.transaction)
        oldest = exit.oldest_competitor or UNINCLUDED_POSITION
        if published is None or not published[0] < oldest:
            return
        inclusion = TransactionInclusion(published[0], self.prove(env, published[0]))
        operation = RespondToNonCanonicalChallenge(
            Uint64(env), WATCHER.address, exit_id, published[1], inclusion
        )
        self.apply(f"RespondToNonCanonicalChallenge(env {env}, #{int(exit_id)})", None, operation)

    def watch(self) -> None:
        """Watchers take their turn, in-flight exits included; honest users exit in flight."""
        super().watch()
        for env in self.get_environment_ids():
            self.watch_in_flight(env)
            self.exit_in_flight(env)
