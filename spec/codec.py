"""The codec as a state machine: decode bytes as a named protocol type, re-encode them.

The canonical encoding (``spec.encoding``) is tested by itself in the
conformance kit's ``codec`` area, because some of its rules can only be seen
there: no protocol operation holds a bare boolean, so a flag byte other than
0 and 1 (``ENCODING_INVALID_FLAG``) needs a decode of its own. A
:class:`Decode` step names a type of :data:`CODEC_TYPES` and gives bytes; the
state is the canonical bytes of the last value decoded, and its digest is
keccak-256 of :data:`CODEC_DIGEST_DOMAIN` followed by those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spec.crypto import keccak256
from spec.encoding import decode_as, encode
from spec.environments.registry import KINDS
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import Address, Hash32, Signature, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation


@dataclass(frozen=True)
class Decode:
    """Codec step: decode ``data`` as the type named ``type_name``, then re-encode it."""

    type_name: str
    """A name of the codec's type list (:data:`CODEC_TYPES`, ``codec_types`` of the wire format)."""
    data: bytes
    """The bytes to decode."""


SHARED_CODEC_TYPES: dict[str, Any] = {
    "bool": bool,
    "Uint8": Uint8,
    "Uint16": Uint16,
    "Uint32": Uint32,
    "Uint64": Uint64,
    "Uint256": Uint256,
    "Address": Address,
    "Hash32": Hash32,
    "Signature": Signature,
    "bytes": bytes,
    "str": str,
    "OutputPosition": OutputPosition,
    "Preset": Preset,
    "Operation": Operation,
    "SettlementState": SettlementState,
}
"""The types every deployment has: primitives, presets, settlement operations and state."""

CODEC_TYPES: dict[str, Any] = {
    **SHARED_CODEC_TYPES,
    **{name: hint for kind in KINDS.values() for name, hint in kind.codec_types.items()},
}
"""Every type a codec step may name: the shared ones and each environment kind's."""

CODEC_DIGEST_DOMAIN = b"plasma-spec/conformance/codec/v1"
"""Domain tag of the codec area's state digest."""


def apply_decode(state: bytes, operation: Decode) -> bytes:
    """Decode ``operation.data`` as its named type; return the value's canonical bytes.

    Raises:
        Rejected: ``CODEC_UNKNOWN_TYPE``; any ``ENCODING_*`` reason of
            ``spec.encoding.decode_as``.
    """
    # Verify the step names a type of the codec's type list
    require(operation.type_name in CODEC_TYPES, RejectionReason.CODEC_UNKNOWN_TYPE)
    hint = CODEC_TYPES[operation.type_name]
    return encode(decode_as(hint, operation.data), hint)


def compute_codec_digest(state: bytes) -> Hash32:
    """Return the digest of the codec area's state: the last value's canonical bytes."""
    return keccak256(CODEC_DIGEST_DOMAIN + state)
