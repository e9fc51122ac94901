"""Provenance hashing by RFC 8785: the canonical form, its shipped examples, and the hash.

The expected canonical texts below are written by hand from the rules of RFC
8785, not produced by the library under test, so a library that broke a rule
would fail here. The last tests show the examples discriminate: the
serialiser the suite used before (Python's ``json`` with sorted keys and ASCII
escapes) gets some of them wrong.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rfc8785

from conformance.canonical import (
    CANONICAL_EXAMPLES,
    build_canonical_examples,
    canonicalize,
    hash_canonical,
)
from conformance.suite import CANONICAL_EXAMPLES_FILE, Suite, load_vectors, write_suite
from conformance.trace import compute_content_hash
from tests.test_conformance_harness import get_tiny_suite

EXPECTED = {
    "member order": '{"A":3,"_":4,"a":2,"aa":5,"b":1}',
    "member order by UTF-16 code units": '{"\u00e9":4,"\u20ac":3,"\U0001f600":2,"\ufb33":1}',
    "nested members": '{"a":[],"z":{"x":false,"y":[3,{"a":null,"b":true}]}}',
    "control characters": '{"s":"tab\\tnew\\nunit\\u001fbell\\u0007"}',
    "characters left as they are": '{"s":"del\x7f slash/ e\u0301 \u00e9 \u20ac"}',
    "quote and backslash": '{"s":"say \\"hi\\" \\\\ ok"}',
    "integers": '{"n":[0,-1,1000000,9007199254740991,-9007199254740991]}',
    "whitespace between tokens": '{"e":{},"k":[1,2]}',
}


def python_sorted_ascii(value: object) -> bytes:
    """Return the serialisation the suite used before RFC 8785 (the negative control)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def test_every_example_has_a_hand_written_expectation() -> None:
    """Given the shipped examples, Then each has exactly one expectation here."""
    assert [name for name, _ in CANONICAL_EXAMPLES] == list(EXPECTED)


@pytest.mark.parametrize(("name", "text"), CANONICAL_EXAMPLES)
def test_canonical_form_follows_rfc_8785(name: str, text: str) -> None:
    """Given an example input.

    When it is parsed and canonicalised,
    Then the UTF-8 bytes are the hand-written canonical text.
    """
    assert canonicalize(json.loads(text)) == EXPECTED[name].encode("utf-8")


def test_shipped_examples_carry_their_canonical_text_and_hash() -> None:
    """Given the examples document.

    When each entry's input is parsed,
    Then its canonical text is the expected one and its hash the SHA-256 of that text.
    """
    document = build_canonical_examples()
    assert isinstance(document["examples"], list)
    for entry in document["examples"]:
        assert isinstance(entry, dict)
        name, canonical = str(entry["name"]), str(entry["canonical"])
        assert canonical == EXPECTED[name]
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        assert entry["sha256"] == f"sha256:{digest}"
        assert hash_canonical(json.loads(str(entry["input"]))) == entry["sha256"]


def test_the_examples_catch_a_sorted_ascii_serialiser() -> None:
    """Given the serialiser the suite used before (sorted keys, ASCII escapes).

    When it serialises the examples,
    Then it agrees on plain ASCII members but gets key order beyond the BMP and
    the non-ASCII characters wrong: the examples can fail a wrong canonicaliser.
    """
    wrong = {
        name
        for name, text in CANONICAL_EXAMPLES
        if python_sorted_ascii(json.loads(text)) != EXPECTED[name].encode("utf-8")
    }
    assert wrong == {"member order by UTF-16 code units", "characters left as they are"}


def test_integers_beyond_the_exact_range_are_refused() -> None:
    """Given an integer JSON numbers cannot hold exactly (2**53).

    When it is canonicalised,
    Then the canonicaliser refuses it rather than hashing a rounded number.
    """
    with pytest.raises(rfc8785.CanonicalizationError):
        canonicalize({"n": 2**53})


def test_a_vector_hash_is_the_hash_of_its_canonical_form() -> None:
    """Given a vector of the tiny suite.

    When its content hash is recomputed from the RFC 8785 form without that field,
    Then it is the recorded one.
    """
    vector = next(iter(get_tiny_suite().vectors.values()))
    provenance = vector["provenance"]
    assert isinstance(provenance, dict)
    without = {**vector, "provenance": {k: v for k, v in provenance.items() if k != "content_hash"}}
    digest = hashlib.sha256(rfc8785.dumps(without)).hexdigest()
    assert provenance["content_hash"] == f"sha256:{digest}" == compute_content_hash(vector)


def test_written_suite_ships_the_examples_and_loads_without_them(tmp_path: Path) -> None:
    """Given a suite of one vector written to a directory.

    When it is written and loaded back,
    Then the examples file is there, equal to the examples document, and is not
    mistaken for a vector.
    """
    tiny = get_tiny_suite()
    path, vector = next(iter(tiny.vectors.items()))
    write_suite(Suite({path: vector}, tiny.coverage), tmp_path)
    shipped = json.loads((tmp_path / CANONICAL_EXAMPLES_FILE).read_text(encoding="utf-8"))
    assert shipped == build_canonical_examples()
    assert [name for name, _ in load_vectors(tmp_path)] == [path]
