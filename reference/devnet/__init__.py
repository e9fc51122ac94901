"""The local devnet behind ``plasma-spec devnet``: every party on one machine, and a demo.

- :mod:`reference.devnet.network`: :class:`~reference.devnet.network.Devnet`,
  the parties wired together, and the actions a demo needs;
- :mod:`reference.devnet.script`: the demo's steps (payments, two attacks,
  the watchers' answers);
- :mod:`reference.devnet.report`: running the demo, its summary and its checks.
"""
