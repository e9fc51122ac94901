"""Deliberately faulty implementations, to prove the harness catches bugs and misbehaviour.

Run as ``python -m conformance.faulty_adapter --fault NAME``: the reference
adapter with one fault. Protocol bugs:

- ``wrong-priority``: exits are processed youngest first (the queue reversed);
- ``missing-signature-check``: a challenge only has to name the exiting
  output, its owner's signature is not checked;
- ``lenient-decoding``: bytes after an operation are ignored instead of
  rejected (an encoding bug);
- ``fees-across-blocks``: a child block's fee claim may take fees that
  earlier blocks' payments left unclaimed, not only its own block's;
- ``first-phase-inclusive``: an in-flight exit's first phase lasts one second
  too long (``now <= started_at + MFP // 2``), so piggybacks and canonicity
  challenges are accepted, and deletions refused, at its first second over.

A reduced implementation: ``without-payments-chain`` (the reference that
does not announce the ``payments-chain`` capability, so its vectors and
traces are skipped).

A partial implementation that says so: ``refuses-deposits`` answers every
``Deposit`` with the error ``unsupported_operation`` (``"ok": false``).

Misbehaviour of the process itself: ``hang`` (never answers an apply),
``crash`` (exits on the third apply), ``garbage`` (answers an apply with text
that is not JSON).

The faults replace attributes of ``reference`` modules in this process only,
so the reference itself stays correct everywhere else.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from conformance.areas import SETTLEMENT
from conformance.lines import ADAPTER_LIMITS
from conformance.readable import JsonValue
from conformance.reference_adapter import ReferenceAdapter, serve
from reference.environments.payments import canonicity as reference_canonicity
from reference.environments.payments import exit_game as settlement_exits
from reference.environments.payments import in_flight as reference_in_flight
from reference.environments.payments import piggybacks as reference_piggybacks
from reference.environments.payments.walk import OUTPUT_INDEX_BYTES, BlockWalk, add_to_total
from reference.node.requests import RequestError, add_limit_options, read_limit_options
from reference.settlement.exit_tables import ExitTables
from spec.encoding import Reader, read
from spec.environments.payments.exits import ChallengeStandardExit
from spec.environments.payments.transactions import FeeClaim
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import Address, Uint64
from spec.settlement.state import Exit
from spec.settlement.transition import Operation

FAULTS = (
    "wrong-priority",
    "missing-signature-check",
    "lenient-decoding",
    "fees-across-blocks",
    "first-phase-inclusive",
    "without-payments-chain",
    "hang",
    "crash",
    "garbage",
    "refuses-deposits",
)
"""Every fault, by name."""


def install_wrong_priority() -> None:
    """Make the reference pay the youngest mature exits first."""
    original = ExitTables.read_mature_exits

    def read_youngest_first(
        self: ExitTables, environment_id: int, token: Address, time: Uint64, limit: int
    ) -> list[tuple[Uint64, Exit]]:
        every = original(self, environment_id, token, time, 2**62)
        return list(reversed(every))[:limit]

    ExitTables.read_mature_exits = read_youngest_first  # type: ignore[method-assign]


def install_missing_signature_check() -> None:
    """Make the reference accept any challenge naming the exiting output."""

    def validate_spend_without_signature(
        environment_id: Uint64, exit: Exit, operation: ChallengeStandardExit
    ) -> None:
        inputs: tuple[OutputPosition, ...] = operation.spending_transaction.transaction.inputs
        index = int(operation.input_index)
        # The fault: the owner's signature is never checked
        require(
            index < len(inputs) and inputs[index] == exit.position,
            RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
        )

    settlement_exits.validate_spend = validate_spend_without_signature


def install_fees_across_blocks() -> None:
    """Make the reference limit fee claims by every block's unclaimed fees, not this block's."""

    def apply_fee_claim_from_any_block(self: BlockWalk, index: int, claim: FeeClaim) -> None:
        output, token = claim.output, claim.output.token
        require(output.owner == self.operator, RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
        require(output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
        # The fault: the chain's fees paid less claimed, whichever block paid them
        left_anywhere = self.fees_paid.get(token, 0) - self.fees_claimed.get(token, 0)
        require(output.amount <= left_anywhere, RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
        add_to_total(self.fees_claimed, token, int(output.amount))
        left_here = self.unclaimed.pop(token, 0) - int(output.amount)
        if left_here > 0:
            self.unclaimed[token] = left_here
        position = self.block_prefix + index.to_bytes(2, "big") + OUTPUT_INDEX_BYTES[0]
        self.changes[position] = output

    BlockWalk.apply_fee_claim = apply_fee_claim_from_any_block  # type: ignore[method-assign]


def install_first_phase_inclusive() -> None:
    """Make the reference's in-flight first phase include the second ``started_at + MFP // 2``."""
    original = reference_in_flight.is_in_first_phase

    def is_in_longer_first_phase(time: Uint64, environment: Any, exit: Any) -> bool:
        # The fault: one second more than ``now < started_at + MFP // 2``
        return original(Uint64(max(int(time) - 1, 0)), environment, exit)

    for module in (reference_in_flight, reference_canonicity, reference_piggybacks):
        module.is_in_first_phase = is_in_longer_first_phase  # type: ignore[attr-defined]


class LenientAdapter(ReferenceAdapter):
    """The reference adapter with a decoder that ignores bytes after an operation."""

    def apply(self, operation: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Apply an operation, dropping whatever follows its encoding."""
        encoding = operation.get("encoding")
        if self.area is SETTLEMENT and isinstance(encoding, str):
            operation = {**operation, "encoding": "0x" + trim_to_operation(encoding).hex()}
        return super().apply(operation)


def trim_to_operation(encoding: str) -> bytes:
    """Return the bytes of the first operation in ``encoding``, or all of them if none decodes."""
    reader = Reader(bytes.fromhex(encoding[2:]))
    try:
        read(reader, Operation)
    except Exception:
        return reader.data
    return reader.data[: reader.offset]


class WithoutChainAdapter(ReferenceAdapter):
    """The reference adapter announcing every capability but ``payments-chain``."""

    def handle(self, request: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Answer as the reference does, leaving ``payments-chain`` out of the hello."""
        answer = super().handle(request)
        if request.get("command") == "hello":
            capabilities = answer["capabilities"]
            assert isinstance(capabilities, list)
            answer["capabilities"] = [c for c in capabilities if c != "payments-chain"]
        return answer


class MisbehavingAdapter(ReferenceAdapter):
    """The reference adapter that hangs, crashes, answers garbage or refuses deposits."""

    def __init__(self, fault: str) -> None:
        """Misbehave in the way ``fault`` names."""
        super().__init__()
        self.fault = fault
        """``hang``, ``crash``, ``garbage`` or ``refuses-deposits``."""
        self.applied = 0
        """Apply requests seen."""

    def apply(self, operation: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Misbehave (the third time, for a crash) instead of applying."""
        self.applied += 1
        if self.fault == "hang":
            time.sleep(3600)
        if self.fault == "crash" and self.applied >= 3:
            print("faulty adapter: simulated crash", file=sys.stderr, flush=True)
            os._exit(3)
        if self.fault == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
        if self.fault == "refuses-deposits" and operation.get("name") == "Deposit":
            raise RequestError("unsupported_operation", "Deposit is not implemented here")
        return super().apply(operation)


def make_adapter(fault: str) -> Any:
    """Return the adapter with ``fault`` installed."""
    if fault == "wrong-priority":
        install_wrong_priority()
    if fault == "missing-signature-check":
        install_missing_signature_check()
    if fault == "fees-across-blocks":
        install_fees_across_blocks()
    if fault == "first-phase-inclusive":
        install_first_phase_inclusive()
    if fault == "lenient-decoding":
        return LenientAdapter()
    if fault == "without-payments-chain":
        return WithoutChainAdapter()
    if fault in ("hang", "crash", "garbage", "refuses-deposits"):
        return MisbehavingAdapter(fault)
    return ReferenceAdapter()


def main() -> None:
    """Serve the faulty reference over standard input and output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", choices=FAULTS, required=True)
    add_limit_options(parser, ADAPTER_LIMITS)
    arguments = parser.parse_args()
    fault = arguments.fault
    adapter = make_adapter(fault)
    adapter.name = f"faulty reference ({fault})"
    serve(adapter, sys.stdin.buffer, sys.stdout.buffer, read_limit_options(arguments))


if __name__ == "__main__":
    main()
