"""Sample inputs for the hash recipes of the wire-format document, taken from the tiny suite.

Each input of a recipe gets a sample: the spec's value (found in the suite's
decoded states and operations, or made for primitives), its raw bytes, and the
value the document's codec decodes from its encoding. The spec function the
recipe names is then called on the spec values.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import typing
from typing import Any, NamedTuple

from conformance.areas import AREAS
from conformance.wire_hashes import Constant, HashRule
from spec.codec import CODEC_TYPES
from spec.encoding import decode_as, encode, is_union
from spec.finality.messages import Block as FinalityBlock
from spec.finality.messages import compute_block_hash
from spec.primitives import Hash32, Uint8, Uint64
from tests.test_conformance_harness import get_tiny_suite
from tests.wire_interpreter import WireCodec


class Sample(NamedTuple):
    """One input: its spec value, its raw bytes and its value as the document's codec reads it."""

    spec_value: Any
    """The spec's value."""
    raw: bytes
    """Its bytes, as a raw part hashes them."""
    document_value: Any
    """What the document's codec decodes from its encoding."""


def walk(value: Any) -> typing.Iterator[Any]:
    """Yield ``value`` and every value inside it."""
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from walk(getattr(value, field.name))
    elif isinstance(value, tuple | list | frozenset):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk(key)
            yield from walk(item)


@functools.cache
def harvest() -> dict[type, Any]:
    """Return one value of every class found in the tiny suite's states and operations."""
    found: dict[type, Any] = {}
    for vector in get_tiny_suite().vectors.values():
        area = AREAS[str(vector["area"])]
        encodings = [(area.state_type, vector["initial_state"]["encoding"])]
        encodings += [
            (area.operation_hint, step["operation"]["encoding"])
            for step in vector["steps"]
            if step["operation"]["encoding"] is not None
        ]
        for hint, text in encodings:
            try:
                value = decode_as(hint, bytes.fromhex(str(text).removeprefix("0x")))
            except Exception:  # malformed bytes are part of the suite
                continue
            for inner in walk(value):
                found.setdefault(type(inner), inner)
    return found


def get_spec_hint(type_name: str) -> Any:
    """Return the spec hint of a recipe input's wire type name."""
    if type_name == "finality.Block":
        return FinalityBlock
    hints = {"BlockTransaction": CODEC_TYPES["BlockTransaction"], **CODEC_TYPES}
    for area in AREAS.values():
        hints.setdefault(getattr(area.state_type, "__name__", ""), area.state_type)
    return hints[type_name]


def pick_spec_value(type_name: str) -> Any:
    """Return a spec value of a recipe input's wire type."""
    made = {"bytes": b"\x01\x02\x03", "Hash32": Hash32(bytes(range(32))), "Uint8": Uint8(2)}
    if type_name in made:
        return made[type_name]
    if type_name == "Uint64":
        return Uint64(7)
    hint = get_spec_hint(type_name)
    found = harvest()
    if is_union(hint):
        return next(found[arm] for arm in typing.get_args(hint) if arm in found)
    return found[hint]


def make_sample_inputs(rule: HashRule, codec: WireCodec) -> dict[str, Sample]:
    """Return a sample of every input of ``rule``."""
    samples: dict[str, Sample] = {}
    for name, type_name in rule.inputs:
        value = pick_spec_value(type_name)
        if rule.function.endswith(".compute_output_id") and name == "transaction":
            # The recipe is the placed-output branch: a deposit's transaction
            value = next(v for cls, v in harvest().items() if cls.__name__ == "DepositTransaction")
        encoded = encode(value, get_spec_hint(type_name))
        raw = value if isinstance(value, bytes) else b""
        samples[name] = Sample(value, raw, codec.decode(type_name, encoded))
    if rule.function.endswith("compute_proposal_digest"):
        block = pick_spec_value("finality.Block")
        block_hash = bytes(compute_block_hash(block))
        samples["block_hash"] = Sample(block, block_hash, codec.decode("Hash32", block_hash))
    return samples


def call_spec_function(rule: HashRule, samples: dict[str, Sample]) -> bytes:
    """Return what the spec function ``rule.function`` computes on the samples."""
    module_name, _, function_name = rule.function.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name)
    arguments = [samples[name].spec_value for name, _ in rule.inputs]
    if function_name == "compute_digest":
        domain = next(part for part in rule.parts if isinstance(part, Constant))
        arguments = [domain.value, *arguments]
    return bytes(function(*arguments))
