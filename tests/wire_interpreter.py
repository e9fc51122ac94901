"""A codec driven only by the wire-format document: what an implementer would write from it.

It imports nothing of ``spec.encoding``: it reads type descriptions and the
count width from the document, decodes bytes into plain values (ints, bools,
bytes, text, lists, dicts of fields, ``(tag, value)`` for unions and enums,
``None`` or ``("some", value)`` for optionals, lists of pairs for maps) and
encodes them back. Its errors name the document's decoding reasons, raised
at the point the document says (:data:`conformance.wire_format.DECODING_ORDER`).
"""

from __future__ import annotations

from typing import Any


class WireError(Exception):
    """Bytes the document's rules refuse; ``reason`` is a decoding error's name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WireCodec:
    """Decoder and encoder of any type expression of a wire-format document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.types: dict[str, Any] = document["types"]
        self.count_bytes: int = document["count_type"]["bytes"]
        self.data = b""
        self.offset = 0

    def decode(self, expression: Any, data: bytes) -> Any:
        """Return the value of ``expression`` encoded exactly by ``data``."""
        self.data, self.offset = data, 0
        value = self.read(expression)
        if self.offset != len(data):
            raise WireError("encoding_trailing_bytes")
        return value

    def take(self, length: int) -> bytes:
        """Consume ``length`` bytes."""
        if len(self.data) - self.offset < length:
            raise WireError("encoding_truncated")
        chunk = self.data[self.offset : self.offset + length]
        self.offset += length
        return chunk

    def take_count(self) -> int:
        """Consume a count, which cannot exceed the bytes left."""
        count = int.from_bytes(self.take(self.count_bytes), "big")
        if count > len(self.data) - self.offset:
            raise WireError("encoding_truncated")
        return count

    def take_flag(self) -> bool:
        """Consume a 0x00/0x01 byte."""
        byte = self.take(1)[0]
        if byte > 1:
            raise WireError("encoding_invalid_flag")
        return byte == 1

    def read(self, expression: Any) -> Any:
        """Consume one value of a type expression."""
        if isinstance(expression, str):
            return self.read_named(self.types[expression])
        (container, inner), *_ = expression.items()
        if container == "optional":
            return ("some", self.read(inner)) if self.take_flag() else None
        if container == "list":
            return [self.read(inner) for _ in range(self.take_count())]
        if container == "tuple":
            return [self.read(item) for item in inner]
        if container == "set":
            return [key for key, _ in self.read_sorted(inner, None)]
        return self.read_sorted(inner["key"], inner["value"])

    def read_sorted(self, key: Any, value: Any) -> list[tuple[Any, Any]]:
        """Consume a count, then keys in strictly increasing byte order (and their values)."""
        pairs: list[tuple[Any, Any]] = []
        previous: bytes | None = None
        for _ in range(self.take_count()):
            start = self.offset
            item = self.read(key)
            if previous is not None and self.data[start : self.offset] <= previous:
                raise WireError("encoding_unsorted_keys")
            previous = self.data[start : self.offset]
            pairs.append((item, None if value is None else self.read(value)))
        return pairs

    def read_named(self, description: dict[str, Any]) -> Any:
        """Consume one value of a named type."""
        kind = description["kind"]
        if kind == "struct":
            return {field["name"]: self.read(field["type"]) for field in description["fields"]}
        if kind in ("union", "enum"):
            tag = self.take(1)[0]
            arms = description["variants" if kind == "union" else "members"]
            arm = next((arm for arm in arms if arm["tag"] == tag), None)
            if arm is None:
                raise WireError("encoding_invalid_tag")
            return (tag, self.read(arm["type"]) if kind == "union" else arm["name"])
        if kind == "bool":
            return self.take_flag()
        if kind == "uint":
            return int.from_bytes(self.take(description["bytes"]), "big")
        if kind == "fixed_bytes":
            return self.take(description["length"])
        data = self.take(self.take_count())
        if kind == "bytes":
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise WireError("encoding_invalid_text") from None

    def encode(self, expression: Any, value: Any) -> bytes:
        """Return the encoding of a value this codec decoded."""
        if isinstance(expression, str):
            return self.encode_named(self.types[expression], value)
        (container, inner), *_ = expression.items()
        if container == "optional":
            return b"\x00" if value is None else b"\x01" + self.encode(inner, value[1])
        if container == "tuple":
            return b"".join(
                self.encode(item, part) for item, part in zip(inner, value, strict=True)
            )
        if container in ("list", "set"):
            items = [self.encode(inner, item) for item in value]
        else:
            items = [
                self.encode(inner["key"], key) + self.encode(inner["value"], item)
                for key, item in value
            ]
        return self.count(len(items)) + b"".join(items)

    def count(self, number: int) -> bytes:
        """Return a count's bytes."""
        return number.to_bytes(self.count_bytes, "big")

    def encode_named(self, description: dict[str, Any], value: Any) -> bytes:
        """Return the encoding of a named type's value."""
        kind = description["kind"]
        if kind == "struct":
            fields = description["fields"]
            return b"".join(self.encode(field["type"], value[field["name"]]) for field in fields)
        if kind == "union":
            tag, inner = value
            arm = next(arm for arm in description["variants"] if arm["tag"] == tag)
            return bytes([tag]) + self.encode(arm["type"], inner)
        if kind == "enum":
            return bytes([value[0]])
        if kind == "bool":
            return b"\x01" if value else b"\x00"
        if kind == "uint":
            return int(value).to_bytes(description["bytes"], "big")
        if kind == "fixed_bytes":
            return bytes(value)
        data = bytes(value) if kind == "bytes" else str(value).encode("utf-8")
        return self.count(len(data)) + data
