"""The reference node: a data directory and its control server.

- :mod:`reference.node.directory`: :class:`~reference.node.directory.Node`,
  the settlement simulator and one child chain ledger per environment, each
  of its environment's kind;
- :mod:`reference.node.server`: the JSON-lines control protocol, run as
  ``python -m reference.node.server DIRECTORY`` (the crash-safety test kills
  and restarts it);
- :mod:`reference.node.requests`: how the server reads a request line, with
  its size, nesting and number limits checked before parsing, and the typed
  errors of lines it cannot read.
"""
