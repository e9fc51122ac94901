"""The codec state machine (``spec.codec``): decode a named type, re-encode it."""

from __future__ import annotations

from spec.codec import CODEC_TYPES, SHARED_CODEC_TYPES, Decode, apply_decode
from spec.encoding import encode
from spec.environments.registry import KINDS
from spec.errors import RejectionReason
from spec.presets import TINY
from spec.primitives import Uint64
from tests.support import rejects


def test_decode_returns_the_canonical_bytes() -> None:
    """Given the bytes of a preset and of a Uint64.

    When each is decoded as its named type,
    Then the codec's state becomes those canonical bytes.
    """
    assert apply_decode(b"", Decode("Preset", encode(TINY))) == encode(TINY)
    assert apply_decode(b"old", Decode("Uint64", encode(Uint64(7)))) == encode(Uint64(7))


def test_type_list_is_the_shared_types_and_every_kinds() -> None:
    """Given the codec's type list.

    When it is compared with the shared types and each kind's codec types,
    Then it is exactly their union, and no kind's name shadows a shared one.
    """
    kind_names = [name for kind in KINDS.values() for name in kind.codec_types]
    assert not set(kind_names) & set(SHARED_CODEC_TYPES)
    assert set(CODEC_TYPES) == set(SHARED_CODEC_TYPES) | set(kind_names)


@rejects(RejectionReason.CODEC_UNKNOWN_TYPE)
def test_unknown_type_name_is_rejected() -> None:
    """Given a codec step naming a type outside the list (whatever its bytes).

    When it is applied,
    Then it is rejected with CODEC_UNKNOWN_TYPE.
    """
    apply_decode(b"", Decode("Uint128", bytes(16)))
