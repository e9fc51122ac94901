r"""Canonical JSON: the bytes a vector's provenance hash is taken over.

A vector's ``provenance.content_hash`` is the SHA-256 of the vector, without
that one field, in the JSON Canonicalization Scheme of RFC 8785 (JCS):

- object members sorted by their names compared as UTF-16 code units;
- no whitespace; strings in UTF-8, escaping only ``"``, ``\`` and the
  control characters below U+0020 (``\b \t \n \f \r`` by name, the others
  as ``\u00xx`` in lowercase hex); DEL, ``/`` and every non-ASCII character
  as themselves;
- numbers as ECMAScript prints them. Vectors hold no fractions and no integer
  beyond 2**53 - 1 in magnitude (wider integers are decimal strings), so every
  number is printed as its plain decimal digits.

The canonical form is made by the ``rfc8785`` package (Trail of Bits), not by
code of ours. :data:`CANONICAL_EXAMPLES` are inputs chosen where a hand-made
canonicaliser tends to go wrong (key order beyond the Basic Multilingual
Plane, escapes, whitespace); :func:`build_canonical_examples` gives them with
their canonical text and hash, the file ``canonical-json.json`` of every
vector suite, so an implementer can test their own canonicaliser.
"""

from __future__ import annotations

import hashlib
import json

import rfc8785

from conformance.readable import JsonValue

STANDARD = "RFC 8785 (JSON Canonicalization Scheme)"
"""The standard the content hash follows."""

CANONICAL_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("member order", '{"b": 1, "a": 2, "A": 3, "_": 4, "aa": 5}'),
    (
        "member order by UTF-16 code units",
        '{"\\ufb33": 1, "\\ud83d\\ude00": 2, "\\u20ac": 3, "\\u00e9": 4}',
    ),
    ("nested members", '{"z": {"y": [3, {"b": true, "a": null}], "x": false}, "a": []}'),
    ("control characters", '{"s": "tab\\tnew\\nunit\\u001fbell\\u0007"}'),
    ("characters left as they are", '{"s": "del\\u007f slash\\/ e\\u0301 \\u00e9 \\u20ac"}'),
    ("quote and backslash", '{"s": "say \\"hi\\" \\\\ ok"}'),
    ("integers", '{"n": [0, -1, 1000000, 9007199254740991, -9007199254740991]}'),
    ("whitespace between tokens", ' {\n "k" :\t[ 1 , 2 ] ,"e" : { } }\r\n'),
)
"""Canonicalisation examples: (name, JSON text)."""


def canonicalize(value: JsonValue) -> bytes:
    """Return ``value`` in RFC 8785 canonical form, as UTF-8 bytes.

    Raises:
        rfc8785.CanonicalizationError: for a value JSON cannot hold exactly (an
            integer beyond 2**53 - 1 in magnitude, a float that is not finite).
    """
    return rfc8785.dumps(value)


def hash_canonical(value: JsonValue) -> str:
    """Return ``sha256:`` and the hex SHA-256 of ``value``'s canonical form."""
    return "sha256:" + hashlib.sha256(canonicalize(value)).hexdigest()


def build_canonical_examples() -> dict[str, JsonValue]:
    """Return the examples document: each input with its canonical text and hash."""
    examples: list[JsonValue] = []
    for name, text in CANONICAL_EXAMPLES:
        value = json.loads(text)
        examples.append(
            {
                "name": name,
                "input": text,
                "canonical": canonicalize(value).decode("utf-8"),
                "sha256": hash_canonical(value),
            }
        )
    return {
        "standard": STANDARD,
        "description": (
            "Parse each input, canonicalise it; the UTF-8 bytes must equal `canonical`, "
            "and their SHA-256 must equal `sha256`."
        ),
        "examples": examples,
    }
