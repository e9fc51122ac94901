"""The reference node: a data directory and its control server.

- :mod:`reference.node.directory`: :class:`~reference.node.directory.Node`,
  the settlement simulator and one child chain ledger per environment, each
  of its environment's kind;
- :mod:`reference.node.server`: the JSON-lines control protocol, run as
  ``python -m reference.node.server DIRECTORY`` (the crash-safety test kills
  and restarts it).
"""
