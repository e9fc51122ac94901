"""The wire-format document: everything a decoder, an encoder and a hasher need, as JSON.

``plasma-spec vectors`` writes it beside every suite as ``wire-format.json``,
and the site renders it (:doc:`/reference/wire-format`). It is generated from
the spec, so it cannot drift from it:

- ``encoding``: how each kind of type is encoded (the rules of
  ``spec.encoding``, in words), and ``decoding_errors``: which error a
  decoder reports, and in which order the checks run;
- ``readable_views``: the JSON view of each kind of type (the ``view``
  fields of vectors, for people and diffs; the bytes are normative);
- ``types``: every type the vectors carry, by name (:mod:`conformance.wire_types`);
- ``areas``: each conformance area's state type, operation type and digest;
- ``codec_types``: the names a codec step may give, with their types;
- ``hashes``: every hash as a recipe (:mod:`conformance.wire_hashes`), and
  ``merkle``: the trees' prefixes, empty leaf, rules and uses
  (:mod:`conformance.wire_trees`);
- ``signatures``: the signature scheme and its checks;
- ``legend``: what the document's own fields mean.
"""

from __future__ import annotations

from conformance.areas import AREAS
from conformance.readable import EXACT_NUMBER_BITS, JsonValue
from conformance.wire_hashes import describe_hash_rules
from conformance.wire_trees import describe_merkle, describe_signatures
from conformance.wire_types import Namer, describe_types
from spec import SPEC_VERSION
from spec.codec import CODEC_TYPES
from spec.encoding import COUNT_TYPE, MAX_TAG
from spec.errors import RejectionReason

WIRE_FORMAT = "plasma-spec/wire-format/v1"
"""The ``format`` of the wire-format document."""

WIRE_FORMAT_FILE = "wire-format.json"
"""The file name a vector suite gives the document."""

ENCODING_RULES: dict[str, str] = {
    "uint": "`bytes` bytes, big-endian.",
    "bool": "One byte: 0x00 for false, 0x01 for true.",
    "fixed_bytes": "The `length` bytes as they are, with no prefix.",
    "bytes": "The length as a count (Uint32, big-endian), then the bytes.",
    "text": "The length in bytes as a count, then the UTF-8 bytes.",
    "enum": "One byte: the member's tag.",
    "struct": "Each field in the order listed, with nothing between them.",
    "union": "One byte: the variant's tag, then the variant's value.",
    "list": "The number of items as a count, then each item.",
    "tuple": "Each element in order; no count (the shape is fixed).",
    "map": (
        "The number of entries as a count, then each key followed by its value, the keys in "
        "strictly increasing order of their encodings (compared as byte strings)."
    ),
    "set": (
        "The number of members as a count, then each member, in strictly increasing order of "
        "their encodings."
    ),
    "optional": "0x00 for none, or 0x01 followed by the value.",
}
"""How each kind of type (a named type's ``kind``, or a container) is encoded."""

READABLE_VIEWS: dict[str, str] = {
    "uint": (
        "A JSON number up to `view_number_bytes` bytes wide; a wider one is a decimal "
        "string (JSON numbers are exact only up to 2**53)."
    ),
    "bool": "true or false.",
    "fixed_bytes": '"0x" followed by the bytes in lowercase hex.',
    "bytes": '"0x" followed by the bytes in lowercase hex (no count).',
    "text": "A JSON string.",
    "enum": "The member's `view` string.",
    "struct": "A JSON object with one member per field, named as the field.",
    "union": (
        'An object {"variant": V, "value": the variant\'s view}, where V is the variant type\'s '
        'name without any package prefix ("Block" for payments.Block).'
    ),
    "list": "A JSON array of the items' views.",
    "tuple": "A JSON array of the elements' views.",
    "map": "A JSON array of [key view, value view] pairs, in the order of the encoding.",
    "set": "A JSON array of the members' views, in the order of the encoding.",
    "optional": "null for none, or the value's view.",
}
"""The readable view of each kind of type: the ``view`` fields of vectors (not normative)."""

DECODING_ERRORS: list[tuple[RejectionReason, str]] = [
    (
        RejectionReason.ENCODING_TRUNCATED,
        "a value needs more bytes than are left; also a count (of a list, map, set, bytes or "
        "text) larger than the bytes left after it, reported when the count is read, before "
        "any item",
    ),
    (
        RejectionReason.ENCODING_INVALID_FLAG,
        "a bool or optional flag byte is neither 0x00 nor 0x01",
    ),
    (RejectionReason.ENCODING_INVALID_TAG, "a union or enum tag byte names no variant or member"),
    (
        RejectionReason.ENCODING_UNSORTED_KEYS,
        "a map key or set member whose encoding is not strictly greater than the one before "
        "it, reported as soon as that key is read (before its value)",
    ),
    (
        RejectionReason.ENCODING_INVALID_TEXT,
        "the bytes of a text are not UTF-8, reported after they are read",
    ),
    (RejectionReason.ENCODING_TRAILING_BYTES, "bytes are left after the whole value was read"),
]
"""The decoding errors, each with the situation that raises it."""

DECODING_ORDER = (
    "A decoder reads the bytes once, front to back, and reports the first error it meets: "
    "each check runs as soon as the bytes it needs have been read, in reading order, and "
    "trailing bytes are checked only after the whole value was read. A codec step naming an "
    "unknown type is refused (codec_unknown_type) before any byte is read."
)
"""Which decoding error is reported when several apply."""


LEGEND: dict[str, str] = {
    "types": (
        "Every named type: a struct's fields in encoding order, an enum's members or a "
        "union's variants with their one-byte tags, or a primitive's size."
    ),
    "type expression": (
        'A type name, or {"list": T}, {"tuple": [A, B, ...]}, {"map": {"key": K, "value": V}}, '
        '{"set": T} or {"optional": T}.'
    ),
    "areas[].digest": "The name of the area's state digest recipe in `hashes`.",
    "hashes[].parts": (
        "What is hashed, in order: a constant (its bytes, given in hex), an input's "
        "canonical encoding (`encoded`), or an input's bytes as they are (`raw`: a hash, or "
        "a byte string without its count)."
    ),
    "operation views": (
        "A vector step's operation gives `name`, the operation's type name without a package "
        "prefix (for a union, the variant's), and `view`, the view of that value (not the "
        "union's view); bytes that do not decode are named `undecodable` with view null."
    ),
}
"""What the document's own fields mean."""


def describe_areas(namer: Namer) -> list[JsonValue]:
    """Return each area's name, state type, operation type and digest rule."""
    digest_rules = {
        "settlement": "settlement state digest",
        "payments-chain": "payments-chain state digest",
        "cash-chain": "cash-chain state digest",
        "consensus": "consensus state digest",
        "codec": "codec state digest",
    }
    return [
        {
            "name": area.name,
            "state_type": namer.express(area.state_type),
            "operation_type": namer.express(area.operation_hint),
            "digest": digest_rules[area.name],
        }
        for area in AREAS.values()
    ]


def build_wire_format() -> dict[str, JsonValue]:
    """Return the wire-format document of this spec version."""
    roots = [hint for area in AREAS.values() for hint in (area.state_type, area.operation_hint)]
    namer, types = describe_types([*roots, *CODEC_TYPES.values()])
    return {
        "format": WIRE_FORMAT,
        "spec_version": SPEC_VERSION,
        "count_type": {"bytes": COUNT_TYPE.BITS // 8, "kind": "uint"},
        "max_tag": MAX_TAG,
        "encoding": dict(ENCODING_RULES),
        "readable_views": dict(READABLE_VIEWS),
        "view_number_bytes": EXACT_NUMBER_BITS // 8,
        "decoding_errors": [
            {"reason": reason.value, "when": when} for reason, when in DECODING_ERRORS
        ],
        "decoding_order": DECODING_ORDER,
        "types": types,
        "areas": describe_areas(namer),
        "codec_types": {name: namer.express(hint) for name, hint in CODEC_TYPES.items()},
        "hashes": describe_hash_rules(),
        "merkle": describe_merkle(),
        "signatures": describe_signatures(),
        "legend": dict(LEGEND),
    }
