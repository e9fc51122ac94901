"""Every hash the protocol takes, as a recipe: the ``hashes`` of the wire-format document.

Each :class:`HashRule` says what a spec function hashes, as the keccak-256
of a concatenation of parts: a constant of the spec (a domain tag or a Merkle
prefix, given by its value), the canonical encoding of an input as a named
type, or an input's raw bytes. The recipes are data, checked against the spec
functions they describe (``tests/test_wire_format.py`` evaluates each one on
sample inputs and compares it with the function's result), so they cannot
drift from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.readable import JsonValue
from spec import codec, digest, merkle
from spec.environments.cash import coins as cash_coins
from spec.environments.cash import kind as cash_kind
from spec.environments.payments import kind as payments_kind
from spec.environments.payments import transactions as payments_transactions
from spec.finality import messages, node


@dataclass(frozen=True)
class Constant:
    """A constant of the spec hashed as its bytes."""

    name: str
    """Its name in the spec, with its module."""
    value: bytes
    """Its value (read from the spec, never copied)."""


@dataclass(frozen=True)
class Encoded:
    """An input hashed as its canonical encoding."""

    input: str
    """The input's name."""


@dataclass(frozen=True)
class Raw:
    """An input hashed as its bytes, with no length prefix."""

    input: str
    """The input's name."""


Part = Constant | Encoded | Raw
"""One part of a hashed concatenation."""


@dataclass(frozen=True)
class HashRule:
    """keccak-256 of the concatenation of ``parts``, as the spec function ``function`` computes."""

    name: str
    """What the hash is."""
    function: str
    """The spec function that computes it (module and name)."""
    inputs: tuple[tuple[str, str], ...]
    """The function's inputs: (name, wire type name)."""
    parts: tuple[Part, ...]
    """What is hashed, in order."""


def constant(module: object, name: str) -> Constant:
    """Return the constant ``name`` of a spec module, read from the module."""
    value = getattr(module, name)
    assert isinstance(value, bytes), f"{name} is not bytes"
    return Constant(f"{getattr(module, '__name__', '')}.{name}", value)


def state_digest(
    area_name: str, function: str, module: object, domain: str, state: str
) -> HashRule:
    """Return the rule of an area's state digest: its domain tag, then the encoded state."""
    return HashRule(
        f"{area_name} state digest",
        function,
        (("state", state),),
        (constant(module, domain), Encoded("state")),
    )


HASH_RULES: tuple[HashRule, ...] = (
    HashRule(
        "Merkle leaf hash",
        "spec.merkle.compute_leaf_hash",
        (("data", "bytes"),),
        (constant(merkle, "LEAF_PREFIX"), Raw("data")),
    ),
    HashRule(
        "Merkle inner node hash",
        "spec.merkle.compute_node_hash",
        (("left", "Hash32"), ("right", "Hash32")),
        (constant(merkle, "NODE_PREFIX"), Raw("left"), Raw("right")),
    ),
    HashRule(
        "payments transaction leaf (the leaf data is the encoded transaction)",
        "spec.environments.payments.transactions.compute_transaction_leaf",
        (("transaction", "BlockTransaction"),),
        (constant(merkle, "LEAF_PREFIX"), Encoded("transaction")),
    ),
    HashRule(
        "payments signing hash (what every input owner signs)",
        "spec.environments.payments.transactions.compute_signing_hash",
        (("environment_id", "Uint64"), ("transaction", "Transaction")),
        (
            constant(payments_transactions, "SIGNING_DOMAIN"),
            Encoded("environment_id"),
            Encoded("transaction"),
        ),
    ),
    HashRule(
        "payments output id of a payment's output",
        "spec.environments.payments.transactions.compute_payment_output_id",
        (("transaction", "Transaction"), ("output_index", "Uint8")),
        (
            constant(payments_transactions, "PAYMENT_OUTPUT_ID_DOMAIN"),
            Encoded("transaction"),
            Encoded("output_index"),
        ),
    ),
    HashRule(
        "payments output id of a deposit's or fee claim's output",
        "spec.environments.payments.transactions.compute_output_id",
        (("transaction", "BlockTransaction"), ("position", "OutputPosition")),
        (
            constant(payments_transactions, "PLACED_OUTPUT_ID_DOMAIN"),
            Encoded("transaction"),
            Encoded("position"),
        ),
    ),
    HashRule(
        "Plasma Cash signing hash (what a coin's owner signs)",
        "spec.environments.cash.coins.compute_signing_hash",
        (("environment_id", "Uint64"), ("transfer", "Transfer")),
        (constant(cash_coins, "SIGNING_DOMAIN"), Encoded("environment_id"), Encoded("transfer")),
    ),
    HashRule(
        "Plasma Cash coin leaf (the leaf data is the encoded mint or transfer)",
        "spec.environments.cash.coins.compute_coin_leaf_hash",
        (("leaf", "CoinLeaf"),),
        (constant(merkle, "LEAF_PREFIX"), Encoded("leaf")),
    ),
    HashRule(
        "finality block hash",
        "spec.finality.messages.compute_block_hash",
        (("block", "finality.Block"),),
        (constant(messages, "BLOCK_DOMAIN"), Encoded("block")),
    ),
    HashRule(
        "finality genesis hash (the parent of a chain's first block)",
        "spec.finality.messages.compute_genesis_hash",
        (("chain_id", "Uint64"),),
        (constant(messages, "GENESIS_DOMAIN"), Encoded("chain_id")),
    ),
    HashRule(
        "finality proposal digest (what the leader signs; block_hash is the block's hash)",
        "spec.finality.messages.compute_proposal_digest",
        (("block_hash", "Hash32"),),
        (constant(messages, "PROPOSAL_DOMAIN"), Raw("block_hash")),
    ),
    HashRule(
        "finality vote digest",
        "spec.finality.messages.compute_vote_digest",
        (("chain_id", "Uint64"), ("view", "Uint64"), ("block_hash", "Hash32")),
        (
            constant(messages, "VOTE_DOMAIN"),
            Encoded("chain_id"),
            Encoded("view"),
            Raw("block_hash"),
        ),
    ),
    HashRule(
        "finality timeout digest",
        "spec.finality.messages.compute_timeout_digest",
        (("chain_id", "Uint64"), ("view", "Uint64"), ("high_qc_view", "Uint64")),
        (
            constant(messages, "TIMEOUT_DOMAIN"),
            Encoded("chain_id"),
            Encoded("view"),
            Encoded("high_qc_view"),
        ),
    ),
    state_digest(
        "settlement",
        "spec.digest.compute_settlement_digest",
        digest,
        "SETTLEMENT_DIGEST_DOMAIN",
        "SettlementState",
    ),
    state_digest(
        "payments-chain",
        "spec.digest.compute_digest",
        payments_kind,
        "CHILD_CHAIN_DIGEST_DOMAIN",
        "ChildChainState",
    ),
    state_digest(
        "cash-chain",
        "spec.digest.compute_digest",
        cash_kind,
        "CASH_CHAIN_DIGEST_DOMAIN",
        "CashChainState",
    ),
    state_digest(
        "consensus",
        "spec.finality.node.compute_replica_node_digest",
        node,
        "CONSENSUS_DIGEST_DOMAIN",
        "ReplicaNode",
    ),
    HashRule(
        "codec state digest",
        "spec.codec.compute_codec_digest",
        (("state", "bytes"),),
        (constant(codec, "CODEC_DIGEST_DOMAIN"), Raw("state")),
    ),
)
"""Every hash of the protocol, as a recipe."""


def describe_part(part: Part) -> JsonValue:
    """Return one part as data."""
    if isinstance(part, Constant):
        text = part.value.decode("ascii") if part.value.isascii() and len(part.value) > 1 else None
        return {"constant": part.name, "hex": part.value.hex(), "ascii": text}
    if isinstance(part, Encoded):
        return {"encoded": part.input}
    return {"raw": part.input}


def describe_hash_rules() -> list[JsonValue]:
    """Return every hash rule as data."""
    return [
        {
            "name": rule.name,
            "function": rule.function,
            "hash": "keccak256",
            "inputs": [{"name": name, "type": wire_type} for name, wire_type in rule.inputs],
            "parts": [describe_part(part) for part in rule.parts],
        }
        for rule in HASH_RULES
    ]
