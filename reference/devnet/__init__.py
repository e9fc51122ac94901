"""The local devnet behind ``plasma-spec devnet``: every party on one machine, and a demo.

- :mod:`reference.devnet.network`: :class:`~reference.devnet.network.Devnet`,
  the parties wired together, and the actions a demo needs;
- :mod:`reference.devnet.cash_network`: the Plasma Cash environment's parties
  (:class:`~reference.devnet.cash_network.CashParties`);
- :mod:`reference.devnet.script`: the demo's steps (payments, two attacks,
  the watchers' answers), followed by the withheld-block story of
  :mod:`reference.devnet.withheld_script` (a payment exited in flight) and the Cash story of
  :mod:`reference.devnet.cash_script` (coin transfers, a griefing challenge,
  a stolen coin recovered);
- :mod:`reference.devnet.report`: running the demo, its summary and its
  checks, with the withheld-block story's in
  :mod:`reference.devnet.withheld_report` and the Cash story's in
  :mod:`reference.devnet.cash_report`.
"""
