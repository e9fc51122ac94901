"""The wire-format document is enough to decode, re-encode and hash everything the vectors carry.

A codec written from the document alone (:mod:`tests.wire_interpreter`, which
does not import the spec's encoder) decodes every state and operation of the
tiny suite and re-encodes it byte for byte; on mutated bytes it reports the
same decoding error as the spec (the precedence the document states). Every
hash recipe gives the spec function's result. Negative controls show the
checks can fail: a document with one field dropped, or with two union tags
swapped, no longer reproduces the bytes.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from conformance.areas import AREAS
from conformance.suite import Suite, load_vectors, write_suite
from conformance.wire_format import WIRE_FORMAT_FILE, build_wire_format
from conformance.wire_hashes import HASH_RULES, Constant, Encoded, HashRule
from spec.codec import CODEC_TYPES
from spec.crypto import keccak256
from spec.encoding import decode_as
from spec.errors import Rejected
from tests.test_conformance_harness import get_tiny_suite
from tests.wire_hash_samples import Sample, call_spec_function, make_sample_inputs
from tests.wire_interpreter import WireCodec, WireError
from tests.wire_views import make_view, variant_name

DOCUMENT = build_wire_format()


def read_hex(text: str) -> bytes:
    """Return the bytes of a ``0x...`` string."""
    return bytes.fromhex(text.removeprefix("0x"))


def list_encodings() -> list[tuple[Any, bytes]]:
    """Return (type expression, bytes) of every state and operation encoding in the tiny suite."""
    areas = {area["name"]: area for area in DOCUMENT["areas"]}
    found: list[tuple[Any, bytes]] = []
    for vector in get_tiny_suite().vectors.values():
        area = areas[vector["area"]]
        found.append((area["state_type"], read_hex(vector["initial_state"]["encoding"])))
        for step in vector["steps"]:
            if step["operation"]["encoding"] is not None:
                found.append((area["operation_type"], read_hex(step["operation"]["encoding"])))
    return found


def build_spec_hints() -> dict[str, Any]:
    """Return the spec's type hint of each area type and codec type, by its type expression."""
    hints = {json.dumps(DOCUMENT["codec_types"][name]): h for name, h in CODEC_TYPES.items()}
    for described, area in zip(DOCUMENT["areas"], AREAS.values(), strict=True):
        hints[json.dumps(described["state_type"])] = area.state_type
        hints[json.dumps(described["operation_type"])] = area.operation_hint
    return hints


SPEC_HINTS = build_spec_hints()


def spec_hint(expression: Any) -> Any:
    """Return the spec's type hint of an area type or codec type expression."""
    return SPEC_HINTS[json.dumps(expression)]


def decode_by_spec(expression: Any, data: bytes) -> str | None:
    """Return the spec's rejection reason for ``data`` (None when it decodes)."""
    try:
        decode_as(spec_hint(expression), data)
    except Rejected as rejection:
        return rejection.reason.value
    return None


def decode_by_document(codec: WireCodec, expression: Any, data: bytes) -> str | None:
    """Return the document codec's reason for ``data`` (None when it round-trips exactly)."""
    try:
        value = codec.decode(expression, data)
    except WireError as error:
        return error.reason
    assert codec.encode(expression, value) == data
    return None


def test_every_suite_encoding_round_trips_through_the_document() -> None:
    """Given every state and operation encoding of the tiny suite.

    When the document's codec decodes each and encodes the value again,
    Then it gets the same bytes wherever the spec decodes them, and the spec's
    reason wherever the spec refuses them.
    """
    codec = WireCodec(DOCUMENT)
    encodings = list_encodings()
    assert len(encodings) > 600
    for expression, data in encodings:
        assert decode_by_document(codec, expression, data) == decode_by_spec(expression, data)


def test_codec_steps_decode_their_payload_by_the_codec_type_list() -> None:
    """Given every codec step of the tiny suite (a type name and bytes).

    When the document's codec decodes the bytes as the named codec type,
    Then it accepts exactly what the spec accepts, with the same reason otherwise.
    """
    codec = WireCodec(DOCUMENT)
    checked = 0
    for vector in get_tiny_suite().vectors.values():
        if vector["area"] != "codec":
            continue
        for step in vector["steps"]:
            view = step["operation"]["view"]
            if view["type_name"] not in DOCUMENT["codec_types"]:
                continue
            expression = DOCUMENT["codec_types"][view["type_name"]]
            data = read_hex(view["data"])
            assert decode_by_document(codec, expression, data) == decode_by_spec(expression, data)
            checked += 1
    assert checked >= 10


def test_readable_views_follow_the_documents_rules() -> None:
    """Given every vector of the tiny suite.

    When the initial state and each decodable operation are decoded with the
    document's codec and shown by the document's view rules,
    Then the views are the vector's own (an operation shows its variant's name
    and value, without the union's wrapper).
    """
    codec = WireCodec(DOCUMENT)
    areas = {area["name"]: area for area in DOCUMENT["areas"]}
    operations = 0
    for vector in get_tiny_suite().vectors.values():
        area = areas[vector["area"]]
        state = codec.decode(area["state_type"], read_hex(vector["initial_state"]["encoding"]))
        assert make_view(DOCUMENT, area["state_type"], state) == vector["initial_state"]["view"]
        for step in vector["steps"]:
            operation, expression = step["operation"], area["operation_type"]
            data = read_hex(operation["encoding"] or "")
            if operation["encoding"] is None or decode_by_spec(expression, data) is not None:
                continue
            value = codec.decode(expression, data)
            if DOCUMENT["types"][expression]["kind"] == "union":
                variants = DOCUMENT["types"][expression]["variants"]
                expression = next(arm["type"] for arm in variants if arm["tag"] == value[0])
                value = value[1]
            assert operation["name"] == variant_name(expression)
            assert make_view(DOCUMENT, expression, value) == operation["view"]
            operations += 1
    assert operations > 500


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Return ``data`` with one byte changed, inserted or removed, or cut short."""
    choice, where = rng.randrange(4), rng.randrange(max(len(data), 1))
    if choice == 0 and data:
        return data[:where] + bytes([rng.randrange(256)]) + data[where + 1 :]
    if choice == 1:
        return data[:where] + bytes([rng.randrange(256)]) + data[where:]
    if choice == 2 and data:
        return data[:where] + data[where + 1 :]
    return data[:where]


def test_mutated_bytes_get_the_same_reason_from_the_document_and_the_spec() -> None:
    """Given 3,000 mutations of the suite's operation encodings (seeded).

    When the spec and the document's codec decode each,
    Then both accept it (and the codec round-trips it) or both refuse it with one reason:
    the decoding order the document states is the spec's.
    """
    codec = WireCodec(DOCUMENT)
    rng = random.Random(8785)
    operations = [(e, d) for e, d in list_encodings() if len(d) < 4000]
    reasons: set[str | None] = set()
    for _ in range(3000):
        expression, data = rng.choice(operations)
        mutated = mutate(data, rng)
        reason = decode_by_spec(expression, mutated)
        assert decode_by_document(codec, expression, mutated) == reason, mutated.hex()
        reasons.add(reason)
    assert {"encoding_truncated", "encoding_trailing_bytes", "encoding_invalid_tag"} <= reasons


def evaluate(rule: HashRule, inputs: dict[str, Sample], codec: WireCodec) -> bytes:
    """Return a recipe's hash, encoding inputs with the document's codec."""
    types = dict(rule.inputs)
    data = b""
    for part in rule.parts:
        if isinstance(part, Constant):
            data += part.value
        elif isinstance(part, Encoded):
            data += codec.encode(types[part.input], inputs[part.input].document_value)
        else:
            data += inputs[part.input].raw
    return bytes(keccak256(data))


@pytest.mark.parametrize("rule", HASH_RULES, ids=[rule.name for rule in HASH_RULES])
def test_every_hash_recipe_gives_the_spec_functions_result(rule: HashRule) -> None:
    """Given a hash recipe and sample inputs.

    When the recipe is evaluated with the document's codec,
    Then it equals the result of the spec function it names.
    """
    codec = WireCodec(DOCUMENT)
    samples = make_sample_inputs(rule, codec)
    assert evaluate(rule, samples, codec) == bytes(call_spec_function(rule, samples))


def test_a_document_missing_a_field_fails_the_round_trip() -> None:
    """Given the document with the last field of ``Environment`` dropped (negative control).

    When its codec decodes the suite's settlement states,
    Then it no longer reproduces the bytes or the spec's verdict.
    """
    broken = copy.deepcopy(DOCUMENT)
    broken["types"]["Environment"]["fields"].pop()
    codec = WireCodec(broken)
    failures = 0
    states = [(e, d) for e, d in list_encodings() if e == "SettlementState"]
    for expression, data in states[:100]:
        try:
            same = decode_by_document(codec, expression, data) == decode_by_spec(expression, data)
        except AssertionError:
            same = False
        failures += not same
    assert failures > 0


def test_a_document_with_swapped_tags_fails_the_round_trip() -> None:
    """Given the document with the tags of two settlement operations swapped (negative control).

    When its codec decodes the suite's settlement operations,
    Then some operation decodes as the wrong variant, or not at all.
    """
    broken = copy.deepcopy(DOCUMENT)
    variants = broken["types"]["Operation"]["variants"]
    variants[1]["tag"], variants[2]["tag"] = variants[2]["tag"], variants[1]["tag"]
    codec = WireCodec(broken)
    failures = 0
    for expression, data in list_encodings():
        if expression == "Operation":
            try:
                failures += decode_by_document(codec, expression, data) != decode_by_spec(
                    expression, data
                )
            except (AssertionError, KeyError, TypeError):
                failures += 1
    assert failures > 0


def test_written_suite_ships_the_document(tmp_path: Path) -> None:
    """Given a suite of one vector written to a directory.

    When it is written and loaded back,
    Then ``wire-format.json`` is there, equal to the document, and is not read as a vector.
    """
    tiny = get_tiny_suite()
    path, vector = next(iter(tiny.vectors.items()))
    write_suite(Suite({path: vector}, tiny.coverage), tmp_path)
    assert json.loads((tmp_path / WIRE_FORMAT_FILE).read_text()) == DOCUMENT
    assert [name for name, _ in load_vectors(tmp_path)] == [path]
