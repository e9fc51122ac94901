"""The game's adversarial actions: the byzantine operator's and mallory's.

The byzantine operator commits blocks with one flaw each (the child chain must
reject each for the exact reason its flaw implies), withholds blocks, exits
outputs of its bad blocks and others' outputs, and tries to break the block log.
Mallory exits outputs she spent, exits twice, challenges exits with bad
witnesses, and uses a fresh environment during quarantine. Every attack states
the exact rejection it expects.
"""

from __future__ import annotations

from collections.abc import Callable

from adversary.payments import properties
from adversary.payments import world as worlds
from adversary.payments.game import action
from adversary.payments.moves import GameMoves, describe_exit, sign
from adversary.payments.properties import format_position
from adversary.payments.roster import BYZANTINE_ENV, COLLUDERS, ENVIRONMENTS, NOWHERE, TOKENS
from fixtures import MALLORY, OPERATOR, make_high_s_signature, make_rules
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
)
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Signature, Uint8, Uint64, Uint256
from spec.settlement.operations import Deposit, SubmitBlock
from spec.settlement.state import Exit, ExitStatus


def to_mallory(token: Address, amount: int) -> tuple[Output]:
    """Return the one output of a payment to mallory."""
    return (Output(MALLORY.address, token, Uint256(amount)),)


class AttackActions(GameMoves):
    """The recorded actions of the byzantine operator and of mallory."""

    # Actions: the byzantine operator

    def pick_reality_output(
        self, pick: int, used: set[OutputPosition], owners: Callable[[Address], bool]
    ) -> tuple[OutputPosition, Output] | None:
        """Return one of reality's unspent outputs of env 0 whose owner passes ``owners``."""
        utxos = self.get_chain(BYZANTINE_ENV).reality.utxos
        candidates = sorted((p, o) for p, o in utxos.items() if p not in used and owners(o.owner))
        return candidates[pick % len(candidates)] if candidates else None

    def make_double_spend(self, pick: int) -> SignedTransaction | None:
        """Return a payment spending again an output a colluder already spent in reality."""
        outputs = [
            (p, self.get_output(BYZANTINE_ENV, p))
            for p in self.get_chain(BYZANTINE_ENV).reality.spent
        ]
        spent = sorted((p, o) for p, o in outputs if o.owner in COLLUDERS)
        if not spent:
            return None
        position, output = spent[pick % len(spent)]
        owner = OPERATOR if output.owner == OPERATOR.address else MALLORY
        self.note(f"double spend of {format_position(position)}, already spent in reality")
        return sign(BYZANTINE_ENV, owner, (position,), to_mallory(output.token, int(output.amount)))

    def make_inflated_spend(
        self, pick: int, used: set[OutputPosition], amount: int
    ) -> SignedTransaction | None:
        """Return a payment of a reality output creating ``amount`` more than it spends."""
        found = self.pick_reality_output(pick, used, lambda owner: True)
        if found is None:
            return None
        position, output = found
        return sign(
            BYZANTINE_ENV,
            MALLORY,
            (position,),
            to_mallory(output.token, int(output.amount) + amount),
        )

    def make_forged_spend(self, pick: int, used: set[OutputPosition]) -> SignedTransaction | None:
        """Return a payment to mallory of someone else's reality output, signed by mallory."""
        found = self.pick_reality_output(pick, used, lambda owner: owner not in COLLUDERS)
        if found is None:
            return None
        position, output = found
        return sign(
            BYZANTINE_ENV, MALLORY, (position,), to_mallory(output.token, int(output.amount))
        )

    def make_duplicate_input(
        self, pick: int, used: set[OutputPosition], token: Address, amount: int
    ) -> SignedTransaction:
        """Return a payment naming one input twice."""
        found = self.pick_reality_output(pick, used, lambda owner: True)
        position = found[0] if found else NOWHERE
        return sign(BYZANTINE_ENV, MALLORY, (position, position), to_mallory(token, amount))

    def make_bad_transaction(
        self, kind: str, pick: int, token: Address, amount: int, included: list[SignedTransaction]
    ) -> tuple[BlockTransaction | None, RejectionReason | None]:
        """Return the flawed transaction of a bad block and the reason the child chain must give."""
        used = {position for payment in included for position in payment.transaction.inputs}
        reason = RejectionReason
        if kind == "valid_but_withheld":
            return None, None
        if kind == "fee_claim_from_nowhere":
            fee = self.compute_fees(BYZANTINE_ENV, included).get(token, 0) + amount
            return FeeClaim(
                Output(OPERATOR.address, token, Uint256(fee))
            ), reason.FEE_CLAIM_EXCEEDS_FEES
        if kind == "deposit_in_child_block":
            return DepositTransaction(to_mallory(token, amount)[0]), reason.DEPOSIT_IN_CHILD_BLOCK
        if kind == "duplicate_input":
            return self.make_duplicate_input(pick, used, token, amount), reason.TX_DUPLICATE_INPUT
        made: SignedTransaction | None = None
        expected = reason.TX_INPUT_NOT_UNSPENT
        if kind == "double_spend":
            made = self.make_double_spend(pick)
        elif kind == "inflated_amount":
            made, expected = (
                self.make_inflated_spend(pick, used, amount),
                reason.TX_OUTPUTS_EXCEED_INPUTS,
            )
        elif kind == "forged_signature":
            made, expected = self.make_forged_spend(pick, used), reason.TX_INPUT_NOT_SIGNED_BY_OWNER
        if made is not None:
            return made, expected
        if kind != "output_from_nowhere":
            self.note(f"nothing to build {kind} from: spends an output from nowhere instead")
        from_nowhere = sign(BYZANTINE_ENV, OPERATOR, (NOWHERE,), to_mallory(token, amount))
        return from_nowhere, reason.TX_INPUT_NOT_UNSPENT

    @action
    def byzantine_operator_commits_bad_block(
        self,
        *,
        kind: str,
        pick: int,
        token: str,
        amount: int,
        include_pending: bool,
        withhold: bool,
    ) -> None:
        """The byzantine operator commits a block with one flaw, after pending payments or not."""
        included = self.take_includable_payments(BYZANTINE_ENV) if include_pending else []
        bad, reason = self.make_bad_transaction(kind, pick, TOKENS[token], amount, included)
        block: list[BlockTransaction] = [*included, *([bad] if bad is not None else [])]
        withhold = withhold or kind == "valid_but_withheld"
        number = self.get_next_child_number(BYZANTINE_ENV)
        self.expect_block(BYZANTINE_ENV, number, block, reason)
        shown = "withheld" if withhold else "published"
        what = (
            f"SubmitBlock(env 0, block {int(number)}: {len(included)} payments + {kind}, {shown})"
        )
        self.commit(BYZANTINE_ENV, block, withhold, what)
        if not self.is_compromised(BYZANTINE_ENV):
            self.fail(f"the world did not mark bad block {int(number)} ({kind}) as bad")

    @action
    def byzantine_operator_exits_bad_output(self, *, pick: int) -> None:
        """The operator or mallory exits an output of a bad (or later) block that they own."""
        exited = self.get_exited_positions(BYZANTINE_ENV)
        candidates = [
            (position, output)
            for position, output in self.iterate_outputs(BYZANTINE_ENV)
            if properties.depends_on_bad_block(self.world, BYZANTINE_ENV, position)
            and output.owner in COLLUDERS
            and position not in exited
        ]
        if not candidates:
            self.note("no bad output of the operator or mallory left to exit")
            return
        position, output = candidates[pick % len(candidates)]
        self.start_exit(BYZANTINE_ENV, output.owner, position, ", depends on the bad block")

    @action
    def byzantine_operator_exits_others_output(self, *, pick: int) -> None:
        """The operator exits an output someone else owns: EXIT_NOT_BY_OWNER."""
        candidates = [
            (env, position)
            for env in ENVIRONMENTS
            for position, output in self.iterate_outputs(env)
            if output.owner != OPERATOR.address
        ]
        if not candidates:
            self.note("no output of anyone else exists yet")
            return
        env, position = candidates[pick % len(candidates)]
        what = (
            f"StartStandardExit(env {env}, {format_position(position)} of another, by the operator)"
        )
        self.apply(
            what, RejectionReason.EXIT_NOT_BY_OWNER, self.make_exit(env, OPERATOR.address, position)
        )

    @action
    def byzantine_operator_breaks_block_log(self, *, attack: str) -> None:
        """The operator submits to another's environment, over a committed number, or skips one."""
        env, number = BYZANTINE_ENV, self.get_next_child_number(BYZANTINE_ENV)
        expected = RejectionReason.BLOCK_NUMBER_UNEXPECTED
        if attack == "foreign_environment":
            env, number, expected = 1, self.get_next_child_number(1), RejectionReason.NOT_OPERATOR
        elif attack == "overwrite_root":
            number = max(self.world.settlement.environments[env].blocks, default=number)
            expected = RejectionReason.BLOCK_ALREADY_COMMITTED
        else:
            number = number + self.world.settlement.preset.block_interval
        operation = SubmitBlock(Uint64(env), OPERATOR.address, number, Hash32(b"\xbd" * 32))
        self.apply(f"SubmitBlock(env {env}, block {int(number)}, {attack})", expected, operation)

    # Actions: mallory

    @action
    def mallory_exits_spent_output(self, *, pick: int) -> None:
        """Mallory (or the operator) exits an output its owner signed a spend of."""
        candidates = [
            (env, position, output)
            for env in ENVIRONMENTS
            for position, output in self.iterate_outputs(env)
            if output.owner in COLLUDERS
            and self.is_signed_by(env, position, output.owner)
            and position not in self.get_exited_positions(env)
        ]
        if not candidates:
            self.note("no spent output of mallory or the operator left to exit")
            return
        env, position, output = candidates[pick % len(candidates)]
        spent = (
            "spent in reality" if position in self.get_chain(env).reality.spent else "spend signed"
        )
        self.start_exit(env, output.owner, position, f", {spent}")

    @action
    def mallory_exits_twice(self, *, pick: int) -> None:
        """Mallory exits an output again: EXIT_ALREADY_STARTED (EXIT_NOT_BY_OWNER if not hers)."""
        candidates = [(env, exit) for env in ENVIRONMENTS for _, exit in self.get_exits(env)]
        if not candidates:
            self.note("no exit exists yet")
            return
        env, exit = candidates[pick % len(candidates)]
        sender = exit.owner if exit.owner in COLLUDERS else MALLORY.address
        mine = sender == exit.owner
        expected = (
            RejectionReason.EXIT_ALREADY_STARTED if mine else RejectionReason.EXIT_NOT_BY_OWNER
        )
        if mine and self.is_settled(env, exit.position):
            expected = RejectionReason.OUTPUT_ALREADY_FINALIZED
        what = f"StartStandardExit(env {env}, {format_position(exit.position)} again)"
        self.apply(what, expected, self.make_exit(env, sender, exit.position))

    def find_replayed_spend(self, env: int, exit: Exit) -> tuple[SignedTransaction, int] | None:
        """Return a spend of the exit's position that its owner signed in another environment."""
        for other in (e for e in self.get_environment_ids() if e != env):
            for payment in self.get_chain(other).signed_spends:
                inputs = payment.transaction.inputs
                if exit.position not in inputs:
                    continue
                index = inputs.index(exit.position)
                if properties.get_input_signer(other, payment, index) == exit.owner:
                    return payment, index
        return None

    def make_bad_witness(
        self, witness: str, env: int, exit: Exit
    ) -> tuple[SignedTransaction, int, RejectionReason] | None:
        """Return a witness of this kind against ``exit``, its input index and why it must fail."""
        reason = RejectionReason
        by_mallory = sign(env, MALLORY, (exit.position,), to_mallory(exit.token, int(exit.amount)))
        witnesses = {
            "spend_of_another_output": (
                sign(env, MALLORY, (NOWHERE,), to_mallory(exit.token, int(exit.amount))),
                0,
                reason.CHALLENGE_NOT_SPENDING_EXIT,
            ),
            "input_index_out_of_range": (by_mallory, 1, reason.CHALLENGE_NOT_SPENDING_EXIT),
            "malformed_signature": (
                SignedTransaction(by_mallory.transaction, (Signature(bytes(65)),)),
                0,
                reason.SIGNATURE_MALFORMED,
            ),
            "high_s_signature": (
                SignedTransaction(
                    by_mallory.transaction, (make_high_s_signature(by_mallory.signatures[0]),)
                ),
                0,
                reason.SIGNATURE_HIGH_S,
            ),
            "closed_exit": (by_mallory, 0, reason.EXIT_NOT_OPEN),
            "unknown_exit": (by_mallory, 0, reason.UNKNOWN_EXIT),
        }
        if witness in witnesses:
            return witnesses[witness]
        if witness == "replayed_from_other_environment":
            found = self.find_replayed_spend(env, exit)
            return None if found is None else (*found, reason.CHALLENGE_NOT_SIGNED_BY_OWNER)
        if exit.owner == MALLORY.address:
            return None
        return by_mallory, 0, reason.CHALLENGE_NOT_SIGNED_BY_OWNER

    def pick_challenge_target(self, witness: str, pick: int) -> tuple[int, Uint64, Exit] | None:
        """Return (environment, exit id, exit) a bad witness of this kind is aimed at."""
        wanted_open = witness != "closed_exit"
        replayed = witness == "replayed_from_other_environment"
        candidates = [
            (env, exit_id, exit)
            for env in ENVIRONMENTS
            for exit_id, exit in self.get_exits(env)
            if (exit.status == ExitStatus.OPEN) == wanted_open
            and (not replayed or self.find_replayed_spend(env, exit) is not None)
        ]
        if not candidates:
            return None
        env, exit_id, exit = candidates[pick % len(candidates)]
        if witness == "unknown_exit":
            exit_id = Uint64(len(self.get_exits(env)))
        return env, exit_id, exit

    @action
    def mallory_challenges_with_bad_witness(self, *, pick: int, witness: str) -> None:
        """Mallory challenges an exit with a witness that must be rejected, for one exact reason."""
        aimed = self.pick_challenge_target(witness, pick)
        made = None if aimed is None else self.make_bad_witness(witness, aimed[0], aimed[2])
        if aimed is None or made is None:
            self.note(f"no suitable exit for a {witness} challenge")
            return
        (env, exit_id, exit), (payment, index, expected) = aimed, made
        operation = ChallengeStandardExit(
            Uint64(env), MALLORY.address, exit_id, payment, Uint8(index)
        )
        aimed_at = (
            describe_exit(exit_id, exit)
            if exit_id in self.world.settlement.environments[env].exits
            else f"exit {int(exit_id)}"
        )
        what = f"ChallengeStandardExit(env {env}, {aimed_at}, {witness})"
        self.apply(what, expected, operation)

    @action
    def mallory_uses_new_environment_at_once(self) -> None:
        """Mallory registers an environment and deposits at once: ENVIRONMENT_IN_QUARANTINE."""
        rules = make_rules(self.world.settlement.preset)
        env = len(self.world.chains)
        self.attempt(
            f"RegisterEnvironment(env {env}, operated by mallory)",
            None,
            lambda w: worlds.register_environment(w, MALLORY.address, rules),
        )
        operation = Deposit(Uint64(env), MALLORY.address, NATIVE_TOKEN, Uint256(1))
        self.apply(
            f"Deposit(env {env}, mallory, 1 native)",
            RejectionReason.ENVIRONMENT_IN_QUARANTINE,
            operation,
        )
