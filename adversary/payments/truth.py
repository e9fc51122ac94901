"""Ground truth about a world, shared by the step checks and the trace properties.

Definitions (used by :mod:`adversary.payments.properties` and
:mod:`adversary.payments.in_flight_properties`), for an environment ``e``
with minimal finalization period ``MFP``: ``B`` is ``e``'s first bad block
and ``T_B`` the settlement time its root was committed; the *exit deadline*
of a compromised ``e`` is ``T_B + MFP``; an output is *in reality* when a
deposit block or a child block below ``B`` created it; it *depends on the bad
block* when a child block numbered ``B`` or higher did; an owner *signed a
spend* of an output when a known payment names it as input ``i`` and
signature ``i`` recovers to the owner under ``e``'s signing domain.

Spec functions are looked up through their modules at call time, so that a
mutation analysis that patches a spec module is seen here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from adversary.payments.world import ChainRecord, World
from fixtures import TOKEN_A
from spec import crypto
from spec.environments.payments import transactions
from spec.environments.payments.transactions import SignedTransaction
from spec.errors import Rejected
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint64

InputSigners = dict[OutputPosition, frozenset[Address]]
"""For each output some known payment spends: who signed that input."""

# Ground truth helpers


def get_period(world: World, env: int) -> int:
    """Return the minimal finalization period of an environment."""
    return int(world.settlement.environments[env].rules.minimal_finalization_period)


def get_bad_block_time(world: World, env: int) -> int | None:
    """Return when the first bad block of ``env`` was committed (None if there is none)."""
    bad = world.chains[env].first_bad_block
    if bad is None:
        return None
    return int(world.settlement.environments[env].blocks[bad].timestamp)


def get_exit_deadline(world: World, env: int) -> int | None:
    """Return ``T_B + MFP`` for a compromised environment, None for a sound one."""
    bad_time = get_bad_block_time(world, env)
    return None if bad_time is None else bad_time + get_period(world, env)


def is_in_reality(world: World, env: int, position: OutputPosition) -> bool:
    """Return whether a valid block (deposit, or child block before ``B``) created the output."""
    chain = world.chains[env]
    created = chain.contents.get(position.block_number)
    if created is None or int(position.transaction_index) >= len(created):
        return False
    outputs = transactions.get_transaction_outputs(created[position.transaction_index])
    if int(position.output_index) >= len(outputs):
        return False
    interval = int(world.settlement.preset.block_interval)
    is_deposit = int(position.block_number) % interval != 0
    return (
        is_deposit or chain.first_bad_block is None or position.block_number < chain.first_bad_block
    )


def depends_on_bad_block(world: World, env: int, position: OutputPosition) -> bool:
    """Return whether a child block numbered ``B`` or higher created the output."""
    bad = world.chains[env].first_bad_block
    interval = int(world.settlement.preset.block_interval)
    is_child = int(position.block_number) % interval == 0
    return bad is not None and is_child and position.block_number >= bad


def get_input_signer(env: int, payment: SignedTransaction, index: int) -> Address | None:
    """Return who signed input ``index`` of a payment in ``env``'s domain (None if no one can)."""
    if index >= len(payment.signatures):
        return None
    message = transactions.compute_signing_hash(Uint64(env), payment.transaction)
    try:
        return crypto.recover_signer(message, payment.signatures[index])
    except Rejected:
        return None


def compute_input_signers(
    env: int,
    payments: Iterable[SignedTransaction],
    known: Mapping[OutputPosition, frozenset[Address]],
) -> InputSigners:
    """Return ``known`` extended with the signers of every input of ``payments``."""
    signers = dict(known)
    for payment in payments:
        for index, position in enumerate(payment.transaction.inputs):
            signer = get_input_signer(env, payment, index)
            if signer is not None:
                signers[position] = signers.get(position, frozenset()) | {signer}
    return signers


def get_input_signers(chain: ChainRecord, env: int) -> InputSigners:
    """Return who signed each input of every payment the world knows in ``env``."""
    return compute_input_signers(env, chain.signed_spends, {})


def format_position(position: OutputPosition) -> str:
    """Return a position as ``block.transaction.output``."""
    numbers = (position.block_number, position.transaction_index, position.output_index)
    return ".".join(str(int(number)) for number in numbers)


def format_token(token: Address) -> str:
    """Return a token's name in the adversary's worlds (``native``, ``token_a``) or its address."""
    names = {NATIVE_TOKEN: "native", TOKEN_A: "token_a"}
    return names.get(token, token.to_hex())
