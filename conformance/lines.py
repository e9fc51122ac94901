"""Reading the adapters' JSON-lines requests: the node server's reader, with the adapters' limits.

The bundled adapters (``conformance.reference_adapter``,
``conformance.faulty_adapter``) read requests exactly as the reference node's
server does (``reference.node.requests``): lines read as bytes with a length
cap, UTF-8 decoded here (the locale plays no part), nesting depth and number
literals measured before ``json.loads``, and a typed error for every line
that is not a request. Only the default limits differ: an adapter's requests
carry readable views, which nest deeper than the server's flat requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from reference.node.requests import Limits, RequestError, parse_request, read_line

ADAPTER_LIMITS = Limits(max_line_bytes=64 * 1024 * 1024, max_depth=64, max_digits=100)
"""The adapters' default limits: 64 MiB lines (the largest vector is under 1 MiB), nesting 64
deep (a readable view nests about 10 deep), numbers of 100 digits (a Uint256 has 78)."""


def read_requests(stream: IO[bytes], limits: Limits) -> Iterator[dict[str, Any] | RequestError]:
    """Yield each line's request, or the error it deserves, until the end of input."""
    while (data := read_line(stream, limits.max_line_bytes)) is not None:
        try:
            yield parse_request(data, limits)
        except RequestError as error:
            yield error
