"""The conformance kit: vectors, an adapter protocol and a differential harness.

An implementation of Plasma in any language proves it follows the spec in two
ways:

- **static vectors** (``plasma-spec vectors``): JSON traces, each a preset, an
  initial state and a list of steps with the outcome and state digest the spec
  expects after each one (``conformance/CONSUMING.md`` says how to run them);
- **a live harness** (``plasma-spec conform``): the implementation runs as a
  subprocess speaking JSON lines (``conformance/PROTOCOL.md``); the harness
  replays the vectors, then random differential traces, and reduces any
  disagreement to a minimal reproducing vector with a field-level diff.

The kit treats ``reference/`` like any outside implementation: through its
adapter (``python -m conformance.reference_adapter``), never through
shortcuts. ``spec/`` knows nothing of the kit.
"""

FORMAT = "plasma-spec/conformance-trace/v1"
"""Name and version of the vector format; every vector's ``format`` field holds it."""

PROTOCOL = "plasma-spec/adapter/v1"
"""Name and version of the adapter protocol spoken over JSON lines."""
